// The history service over a real core: workbench runs are recorded under their live run id and
// read back exactly as shown live; lastResult survives a restart; baselines, labels and deletion
// through the API; historyChanged for this process's changes and for another process's.
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type AnyApiEventMessage, type TestRunResult } from '../../../src-main/common/api'
import { openHistory } from '../../../src-main/core/store/history'
import { testReport } from '../store/helpers'
import { SUPPORT_FLOW, nextEvent, openCore, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

const TESTS = `flow: ../flows/support.flow.yaml
tests:
  - name: greets
    tags: [smoke]
    steps:
      - expect: { state: greeting }
  - name: helps
    tags: [help]
    steps:
      - expect: { state: greeting }
      - user: I need help
        expect: { state: wrong_state }
`

async function core() {
  ws = tempWorkspace({ 'flows/support.flow.yaml': SUPPORT_FLOW, 'tests/support.test.yaml': TESTS })
  const c = await openCore(ws)
  cores.push(c)
  return c
}

async function runTests(c: Awaited<ReturnType<typeof core>>): Promise<TestRunResult> {
  const done = nextEvent(c, 'testFinished', () => true, 15_000)
  const runId = await c.api.test.run({})
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

describe('workbench runs in the history', () => {
  it('records a finished run under its live id, before testFinished, and gives back exactly what was shown', async () => {
    const c = await core()
    const live = await runTests(c)
    const order = c.events.map((e: AnyApiEventMessage) => e.event).filter((e) => e === 'historyChanged' || e === 'testFinished')
    expect(order).toEqual(['historyChanged', 'testFinished'])
    expect(c.events.find((e) => e.event === 'historyChanged')!.payload).toEqual({ reason: 'added', ids: [live.runId] })

    const [record] = await c.api.history.list()
    expect(record).toMatchObject({ id: live.runId, kind: 'test', outcome: 'failed', workspace: ws.root, environment: { host: 'workbench' }, tags: ['help', 'smoke'] })
    expect(record!.flows).toEqual([{ path: 'flows/support.flow.yaml', hash: expect.stringMatching(/^[0-9a-f]{16}$/) }])
    const stored = await c.api.history.get(live.runId)
    expect(stored.test).toEqual(JSON.parse(JSON.stringify(live)))
    expect(stored.test!.suites[0]!.tests[1]!.transcript!.length).toBeGreaterThan(0)
  })

  it('the last result and "failed only" come from the history after a restart', async () => {
    const c = await core()
    const live = await runTests(c)
    await c.dispose()
    const again = await openCore(ws)
    cores.push(again)
    expect((await again.api.test.lastResult())?.runId).toBe(live.runId)
    const second = await runTests(again)
    expect(second.summary.total).toBe(2)
    const done = nextEvent(again, 'testFinished', () => true, 15_000)
    await again.api.test.run({ failedOnly: true })
    const failedOnly = (await done).result!
    expect(failedOnly.summary.total - failedOnly.summary.skipped).toBe(1)
  })
})

describe('the history API', () => {
  it('marks a baseline, labels, deletes, and answers run_not_found and bad_request', async () => {
    const c = await core()
    const first = await runTests(c)
    const second = await runTests(c)
    expect((await c.api.history.list()).map((r) => r.id)).toEqual([second.runId, first.runId])
    expect((await c.api.history.setBaseline(first.runId, true)).baseline).toBe(true)
    expect((await c.api.history.list({ baseline: true })).map((r) => r.id)).toEqual([first.runId])
    expect((await c.api.history.setLabel(second.runId, 'after the fix')).label).toBe('after the fix')
    expect(await c.api.history.delete([first.runId])).toBe(1)
    expect((await c.api.history.list()).map((r) => r.id)).toEqual([second.runId])

    expect((await rejection(c.api.history.get(first.runId))).code).toBe('run_not_found')
    expect((await rejection(c.api.history.setBaseline('20000101-000000-0000', true))).code).toBe('run_not_found')
    expect((await rejection(c.api.history.list({ kind: 'nope' as never }))).code).toBe('bad_request')
    expect((await rejection(c.api.history.list({ since: 'yesterday' }))).code).toBe('bad_request')
    expect((await rejection(c.api.history.setLabel(second.runId, 5 as never))).code).toBe('bad_request')
    expect((await rejection(c.api.history.delete('x' as never))).code).toBe('bad_request')
    const kinds = c.events.filter((e) => e.event === 'historyChanged').map((e) => (e.payload as { reason: string }).reason)
    expect(kinds).toEqual(['added', 'added', 'updated', 'updated', 'deleted'])
  })

  it('tells of runs another process added (the CLI), once, through the watched index', async () => {
    const c = await core()
    const other = await openHistory(ws.home)
    const seen = nextEvent(c, 'historyChanged', (p) => p.reason === 'added')
    const added = await other.addTestRun(testReport({}, ws.root), { workspace: ws.root, host: 'cli', commit: null })
    expect(await seen).toEqual({ reason: 'added', ids: [added.id] })
    const labelled = nextEvent(c, 'historyChanged', (p) => p.reason === 'updated')
    await other.setLabel(added.id, 'from the CLI')
    expect(await labelled).toEqual({ reason: 'updated', ids: [added.id] })
    await new Promise((r) => setTimeout(r, 400))
    expect(c.events.filter((e) => e.event === 'historyChanged')).toHaveLength(2)
    expect((await c.api.history.list())[0]).toMatchObject({ id: added.id, label: 'from the CLI', environment: { host: 'cli' } })
  })

  it('lists the open workspace only unless told otherwise, and reports recovery notices', async () => {
    const c = await core()
    const other = await openHistory(ws.home)
    await other.addTestRun(testReport(), { workspace: '/somewhere/else', host: 'cli', commit: null })
    expect(await c.api.history.list()).toEqual([])
    expect(await c.api.history.list({ workspace: '/somewhere/else' })).toHaveLength(1)
    expect(await c.api.history.notices()).toEqual([])
  })
})
