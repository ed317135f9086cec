// The execution half on its own: what a worker thread runs for a batch.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parse } from 'yaml'
import { describe, expect, it } from 'vitest'
import { cancelBatches, createBatchControl, FlowCache, runTestBatch, setBailPoint, Watchdog, type BatchOptions, type TestBatch } from '../../../src-main/core/runner/batch'
import { planSuite } from '../../../src-main/core/runner/plan'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { TestSuiteDocument } from '../../../src-main/common/test-schema'
import { FIXTURES } from './helpers'

const support = parse(readFileSync(join(FIXTURES, 'flows/support.flow.yaml'), 'utf8')) as FlowDocument
const options: BatchOptions = { repeat: 1, bail: false, transcripts: 'failures', testTimeoutMs: 10_000 }

function batch(tests: TestSuiteDocument['tests'], extra: Partial<TestBatch> = {}): TestBatch {
  const planned = planSuite({ flow: 'x', tests }, 0, 'support', 0)
  planned.forEach((t, i) => (t.index = 10 + i))
  return { flows: { support }, tests: planned, options, ...extra }
}

const helps = (name: string) => ({ name, steps: [{ user: 'I need help', expect: { state: 'help_response' } }] })
const fails = (name: string) => ({ name, steps: [{ user: 'I need help', expect: { state: 'nowhere' } }] })

describe('runTestBatch', () => {
  it('returns outcomes in order and the coverage of the tests it ran', async () => {
    const result = await runTestBatch(batch([helps('a'), fails('b')]), new FlowCache())
    expect(result.first).toBe(10)
    expect(result.outcomes.map((o) => [o.index, o.status])).toEqual([[10, 'passed'], [11, 'failed']])
    expect(result.outcomes[1]!.failures[0]).toMatchObject({ step: 0, input: 'I need help', action: 'user', field: 'state' })
    expect(result.outcomes[1]!.transcript!.map((t) => t.step)).toEqual([null, 0])
    expect(result.coverage.support!.states.sort()).toEqual(['greeting', 'help_response'])
    expect(result.coverage.support!.transitions).toEqual(['greeting -> help_response [intent_match help]'])
  })

  it('stops at the first failure under bail', async () => {
    const result = await runTestBatch(batch([helps('a'), fails('b'), helps('c')], { options: { ...options, bail: true } }), new FlowCache())
    expect(result.outcomes.map((o) => o.status)).toEqual(['passed', 'failed'])
  })

  it('the control block stops a batch (cancellation) or skips tests past the bail point', async () => {
    const control = createBatchControl()
    setBailPoint(control, 11)
    const cut = await runTestBatch(batch([helps('a'), helps('b'), helps('c')], { control }), new FlowCache())
    expect(cut.outcomes.map((o) => o.index)).toEqual([10, 11])
    cancelBatches(control)
    const cancelled = await runTestBatch(batch([helps('a')], { control }), new FlowCache())
    expect(cancelled.outcomes).toEqual([])
  })

  it('a flow that does not compile errors its tests', async () => {
    const broken = { ...support, initial_state: 'nowhere' }
    const result = await runTestBatch(batch([helps('a')], { flows: { support: broken } }), new FlowCache())
    expect(result.outcomes[0]).toMatchObject({ status: 'error' })
    expect(result.outcomes[0]!.error).toContain('does not compile')
  })
})

describe('Watchdog', () => {
  it('abandons a run that never finishes', async () => {
    const watchdog = new Watchdog(30)
    try {
      const result = await watchdog.guard(() => new Promise(() => undefined))
      expect(result.status).toBe('error')
      expect(result.error).toContain('did not finish within 30 ms')
    } finally {
      watchdog.stop()
    }
  })
})
