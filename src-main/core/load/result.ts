// The load result: the JSON `flowbench load --json` writes (spec/cli.md's contract, plus more),
// which the console summary, the HTML report and comparisons read.
import { encodeHistogram, summarize, type Histogram, type LatencySummary } from './histogram'
import type { RunMetrics } from './metrics'
import type { LoadProfile } from './model'
import type { ThresholdVerdict } from './thresholds'

export const FLOWBENCH_VERSION = '0.1.0'

export type { LatencyPercentiles, LoadEnvironment, LoadGeneratorHealth, StateReport, IntegrationReport, LoadResult } from '../../common/load-result'
import type { LatencyPercentiles, LoadEnvironment, LoadGeneratorHealth, LoadResult } from '../../common/load-result'

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
