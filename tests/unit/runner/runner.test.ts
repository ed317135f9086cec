// The runner service end to end in this thread: real files, the real loader and engine.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runTests, TestRunInputError, type TestRunOptions } from '../../../src-main/core/runner/service'
import type { RunEvent, TestCaseReport, TestRunReport } from '../../../src-main/core/runner/model'
import { tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
beforeEach(() => {
  ws = tempWorkspace()
})
afterEach(() => ws.dispose())

const run = (options: Partial<TestRunOptions> = {}) => runTests({ root: ws.root, workers: 1, ...options }, { version: '9.9.9' })

function tests(report: TestRunReport): Record<string, TestCaseReport> {
  return Object.fromEntries(report.suites.flatMap((s) => s.tests.map((t) => [t.name, t])))
}

const SUPPORT = `flow: ../flows/support.flow.yaml
name: Support flow
tests:
  - name: greets and helps
    tags: [smoke]
    steps:
      - expect: { state: greeting, reply: "Hello! How can I help you today?" }
      - user: "I need help"
        expect: { intent: help, state: help_response, reply: { contains: "here to help" }, ended: true }
  - name: wrong in two ways
    steps:
      - user: "what is the weather"
        expect: { state: fallback_response }
      - user: "bye now"
        expect:
          state: help_response
          reply: "I'm here to help."
          ended: true
      - user: "never sent"
  - name: unexpected turn error
    steps:
      - user: "bye"
      - user: "hello?"
  - name: expected turn error
    steps:
      - user: "bye"
      - user: "hello?"
        expect: { error: conversation_ended, no_reply: true }
  - name: skipped on purpose
    skip: true
    steps:
      - user: "hi"
`

describe('outcomes and failures', () => {
  it('passed, failed (every failing field of the step, test stops there), error, skipped', async () => {
    ws.write('tests/support.test.yaml', SUPPORT)
    const report = await run({ transcripts: 'all' })
    const t = tests(report)
    expect(report.summary).toEqual({ total: 5, passed: 2, failed: 2, errors: 0, skipped: 1 })
    expect(t['greets and helps']!.status).toBe('passed')

    const wrong = t['wrong in two ways']!
    expect(wrong.status).toBe('failed')
    expect(wrong.failures.map((f) => f.field)).toEqual(['state', 'reply'])
    expect(wrong.failures[0]).toMatchObject({ step: 1, input: 'bye now', field: 'state', expected: 'help_response', actual: 'goodbye' })
    expect(wrong.failures[1]).toMatchObject({ step: 1, field: 'reply', expected: "I'm here to help.", actual: 'Goodbye!' })
    expect(wrong.failures[0]!.message).toContain('help_response')
    // Placed in the file: the step `- user: "bye now"` is on line 14.
    expect(wrong.failures[0]).toMatchObject({ line: 14, column: 9 })
    expect(wrong.line).toBe(10)
    // Stopped at step 1: start plus two turns, "never sent" never sent.
    expect(wrong.transcript!.map((turn) => turn.input)).toEqual([null, 'what is the weather', 'bye now'])

    const unexpected = t['unexpected turn error']!
    expect(unexpected.status).toBe('failed')
    expect(unexpected.failures).toEqual([expect.objectContaining({ step: 1, input: 'hello?', field: 'error', expected: null, actual: 'conversation_ended' })])
    expect(t['expected turn error']!.status).toBe('passed')
    expect(t['skipped on purpose']).toMatchObject({ status: 'skipped', skip_reason: 'skip' })
  })

  it('reports paths relative to the workspace root, and the contract fields', async () => {
    ws.write('tests/support.test.yaml', SUPPORT)
    const report = await run()
    expect(report).toMatchObject({ tool: 'flowbench', version: '9.9.9', files: 1, workers: 1, repeat: 1, bailed: false, cancelled: false })
    expect(report.suites[0]).toMatchObject({ file: 'tests/support.test.yaml', flow: 'flows/support.flow.yaml', name: 'Support flow' })
    expect(Date.parse(report.started_at)).not.toBeNaN()
    expect(report.duration_ms).toBeGreaterThanOrEqual(0)
  })

  it('keeps transcripts of failed tests only, by default', async () => {
    ws.write('tests/support.test.yaml', SUPPORT)
    const t = tests(await run())
    expect(t['greets and helps']!.transcript).toBeUndefined()
    expect(t['wrong in two ways']!.transcript).toHaveLength(3)
    expect(t['wrong in two ways']!.transcript![2]).toMatchObject({ step: 1, input: 'bye now', state: 'goodbye', path: ['goodbye'] })
    const none = tests(await run({ transcripts: 'none' }))
    expect(none['wrong in two ways']!.transcript).toBeUndefined()
  })

  it('errors: a strict NLU miss, an integration nobody mocks, a wrong matcher', async () => {
    ws.write('tests/errors.test.yaml', `flow: ../flows/orders.flow.yaml
tests:
  - name: strict miss
    mocks: { nlu_strict: true, nlu: { "where is my order": { intent: status } } }
    steps:
      - user: "blah"
  - name: no mock
    steps:
      - user: "where is my order"
  - name: bad bound
    steps:
      - expect: { confidence: { gte: "high" } }
`)
    const t = tests(await run())
    expect(t['strict miss']).toMatchObject({ status: 'error', error_step: 0 })
    expect(t['strict miss']!.error).toContain('"blah"')
    expect(t['no mock']).toMatchObject({ status: 'error', error_step: 0 })
    expect(t['no mock']!.error).toContain('order_api')
    expect(t['bad bound']).toMatchObject({ status: 'error' })
    expect(t['bad bound']!.error).toContain('gte')
  })
})

describe('mocks, events and time', () => {
  it('integration sequences, delays on the fake clock, timeouts and failures', async () => {
    ws.write('tests/orders.test.yaml', `flow: ../flows/orders.flow.yaml
mocks:
  integrations:
    order_api:
      - respond: { data: { status: shipped }, delay_ms: 20 }
tests:
  - name: answered
    user_id: u1
    steps:
      - user: "where is my order"
        expect:
          state: status_reply
          reply: "Your order is shipped."
          variables: { order_state: shipped }
          integration_calls: [{ id: order_api, request: { user: u1, kind: status } }]
  - name: timeout
    mocks: { integrations: { order_api: { fail: timeout } } }
    steps:
      - user: "where is my order"
        expect: { state: lookup_failed }
  - name: error, then the retry answers
    mocks: { integrations: { order_api: [ { fail: error }, { respond: { data: { status: late } } } ] } }
    steps:
      - user: "where is my order"
        expect: { state: status_reply, variables: { order_state: late } }
  - name: network, then malformed
    mocks: { integrations: { order_api: [ { fail: network }, { fail: malformed } ] } }
    steps:
      - user: "where is my order"
        expect: { state: lookup_failed, integration_calls: [{ id: order_api, success: false }] }
  - name: a slow answer loses to the timeout
    mocks: { integrations: { order_api: { respond: { data: { status: x }, delay_ms: 5000 } } } }
    steps:
      - user: "where is my order"
        expect: { state: lookup_failed }
  - name: slots
    steps:
      - user: "I want to order"
        expect: { state: take_order, reply: "What size would you like?", missing_slots: [size] }
      - user: "large please"
        expect: { state: confirm, slots: { size: large }, entities: { size: large }, ended: true }
  - name: wait fires the timeout
    steps:
      - wait: 59s
        expect: { no_reply: true, state: welcome, path: [] }
      - wait: 1s
        expect: { state: nudge, reply: "Still there?" }
`)
    const report = await run()
    expect(Object.values(tests(report)).filter((t) => t.status !== 'passed').map((t) => [t.name, t.failures, t.error])).toEqual([])
  })

  it('approve and reject a workflow gate', async () => {
    ws.write('tests/refund.test.yaml', `flow: ../flows/refund.flow.yaml
mocks:
  integrations:
    refund_api: { respond: { data: { ok: true } } }
tests:
  - name: approved
    steps:
      - expect: { state: refund, workflow: { state: waiting_approval, completed_tasks: [check] }, replies: ["Refund request received."] }
      - event: approve
        expect: { state: paid, workflow: { state: completed, completed_tasks: [check, manager_ok, pay] }, ended: true }
  - name: rejected
    steps:
      - event: reject
        expect: { state: denied, workflow: { state: rejected } }
  - name: nothing to approve
    steps:
      - event: approve
      - event: approve
        expect: { error: conversation_ended }
`)
    expect((await run()).summary).toMatchObject({ passed: 3, failed: 0, errors: 0 })
  })

  it('each, defaults and snapshot NLU', async () => {
    ws.write('tests/each.test.yaml', `flow: ../flows/orders.flow.yaml
defaults:
  user_profile: { vip: true, name: Ann }
mocks:
  nlu:
    "gimme": { intent: order, confidence: 0.95 }
tests:
  - name: greets \${who}
    each: [{ who: Ann, vip: true }, { who: nobody, vip: false }]
    user_profile: { vip: "\${vip}" }
    steps:
      - expect: { reply: { one_of: ["Welcome back, Ann!", "Welcome! Order a pizza or ask about your order."] } }
  - name: snapshot answers
    steps:
      - user: "gimme"
        expect: { intent: order, confidence: 0.95, state: take_order }
`)
    const report = await run({ transcripts: 'all' })
    const t = tests(report)
    expect(Object.keys(t)).toEqual(['greets Ann [0]', 'greets nobody [1]', 'snapshot answers'])
    expect(t['greets Ann [0]']!.transcript![0]!.replies[0]!.text).toBe('Welcome back, Ann!')
    expect(t['greets nobody [1]']!.transcript![0]!.replies[0]!.text).toBe('Welcome! Order a pizza or ask about your order.')
    expect(report.summary.passed).toBe(3)
  })
})

describe('coverage', () => {
  it('counts every test that ran up to where it stopped, failed ones too, skipped ones not', async () => {
    ws.write('tests/cov.test.yaml', `flow: ../flows/support.flow.yaml
tests:
  - name: fails at the first step
    steps:
      - user: "what is the weather"
        expect: { state: nowhere }
      - user: "help me"
  - name: skipped
    skip: true
    steps:
      - user: "bye"
`)
    const report = await run()
    expect(report.coverage).toEqual({
      'flows/support.flow.yaml': {
        states: { covered: 2, total: 4, uncovered: ['help_response', 'goodbye'] },
        transitions: {
          covered: 1,
          total: 5,
          uncovered: [
            'greeting -> help_response [intent_match help]',
            'greeting -> goodbye [intent_match bye]',
            'fallback_response -> help_response [intent_match help]',
            'fallback_response -> goodbye [any_input]',
          ],
        },
      },
    })
    expect(report.coverage_total.states).toEqual({ covered: 2, total: 4, percent: 50 })
  })

  it('gates compare the totals with the minimum', async () => {
    ws.write('tests/cov.test.yaml', `flow: ../flows/support.flow.yaml
tests:
  - name: helps
    steps:
      - user: "I need help"
`)
    const report = await run({ minStateCoverage: 50, minTransitionCoverage: 50 })
    expect(report.gates).toEqual([
      { kind: 'states', minimum: 50, actual: 50, passed: true },
      { kind: 'transitions', minimum: 50, actual: 20, passed: false },
    ])
  })
})

describe('suites that cannot run', () => {
  it('a file that does not parse and a flow that does not load are errored suites; the others run', async () => {
    ws.write('tests/a-broken.test.yaml', 'flow: ../flows/support.flow.yaml\ntests:\n  - name: x\n    steps: [\n')
    ws.write('tests/b-bad-flow.test.yaml', 'flow: ../flows/broken.flow.yaml\ntests:\n  - name: never runs\n    steps:\n      - user: hi\n')
    ws.write('tests/c-missing-flow.test.yaml', 'flow: ../flows/nope.flow.yaml\ntests: []\n')
    ws.write('tests/d-good.test.yaml', 'flow: ../flows/support.flow.yaml\ntests:\n  - name: fine\n    steps:\n      - user: "I need help"\n        expect: { state: help_response }\n')
    const report = await run()
    const [broken, badFlow, missingFlow, good] = report.suites
    expect(broken!.error).toMatch(/^tests\/a-broken\.test\.yaml:\d+:\d+ /)
    expect(broken).toMatchObject({ file: 'tests/a-broken.test.yaml', flow: null })
    expect(broken!.tests).toEqual([expect.objectContaining({ status: 'error', name: 'tests/a-broken.test.yaml' })])
    expect(badFlow!.error).toContain('tests/b-bad-flow.test.yaml:1:7 flow:')
    expect(badFlow!.error).toContain('flows/broken.flow.yaml:')
    expect(badFlow!.error).toContain('nowhere')
    // The file parsed, so its tests are known: each is an error of its own.
    expect(badFlow!.tests).toEqual([expect.objectContaining({ name: 'never runs', status: 'error', error: badFlow!.error })])
    expect(missingFlow!.error).toContain('flows/nope.flow.yaml')
    // No tests in it: the stand-in carries the error.
    expect(missingFlow!.tests).toEqual([expect.objectContaining({ name: 'tests/c-missing-flow.test.yaml', status: 'error' })])
    expect(good!.tests[0]!.status).toBe('passed')
    expect(report.summary).toEqual({ total: 4, passed: 1, failed: 0, errors: 3, skipped: 0 })
  })

  it('a path that does not exist or a grep that is not a regex cannot run', async () => {
    await expect(run({ paths: ['nope'] })).rejects.toBeInstanceOf(TestRunInputError)
    await expect(run({ grep: '(' })).rejects.toBeInstanceOf(TestRunInputError)
  })
})

describe('selection', () => {
  const MANY = `flow: ../flows/support.flow.yaml
tests:
${['a', 'b', 'c', 'd', 'e'].map((n, i) => `  - name: test ${n}\n    tags: [${i % 2 ? 'odd' : 'even'}]\n    steps:\n      - user: "I need help"\n`).join('')}`

  it('grep and tags skip the tests they leave out', async () => {
    ws.write('tests/many.test.yaml', MANY)
    const byGrep = await run({ grep: 'test [ab]$' })
    expect(byGrep.suites[0]!.tests.map((t) => `${t.name}:${t.status}${t.skip_reason ? `:${t.skip_reason}` : ''}`)).toEqual([
      'test a:passed', 'test b:passed', 'test c:skipped:filtered', 'test d:skipped:filtered', 'test e:skipped:filtered',
    ])
    const byTag = await run({ tags: ['odd'] })
    expect(byTag.suites[0]!.tests.filter((t) => t.status === 'passed').map((t) => t.name)).toEqual(['test b', 'test d'])
  })

  it('shards split the ordered tests across files; together they run each test once', async () => {
    ws.write('tests/many.test.yaml', MANY)
    ws.write('tests/more.test.yaml', MANY.replace(/test /g, 'more '))
    const all = (await run()).suites.flatMap((s) => s.tests.map((t) => `${s.file} ${t.name}`))
    const shards = await Promise.all([1, 2, 3].map((index) => run({ shard: { index, count: 3 } })))
    const names = shards.map((r) => r.suites.flatMap((s) => s.tests.map((t) => `${s.file} ${t.name}`)))
    expect(names.flat()).toEqual(all)
    expect(names.map((n) => n.length)).toEqual([3, 3, 4])
    expect(shards[0]!.shard).toEqual({ index: 1, count: 3 })
  })

  it('select picks single tests, by name or by the name an each test is written with', async () => {
    ws.write('tests/many.test.yaml', MANY + '  - name: each ${x}\n    each: [{ x: 1 }, { x: 2 }]\n    steps:\n      - user: hi\n')
    const report = await run({ select: [{ file: 'tests/many.test.yaml', name: 'test c' }, { file: 'tests/many.test.yaml', name: 'each ${x}' }] })
    expect(report.suites[0]!.tests.map((t) => t.name)).toEqual(['test c', 'each 1 [0]', 'each 2 [1]'])
  })
})

describe('repeat and bail', () => {
  const JITTER_FLOW = `name: Jitter
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
`

  it('each test counts once with its worst outcome; stability says how the runs went', async () => {
    ws.write('flows/jitter.flow.yaml', JITTER_FLOW)
    ws.write('tests/jitter.test.yaml', `flow: ../flows/jitter.flow.yaml
mocks: { integrations: { api: [ { fail: error }, { respond: {} } ] } }
tests:
  - name: depends on retry timing
    steps:
      - expect: { state: fast }
  - name: steady
    steps:
      - expect: { ended: true }
`)
    const report = await run({ repeat: 8 })
    const t = tests(report)
    expect(report.repeat).toBe(8)
    expect(report.summary).toMatchObject({ total: 2, passed: 1, failed: 1 })
    const flaky = t['depends on retry timing']!
    expect(flaky.status).toBe('failed')
    expect(flaky.stability).toMatchObject({ runs: 8, errors: 0, flaky: true })
    expect(flaky.stability!.passed + flaky.stability!.failed).toBe(8)
    expect(flaky.stability!.passed).toBeGreaterThan(0)
    expect(t.steady!.stability).toEqual({ runs: 8, passed: 8, failed: 0, errors: 0, flaky: false, score: 1 })
    // A single run is reproducible.
    const once = await Promise.all([run(), run()])
    expect(tests(once[0]!)['depends on retry timing']!.status).toBe(tests(once[1]!)['depends on retry timing']!.status)
  })

  it('--bail stops after the first failed or errored test; the rest are skipped', async () => {
    ws.write('tests/a.test.yaml', `flow: ../flows/support.flow.yaml
tests:
  - name: first passes
    steps: [{ user: "I need help" }]
  - name: second fails
    steps: [{ user: "I need help", expect: { state: nowhere } }]
  - name: third would pass
    steps: [{ user: "I need help" }]
`)
    ws.write('tests/b.test.yaml', 'flow: ../flows/support.flow.yaml\ntests:\n  - name: other file\n    steps: [{ user: "bye" }]\n')
    const report = await run({ bail: true })
    expect(report.bailed).toBe(true)
    expect(report.suites.flatMap((s) => s.tests.map((t) => [t.name, t.status, t.skip_reason ?? '']))).toEqual([
      ['first passes', 'passed', ''],
      ['second fails', 'failed', ''],
      ['third would pass', 'skipped', 'bail'],
      ['other file', 'skipped', 'bail'],
    ])
  })
})

describe('shards with a suite that cannot run', () => {
  it('every shard reports it; under bail it stops each shard at its place', async () => {
    ws.write('tests/a.test.yaml', 'flow: ../flows/support.flow.yaml\ntests:\n  - name: a1\n    steps: [{ user: "I need help" }]\n  - name: a2\n    steps: [{ user: "I need help" }]\n')
    ws.write('tests/b-broken.test.yaml', 'flow: [\n')
    ws.write('tests/c.test.yaml', 'flow: ../flows/support.flow.yaml\ntests:\n  - name: c1\n    steps: [{ user: "I need help" }]\n  - name: c2\n    steps: [{ user: "I need help" }]\n')
    const first = await run({ shard: { index: 1, count: 2 }, bail: true })
    const second = await run({ shard: { index: 2, count: 2 }, bail: true })
    const list = (r: TestRunReport) => r.suites.flatMap((s) => s.tests.map((t) => `${t.name}:${t.status}`))
    expect(list(first)).toEqual(['a1:passed', 'a2:passed', 'tests/b-broken.test.yaml:error'])
    expect(list(second)).toEqual(['tests/b-broken.test.yaml:error', 'c1:skipped', 'c2:skipped'])
  })
})

describe('progress and cancellation', () => {
  it('emits started, each test in order, each suite, then finished', async () => {
    ws.write('tests/a.test.yaml', SUPPORT)
    ws.write('tests/b.test.yaml', 'flow: ../flows/support.flow.yaml\ntests:\n  - name: other\n    steps: [{ user: "bye" }]\n')
    const events: RunEvent[] = []
    const report = await run({ onEvent: (e) => events.push(e) })
    expect(events.map((e) => e.kind)).toEqual(['started', 'test', 'test', 'test', 'test', 'test', 'suite', 'test', 'suite', 'finished'])
    expect(events[0]).toMatchObject({ kind: 'started', total: 6, suites: 2, workers: 1 })
    const testEvents = events.filter((e): e is Extract<RunEvent, { kind: 'test' }> => e.kind === 'test')
    expect(testEvents.map((e) => e.done)).toEqual([1, 2, 3, 4, 5, 6])
    expect(testEvents.map((e) => e.test.name)).toEqual(report.suites.flatMap((s) => s.tests.map((t) => t.name)))
    expect(testEvents[5]!.summary).toEqual(report.summary)
    expect(events.at(-1)).toEqual({ kind: 'finished', report })
  })

  it('an aborted run resolves with what it has, the rest skipped as cancelled', async () => {
    ws.write('tests/a.test.yaml', SUPPORT)
    const controller = new AbortController()
    const report = await run({ signal: controller.signal, onEvent: (e) => { if (e.kind === 'started') controller.abort() } })
    expect(report.cancelled).toBe(true)
    expect(report.suites[0]!.tests.filter((t) => t.status !== 'skipped')).toEqual([])
    expect(report.suites[0]!.tests[0]).toMatchObject({ skip_reason: 'cancelled' })
  })
})
