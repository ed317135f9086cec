// The `quality` service of the typed API: test intelligence: coverage gaps, generated tests, fault matrix, mutation testing.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts. The report shapes
// here are the ones the core produces (`flowbench test --faults`, `flowbench mutate --json`).
import type { ApiErrorPayload } from './api'

// ---- fault matrix ----
export const FAULT_KINDS = ['error', 'timeout', 'network', 'malformed'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/**
 * What the flow did when the integration failed, worst last:
 * `handled` a transition out of the state took the failure (named in `handled_by`);
 * `not_reached` the faulted run never called the integration from this state;
 * `unnoticed` (malformed data) the flow carried on as if the call had succeeded, mapped variables missing;
 * `no_transition` the turn ended with no transition able to take the failure (`no_transition` / `integration_failed`);
 * `error` another engine error, or the test could not finish.
 */
export type FaultOutcome = 'handled' | 'not_reached' | 'unnoticed' | 'no_transition' | 'error'

export interface BrokenTest {
  file: string
  name: string
  /** Its status under the fault (it passed normally). */
  status: 'failed' | 'error'
  /** The first failure or the error, one line. */
  message: string
}

export interface FaultKindResult {
  /** The worst outcome over the tests that reached the state. */
  outcome: FaultOutcome
  /** Transitions that took the failure (keys as in coverage). */
  handled_by: string[]
  /** Reruns per outcome. */
  counts: Partial<Record<FaultOutcome, number>>
  /** Engine errors seen (`code: message`). */
  errors: string[]
  /** Reruns of tests that reached this state. */
  tests: number
  /** Tests that passed normally and failed or errored under the fault. */
  broken: BrokenTest[]
}

export interface FaultStateResult {
  /** Workspace-relative flow file. */
  flow: string
  state: string
  /** The integration id that was failed (an integration state's, or a workflow task's). */
  integration: string
  /** The workflow task, when the call is a task's. */
  task?: string
  /** Where the state is written (1-based). */
  line: number
  column: number
  kinds: Record<FaultKind, FaultKindResult>
}

export interface FaultMatrix {
  kinds: FaultKind[]
  /** Faulted reruns made. */
  runs: number
  /** Tests that call at least one integration. */
  tests: number
  states: FaultStateResult[]
  /** State × kind cells that ended in no_transition or an engine error. */
  unhandled: number
  /** Test files that could not be used (they do not parse, or their flow does not load). */
  problems: Array<{ file: string; message: string }>
}

// ---- mutation testing ----
export const MUTATION_OPERATORS = [
  'retarget-transition',
  'drop-transition',
  'swap-priority',
  'flip-operator',
  'change-value',
  'change-template',
  'drop-required-slot',
  'change-intent-example',
] as const
export type MutationOperator = (typeof MUTATION_OPERATORS)[number]

export type MutantVerdict = 'killed' | 'survived' | 'invalid' | 'no_coverage' | 'equivalent'

export interface MutantResult {
  id: number
  operator: MutationOperator
  /** Workspace-relative flow file. */
  flow: string
  state: string | null
  /** The mutated element: a transition key, `intent X`, `slot X`, or the state. */
  element: string
  description: string
  line: number
  column: number
  status: MutantVerdict
  /** The test that killed it. */
  killed_by?: { file: string; name: string }
  tests_run: number
  /** Survivors: the smallest change to the tests that would kill it, when it can tell. */
  hint?: string
  /** Invalid mutants: why the mutated flow does not compile; equivalent ones: why it cannot change behaviour. */
  reason?: string
}

export interface ScoreLine {
  total: number
  killed: number
  survived: number
  no_coverage: number
  /** Mutants whose flow does not compile (left out of the score). */
  invalid: number
  /** Mutants that cannot change behaviour (left out of the score). */
  equivalent: number
  /** killed / (total − invalid − equivalent) × 100; 100 when nothing counts. */
  score: number
  /** killed / (killed + survived) × 100: the score over what the tests reach. */
  covered_score: number
}

export interface MutationReport {
  tool: 'flowbench'
  kind: 'mutation'
  started_at: string
  duration_ms: number
  seed: number
  operators: MutationOperator[]
  workers: number
  /** Tests in the baseline, and how many passed (only those can kill a mutant). */
  tests: { total: number; passed: number }
  summary: ScoreLine
  by_operator: Partial<Record<MutationOperator, ScoreLine>>
  by_flow: Record<string, ScoreLine>
  mutants: MutantResult[]
  /** Mutants made before --max-mutants sampled them. */
  generated: number
  problems: Array<{ file: string; message: string }>
  cancelled: boolean
}

// ---- the service ----
export interface CoverageGap {
  kind: 'state' | 'transition'
  /** The state name, or the transition key (`s -> t [condition value]`). */
  id: string
  /** The state it is (or leaves from). */
  state: string
  line: number
  column: number
  reason: string
}

export interface FlowGaps {
  /** Workspace-relative flow path. */
  flow: string
  /**
   * The newest run the coverage comes from (null: no run has covered this version of the flow:
   * everything is a gap). Coverage adds up over the recorded runs of the flow as it is now.
   */
  runId: string | null
  ranAt: string | null
  /** Runs recorded the flow, but only older versions of it (it was edited since): everything is a gap until its tests run again. */
  stale: boolean
  states: { covered: number; total: number }
  transitions: { covered: number; total: number }
  gaps: CoverageGap[]
}

export interface GeneratedTests {
  yaml: string
  tests: number
  /** Where saveGenerated writes it by default: `tests/<flow-name>.generated.test.yaml`. */
  file: string
  covers: { states: string[]; transitions: string[] }
  unreachable: Array<{ kind: 'state' | 'transition'; id: string; reason: string }>
}

export interface QualityFlowSummary {
  flow: string
  /** Added up over the recorded runs of the flow as it is now; null when none ran it. */
  states: { covered: number; total: number; percent: number } | null
  transitions: { covered: number; total: number; percent: number } | null
  mutation: { score: number; killed: number; survived: number; no_coverage: number; total: number; at: string } | null
  faults: { states: number; unhandled: number } | null
}

export interface MutationRequest {
  /** Workspace-relative flow path: only its mutants (default: every flow under test). */
  flow?: string
  operators?: MutationOperator[]
  maxMutants?: number
  seed?: number
}

export interface FaultRunRequest {
  /** Workspace-relative test files or folders (default: the workspace). */
  paths?: string[]
}

export interface QualityService {
  /** Every flow of the workspace with its coverage, mutation score and fault results, as last run. */
  summary(): Promise<QualityFlowSummary[]>
  /** Uncovered states and transitions of a flow from the last test run, with where each is written. */
  gaps(flow: string): Promise<FlowGaps>
  /** Tests for the flow (only for the given states/transitions when `only` is set), not written anywhere. */
  generate(flow: string, only?: { states?: string[]; transitions?: string[] }): Promise<GeneratedTests>
  /** Writes generated YAML (default `tests/<flow-name>.generated.test.yaml`); `already_exists` unless overwrite. */
  saveGenerated(flow: string, yaml: string, file?: string, overwrite?: boolean): Promise<{ file: string }>
  /** Starts mutation testing; progress as `mutationProgress`, the report in `mutationFinished`. */
  mutate(request: MutationRequest): Promise<string>
  cancelMutation(runId: string): Promise<void>
  /** The last mutation report that covered the flow, or null. */
  lastMutation(flow: string): Promise<MutationReport | null>
  /** Starts the fault matrix over the workspace's tests; the result in `faultsFinished`. */
  runFaults(request: FaultRunRequest): Promise<string>
  /** The last fault-matrix result per flow (its integration states). */
  faults(): Promise<{ [flow: string]: FaultStateResult[] }>
}

export const QUALITY_METHODS = {
  summary: 0,
  gaps: 1,
  generate: 2,
  saveGenerated: 4,
  mutate: 1,
  cancelMutation: 1,
  lastMutation: 1,
  runFaults: 1,
  faults: 0,
} as const satisfies { [M in keyof QualityService]: number }

export interface QualityEvents {
  mutationProgress: { runId: string; flow: string | null; done: number; total: number; killed: number; survived: number }
  mutationFinished: { runId: string; flow: string | null; report: MutationReport | null; error: ApiErrorPayload | null }
  faultsFinished: { runId: string; matrix: FaultMatrix | null; error: ApiErrorPayload | null }
}

export const QUALITY_EVENTS = { mutationProgress: true, mutationFinished: true, faultsFinished: true } as const satisfies { [E in keyof QualityEvents]: true }
