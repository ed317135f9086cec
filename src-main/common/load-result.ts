// The load result's shape: what `flowbench load --json` writes (spec/cli.md's contract, plus more)
// and what the workbench's load dashboard and run history read. Plain data, no behaviour, so the
// renderer can import it; src-main/core/load builds it.

export const EXECUTORS = ['constant-arrival-rate', 'ramping-arrival-rate', 'constant-vus', 'ramping-vus'] as const
export type Executor = (typeof EXECUTORS)[number]

/** A ramp step: move linearly from the previous target to `target` over `duration_ms`. */
export interface Stage {
  target: number
  duration_ms: number
}

/**
 * How load is offered. Open model (arrival rate): conversations start on a schedule whatever
 * the engine does. Closed model (virtual users): each user starts a new conversation when its
 * previous one ends.
 */
export interface LoadProfile {
  executor: Executor
  /** Conversations started per second (constant-arrival-rate). */
  rate?: number
  /** Rate at t=0 for ramping-arrival-rate (default 0). */
  start_rate?: number
  /** Virtual users (constant-vus). */
  vus?: number
  /** Virtual users at t=0 for ramping-vus (default 0). */
  start_vus?: number
  stages: Stage[]
  /** How long new conversations keep arriving (for ramping executors: the stages' total). */
  duration_ms: number
  /** Arrival spacing for the open model: evenly spaced (k6's way) or a Poisson process. */
  arrivals: 'uniform' | 'poisson'
  /** Conversations in progress at once; an arrival beyond it is dropped (open model). */
  max_in_flight?: number
  /** How long conversations still running at the end of `duration` may take to finish. */
  graceful_stop_ms: number
  /** Worker threads, when the scenario asks for a number. */
  workers?: number
  /** Untimed conversations on each worker before t = 0, so V8 has optimised the engine (ms). */
  warmup_ms: number
}


export interface TimelineEntry {
  t_s: number
  turns: number
  /** Turn errors (all codes) that second. */
  errors: number
  conversations_started: number
  conversations_completed: number
  dropped: number
  p50_ms: number
  p90_ms: number
  p95_ms: number
  p99_ms: number
  max_ms: number
  service_p99_ms: number
  harness_lag_p99_ms: number
  /** Offered load at that second: conversations/s scheduled (open model) or virtual users (closed). */
  target: number
  rss_mb: number
  heap_mb: number
  loop_delay_p99_ms: number
  worker_utilization: number
  /** Share of the workers' busy time that went to the load generator rather than the engine or a blocking mock. */
  harness_share: number
}

export interface ThresholdVerdict {
  name: string
  condition: string
  /** In the metric's report unit (ms, %, /s); null when the metric has no data. */
  value: number | null
  unit: 'ms' | '%' | '/s'
  passed: boolean
  /** Why a threshold without data failed. */
  note?: string
  abort_on_fail?: boolean
}

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


/**
 * What a running load test shows, about once a second: the console's live line, and the
 * workbench's live dashboard (`loadProgress` events).
 */
export interface LiveSnapshot {
  elapsed_s: number
  duration_s: number
  /** Share of the arrival phase done (0..1); 1 while conversations still running drain. */
  progress: number
  phase: 'running' | 'draining'
  turns: number
  conversations: number
  in_flight: number
  dropped: number
  errors: number
  error_rate: number
  /** Turns completed in the last complete second. */
  turns_per_s: number
  /** Offered load now: conversations/s (open model) or virtual users (closed). */
  target: number
  target_unit: 'conv/s' | 'VUs'
  /** Turn latency so far (the whole run up to now, from merged histograms). */
  p50_ms: number
  p95_ms: number
  p99_ms: number
  /** The coordinating process's memory at the last complete second (MB). */
  rss_mb: number
  heap_mb: number
  /** Every threshold as it stands on the data so far (the final verdict comes with the result). */
  thresholds: ThresholdVerdict[]
  /** Seconds of the timeline completed since the previous snapshot (every worker has reported them). */
  seconds: TimelineEntry[]
}

/** A run compared with a baseline (`flowbench load --compare`, the workbench's comparison of two load runs). */
export type Better = 'lower' | 'higher'

export interface MetricDelta {
  metric: string
  unit: 'ms' | '/s' | '%'
  better: Better
  baseline: number
  current: number
  delta: number
  /** Relative change (current/baseline − 1) in %, null when the baseline is 0. */
  delta_pct: number | null
  /** The largest change run-to-run noise alone plausibly explains (same unit as the metric). */
  noise: number
  significant: boolean
  verdict: 'regressed' | 'improved' | 'unchanged'
}

export interface Comparison {
  baseline: { scenario: string; started_at: string; commit: string | null }
  deltas: MetricDelta[]
  /** Some metric got significantly worse. */
  regressed: boolean
  /** Why the two runs may not be like for like. */
  notes: string[]
}
