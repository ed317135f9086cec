// The workbench's load service over a real core: the workspace's scenarios with their problems,
// a short run on the load worker pool (≤ 2 s) streaming live snapshots, one run at a time, a
// graceful stop, the run recorded in the history, plugins under the workspace's trust, and two
// runs compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { AnyApiEventMessage, ApiEvents } from '../../../src-main/common/api'
import { createCore, type Core } from '../../../src-main/core/services'
import { METRICS_SCENARIO, loadWorkspace } from './fixtures'

const ws = loadWorkspace({
  'load/metrics.load.yaml': METRICS_SCENARIO,
  'load/broken.load.yaml': 'flow: ../flows/support.flow.yaml\nconversations:\n  - steps: [hi]\nprofile:\n  executor: constant-arrival-rate\n  duration: 2s\n  rate: fast\n',
})
let core: Core
const events: AnyApiEventMessage[] = []

beforeAll(async () => {
  core = await createCore({ home: ws.home, watch: { debounceMs: 20, pollMs: 50 } })
  core.subscribe((m) => events.push(m))
  await core.api.workspace.open(ws.root)
})
afterAll(async () => {
  await core.dispose()
  ws.cleanup()
})

function finished(runId: string, timeoutMs = 20_000): Promise<ApiEvents['loadFinished']> {
  return new Promise((resolve, reject) => {
    const found = events.find((m) => m.event === 'loadFinished' && (m.payload as ApiEvents['loadFinished']).runId === runId)
    if (found) return resolve(found.payload as ApiEvents['loadFinished'])
    const timer = setTimeout(() => reject(new Error(`run ${runId} did not finish within ${timeoutMs} ms`)), timeoutMs)
    const off = core.subscribe((m) => {
      if (m.event === 'loadFinished' && (m.payload as ApiEvents['loadFinished']).runId === runId) {
        clearTimeout(timer)
        off()
        resolve(m.payload as ApiEvents['loadFinished'])
      }
    })
  })
}

const progressOf = (runId: string) => events.filter((m) => m.event === 'loadProgress' && (m.payload as ApiEvents['loadProgress']).runId === runId).map((m) => (m.payload as ApiEvents['loadProgress']).snapshot)

describe('the load service', () => {
  it("lists the workspace's scenarios, with where a broken one goes wrong", async () => {
    const list = await core.api.load.scenarios()
    expect(list.map((s) => s.path)).toEqual(['load/broken.load.yaml', 'load/metrics.load.yaml', 'load/support.load.yaml'])
    const support = list.find((s) => s.path === 'load/support.load.yaml')!
    expect(support).toMatchObject({ flow: 'flows/support.flow.yaml', executor: 'constant-arrival-rate', duration_ms: 10_000, scripts: expect.any(Number), problems: [] })
    expect(support.thresholds).toContainEqual({ name: 'turn_latency_p95', condition: '< 500ms', abort_on_fail: false })
    const broken = list.find((s) => s.path === 'load/broken.load.yaml')!
    expect(broken.executor).toBeNull()
    expect(broken.problems).toEqual([{ line: 7, column: 9, message: 'profile.rate: rate must be a number' }])
  })

  it('runs a scenario on the pool with overrides, streams snapshots, refuses a second run, records the result', async () => {
    const runId = await core.api.load.start({ scenario: 'load/support.load.yaml', overrides: { duration_ms: 1500, rate: 10, workers: 1, seed: 7 } })
    await expect(core.api.load.start({ scenario: 'load/support.load.yaml' })).rejects.toMatchObject({ code: 'conflict' })
    const active = await core.api.load.active()
    expect(active).toMatchObject({ runId, scenario: 'load/support.load.yaml', stopping: false })
    expect(active!.profile).toMatchObject({ rate: 10, duration_ms: 1500, workers: 1 })
    const end = await finished(runId)
    expect(end.error).toBeNull()
    const result = end.result!
    expect(result.environment).toMatchObject({ workers: 1, seed: 7 })
    expect(result.totals.turns).toBeGreaterThan(0)
    const snapshots = progressOf(runId)
    expect(snapshots.length).toBeGreaterThanOrEqual(1)
    const last = snapshots[snapshots.length - 1]!
    expect(last).toMatchObject({ duration_s: 1.5, target_unit: 'conv/s' })
    expect(snapshots.some((s) => s.target === 10 && s.progress > 0 && s.progress <= 1)).toBe(true)
    expect(last.thresholds.map((t) => t.name)).toContain('turn_latency_p95')
    // Every completed second reaches the dashboard exactly once.
    const seconds = snapshots.flatMap((s) => s.seconds.map((e) => e.t_s))
    expect(new Set(seconds).size).toBe(seconds.length)
    expect(await core.api.load.active()).toBeNull()
    // Recorded in the run history, and the session's list points at the record.
    expect(end.recordId).toEqual(expect.any(String))
    const stored = await core.api.history.get(end.recordId!)
    expect(stored.record).toMatchObject({ kind: 'load', load: { scenario: 'load/support.load.yaml' }, environment: { host: 'workbench' } })
    expect(await core.api.load.runs()).toContainEqual(expect.objectContaining({ runId, recordId: end.recordId, scenario: 'load/support.load.yaml' }))
    expect((await core.api.load.result(end.recordId!)).totals.turns).toBe(result.totals.turns)
  }, 30_000)

  it('stops a run gracefully: no more arrivals, running conversations finish, the result is kept and marked interrupted', async () => {
    const runId = await core.api.load.start({ scenario: 'load/support.load.yaml', overrides: { duration_ms: 30_000, rate: 5, workers: 1 } })
    await new Promise<void>((resolve) => {
      const off = core.subscribe((m) => {
        if (m.event === 'loadProgress' && (m.payload as ApiEvents['loadProgress']).runId === runId) {
          off()
          resolve()
        }
      })
    })
    await core.api.load.stop(runId)
    expect((await core.api.load.active())?.stopping).toBe(true)
    const end = await finished(runId)
    expect(end.result!.aborted).toMatchObject({ reason: 'interrupted' })
    expect(end.result!.passed).toBe(false)
    expect(end.result!.duration_ms).toBeLessThan(30_000)
    // Graceful: the conversations in progress were allowed to finish.
    expect(end.result!.totals.interrupted).toBe(0)
    expect(end.result!.totals.completed_conversations).toBe(end.result!.totals.conversations)
    await expect(core.api.load.stop(runId)).rejects.toMatchObject({ code: 'run_not_found' })
  }, 30_000)

  it("uses the workspace's plugins only once it is trusted", async () => {
    const untrusted = await core.api.load.start({ scenario: 'load/metrics.load.yaml' })
    const before = (await finished(untrusted)).result!
    expect(before.by_integration['metrics_query']!.failures).toBe(before.by_integration['metrics_query']!.calls)
    await core.api.workspace.setTrust(true)
    const trusted = await core.api.load.start({ scenario: 'load/metrics.load.yaml' })
    const after = (await finished(trusted)).result!
    expect(after.by_integration['metrics_query']!.calls).toBeGreaterThan(0)
    expect(after.by_integration['metrics_query']!.failures).toBe(0)
    expect(after.warnings.join('\n')).toContain('plugin "flowbench-plugin-metrics-translator" answers it')
  }, 40_000)

  it('compares two runs, and names what it cannot find', async () => {
    const runs = await core.api.load.runs()
    const [newer, older] = runs.filter((r) => r.scenario === 'load/metrics.load.yaml')
    const comparison = await core.api.load.compare(older!.recordId!, newer!.runId)
    expect(comparison.deltas.map((d) => d.metric)).toEqual(expect.arrayContaining(['turn_latency_p50', 'turn_latency_p99']))
    expect(typeof comparison.regressed).toBe('boolean')
    await expect(core.api.load.compare('nope', newer!.runId)).rejects.toMatchObject({ code: 'run_not_found' })
  })

  it('refuses bad requests with a message saying what to send', async () => {
    await expect(core.api.load.start({ scenario: 'flows/support.flow.yaml' })).rejects.toMatchObject({ code: 'bad_request' })
    await expect(core.api.load.start({ scenario: 'load/support.load.yaml', overrides: { rate: -1 } })).rejects.toMatchObject({ code: 'bad_request', message: 'overrides.rate must be a number above 0' })
    await expect(core.api.load.start({ scenario: 'load/support.load.yaml', overrides: { vus: 3 } })).rejects.toMatchObject({ code: 'bad_request', message: expect.stringContaining('vus applies to virtual-user executors') })
    await expect(core.api.load.start({ scenario: 'load/broken.load.yaml' })).rejects.toMatchObject({ code: 'invalid_test', data: { problems: [expect.objectContaining({ line: 7, column: 9 })] } })
    await expect(core.api.load.start({ scenario: '../outside.load.yaml' })).rejects.toMatchObject({ code: 'forbidden' })
    await expect(core.api.load.start({ scenario: 'load/missing.load.yaml' })).rejects.toMatchObject({ code: 'not_found' })
  })
})
