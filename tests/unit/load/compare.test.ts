import { describe, expect, it } from 'vitest'
import { compareResults, formatComparison, isLoadResult, standardError, steadySeconds } from '../../../src-main/core/load/compare'
import type { TimelineEntry } from '../../../src-main/core/load/metrics'
import type { LoadResult } from '../../../src-main/core/load/result'
import { SeededRandom } from '../../../src-main/core/engine/random'

function second(t: number, turns: number, p50: number, p99: number): TimelineEntry {
  return {
    t_s: t, turns, errors: 0, conversations_started: 0, conversations_completed: 0, dropped: 0,
    p50_ms: p50, p90_ms: p99, p95_ms: p99, p99_ms: p99, max_ms: p99, service_p99_ms: 0, harness_lag_p99_ms: 0,
    target: 0, rss_mb: 0, heap_mb: 0, loop_delay_p99_ms: 0, worker_utilization: 0, harness_share: 0,
  }
}

/** A run of `seconds` seconds whose per-second figures jitter around the given means (seeded). */
function run(o: { p50: number; p99: number; turnsPerS: number; errorTurns?: number; seconds?: number; jitter?: number; seed?: number }): LoadResult {
  const rnd = new SeededRandom(o.seed ?? 1)
  const n = o.seconds ?? 30
  const j = o.jitter ?? 0.05
  const wobble = (x: number) => x * (1 + (rnd.next() * 2 - 1) * j)
  const timeline = Array.from({ length: n }, (_, t) => second(t, Math.round(wobble(o.turnsPerS)), wobble(o.p50), wobble(o.p99)))
  const turns = o.turnsPerS * n
  return {
    tool: 'flowbench', kind: 'load', version: '0.1.0', scenario: 'load/x.load.yaml', started_at: '2026-11-22T10:00:00.000Z', duration_ms: n * 1000,
    environment: { node: 'v20.20.2', cpus: 2, cpu_model: 'cpu', platform: 'linux-x64', workers: 1, seed: 1, commit: 'abc', flowbench: '0.1.0' },
    profile: { executor: 'constant-arrival-rate', rate: 100, stages: [], duration_ms: n * 1000, arrivals: 'uniform', graceful_stop_ms: 30_000 },
    totals: { turns, conversations: turns / 4, errors: o.errorTurns ?? 0, dropped: 0, completed_conversations: turns / 4, interrupted: 0, error_turns: o.errorTurns ?? 0, intent_fallbacks: 0, start_errors: 0 },
    throughput: { turns_per_s: o.turnsPerS, conversations_per_s: o.turnsPerS / 4 },
    turn_latency_ms: { p50: o.p50, p90: o.p99, p95: o.p99, p99: o.p99, p999: o.p99, max: o.p99 },
  } as unknown as LoadResult
}

describe('standard error of a per-second series', () => {
  it('needs three seconds, and is 0 for a flat series', () => {
    expect(standardError([1, 2])).toBeUndefined()
    expect(standardError([5, 5, 5, 5])).toBe(0)
  })

  it('shrinks as the run gets longer', () => {
    const rnd = new SeededRandom(3)
    const series = Array.from({ length: 100 }, () => 10 + rnd.next())
    expect(standardError(series)!).toBeLessThan(standardError(series.slice(0, 10))!)
  })

  it('leaves the partial first and last seconds out of steady state', () => {
    const tl = [second(0, 5, 1, 1), second(1, 100, 1, 1), second(2, 100, 1, 1), second(3, 100, 1, 1), second(4, 100, 1, 1), second(5, 3, 1, 1)]
    expect(steadySeconds(tl).map((e) => e.t_s)).toEqual([1, 2, 3, 4])
  })
})

describe('comparing a run with its baseline', () => {
  it('flags nothing between two runs of the same system', () => {
    const c = compareResults(run({ p50: 1, p99: 5, turnsPerS: 1000, seed: 2 }), run({ p50: 1, p99: 5, turnsPerS: 1000, seed: 1 }))
    expect(c.deltas.map((d) => d.metric)).toEqual(['turn_latency_p50', 'turn_latency_p99', 'throughput', 'error_rate'])
    expect(c.deltas.every((d) => d.verdict === 'unchanged')).toBe(true)
    expect(c.regressed).toBe(false)
  })

  it('flags a p99 that doubled as a regression, and a faster p50 as an improvement', () => {
    const c = compareResults(run({ p50: 0.5, p99: 10, turnsPerS: 1000, seed: 2 }), run({ p50: 1, p99: 5, turnsPerS: 1000, seed: 1 }))
    const p99 = c.deltas.find((d) => d.metric === 'turn_latency_p99')!
    const p50 = c.deltas.find((d) => d.metric === 'turn_latency_p50')!
    expect(p99).toMatchObject({ baseline: 5, current: 10, delta: 5, delta_pct: 100, verdict: 'regressed', significant: true })
    expect(p50.verdict).toBe('improved')
    expect(c.regressed).toBe(true)
  })

  it('does not flag a change smaller than the runs\' own noise', () => {
    // 8% more p99, but the per-second p99 jitters by ±40%: within noise.
    const c = compareResults(run({ p50: 1, p99: 5.4, turnsPerS: 1000, jitter: 0.4, seconds: 10, seed: 2 }), run({ p50: 1, p99: 5, turnsPerS: 1000, jitter: 0.4, seconds: 10, seed: 1 }))
    expect(c.deltas.find((d) => d.metric === 'turn_latency_p99')!.verdict).toBe('unchanged')
  })

  it('flags a throughput drop beyond noise as a regression', () => {
    const c = compareResults(run({ p50: 1, p99: 5, turnsPerS: 700, seed: 2 }), run({ p50: 1, p99: 5, turnsPerS: 1000, seed: 1 }))
    expect(c.deltas.find((d) => d.metric === 'throughput')!.verdict).toBe('regressed')
  })

  it('judges error rates by binomial sampling error', () => {
    const same = compareResults(run({ p50: 1, p99: 5, turnsPerS: 1000, errorTurns: 31 }), run({ p50: 1, p99: 5, turnsPerS: 1000, errorTurns: 30 }))
    expect(same.deltas.find((d) => d.metric === 'error_rate')!.verdict).toBe('unchanged')
    const worse = compareResults(run({ p50: 1, p99: 5, turnsPerS: 1000, errorTurns: 300 }), run({ p50: 1, p99: 5, turnsPerS: 1000, errorTurns: 30 }))
    expect(worse.deltas.find((d) => d.metric === 'error_rate')).toMatchObject({ verdict: 'regressed', unit: '%' })
  })

  it('says when noise could not be measured, and when the runs are not like for like', () => {
    const a = run({ p50: 1, p99: 5, turnsPerS: 1000, seconds: 2 })
    const b = { ...run({ p50: 1, p99: 5, turnsPerS: 1000, seconds: 2 }), environment: { ...a.environment, workers: 2 } }
    const c = compareResults(b, a)
    expect(c.notes.join('\n')).toMatch(/fewer than 3 steady seconds/)
    expect(c.notes.join('\n')).toMatch(/different worker counts: 1 vs 2/)
    expect(formatComparison(c)).toMatch(/turn_latency_p99/)
  })

  it('recognises a load result file', () => {
    expect(isLoadResult(run({ p50: 1, p99: 1, turnsPerS: 1 }))).toBe(true)
    expect(isLoadResult({ tool: 'flowbench', summary: {} })).toBe(false)
  })
})
