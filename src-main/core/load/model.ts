// The load scenario once loaded and resolved: plain data (it crosses to worker threads).
import type { FlowDocument } from '../../common/flow-schema'
import type { NluMock } from '../../common/test-schema'
import type { PluginLoadSpec } from '../plugins'

export { EXECUTORS } from '../../common/load-result'
export type { Executor, Stage, LoadProfile } from '../../common/load-result'
import type { LoadProfile } from '../../common/load-result'

/** Think time before a user step: fixed, or uniform between min and max. */
export type ThinkTime = { fixed_ms: number } | { min_ms: number; max_ms: number }

export type ScriptStep =
  | { kind: 'message'; text: string; think?: ThinkTime }
  | { kind: 'event'; event: 'approve' | 'reject'; think?: ThinkTime }

/** One conversation script, picked by weight for each new conversation. */
export interface ConversationScript {
  /** "steps[0]", or "support.test.yaml: greets and helps". */
  name: string
  /** Index into LoadPlan.flows. */
  flow: number
  weight: number
  steps: ScriptStep[]
  /** Initial context (from a reused test: its user_id, user_profile, slots, variables). */
  seed: {
    user_id?: string
    tenant_id?: string
    user_profile?: Record<string, unknown>
    slots?: Record<string, unknown>
    variables?: Record<string, unknown>
  }
  /** NLU snapshots of a reused test, so its conversation takes the paths the test takes. */
  nlu?: Record<string, NluMock>
  think?: ThinkTime
}

/** A user profile picked by weight for each conversation, independently of the script. */
export interface UserProfileChoice {
  weight: number
  user_profile: Record<string, unknown>
  tenant_id?: string
}

/** Latency of a mocked integration: fixed, or a log-normal fitted to a median and a p99. */
export type LatencyModel = { fixed_ms: number } | { p50_ms: number; p99_ms: number }

export interface IntegrationMock {
  latency?: LatencyModel
  /** Share of calls answered with `error_status` (0..1). */
  error_rate: number
  error_status: number
  status_code: number
  data?: unknown
  /** Busy-blocks the calling worker thread for this long (a CPU-bound integration). */
  block_ms?: number
  /** Which calls block: every Nth call, counted across all workers. */
  block_every: number
}

export interface LoadFlow {
  /** Workspace-relative path, as reports print it. */
  file: string
  document: FlowDocument
  /** Integration ids the flow calls (integration states and workflow tasks). */
  integrations: string[]
  states: string[]
}

/** Everything a worker needs to run conversations. */
export interface LoadPlan {
  flows: LoadFlow[]
  scripts: ConversationScript[]
  users: UserProfileChoice[]
  think?: ThinkTime
  mocks: Record<string, IntegrationMock>
  /** Scenario-wide NLU snapshots (exact input → result). */
  nlu: Record<string, NluMock>
  profile: LoadProfile
  seed: number
  /**
   * The workspace's plugins, for integrations the scenario does not mock (as `flowbench test`
   * runs them): each worker loads them once; their calls are real work and real latency.
   */
  plugins?: PluginLoadSpec
}
