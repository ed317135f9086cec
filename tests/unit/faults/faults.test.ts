import { afterAll, describe, expect, it } from 'vitest'
import { runFaults, faultAnswer } from '../../../src-main/core/faults'
import { renderFaultTable, faultSection } from '../../../src-main/core/faults/report'
import { resolveWorkerFile, TestPool } from '../../../src-main/core/pool/pool'
import { FLOW, writeFixture } from '../mutate/fixture'

// The lookup state handles nothing but success: every fault ends in no_transition.
const bare = writeFixture()
// With a failure branch: error/timeout/network are handled; malformed data is taken as a success.
const handled = writeFixture(undefined, FLOW.replace(
  `      - condition: integration_success
        target_state: status_reply`,
  `      - condition: integration_success
        target_state: status_reply
      - condition: integration_error
        target_state: done`,
))
afterAll(() => {
  bare.dispose()
  handled.dispose()
})

describe('fault matrix', () => {
  it('reports a state without a failure branch as no_transition, with the tests that broke', async () => {
    const m = await runFaults({ root: bare.root })
    expect(m.tests).toBe(1)
    expect(m.runs).toBe(4)
    expect(m.states).toHaveLength(1)
    const s = m.states[0]!
    expect(s).toMatchObject({ flow: 'flows/orders.flow.yaml', state: 'lookup', integration: 'orders_api' })
    expect(s.line).toBeGreaterThan(1)
    for (const kind of ['error', 'timeout', 'network'] as const) {
      expect(s.kinds[kind].outcome).toBe('no_transition')
      expect(s.kinds[kind].broken).toEqual([expect.objectContaining({ file: 'tests/orders.test.yaml', name: 'asks for status', status: 'failed' })])
    }
    // malformed data: a 200 without the mapped field; the flow carries on with the variable missing
    expect(s.kinds.malformed.outcome).toBe('unnoticed')
    expect(s.kinds.malformed.handled_by).toEqual(['lookup -> status_reply [integration_success]'])
    expect(m.unhandled).toBe(3)
    const table = renderFaultTable(m)
    expect(table).toMatch(/flows\/orders\.flow\.yaml:\d+:\d+ lookup → orders_api/)
    expect(table).toMatch(/timeout\s+NO TRANSITION/)
    expect(faultSection(m)).toContain('id="faults"')
  })

  it('names the transition that handles each failure', async () => {
    const m = await runFaults({ root: handled.root })
    const s = m.states[0]!
    for (const kind of ['error', 'timeout', 'network'] as const) {
      expect(s.kinds[kind]).toMatchObject({ outcome: 'handled', handled_by: ['lookup -> done [integration_error]'], tests: 1 })
    }
    expect(m.unhandled).toBe(0)
  })

  it('malformed is a non-response for integrations whose states map nothing', () => {
    expect(faultAnswer('malformed', [])).toEqual({ fail: 'malformed' })
    expect(faultAnswer('malformed', ['data.x'])).toMatchObject({ respond: { status_code: 200 } })
    expect(faultAnswer('timeout', ['data.x'])).toEqual({ fail: 'timeout' })
  })

  it('gives the same matrix on the worker pool', async () => {
    const pool = new TestPool({ threads: 2, workerFile: resolveWorkerFile() })
    try {
      expect(await runFaults({ root: bare.root, pool })).toEqual(await runFaults({ root: bare.root }))
    } finally {
      await pool.destroy()
    }
  })
})
