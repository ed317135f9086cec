// What the main thread and the load workers say to each other: batched work in, per-second
// metrics (encoded HDR histograms and counters) out. Plain data: it crosses threads.
import type { LoadPlan } from './model'

/** Shared between every worker of a run (SharedArrayBuffer, Int32 slots). */
export const SHARED_IN_FLIGHT = 0
export const SHARED_BLOCK_BASE = 1
/**
 * After the block counters, two slots per worker: its conversations in flight and the arrivals it
 * has taken (started or dropped). If the worker dies, the main thread reads them to know exactly
 * which conversations it lost and which arrivals it never started.
 */
export const WORKER_SLOTS = 2

/** Index of worker `worker`'s in-flight slot (its taken-arrivals slot follows). */
export function workerSlot(blockSlots: number, worker: number): number {
  return SHARED_BLOCK_BASE + blockSlots + WORKER_SLOTS * worker
}

/** Int32 slots of a run's shared buffer. */
export function sharedSlots(blockSlots: number, workers: number): number {
  return SHARED_BLOCK_BASE + blockSlots + WORKER_SLOTS * workers
}

/** Prepares a worker for a run: compiles the flows and warms the engine up, untimed. */
export interface InitTask {
  type: 'init'
  run: string
  plan: LoadPlan
  worker: number
  workers: number
  shared: SharedArrayBuffer
  /** Milliseconds of untimed conversations before the run, so V8 has optimised the engine by t = 0. */
  warmup_ms: number
}

/** Sets the run's t = 0, once every worker is ready. */
export interface BeginTask {
  type: 'begin'
  run: string
  /** Absolute time (performance.timeOrigin + performance.now()) of t = 0; shared by every thread. */
  epoch: number
}

/**
 * Conversations to start on this worker: arrival k of the batch has global index
 * `first + k * stride` and intended start `times[k]` (ms since the epoch).
 */
export interface ArrivalsTask {
  type: 'arrivals'
  run: string
  first: number
  stride: number
  times: number[]
  /**
   * Global indices of the arrivals, when they are not `first + k * stride` (arrivals of a dead
   * worker, or due while it was being replaced, go to the live ones).
   */
  indices?: number[]
}

/** The closed model: how many virtual users this worker runs from `at` (ms since the epoch). */
export interface VusTask {
  type: 'vus'
  run: string
  target: number
  at: number
}

/** Asks for the seconds completed since the last report. */
export interface PollTask {
  type: 'poll'
  run: string
}

/**
 * No more work: with `interrupt`, conversations still running are abandoned (counted as
 * interrupted); the reply carries every remaining second, the current one included.
 */
export interface FinishTask {
  type: 'finish'
  run: string
  interrupt: boolean
}

export type LoadTask = InitTask | BeginTask | ArrivalsTask | VusTask | PollTask | FinishTask

export interface CountByCode {
  [code: string]: number
}

/** One worker's metrics for one second (by turn end time); histograms are HDR, µs, compressed base64. */
export interface SecondReport {
  t_s: number
  turns: number
  error_turns: number
  errors: CountByCode
  intent_fallbacks: number
  conversations_started: number
  conversations_completed: number
  dropped: number
  interrupted: number
  /** Errors of `start` (entering initial_state), which is not a turn. */
  start_errors: number
  histograms: {
    turn_latency?: string
    service_time?: string
    queue_wait?: string
    harness_lag?: string
    conversation_duration?: string
  }
  states: Record<string, { turns: number; error_turns: number; turn_latency?: string; service_time?: string }>
  integrations: Record<string, { calls: number; failures: number; errors: CountByCode; turns: number; call_latency?: string; turn_latency?: string; service_time?: string }>
  flows: Record<string, { turns: number; conversations: number; turn_latency?: string }>
  /** Engine service time and mocked blocking in this second (ms): what kept the thread busy for the system under test. */
  service_ms: number
  blocked_ms: number
  /** Time spent polling for a turn due within the next millisecond (idle by design, though the event loop looks busy). */
  poll_ms: number
  /** This worker's isolate heap, event-loop delay and utilisation, sampled when the second closed. */
  heap_used_mb: number
  loop_delay_p99_ms: number
  loop_delay_max_ms: number
  utilization: number
}

export interface WorkerReport {
  worker: number
  seconds: SecondReport[]
  /** Conversations started and not yet ended on this worker. */
  in_flight: number
  /** Conversations scheduled here that have not started yet. */
  pending: number
  /** Virtual users running here (closed model). */
  vus: number
  finished: boolean
  /** When the last conversation on this worker ended (ms since the epoch; -1 before any). */
  last_end_ms: number
  /** The first unexpected engine failure on this worker (the engine should never throw). */
  engine_failure?: string
  /** Answer to `init` when the plan has plugins: the unmocked integration ids a plugin serves, by plugin. */
  plugin_served?: Record<string, string>
  /** Answer to `init`: plugins that could not be loaded (one line each, naming the plugin). */
  plugin_problems?: string[]
}
