// The quality service over a real core on temporary workspaces: coverage gaps after a test run,
// tests generated for them that pass when run, saveGenerated's refusal to overwrite, mutation
// runs (progress, report, cancel) and the fault matrix.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type TestRunResult } from '../../../src-main/common/api'
import { SUPPORT_FLOW, nextEvent, openCore, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace | undefined
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
  ws = undefined
})

/** Covers greeting → listen → help_response only: goodbye and not_understood stay uncovered. */
const HELP_ONLY = `flow: ../flows/support.flow.yaml
tests:
  - name: helps
    steps:
      - expect: { state: greeting, replies: ["Hello! How can I help you today?"] }
      - user: I need help
        expect: { state: help_response }
`

const LOOKUP_FLOW = `name: lookup
initial_state: ask
states:
  ask:
    type: response
    config:
      response_templates:
        default: "Which order?"
    transitions:
      - condition: any_input
        target_state: fetch
  fetch:
    type: integration
    config:
      integration_id: orders
      endpoint: /orders
      method: GET
      response_mapping:
        status: order.status
    transitions:
      - condition: integration_success
        target_state: found
      - condition: integration_error
        target_state: sorry
  found:
    type: end
    config:
      response_templates:
        default: "Your order is {variables.status}."
  sorry:
    type: end
    config:
      response_templates:
        default: "The order system is down."
`

const LOOKUP_TESTS = `flow: ../flows/lookup.flow.yaml
mocks:
  integrations:
    orders:
      - respond: { status_code: 200, data: { order: { status: shipped } } }
tests:
  - name: finds the order
    steps:
      - expect: { state: ask }
      - user: order 42
        expect: { state: found, replies: ["Your order is shipped."] }
`

async function core(files: Record<string, string>) {
  ws = tempWorkspace(files)
  const c = await openCore(ws)
  cores.push(c)
  return c
}
type TestCore = Awaited<ReturnType<typeof core>>

async function runTests(c: TestCore, files?: string[]): Promise<TestRunResult> {
  const done = nextEvent(c, 'testFinished', () => true, 20_000)
  const runId = await c.api.test.run(files ? { files } : {})
  const finished = await done
  expect(finished.error).toBeNull()
  expect(finished.runId).toBe(runId)
  return finished.result!
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(ApiError)
  return err as ApiError
}

describe('coverage gaps and generated tests', () => {
  it('lists every state and transition as a gap before any run, with where each is written', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.test.yaml': HELP_ONLY })
    const g = await c.api.quality.gaps('flows/support.flow.yaml')
    expect(g.runId).toBeNull()
    expect(g.stale).toBe(false)
    expect(g.states).toEqual({ covered: 0, total: 5 })
    expect(g.gaps.filter((x) => x.kind === 'state')).toHaveLength(5)
    const listen = g.gaps.find((x) => x.kind === 'state' && x.id === 'listen')!
    expect(SUPPORT_FLOW.split('\n')[listen.line - 1]).toContain('listen:')
  })

  it('after a run lists only what no test covered, and generated tests for those pass and cover them', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.test.yaml': HELP_ONLY })
    const run = await runTests(c)
    expect(run.summary.passed).toBe(1)
    const g = await c.api.quality.gaps('flows/support.flow.yaml')
    expect(g.runId).toBe(run.runId)
    const ids = g.gaps.map((x) => x.id)
    expect(ids).toContain('goodbye')
    expect(ids).toContain('not_understood')
    expect(ids).not.toContain('greeting')
    expect(ids).not.toContain('help_response')
    const bye = g.gaps.find((x) => x.kind === 'transition' && x.id.includes('goodbye'))!
    expect(bye.reason).toBe('tests enter listen but none takes this transition')
    expect(SUPPORT_FLOW.split('\n')[bye.line - 1]).toContain('condition: intent_match')

    const summary = await c.api.quality.summary()
    expect(summary).toHaveLength(1)
    expect(summary[0]!.flow).toBe('flows/support.flow.yaml')
    expect(summary[0]!.states!.covered).toBe(3)
    expect(summary[0]!.mutation).toBeNull()

    const generated = await c.api.quality.generate('flows/support.flow.yaml', { states: ['goodbye'], transitions: [bye.id] })
    expect(generated.file).toBe('tests/support.generated.test.yaml')
    expect(generated.tests).toBeGreaterThan(0)
    expect(generated.covers.states).toContain('goodbye')
    expect(generated.yaml).toContain('flow:')

    const saved = await c.api.quality.saveGenerated('flows/support.flow.yaml', generated.yaml)
    expect(saved.file).toBe('tests/support.generated.test.yaml')
    expect(readFileSync(join(ws!.root, saved.file), 'utf8')).toBe(generated.yaml)
    const rerun = await runTests(c, [saved.file])
    expect(rerun.summary.failed).toBe(0)
    expect(rerun.summary.errors ?? 0).toBe(0)
    expect(rerun.summary.passed).toBe(generated.tests)
    // Coverage adds up over the runs of this version of the flow: the help path of the first run stays covered.
    const after = await c.api.quality.gaps('flows/support.flow.yaml')
    expect(after.runId).toBe(rerun.runId)
    expect(after.gaps.map((x) => x.id)).not.toContain('goodbye')
    expect(after.gaps.map((x) => x.id)).not.toContain(bye.id)
    expect(after.gaps.map((x) => x.id)).not.toContain('help_response')
    expect(after.states.covered).toBe(4)

    // An edit to the flow starts over: the old runs do not describe it.
    writeFileSync(join(ws!.root, 'flows/support.flow.yaml'), SUPPORT_FLOW.replace('"Goodbye!"', '"Bye now!"'))
    const edited = await c.api.quality.gaps('flows/support.flow.yaml')
    expect(edited).toMatchObject({ runId: null, stale: true, states: { covered: 0, total: 5 } })
    expect(edited.gaps[0]!.reason).toBe('the flow changed since its tests last ran: run them again')
    expect((await c.api.quality.summary())[0]!.states).toBeNull()
  })

  it('saveGenerated refuses to overwrite without overwrite, and refuses names that are not test files', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.generated.test.yaml': '# mine\n' })
    const err = await rejection(c.api.quality.saveGenerated('flows/support.flow.yaml', 'flow: ../flows/support.flow.yaml\ntests: []\n'))
    expect(err.code).toBe('already_exists')
    expect(err.message).toContain('tests/support.generated.test.yaml')
    expect(readFileSync(join(ws!.root, 'tests/support.generated.test.yaml'), 'utf8')).toBe('# mine\n')
    await c.api.quality.saveGenerated('flows/support.flow.yaml', 'flow: ../flows/support.flow.yaml\ntests: []\n', undefined, true)
    expect(readFileSync(join(ws!.root, 'tests/support.generated.test.yaml'), 'utf8')).toContain('tests: []')
    expect((await rejection(c.api.quality.saveGenerated('flows/support.flow.yaml', 'x: 1\n', 'notes.yaml'))).code).toBe('bad_request')
    expect((await rejection(c.api.quality.saveGenerated('flows/support.flow.yaml', '  '))).code).toBe('bad_request')
  })

  it('reports a flow that does not parse as invalid_flow', async () => {
    const c = await core({ 'flows/broken.flow.yaml': 'name: broken\nstates: [\n' })
    expect((await rejection(c.api.quality.gaps('flows/broken.flow.yaml'))).code).toBe('invalid_flow')
  })
})

describe('mutation testing', () => {
  it('streams progress, then finishes with a report kept as the flow\'s last mutation', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.test.yaml': HELP_ONLY })
    expect(await c.api.quality.lastMutation('flows/support.flow.yaml')).toBeNull()
    const finished = nextEvent(c, 'mutationFinished', () => true, 30_000)
    const runId = await c.api.quality.mutate({ flow: 'flows/support.flow.yaml', maxMutants: 8, seed: 3 })
    const done = await finished
    expect(done.runId).toBe(runId)
    expect(done.error).toBeNull()
    const report = done.report!
    expect(report.kind).toBe('mutation')
    expect(report.cancelled).toBe(false)
    expect(report.mutants).toHaveLength(8)
    expect(report.summary.total).toBe(8)
    expect(report.summary.killed + report.summary.survived + report.summary.no_coverage + report.summary.invalid + report.summary.equivalent).toBe(8)
    const progress = c.events.filter((e) => e.event === 'mutationProgress').map((e) => e.payload as { runId: string; done: number; total: number })
    expect(progress.length).toBeGreaterThan(0)
    expect(progress.every((p) => p.runId === runId && p.total === 8)).toBe(true)
    expect(progress.at(-1)!.done).toBe(8)
    expect(await c.api.quality.lastMutation('flows/support.flow.yaml')).toEqual(report)
    const [flow] = await c.api.quality.summary()
    expect(flow!.mutation).toMatchObject({ score: report.by_flow['flows/support.flow.yaml']!.score, total: 8 })
  })

  it('cancelMutation stops a run (a cancelled report, not kept) and rejects unknown run ids', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.test.yaml': HELP_ONLY })
    const finished = nextEvent(c, 'mutationFinished', () => true, 30_000)
    const runId = await c.api.quality.mutate({ flow: 'flows/support.flow.yaml' })
    await c.api.quality.cancelMutation(runId)
    const done = await finished
    expect(done.runId).toBe(runId)
    expect(done.report?.cancelled).toBe(true)
    expect(await c.api.quality.lastMutation('flows/support.flow.yaml')).toBeNull()
    expect((await rejection(c.api.quality.cancelMutation(runId))).code).toBe('run_not_found')
  })
})

describe('fault matrix', () => {
  it('runFaults finishes with a matrix per integration state, kept per flow', async () => {
    const c = await core({ 'flows/lookup.flow.yaml': LOOKUP_FLOW, 'tests/lookup.test.yaml': LOOKUP_TESTS })
    expect(await c.api.quality.faults()).toEqual({})
    const finished = nextEvent(c, 'faultsFinished', () => true, 30_000)
    const runId = await c.api.quality.runFaults({})
    const done = await finished
    expect(done.runId).toBe(runId)
    expect(done.error).toBeNull()
    const matrix = done.matrix!
    expect(matrix.tests).toBe(1)
    expect(matrix.states).toHaveLength(1)
    const fetch = matrix.states[0]!
    expect(fetch).toMatchObject({ flow: 'flows/lookup.flow.yaml', state: 'fetch', integration: 'orders' })
    const lines = LOOKUP_FLOW.split('\n')
    expect(fetch.line).toBeGreaterThan(lines.indexOf('  fetch:'))
    expect(fetch.line).toBeLessThan(lines.indexOf('  found:'))
    expect(fetch.kinds.error.outcome).toBe('handled')
    expect(fetch.kinds.timeout.outcome).toBe('handled')
    expect(fetch.kinds.network.outcome).toBe('handled')
    expect(fetch.kinds.error.broken.map((b) => b.name)).toEqual(['finds the order'])
    expect(await c.api.quality.faults()).toEqual({ 'flows/lookup.flow.yaml': matrix.states })
    const [flow] = await c.api.quality.summary()
    expect(flow!.faults).toEqual({ states: 1, unhandled: matrix.unhandled })
  })
})
