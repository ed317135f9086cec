// A run against a baseline: deltas of p50, p99, throughput and error rate, each flagged only
// when it is larger than what run-to-run noise explains. Noise comes from the runs themselves:
// the spread of their per-second figures (latency, throughput) and binomial sampling error
// (error rate), so a short or jittery run needs a bigger change before anything is flagged.
import type { LoadResult } from './result'
import type { TimelineEntry } from './metrics'

export type { Better, MetricDelta, Comparison } from '../../common/load-result'
import type { Comparison, MetricDelta, Better } from '../../common/load-result'

export interface CompareOptions {
  /** Standard errors a change must exceed (default 3: about 1 false alarm in 370 per metric). */
  sigmas?: number
  /** Changes smaller than this share are never flagged (default 0.03): timers and HDR buckets are not finer. */
  minRelative?: number
  /** Latency changes smaller than this (ms) are never flagged (default 0.02). */
  minLatencyMs?: number
}

function mean(xs: number[]): number {
  return xs.reduce((a, b) => a + b, 0) / xs.length
}

/**
 * The standard error of the mean of a per-second series, by batch means: the seconds are
 * grouped into up to 10 consecutive batches, so seconds that move together (a GC, a noisy
 * neighbour) are not counted as independent evidence.
 */
export function standardError(series: number[]): number | undefined {
  const n = series.length
  if (n < 3) return undefined
  const batches = Math.min(10, n)
  const size = n / batches
  const means: number[] = []
  for (let b = 0; b < batches; b++) {
    const part = series.slice(Math.floor(b * size), Math.floor((b + 1) * size))
    if (part.length) means.push(mean(part))
  }
  const m = mean(means)
  const variance = means.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(1, means.length - 1)
  return Math.sqrt(variance / means.length)
}

/**
 * The seconds that represent steady load: with turns, and without the first and last second
 * when there are enough (they are partial: ramp-up and drain).
 */
export function steadySeconds(timeline: TimelineEntry[]): TimelineEntry[] {
  const active = timeline.filter((e) => e.turns > 0)
  return active.length > 4 ? active.slice(1, -1) : active
}

function delta(metric: string, unit: MetricDelta['unit'], better: Better, baseline: number, current: number, noise: number, floor: number): MetricDelta {
  const d = current - baseline
  const threshold = Math.max(noise, floor)
  const significant = Math.abs(d) > threshold
  const worse = better === 'lower' ? d > 0 : d < 0
  return {
    metric,
    unit,
    better,
    baseline,
    current,
    delta: Math.round(d * 1000) / 1000,
    delta_pct: baseline !== 0 ? Math.round((current / baseline - 1) * 1000) / 10 : null,
    noise: Math.round(threshold * 1000) / 1000,
    significant,
    verdict: !significant ? 'unchanged' : worse ? 'regressed' : 'improved',
  }
}

export function compareResults(current: LoadResult, baseline: LoadResult, options: CompareOptions = {}): Comparison {
  const z = options.sigmas ?? 3
  const minRel = options.minRelative ?? 0.03
  const minMs = options.minLatencyMs ?? 0.02
  const notes: string[] = []
  const a = steadySeconds(baseline.timeline ?? [])
  const b = steadySeconds(current.timeline ?? [])
  const seriesNoise = (pick: (e: TimelineEntry) => number): number | undefined => {
    const sa = standardError(a.map(pick))
    const sb = standardError(b.map(pick))
    if (sa === undefined || sb === undefined) return undefined
    return z * Math.sqrt(sa * sa + sb * sb)
  }
  let shortRuns = false
  const noiseOr = (n: number | undefined, fallbackShare: number, value: number): number => {
    if (n !== undefined) return n
    shortRuns = true
    return Math.abs(value) * fallbackShare
  }

  const deltas: MetricDelta[] = []
  const p50b = baseline.turn_latency_ms.p50
  const p50c = current.turn_latency_ms.p50
  deltas.push(delta('turn_latency_p50', 'ms', 'lower', p50b, p50c, noiseOr(seriesNoise((e) => e.p50_ms), 0.1, p50b), Math.max(minMs, p50b * minRel)))
  const p99b = baseline.turn_latency_ms.p99
  const p99c = current.turn_latency_ms.p99
  deltas.push(delta('turn_latency_p99', 'ms', 'lower', p99b, p99c, noiseOr(seriesNoise((e) => e.p99_ms), 0.1, p99b), Math.max(minMs, p99b * minRel)))
  const tb = baseline.throughput.turns_per_s
  const tc = current.throughput.turns_per_s
  deltas.push(delta('throughput', '/s', 'higher', tb, tc, noiseOr(seriesNoise((e) => e.turns), 0.1, tb), tb * minRel))

  // Error rate: binomial sampling error of the pooled rate, in percentage points.
  const nb = baseline.totals.turns
  const nc = current.totals.turns
  const eb = baseline.totals.error_turns ?? 0
  const ec = current.totals.error_turns ?? 0
  const rb = nb ? (eb / nb) * 100 : 0
  const rc = nc ? (ec / nc) * 100 : 0
  let errNoise = 0
  if (nb && nc) {
    // A pooled rate of 0 has no spread; one error in either run is then the smallest signal.
    const pooled = Math.max((eb + ec) / (nb + nc), 1 / (nb + nc))
    errNoise = z * Math.sqrt(pooled * (1 - pooled) * (1 / nb + 1 / nc)) * 100
  }
  deltas.push(delta('error_rate', '%', 'lower', round4(rb), round4(rc), errNoise, 0))

  if (shortRuns) notes.push('a run has fewer than 3 steady seconds: noise could not be measured, so only changes over 10% are flagged')
  if (baseline.scenario !== current.scenario) notes.push(`different scenarios: ${baseline.scenario} vs ${current.scenario}`)
  const pb = baseline.profile
  const pc = current.profile
  if (pb && pc && (pb.executor !== pc.executor || pb.rate !== pc.rate || pb.vus !== pc.vus || pb.duration_ms !== pc.duration_ms)) {
    notes.push('the load profiles differ (executor, rate, users or duration): deltas compare different loads')
  }
  const envb = baseline.environment
  const envc = current.environment
  if (envb && envc) {
    if (envb.workers !== envc.workers) notes.push(`different worker counts: ${envb.workers} vs ${envc.workers}`)
    if (envb.node !== envc.node) notes.push(`different Node versions: ${envb.node} vs ${envc.node}`)
    if (envb.cpus !== envc.cpus || envb.cpu_model !== envc.cpu_model) notes.push('different machines (CPU count or model)')
  }
  if (baseline.load_generator?.bottleneck || current.load_generator?.bottleneck) notes.push('the load generator was a bottleneck in one of the runs: latency deltas may be the tool\'s, not the engine\'s')

  return {
    baseline: { scenario: baseline.scenario, started_at: baseline.started_at, commit: baseline.environment?.commit ?? null },
    deltas,
    regressed: deltas.some((d) => d.verdict === 'regressed'),
    notes,
  }
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000

/** Whether a parsed JSON file looks like a `flowbench load --json` result. */
export function isLoadResult(value: unknown): value is LoadResult {
  const v = value as Partial<LoadResult> | null
  return !!v && typeof v === 'object' && v.kind === 'load' && typeof v.turn_latency_ms === 'object' && typeof v.throughput === 'object' && typeof v.totals === 'object'
}

export function formatComparison(c: Comparison): string {
  const lines = [`  compared with ${c.baseline.scenario} of ${c.baseline.started_at}${c.baseline.commit ? ` (commit ${c.baseline.commit})` : ''}`]
  lines.push('  metric                 baseline      current        delta     noise   verdict')
  for (const d of c.deltas) {
    const unit = d.unit === 'ms' ? ' ms' : d.unit
    const pct = d.delta_pct === null ? '' : ` (${d.delta_pct > 0 ? '+' : ''}${d.delta_pct}%)`
    lines.push(
      `  ${d.metric.padEnd(20)} ${`${d.baseline}${unit}`.padStart(11)}  ${`${d.current}${unit}`.padStart(11)}  ${`${d.delta > 0 ? '+' : ''}${d.delta}${pct}`.padStart(16)}  ±${String(d.noise).padEnd(8)} ${d.verdict === 'unchanged' ? 'within noise' : d.verdict.toUpperCase()}`,
    )
  }
  for (const n of c.notes) lines.push(`  note: ${n}`)
  return `${lines.join('\n')}\n`
}
