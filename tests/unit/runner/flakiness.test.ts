// --repeat's stability score and the quarantine tag, through the runner service in this thread.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runTests, type TestRunOptions } from '../../../src-main/core/runner/service'
import { countedFailures, type TestCaseReport, type TestRunReport } from '../../../src-main/core/runner/model'
import { tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
beforeEach(() => {
  ws = tempWorkspace()
  // The retry's jitter differs per repetition (each has its own seed), so the duration does too.
  ws.write('flows/jitter.flow.yaml', `name: Jitter
initial_state: call
states:
  call:
    type: integration
    config: { integration_id: api, retries: 1 }
    transitions:
      - { condition: integration_success, target_state: check }
      - { condition: integration_error, target_state: slow }
  check:
    type: condition
    config:
      conditions: [{ left: "{integration_results.api.duration_ms}", operator: lt, right: 75 }]
    transitions:
      - { condition: condition_true, target_state: fast }
      - { condition: condition_false, target_state: slow }
  fast: { type: end, config: { response_templates: { default: fast } } }
  slow: { type: end, config: { response_templates: { default: slow } } }
`)
})
afterEach(() => ws.dispose())

const run = (options: Partial<TestRunOptions> = {}) => runTests({ root: ws.root, workers: 1, ...options })
const byName = (r: TestRunReport): Record<string, TestCaseReport> => Object.fromEntries(r.suites.flatMap((s) => s.tests).map((t) => [t.name, t]))

function suite(flakyTags: string[], steadyTags: string[] = [], steadyExpect = '{ ended: true }'): string {
  return `flow: ../flows/jitter.flow.yaml
mocks: { integrations: { api: [ { fail: error }, { respond: {} } ] } }
tests:
  - name: flaky
    tags: [${flakyTags.join(', ')}]
    steps: [{ expect: { state: fast } }]
  - name: steady
    tags: [${steadyTags.join(', ')}]
    steps: [{ expect: ${steadyExpect} }]
`
}

describe('stability score', () => {
  it('is the share of runs with the most common outcome: below 1 exactly when the test is flaky', async () => {
    ws.write('tests/t.test.yaml', suite([]))
    const t = byName(await run({ repeat: 10 }))
    const st = t.flaky!.stability!
    expect(st.flaky).toBe(true)
    expect(st.score).toBe(Math.max(st.passed, st.failed, st.errors) / 10)
    expect(st.score).toBeLessThan(1)
    expect(st.score).toBeGreaterThanOrEqual(0.5)
    expect(t.steady!.stability).toMatchObject({ flaky: false, score: 1 })
  })

  it('is 1 for a test that fails every time (stable, not flaky)', async () => {
    ws.write('tests/t.test.yaml', suite([], [], '{ state: nowhere }'))
    const st = byName(await run({ repeat: 4 })).steady!.stability!
    expect(st).toEqual({ runs: 4, passed: 0, failed: 4, errors: 0, flaky: false, score: 1 })
  })
})

describe('quarantine', () => {
  it('marks tests tagged quarantine and counts their failures apart', async () => {
    ws.write('tests/t.test.yaml', suite(['quarantine', 'timing']))
    const report = await run({ repeat: 6 })
    const t = byName(report)
    expect(t.flaky!.quarantined).toBe(true)
    expect(t.flaky!.status).toBe('failed')
    expect(t.steady!.quarantined).toBeUndefined()
    expect(report.summary.failed).toBe(1)
    expect(report.quarantined).toEqual({ total: 1, failed: 1 })
    expect(countedFailures(report)).toBe(0)
  })

  it('a quarantined test that passes, or is skipped, is still marked and never counted as a failure', async () => {
    ws.write('tests/t.test.yaml', suite(['timing'], ['quarantine']))
    const report = await run({ tags: ['quarantine'] })
    const t = byName(report)
    expect(t.steady).toMatchObject({ status: 'passed', quarantined: true })
    expect(t.flaky).toMatchObject({ status: 'skipped' })
    expect(report.quarantined).toEqual({ total: 1, failed: 0 })
    expect(countedFailures(report)).toBe(0)
  })
})
