// One short real run through the piscina pool (the built out/cli/load-worker.mjs): tasks
// reach the worker they are meant for, conversations run on the threads, and the per-second
// HDR histograms come back encoded and merge into the totals. No timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { join, resolve } from 'node:path'
import { LoadWorkerPool } from '../../../src-main/core/load/pool'
import { runLoadTest } from '../../../src-main/core/load/run'
import { loadScenarioFile, loadScenarioText } from '../../../src-main/core/load/scenario'
import { decodeHistogram } from '../../../src-main/core/load/histogram'

const fixtures = resolve(__dirname, '../../fixtures/load')

describe('a load run through the worker pool', () => {
  const pool = new LoadWorkerPool({ threads: 2 })
  beforeAll(() => pool.start(), 30_000)
  afterAll(() => pool.destroy())

  it('routes each task to the worker it names', async () => {
    const scenario = await loadScenarioFile(join(fixtures, 'load/quick.load.yaml'))
    const shared = new SharedArrayBuffer(16)
    for (const worker of [0, 1]) {
      const r = await pool.run(worker, { type: 'init', run: 'routing', plan: scenario.plan, worker, workers: 2, shared, warmup_ms: 0 })
      expect(r.worker).toBe(worker)
    }
    for (const worker of [0, 1]) await pool.run(worker, { type: 'begin', run: 'routing', epoch: performance.timeOrigin + performance.now() })
    for (const worker of [1, 0, 0, 1, 1, 0, 1, 0]) expect((await pool.run(worker, { type: 'poll', run: 'routing' })).worker).toBe(worker)
    for (const worker of [0, 1]) expect((await pool.run(worker, { type: 'finish', run: 'routing', interrupt: true })).finished).toBe(true)
  })

  it('runs a short scenario on both workers and merges what they measured', async () => {
    const scenario = await loadScenarioText(
      `flow: ../flows/tiny.flow.yaml
conversations:
  - steps: ["hi", "I need help", "bye"]
profile: { executor: constant-arrival-rate, rate: 20, duration: 1500ms }
mocks:
  integrations:
    crm_lookup: { latency_ms: { p50: 2, p99: 8 }, data: { tier: gold } }
thresholds:
  turn_latency_p99{state=detect}: "< 60s"
  error_rate: "< 1%"
`,
      join(fixtures, 'load/inline.load.yaml'),
    )
    const result = await runLoadTest(scenario, { channel: pool, commit: null })
    expect(result.environment.workers).toBe(2)
    expect(result.totals).toMatchObject({ conversations: 30, completed_conversations: 30, turns: 90, errors: 0, dropped: 0, interrupted: 0 })
    expect(result.by_integration.crm_lookup).toMatchObject({ calls: 30, failures: 0 })
    expect(decodeHistogram(result.histograms.turn_latency).totalCount).toBe(90)
    expect(decodeHistogram(result.histograms.service_time).totalCount).toBe(90)
    expect(result.timeline.reduce((a, e) => a + e.turns, 0)).toBe(90)
    expect(result.timeline.reduce((a, e) => a + e.conversations_started, 0)).toBe(30)
    expect(result.thresholds.map((t) => t.passed)).toEqual([true, true])
    expect(result.memory.peak_rss_mb).toBeGreaterThan(0)
    // Every turn's latency is at least its engine service time.
    expect(result.turn_latency_ms.max).toBeGreaterThanOrEqual(result.service_time_ms.max)
  }, 30_000)
})
