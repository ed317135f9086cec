// The simulator: a conversation per session on its own fake clock, mocks applied like a test's,
// step back to any turn by deterministic replay, and "save as test" writing a test that then
// passes through the same runner `flowbench test` uses.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { performance } from 'node:perf_hooks'
import { parse } from 'yaml'
import { afterEach, describe, expect, it } from 'vitest'
import { runTests } from '../../../src-main/core/runner/service'
import { SUPPORT_FLOW, TIMEOUT_FLOW, nextEvent, openCore, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

const ORDER_FLOW = `name: orders
initial_state: lookup
states:
  lookup:
    type: integration
    config:
      integration_id: order_api
      request_mapping: { user: "{user_profile.name}" }
      response_mapping: { order_status: status }
    transitions:
      - condition: integration_success
        target_state: report
      - condition: integration_error
        target_state: apologise
  report:
    type: end
    config:
      response_templates:
        default: "Your order is {variables.order_status}."
  apologise:
    type: end
    config:
      response_templates:
        default: "The order service is unavailable."
`

async function core(files: Record<string, string>) {
  ws = tempWorkspace(files)
  const c = await openCore(ws)
  cores.push(c)
  return c
}

describe('simulator sessions', () => {
  it('runs a conversation turn by turn with everything each turn produced', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    const session = await c.api.simulator.start({ flow: 'flows/support.flow.yaml', user_profile: { name: 'Ada' } })
    expect(session.turns).toHaveLength(1)
    expect(session.turns[0]!.result).toMatchObject({ state: 'greeting', replies: [{ text: 'Hello! How can I help you today?' }] })

    const turn = await c.api.simulator.send(session.session, { type: 'message', text: 'I need help' })
    expect(turn.index).toBe(1)
    expect(turn.step).toEqual({ type: 'message', text: 'I need help' })
    expect(turn.result).toMatchObject({ intent: 'help', state: 'help_response', ended: true, replies: [{ text: "I'm here to help, Ada." }] })
    for (const key of ['path', 'confidence', 'entities', 'slots', 'variables', 'missing_slots', 'integration_calls', 'warnings', 'errors', 'duration_us']) {
      expect(turn.result).toHaveProperty(key)
    }
    expect((await c.api.simulator.get(session.session)).ended).toBe(true)
  })

  it('moves time only when told to: wait fires timeouts on the session clock', async () => {
    const c = await core({ 'flows/reminder.flow.yaml': TIMEOUT_FLOW })
    const session = await c.api.simulator.start({ flow: 'flows/reminder.flow.yaml' })
    const early = await c.api.simulator.wait(session.session, 10_000)
    expect(early.result.state).toBe('ask')
    expect(early.clock_ms).toBe(10_000)
    const late = await c.api.simulator.wait(session.session, 20_000)
    expect(late.result).toMatchObject({ state: 'nudge', replies: [{ text: 'Closing the chat after 30 seconds of silence.' }] })
    expect(late.clock_ms).toBe(30_000)
  })

  it('steps back to an earlier turn by replaying, and continues from there', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    const { session } = await c.api.simulator.start({ flow: 'flows/support.flow.yaml', user_profile: { name: 'Ada' } })
    const first = await c.api.simulator.send(session, { type: 'message', text: 'what?' })
    await c.api.simulator.send(session, { type: 'message', text: 'bye' })

    const rewound = await c.api.simulator.rewind(session, 1)
    expect(rewound.turns).toHaveLength(2)
    expect(rewound.ended).toBe(false)
    const { duration_us: _a, ...replayed } = rewound.turns[1]!.result
    const { duration_us: _b, ...original } = first.result
    expect(replayed).toEqual(original)

    const next = await c.api.simulator.send(session, { type: 'message', text: 'I need help' })
    expect(next.index).toBe(2)
    expect(next.result.state).toBe('help_response')
    await expect(c.api.simulator.rewind(session, 7)).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('answers integrations from the edited mocks, from the next turn on', async () => {
    const c = await core({ 'flows/orders.flow.yaml': ORDER_FLOW })
    const mocks = { integrations: { order_api: { respond: { data: { status: 'shipped' } } } } }
    const session = await c.api.simulator.start({ flow: 'flows/orders.flow.yaml', user_profile: { name: 'Ada' }, mocks })
    expect(session.turns[0]!.result.replies).toEqual([{ text: 'Your order is shipped.', state: 'report' }])
    expect(session.turns[0]!.result.integration_calls[0]).toMatchObject({ id: 'order_api', request: { user: 'Ada' }, success: true })

    await c.api.simulator.setMocks(session.session, { integrations: { order_api: { fail: 'network' } } })
    const restarted = await c.api.simulator.restart(session.session)
    expect(restarted.turns[0]!.result.state).toBe('apologise')
  })

  it('without a mock or a trusted plugin, an integration call fails as a turn result, not a crash', async () => {
    const c = await core({ 'flows/orders.flow.yaml': ORDER_FLOW })
    const session = await c.api.simulator.start({ flow: 'flows/orders.flow.yaml' })
    expect(session.turns[0]!.result.state).toBe('apologise')
    expect(session.turns[0]!.result.integration_calls[0]).toMatchObject({ id: 'order_api', success: false })
  })

  it('refuses a flow that does not load, naming its problems', async () => {
    const c = await core({ 'flows/bad.flow.yaml': 'name: bad\ninitial_state: nowhere\nstates: {}\n' })
    const err = await c.api.simulator.start({ flow: 'flows/bad.flow.yaml' }).catch((e: unknown) => e)
    expect(err).toMatchObject({ code: 'invalid_flow', data: { problems: expect.any(Array) } })
    await expect(c.api.simulator.send('sim-unknown', { type: 'message', text: 'hi' })).rejects.toMatchObject({ code: 'session_not_found' })
  })

  it('answers a turn well within the 50 ms round trip budget', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    const { session } = await c.api.simulator.start({ flow: 'flows/support.flow.yaml' })
    const times: number[] = []
    for (let i = 0; i < 20; i++) {
      const t0 = performance.now()
      await c.api.simulator.send(session, { type: 'message', text: 'what?' })
      times.push(performance.now() - t0)
    }
    times.sort((a, b) => a - b)
    expect(times[Math.floor(times.length * 0.95)]!).toBeLessThan(50)
  })

  it('offers the user profiles the workspace\'s tests of that flow use', async () => {
    const c = await core({
      'flowbench.json': JSON.stringify({ profiles: { vip: { name: 'Vera', tier: 'gold' } } }),
      'flows/support.flow.yaml': SUPPORT_FLOW,
      'tests/support.test.yaml': 'flow: ../flows/support.flow.yaml\ntests:\n  - name: returning\n    user_profile: { name: Bob }\n    steps: []\n',
    })
    const profiles = await c.api.simulator.profiles('flows/support.flow.yaml')
    expect(profiles).toEqual([
      { name: 'vip', source: 'flowbench.json', user_profile: { name: 'Vera', tier: 'gold' } },
      { name: 'returning', source: 'tests/support.test.yaml › returning', user_profile: { name: 'Bob' } },
    ])
  })
})

describe('save as test', () => {
  it('writes the transcript as a test case that passes through the runner', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    const { session } = await c.api.simulator.start({ flow: 'flows/support.flow.yaml', user_profile: { name: 'Ada' } })
    await c.api.simulator.send(session, { type: 'message', text: 'what?' })
    await c.api.simulator.send(session, { type: 'message', text: 'I need help' })

    const saved = await c.api.simulator.saveAsTest({ session, file: 'tests/recorded.test.yaml', name: 'asks for help', tags: ['recorded'] })
    expect(saved).toEqual({ file: 'tests/recorded.test.yaml', name: 'asks for help', created: true })
    const suite = parse(readFileSync(join(ws.root, 'tests/recorded.test.yaml'), 'utf8'))
    expect(suite.flow).toBe('../flows/support.flow.yaml')
    expect(suite.tests[0]).toMatchObject({
      name: 'asks for help',
      tags: ['recorded'],
      user_profile: { name: 'Ada' },
      steps: [
        { expect: { state: 'greeting', replies: ['Hello! How can I help you today?'] } },
        { user: 'what?', expect: { state: 'not_understood', intent: null, replies: ['Sorry, I did not get that.'] } },
        { user: 'I need help', expect: { state: 'help_response', intent: 'help', replies: ["I'm here to help, Ada."], ended: true } },
      ],
    })

    const report = await runTests({ root: ws.root, workers: 1 })
    expect(report.summary).toMatchObject({ total: 1, passed: 1, failed: 0, errors: 0 })
  })

  it('appends to an existing test file, keeping its comments, and records integration answers as mocks', async () => {
    const existing = '# hand-written tests\nflow: ../flows/orders.flow.yaml\ntests:\n  - name: first\n    mocks: { integrations: { order_api: { fail: error } } }\n    steps:\n      - expect: { state: apologise }\n'
    const c = await core({ 'flows/orders.flow.yaml': ORDER_FLOW, 'tests/orders.test.yaml': existing })
    const { session } = await c.api.simulator.start({
      flow: 'flows/orders.flow.yaml',
      mocks: { integrations: { order_api: { respond: { data: { status: 'packed' } } } } },
    })
    const saved = await c.api.simulator.saveAsTest({ session, file: 'tests/orders.test.yaml', name: 'reports status' })
    expect(saved.created).toBe(false)
    const text = readFileSync(join(ws.root, 'tests/orders.test.yaml'), 'utf8')
    expect(text.startsWith('# hand-written tests\n')).toBe(true)
    expect(parse(text).tests.map((t: { name: string }) => t.name)).toEqual(['first', 'reports status'])
    await expect(c.api.simulator.saveAsTest({ session, file: 'tests/orders.test.yaml', name: 'reports status' })).rejects.toMatchObject({ code: 'already_exists' })

    const report = await runTests({ root: ws.root, workers: 1 })
    expect(report.summary).toMatchObject({ total: 2, passed: 2 })
  })

  it('saves an unmocked, failed integration call as a mock so the test is self-contained', async () => {
    const c = await core({ 'flows/orders.flow.yaml': ORDER_FLOW })
    const { session } = await c.api.simulator.start({ flow: 'flows/orders.flow.yaml' })
    await c.api.simulator.saveAsTest({ session, file: 'tests/outage.test.yaml', name: 'service down' })
    const suite = parse(readFileSync(join(ws.root, 'tests/outage.test.yaml'), 'utf8'))
    expect(suite.tests[0].mocks.integrations.order_api).toBeDefined()
    const report = await runTests({ root: ws.root, workers: 1 })
    expect(report.summary).toMatchObject({ total: 1, passed: 1 })
  })

  it('refuses a test file of another flow and a file name the runner would not find', async () => {
    const c = await core({
      'flows/support.flow.yaml': SUPPORT_FLOW,
      'flows/reminder.flow.yaml': TIMEOUT_FLOW,
      'tests/reminder.test.yaml': 'flow: ../flows/reminder.flow.yaml\ntests: []\n',
    })
    const { session } = await c.api.simulator.start({ flow: 'flows/support.flow.yaml' })
    await expect(c.api.simulator.saveAsTest({ session, file: 'tests/reminder.test.yaml', name: 'x' })).rejects.toMatchObject({ code: 'invalid_test' })
    await expect(c.api.simulator.saveAsTest({ session, file: 'tests/notes.yaml', name: 'x' })).rejects.toMatchObject({ code: 'bad_request' })
  })

  it('records waits and saves them as wait steps', async () => {
    const c = await core({ 'flows/reminder.flow.yaml': TIMEOUT_FLOW })
    const { session } = await c.api.simulator.start({ flow: 'flows/reminder.flow.yaml' })
    await c.api.simulator.wait(session, 30_000)
    await c.api.simulator.saveAsTest({ session, file: 'tests/reminder.test.json', name: 'nudges' })
    const suite = JSON.parse(readFileSync(join(ws.root, 'tests/reminder.test.json'), 'utf8'))
    expect(suite.tests[0].steps[1]).toMatchObject({ wait: '30s', expect: { state: 'nudge' } })
    const report = await runTests({ root: ws.root, workers: 1 })
    expect(report.summary).toMatchObject({ total: 1, passed: 1 })
  })
})

describe('test service', () => {
  it('lists test files, runs them with live progress, and reruns only the failed ones', async () => {
    const tests = `flow: ../flows/support.flow.yaml
tests:
  - name: greets
    tags: [smoke]
    steps:
      - expect: { state: greeting }
  - name: wrong on purpose
    steps:
      - user: bye
        expect: { state: help_response }
`
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.test.yaml': tests })
    const list = await c.api.test.list()
    expect(list).toEqual([
      {
        file: 'tests/support.test.yaml',
        flow: 'flows/support.flow.yaml',
        name: 'support',
        problem: null,
        tests: [
          { name: 'greets', tags: ['smoke'], skip: false, line: 3 },
          { name: 'wrong on purpose', tags: [], skip: false, line: 7 },
        ],
      },
    ])

    const progress: string[] = []
    const unsubscribe = c.subscribe((m) => {
      if (m.event === 'testProgress') progress.push(`${m.payload.kind}:${m.payload.done}/${m.payload.total}`)
    })
    const finishedAll = nextEvent(c, 'testFinished')
    const runId = await c.api.test.run({})
    const finished = await finishedAll
    unsubscribe()
    expect(finished.runId).toBe(runId)
    expect(finished.result?.summary).toMatchObject({ total: 2, passed: 1, failed: 1 })
    expect(progress).toEqual(['started:0/2', 'test:1/2', 'test:2/2', 'suite:2/2'])
    const failed = finished.result!.suites[0]!.tests[1]!
    expect(failed.failures[0]).toMatchObject({ step: 0, field: 'state', expected: 'help_response', actual: 'goodbye' })
    expect(await c.api.test.lastResult()).toEqual(finished.result)
    expect(finished.result!.coverage['flows/support.flow.yaml']!.states.total).toBe(5)

    const failedOnly = nextEvent(c, 'testFinished')
    await c.api.test.run({ failedOnly: true })
    const rerun = await failedOnly
    expect(rerun.result!.suites[0]!.tests.map((t) => t.name)).toEqual(['wrong on purpose'])
    expect(rerun.result!.suites[0]!.tests[0]!.transcript?.length).toBe(2)

    const one = nextEvent(c, 'testFinished')
    await c.api.test.run({ tests: [{ file: 'tests/support.test.yaml', name: 'greets' }] })
    expect((await one).result!.summary).toMatchObject({ total: 1, passed: 1 })
  })

  it('reports a test file that does not parse in the list and as an errored suite', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/bad.test.yaml': 'flow: [\n' })
    const [summary] = await c.api.test.list()
    expect(summary).toMatchObject({ file: 'tests/bad.test.yaml', problem: { severity: 'error', rule: 'syntax' } })
    const done = nextEvent(c, 'testFinished')
    await c.api.test.run({ files: ['tests/bad.test.yaml'] })
    expect((await done).result!.summary).toMatchObject({ errors: 1 })
  })

  it('cancels a run in progress', async () => {
    const many = Array.from({ length: 3000 }, (_, i) => `  - name: t${i}\n    steps:\n      - user: what?\n        expect: { state: not_understood }\n`).join('')
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/many.test.yaml': `flow: ../flows/support.flow.yaml\ntests:\n${many}` })
    const done = nextEvent(c, 'testFinished', () => true, 20_000)
    const started = nextEvent(c, 'testProgress', (p) => p.kind === 'test')
    const runId = await c.api.test.run({})
    await started
    await c.api.test.cancel(runId)
    const finished = await done
    expect(finished.result?.cancelled).toBe(true)
    expect(finished.result!.summary.passed).toBeLessThan(3000)
    await expect(c.api.test.cancel(runId)).rejects.toMatchObject({ code: 'run_not_found' })
  })

  it('refuses failedOnly when nothing failed', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    writeFileSync(join(ws.root, 'tests.test.yaml'), 'flow: flows/support.flow.yaml\ntests: []\n')
    await expect(c.api.test.run({ failedOnly: true })).rejects.toMatchObject({ code: 'not_found' })
  })
})
