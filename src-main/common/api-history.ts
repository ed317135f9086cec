// The `history` service of the typed API: run history (test and load runs kept in the store), baselines.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.
import type { TestRunResult } from './api'
import type { LoadResult } from './load-result'

export type RunKind = 'test' | 'load'
/** `failed`: a test failed or errored, a coverage gate or a load threshold was missed. */
export type RunOutcome = 'passed' | 'failed' | 'cancelled'
export type RunHost = 'cli' | 'workbench'

export const RUN_KINDS: readonly RunKind[] = ['test', 'load']
export const RUN_OUTCOMES: readonly RunOutcome[] = ['passed', 'failed', 'cancelled']

/** A flow a run used, by content: the same path with another hash is another version of the flow. */
export interface FlowVersion {
  /** Workspace-relative, forward slashes. */
  path: string
  /** sha256 of the file's content at record time, hex, first 16 characters ('' when it could not be read). */
  hash: string
}

export interface RunEnvironment {
  flowbench: string
  node: string
  platform: string
  cpus: number
  /** `git rev-parse HEAD` of the workspace; null outside git. */
  commit: string | null
  host: RunHost
}

export interface RunRecord {
  /** Short, sortable, unique: `20261122-171300-a1b2` (UTC start time, then random hex). */
  id: string
  kind: RunKind
  /** Absolute root of the workspace the run belongs to. */
  workspace: string
  workspaceName: string
  /** ISO timestamp. */
  startedAt: string
  durationMs: number
  outcome: RunOutcome
  /** Every flow the run used. */
  flows: FlowVersion[]
  /** Test runs: the tags of the tests that ran; load runs: the scenario's tags, if any. */
  tags: string[]
  /** A note the user can set. */
  label: string | null
  baseline: boolean
  environment: RunEnvironment
  test?: { total: number; passed: number; failed: number; errors: number; skipped: number; statePercent: number; transitionPercent: number }
  load?: {
    /** The scenario file, workspace-relative. */
    scenario: string
    name: string | null
    turns: number
    conversations: number
    errors: number
    throughput: number
    p50Ms: number
    p95Ms: number
    p99Ms: number
    thresholdsPassed: boolean
  }
}

export interface RunFilter {
  /** Absolute workspace root; the service defaults to the open workspace. */
  workspace?: string
  kind?: RunKind
  /** A workspace-relative flow path the run used. */
  flow?: string
  outcome?: RunOutcome
  tag?: string
  /** ISO timestamps, inclusive, compared with startedAt. */
  since?: string
  until?: string
  baseline?: boolean
  limit?: number
}

export interface StoredRun {
  record: RunRecord
  /** Exactly what the workbench showed live, transcripts included. */
  test?: TestRunResult
  load?: LoadResult
}

/** Something the store had to recover from when it opened, told to the user once. */
export interface StoreNotice {
  kind: 'corrupt-store' | 'corrupt-index' | 'corrupt-run' | 'migrated'
  /** One sentence for the user: what happened and what was kept. */
  message: string
  /** The file concerned. */
  file: string
  /** Where the damaged file was moved, when it was. */
  backup: string | null
  /** ISO timestamp. */
  at: string
}

export type HistoryChangeReason = 'added' | 'deleted' | 'updated' | 'pruned'

export interface HistoryService {
  /** Runs matching the filter (default: every run of the open workspace), newest first. */
  list(filter?: RunFilter): Promise<RunRecord[]>
  /** A run with its full payload; ApiError `run_not_found`. */
  get(id: string): Promise<StoredRun>
  /** One baseline per (workspace, kind, and for load runs the scenario): setting one clears the old. */
  setBaseline(id: string, baseline: boolean): Promise<RunRecord>
  setLabel(id: string, label: string | null): Promise<RunRecord>
  /** Deletes runs; answers how many were there. */
  delete(ids: string[]): Promise<number>
  /** Anything the store had to recover from at start (a corrupt file moved aside…), for a one-time notice. */
  notices(): Promise<StoreNotice[]>
}

export const HISTORY_METHODS = { list: 1, get: 1, setBaseline: 2, setLabel: 2, delete: 1, notices: 0 } as const satisfies {
  [M in keyof HistoryService]: number
}

export interface HistoryEvents {
  /** Runs were added (by this app or another process, such as the CLI), deleted, updated or pruned. */
  historyChanged: { reason: HistoryChangeReason; ids: string[] }
}

export const HISTORY_EVENTS = { historyChanged: true } as const satisfies { [E in keyof HistoryEvents]: true }
