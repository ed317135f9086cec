// The `load` service of the typed API: the performance dashboard: design, start, watch and stop load tests.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.
import type { ApiErrorPayload } from './api'
import type { Comparison, Executor, LiveSnapshot, LoadProfile, LoadResult } from './load-result'

export type { Comparison, LiveSnapshot, LoadResult } from './load-result'

/** One of the workspace's load scenarios, as the dashboard lists it. */
export interface LoadScenarioInfo {
  /** Workspace-relative path of the scenario file. */
  path: string
  /** The scenario's `name`, else null. */
  name: string | null
  /** Workspace-relative path of its (first) flow; null when it does not load. */
  flow: string | null
  executor: Executor | null
  /** How long arrivals last (ms); null when the scenario does not load. */
  duration_ms: number | null
  /** The whole profile as loaded (null when the scenario does not load). */
  profile: LoadProfile | null
  /** Thresholds as written: name and condition(s). */
  thresholds: Array<{ name: string; condition: string; abort_on_fail: boolean }>
  /** Number of conversation scripts. */
  scripts: number
  /** Why the scenario does not load (empty when it does), each with its place in the file. */
  problems: Array<{ line: number; column: number; message: string }>
  /** What would surprise (an integration nobody mocks…), as the command line warns. */
  warnings: string[]
}

/** What a run may change about its scenario (the same as `flowbench load --rate/--vus/--duration/--workers/--seed`). */
export interface LoadOverrides {
  /** Conversations per second (arrival-rate executors; ramping ones are scaled to this peak). */
  rate?: number
  /** Virtual users (VU executors; ramping ones are scaled to this peak). */
  vus?: number
  duration_ms?: number
  workers?: number
  seed?: number
}

export interface LoadStartRequest {
  /** Workspace-relative path of the scenario file. */
  scenario: string
  overrides?: LoadOverrides
}

/** The run in progress: enough for a window opened late to draw the live view from the start. */
export interface ActiveLoadRun {
  runId: string
  scenario: string
  /** ISO time the run was started. */
  startedAt: string
  /** The profile as run (overrides applied). */
  profile: LoadProfile
  /** Whether stop() was asked for (the run is finishing). */
  stopping: boolean
  /** Every live snapshot so far, oldest first. */
  snapshots: LiveSnapshot[]
}

/** A load run finished in this session (when no run history is kept). */
export interface LoadRunSummary {
  runId: string
  /** The history record, when the run was recorded there. */
  recordId: string | null
  scenario: string
  startedAt: string
  passed: boolean
  aborted: boolean
  turnsPerS: number
  p99Ms: number
}

export interface LoadService {
  /** The workspace's load scenarios (`*.load.yaml`, `*.load.yml`, `*.load.json`), sorted by path. */
  scenarios(): Promise<LoadScenarioInfo[]>
  /**
   * Starts a run of a scenario on the load worker pool, with the workspace's plugins (as tests
   * use them) for integrations the scenario does not mock. One run at a time per workspace:
   * ApiError `conflict` while one runs; `invalid_test` when the scenario does not load (data.problems).
   */
  start(request: LoadStartRequest): Promise<string>
  /** Stops a run gracefully: no more arrivals, the conversations in progress finish (within the profile's graceful_stop), the result is marked interrupted. */
  stop(runId: string): Promise<void>
  /** The run in progress with its snapshots so far, or null. */
  active(): Promise<ActiveLoadRun | null>
  /**
   * Two load runs compared, `b` against the baseline `a` (ids of the run history, or of this
   * session's runs): deltas flagged only beyond run-to-run noise. ApiError `run_not_found`.
   */
  compare(a: string, b: string): Promise<Comparison>
  /** Load runs finished in this session, newest first (the dashboard's list when no history is kept). */
  runs(): Promise<LoadRunSummary[]>
  /** The full result of a run of this session (or of the history). ApiError `run_not_found`. */
  result(runId: string): Promise<LoadResult>
}

export const LOAD_METHODS = { scenarios: 0, start: 1, stop: 1, active: 0, compare: 2, runs: 0, result: 1 } as const satisfies {
  [M in keyof LoadService]: number
}

export interface LoadEvents {
  /** About once a second while a load run goes: the live figures and the seconds completed since the last one. */
  loadProgress: { runId: string; snapshot: LiveSnapshot }
  /** A load run ended: its result (null when it failed to run, with `error`) and its history record. */
  loadFinished: { runId: string; result: LoadResult | null; recordId: string | null; error: ApiErrorPayload | null }
}

export const LOAD_EVENTS = { loadProgress: true, loadFinished: true } as const satisfies { [E in keyof LoadEvents]: true }
