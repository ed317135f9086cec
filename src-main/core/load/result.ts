// The load result: the JSON `flowbench load --json` writes (spec/cli.md's contract, plus more),
// which the console summary, the HTML report and comparisons read.
import { encodeHistogram, summarize, type Histogram, type LatencySummary } from './histogram'
import type { RunMetrics, TimelineEntry } from './metrics'
import type { LoadProfile } from './model'
import type { ThresholdVerdict } from './thresholds'

export const FLOWBENCH_VERSION = '0.1.0'

export interface LatencyPercentiles {
  p50: number
  p90: number
  p95: number
  p99: number
  p999: number
  max: number
}

export interface LoadEnvironment {
  node: string
  cpus: number
  cpu_model: string
  platform: string
  workers: number
  seed: number
  /** The workspace's git commit ("unknown" outside git, from the command line); null when the caller gave none. */
  commit: string | null
  flowbench: string
}

export interface LoadGeneratorHealth {
  /** True when the load generator itself limited the load or the measurements (see reasons). */
  bottleneck: boolean
  reasons: string[]
  harness_lag_p99_ms: number
  /** How late the main thread sent arrivals to the workers, at worst (ms; 0 when always ahead). */
  dispatch_late_max_ms: number
  /** Share of the main thread's time spent busy (scheduling and merging). */
  main_utilization: number
  /** Mean utilisation of the worker threads. */
  worker_utilization: number
  /** Share of the workers' busy time spent in the load generator rather than the engine or a blocking mock. */
  harness_share: number
}

export interface StateReport {
  turns: number
  errors: number
  p50_ms: number
  p90_ms: number
  p95_ms: number
  p99_ms: number
  max_ms: number
  service_p50_ms: number
  service_p99_ms: number
}

export interface IntegrationReport {
  calls: number
  failures: number
  errors: Record<string, number>
  /** Turns that called the integration. */
  turns: number
  call_p50_ms: number
  call_p99_ms: number
  turn_p50_ms: number
  turn_p99_ms: number
}

export interface LoadResult {
  tool: 'flowbench'
  kind: 'load'
  version: string
  scenario: string
  name?: string
  started_at: string
  duration_ms: number
  environment: LoadEnvironment
  profile: LoadProfile
  totals: {
    turns: number
    /** Conversations that started (arrivals minus dropped). */
    conversations: number
    /** Turn errors, all codes. */
    errors: number
    dropped: number
    completed_conversations: number
    interrupted: number
    error_turns: number
    intent_fallbacks: number
    start_errors: number
  }
  throughput: { turns_per_s: number; conversations_per_s: number }
  turn_latency_ms: LatencyPercentiles
  service_time_ms: LatencyPercentiles
  queue_wait_ms: LatencyPercentiles
  harness_lag_ms: LatencyPercentiles
  conversation_duration_ms: LatencyPercentiles
  integration_latency_ms: LatencyPercentiles
  errors_by_code: Record<string, number>
  thresholds: ThresholdVerdict[]
  /** Every threshold held and the run was not aborted. */
  passed: boolean
  aborted?: { reason: 'threshold' | 'interrupted'; at_s: number; thresholds?: string[] }
  timeline: TimelineEntry[]
  by_state: Record<string, StateReport>
  by_integration: Record<string, IntegrationReport>
  by_flow: Record<string, { turns: number; conversations: number; p50_ms: number; p99_ms: number }>
  memory: { peak_rss_mb: number; peak_heap_mb: number }
  event_loop: { worker_delay_p99_ms: number; worker_delay_max_ms: number }
  load_generator: LoadGeneratorHealth
  warnings: string[]
  histograms: {
    turn_latency: string
    service_time: string
    queue_wait: string
    harness_lag: string
    conversation_duration: string
    by_state: Record<string, { turn_latency: string; service_time: string }>
  }
}

function percentiles(h: Histogram): LatencyPercentiles {
  const s: LatencySummary = summarize(h)
  return { p50: s.p50, p90: s.p90, p95: s.p95, p99: s.p99, p999: s.p999, max: s.max }
}

const round2 = (x: number): number => Math.round(x * 100) / 100

export interface ResultContext {
  scenario: string
  name?: string
  startedAt: Date
  durationMs: number
  environment: LoadEnvironment
  profile: LoadProfile
  thresholds: ThresholdVerdict[]
  aborted?: LoadResult['aborted']
  loadGenerator: LoadGeneratorHealth
  warnings: string[]
}

export function buildResult(m: RunMetrics, ctx: ResultContext): LoadResult {
  const seconds = ctx.durationMs / 1000
  const by_state: LoadResult['by_state'] = {}
  const stateHistograms: LoadResult['histograms']['by_state'] = {}
  for (const [name, b] of [...m.states].sort(([a], [z]) => a.localeCompare(z))) {
    const lat = summarize(b.turnLatency)
    const svc = summarize(b.service)
    by_state[name] = {
      turns: b.turns,
      errors: b.errorTurns,
      p50_ms: lat.p50,
      p90_ms: lat.p90,
      p95_ms: lat.p95,
      p99_ms: lat.p99,
      max_ms: lat.max,
      service_p50_ms: svc.p50,
      service_p99_ms: svc.p99,
    }
    stateHistograms[name] = { turn_latency: encodeHistogram(b.turnLatency), service_time: encodeHistogram(b.service) }
  }
  const by_integration: LoadResult['by_integration'] = {}
  for (const [id, b] of [...m.integrations].sort(([a], [z]) => a.localeCompare(z))) {
    const call = summarize(b.callLatency)
    const turn = summarize(b.turnLatency)
    by_integration[id] = {
      calls: b.calls,
      failures: b.failures,
      errors: { ...b.errors },
      turns: b.turns,
      call_p50_ms: call.p50,
      call_p99_ms: call.p99,
      turn_p50_ms: turn.p50,
      turn_p99_ms: turn.p99,
    }
  }
  const by_flow: LoadResult['by_flow'] = {}
  for (const [file, b] of m.flows) {
    const lat = summarize(b.turnLatency)
    by_flow[file] = { turns: b.turns, conversations: b.conversations, p50_ms: lat.p50, p99_ms: lat.p99 }
  }
  const passed = !ctx.aborted && ctx.thresholds.every((t) => t.passed)
  const result: LoadResult = {
    tool: 'flowbench',
    kind: 'load',
    version: FLOWBENCH_VERSION,
    scenario: ctx.scenario,
    started_at: ctx.startedAt.toISOString(),
    duration_ms: Math.round(ctx.durationMs),
    environment: ctx.environment,
    profile: ctx.profile,
    totals: {
      turns: m.turns,
      conversations: m.conversationsStarted,
      errors: m.errorCount,
      dropped: m.dropped,
      completed_conversations: m.conversationsCompleted,
      interrupted: m.interrupted,
      error_turns: m.errorTurns,
      intent_fallbacks: m.intentFallbacks,
      start_errors: m.startErrors,
    },
    throughput: {
      turns_per_s: seconds > 0 ? round2(m.turns / seconds) : 0,
      conversations_per_s: seconds > 0 ? round2(m.conversationsCompleted / seconds) : 0,
    },
    turn_latency_ms: percentiles(m.turnLatency),
    service_time_ms: percentiles(m.service),
    queue_wait_ms: percentiles(m.queueWait),
    harness_lag_ms: percentiles(m.harnessLag),
    conversation_duration_ms: percentiles(m.conversationDuration),
    integration_latency_ms: percentiles(m.integrationLatency),
    errors_by_code: { ...m.errors },
    thresholds: ctx.thresholds,
    passed,
    timeline: m.timeline,
    by_state,
    by_integration,
    by_flow,
    memory: { peak_rss_mb: round2(m.peakRssMb), peak_heap_mb: round2(m.peakHeapMb) },
    event_loop: {
      worker_delay_p99_ms: m.timeline.reduce((a, e) => Math.max(a, e.loop_delay_p99_ms), 0),
      worker_delay_max_ms: m.maxLoopDelayMs,
    },
    load_generator: ctx.loadGenerator,
    warnings: ctx.warnings,
    histograms: {
      turn_latency: encodeHistogram(m.turnLatency),
      service_time: encodeHistogram(m.service),
      queue_wait: encodeHistogram(m.queueWait),
      harness_lag: encodeHistogram(m.harnessLag),
      conversation_duration: encodeHistogram(m.conversationDuration),
      by_state: stateHistograms,
    },
  }
  if (ctx.name !== undefined) result.name = ctx.name
  if (ctx.aborted) result.aborted = ctx.aborted
  return result
}
