// The run history on real temp folders: records, filters, prefixes, baselines, labels, deletion,
// pruning by count and size, flow hashes, payload files beside the index, change events.
import { createHash } from 'node:crypto'
import { execFileSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { HistoryError, openHistory, type HistoryChange } from '../../../src-main/core/store/history'
import { loadResult, tempDirs, testReport, type TempDirs } from './helpers'

let dirs: TempDirs
afterEach(() => dirs?.cleanup())

const at = (minute: number) => new Date(Date.UTC(2026, 10, 22, 10, minute, 0)).toISOString()

describe('recording runs', () => {
  it('records a test run: summary, flows with content hashes, tags of tests that ran, environment, payload beside the index', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const report = testReport({}, dirs.workspace)
    const record = await history.addTestRun(report, { workspace: dirs.workspace, host: 'cli' })

    expect(record.id).toMatch(/^20261122-100000-[0-9a-f]{4}$/)
    expect(record).toMatchObject({
      kind: 'test',
      workspace: dirs.workspace,
      workspaceName: 'ws',
      startedAt: '2026-11-22T10:00:00.000Z',
      durationMs: 1234,
      outcome: 'failed',
      tags: ['help', 'smoke'],
      label: null,
      baseline: false,
      environment: { flowbench: '0.1.0', node: process.version, host: 'cli', commit: null },
      test: { total: 2, passed: 1, failed: 1, errors: 0, skipped: 0, statePercent: 50, transitionPercent: 25 },
    })
    const expectedHash = createHash('sha256').update('name: a\n').digest('hex').slice(0, 16)
    expect(record.flows).toEqual([{ path: 'flows/a.flow.yaml', hash: expectedHash }])

    // The index holds records only; the report with transcripts is its own file.
    const index = readFileSync(join(history.dir, 'index.json'), 'utf8')
    expect(index).not.toContain('transcript')
    expect(existsSync(join(history.dir, 'runs', `${record.id}.json`))).toBe(true)
    expect(await history.testReport(record.id)).toEqual(report)
    expect(await history.loadResult(record.id)).toBeNull()
  })

  it('takes the commit from git when the workspace is a repository', async () => {
    dirs = tempDirs()
    const git = (...args: string[]) => execFileSync('git', args, { cwd: dirs.workspace, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } })
    git('init', '-q')
    git('add', '.')
    git('commit', '-q', '-m', 'x')
    const head = git('rev-parse', 'HEAD').trim()
    const history = await openHistory(dirs.home)
    const record = await history.addTestRun(testReport({}, dirs.workspace), { workspace: dirs.workspace, host: 'workbench' })
    expect(record.environment.commit).toBe(head)
  })

  it('records a load run with its summary and the flows it drove', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const result = loadResult({ passed: false })
    const record = await history.addLoadRun(result, { workspace: dirs.workspace, host: 'cli', scenarioFile: 'load/a.load.yaml' })
    expect(record).toMatchObject({
      kind: 'load',
      outcome: 'failed',
      load: { scenario: 'load/a.load.yaml', name: null, turns: 1000, conversations: 100, errors: 2, throughput: 100, p50Ms: 1, p95Ms: 3, p99Ms: 4, thresholdsPassed: true },
    })
    expect(record.flows.map((f) => f.path)).toEqual(['flows/a.flow.yaml'])
    expect(await history.loadResult(record.id)).toEqual(result)
    expect(await history.testReport(record.id)).toBeNull()
  })

  it('an interrupted load run and a cancelled test run are cancelled; a missed gate is a failure', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const meta = { workspace: dirs.workspace, host: 'cli' as const, commit: null }
    const passing = { summary: { total: 1, passed: 1, failed: 0, errors: 0, skipped: 0 } }
    expect((await history.addTestRun(testReport({ ...passing, cancelled: true }), meta)).outcome).toBe('cancelled')
    expect((await history.addTestRun(testReport({ ...passing, gates: [{ kind: 'states', minimum: 80, actual: 50, passed: false }] }), meta)).outcome).toBe('failed')
    expect((await history.addTestRun(testReport(passing), meta)).outcome).toBe('passed')
    expect((await history.addLoadRun(loadResult({ aborted: { reason: 'interrupted', at_s: 3 } }), { ...meta, scenarioFile: 's' })).outcome).toBe('cancelled')
  })
})

describe('finding runs', () => {
  async function seeded() {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const meta = { workspace: dirs.workspace, host: 'cli' as const, commit: null }
    const a = await history.addTestRun(testReport({ started_at: at(1) }), meta)
    const b = await history.addTestRun(testReport({ started_at: at(2), summary: { total: 1, passed: 1, failed: 0, errors: 0, skipped: 0 }, suites: [{ file: 't', flow: 'flows/b.flow.yaml', name: 't', duration_ms: 1, tests: [] }], coverage: {} }), meta)
    const c = await history.addLoadRun(loadResult({ started_at: at(3) }), { ...meta, scenarioFile: 'load/a.load.yaml' })
    const other = await history.addTestRun(testReport({ started_at: at(4) }), { ...meta, workspace: join(dirs.workspace, '..') })
    return { history, a, b, c, other }
  }

  it('lists newest first and filters by workspace, kind, flow, outcome, tag, dates, baseline and limit', async () => {
    const { history, a, b, c, other } = await seeded()
    const ids = async (filter = {}) => (await history.list(filter)).map((r) => r.id)
    expect(await ids()).toEqual([other.id, c.id, b.id, a.id])
    expect(await ids({ workspace: dirs.workspace })).toEqual([c.id, b.id, a.id])
    expect(await ids({ workspace: dirs.workspace, kind: 'test' })).toEqual([b.id, a.id])
    expect(await ids({ flow: 'flows/b.flow.yaml' })).toEqual([b.id])
    expect(await ids({ workspace: dirs.workspace, outcome: 'failed' })).toEqual([a.id])
    expect(await ids({ tag: 'smoke', workspace: dirs.workspace })).toEqual([a.id])
    expect(await ids({ since: at(2), until: at(3) })).toEqual([c.id, b.id])
    expect(await ids({ limit: 2 })).toEqual([other.id, c.id])
    await history.setBaseline(b.id, true)
    expect(await ids({ baseline: true })).toEqual([b.id])
  })

  it('finds a run by a unique prefix of its id and refuses an ambiguous one', async () => {
    const { history, a } = await seeded()
    expect((await history.record(a.id))?.id).toBe(a.id)
    expect((await history.record(a.id.slice(0, 14)))?.id).toBe(a.id)
    await expect(history.record('2026')).rejects.toThrow(HistoryError)
    await expect(history.record('2026')).rejects.toThrow(/matches 4 runs/)
    expect(await history.record('1999')).toBeNull()
  })
})

describe('baselines, labels and deletion', () => {
  it('keeps one baseline per workspace and kind (and scenario for load runs)', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const meta = { workspace: dirs.workspace, host: 'cli' as const, commit: null }
    const t1 = await history.addTestRun(testReport({ started_at: at(1) }), meta)
    const t2 = await history.addTestRun(testReport({ started_at: at(2) }), meta)
    const l1 = await history.addLoadRun(loadResult(), { ...meta, scenarioFile: 'load/a.load.yaml' })
    const l2 = await history.addLoadRun(loadResult(), { ...meta, scenarioFile: 'load/b.load.yaml' })
    const changes: HistoryChange[] = []
    history.onChange((e) => changes.push(e))

    await history.setBaseline(t1.id, true)
    await history.setBaseline(l1.id, true)
    await history.setBaseline(l2.id, true)
    expect((await history.baseline(dirs.workspace, 'test'))?.id).toBe(t1.id)
    const moved = await history.setBaseline(t2.id, true)
    expect(moved.baseline).toBe(true)
    expect((await history.record(t1.id))?.baseline).toBe(false)
    expect((await history.baseline(dirs.workspace, 'test'))?.id).toBe(t2.id)
    expect((await history.baseline(dirs.workspace, 'load', 'load/a.load.yaml'))?.id).toBe(l1.id)
    expect((await history.baseline(dirs.workspace, 'load', 'load/b.load.yaml'))?.id).toBe(l2.id)
    expect(changes.at(-1)).toEqual({ reason: 'updated', ids: [t1.id, t2.id] })
    await history.setBaseline(t2.id, false)
    expect(await history.baseline(dirs.workspace, 'test')).toBeNull()
  })

  it('sets and clears a label (kept in the payload too), deletes runs with their files', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const meta = { workspace: dirs.workspace, host: 'cli' as const, commit: null }
    const a = await history.addTestRun(testReport({ started_at: at(1) }), meta)
    const b = await history.addTestRun(testReport({ started_at: at(2) }), meta)
    expect((await history.setLabel(a.id, '  before the refactor ')).label).toBe('before the refactor')
    expect(JSON.parse(readFileSync(join(history.dir, 'runs', `${a.id}.json`), 'utf8')).record.label).toBe('before the refactor')
    expect((await history.setLabel(a.id, '')).label).toBeNull()
    await expect(history.setLabel('20000101-000000-0000', 'x')).rejects.toThrow(/no run/)

    const changes: HistoryChange[] = []
    history.onChange((e) => changes.push(e))
    expect(await history.delete([a.id, 'nope'])).toBe(1)
    expect(existsSync(join(history.dir, 'runs', `${a.id}.json`))).toBe(false)
    expect((await history.list()).map((r) => r.id)).toEqual([b.id])
    expect(changes).toEqual([{ reason: 'deleted', ids: [a.id] }])
  })
})

describe('pruning', () => {
  it('keeps the newest N runs per workspace and every baseline, and says what it pruned', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home, { keep: 3 })
    const meta = { workspace: dirs.workspace, host: 'cli' as const, commit: null }
    const first = await history.addTestRun(testReport({ started_at: at(0) }), meta)
    await history.setBaseline(first.id, true)
    const ids = [first.id]
    const changes: HistoryChange[] = []
    history.onChange((e) => changes.push(e))
    for (let i = 1; i <= 5; i++) ids.push((await history.addTestRun(testReport({ started_at: at(i) }), meta)).id)
    const other = await history.addTestRun(testReport({ started_at: at(9) }), { ...meta, workspace: '/elsewhere' })

    const kept = (await history.list({ workspace: dirs.workspace })).map((r) => r.id)
    expect(kept).toEqual([ids[5], ids[4], ids[3], first.id])
    expect((await history.list({ workspace: '/elsewhere' })).map((r) => r.id)).toEqual([other.id])
    expect(changes.filter((c) => c.reason === 'pruned').flatMap((c) => c.ids)).toEqual([ids[1], ids[2]])
    expect(readdirSync(join(history.dir, 'runs')).sort()).toEqual([...kept, other.id].map((id) => `${id}.json`).sort())
  })

  it('drops the oldest non-baseline runs beyond the size cap, never the run just added', async () => {
    dirs = tempDirs()
    const probe = await openHistory(join(dirs.home, 'probe'))
    const one = await probe.addTestRun(testReport(), { workspace: dirs.workspace, host: 'cli', commit: null })
    const size = statSync(join(probe.dir, 'runs', `${one.id}.json`)).size
    const history = await openHistory(dirs.home, { maxBytes: size * 2.5 })
    const meta = { workspace: dirs.workspace, host: 'cli' as const, commit: null }
    const a = await history.addTestRun(testReport({ started_at: at(1) }), meta)
    await history.setBaseline(a.id, true)
    const b = await history.addTestRun(testReport({ started_at: at(2) }), meta)
    const c = await history.addTestRun(testReport({ started_at: at(3) }), meta)
    const d = await history.addTestRun(testReport({ started_at: at(4) }), meta)
    expect((await history.list()).map((r) => r.id)).toEqual([d.id, a.id])
    void b
    void c
  })
})

describe('reading what another process wrote', () => {
  it('sees runs added through another instance without reopening', async () => {
    dirs = tempDirs()
    const one = await openHistory(dirs.home)
    const two = await openHistory(dirs.home)
    expect(await one.list()).toEqual([])
    const added = await two.addTestRun(testReport(), { workspace: dirs.workspace, host: 'cli', commit: null })
    expect((await one.list()).map((r) => r.id)).toEqual([added.id])
    writeFileSync(join(dirs.workspace, 'flows/a.flow.yaml'), 'name: changed\n')
    const again = await one.addTestRun(testReport({ started_at: at(5) }), { workspace: dirs.workspace, host: 'cli', commit: null })
    expect(again.flows[0]!.hash).not.toBe(added.flows[0]!.hash)
    expect((await two.list()).map((r) => r.id)).toEqual([again.id, added.id])
  })
})
