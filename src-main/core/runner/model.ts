// What a conversation-test run produces: the report every reporter, the CLI and the workbench
// read. Plain JSON data only (it crosses worker threads and the wire), no Node imports.
import type { CoverageCount, JsonValue, TestFailure, TestStatus } from '../../common/api'
import type { PluginSource, PluginState } from '../../common/plugin-api'
import type { TurnResult } from '../../common/turn'
import type { FlowFingerprint } from '../impact/fingerprint'
import type { FaultMatrix } from '../faults'

export type { CoverageCount, TestStatus }

/** One expectation that did not hold (or an unexpected turn error, field `error`). */
export interface Failure extends TestFailure {
  expected: JsonValue
  actual: JsonValue
  /** What the step did: `start`, `user`, `approve`, `reject` or `wait 30s`. */
  action?: string
  /** Where the step is written in the test file (1-based), when the file says. */
  line?: number
  column?: number
}

/** Why a test did not run. */
export type SkipReason = 'skip' | 'filtered' | 'bail' | 'cancelled'

/** Outcomes of a test run several times (`--repeat N`). */
export interface Stability {
  runs: number
  passed: number
  failed: number
  errors: number
  /** The outcome changed from one run to another. */
  flaky: boolean
  /**
   * How reproducible the outcome is: the share of runs (0–1, three decimals) that had the most
   * common outcome. 1 for a test that always passes (or always fails); below 1 exactly when flaky.
   */
  score: number
}

/** The tag that keeps a known-flaky test's failures out of the exit code (it still runs and is reported). */
export const QUARANTINE_TAG = 'quarantine'

/** A turn of a test's conversation: the engine's turn result plus the step that caused it. */
export type TranscriptTurn = TurnResult & {
  /** Index of the step in `steps`; null for the `start` turn. */
  step: number | null
}

export interface TestCaseReport {
  /** The test's name; `name [i]` for the i-th `each` instance. */
  name: string
  status: TestStatus
  duration_ms: number
  failures: Failure[]
  tags: string[]
  /** Why the test stopped (status `error`). */
  error?: string
  /** The step the error happened at, when it happened at one. */
  error_step?: number
  skip_reason?: SkipReason
  /** Present when the run repeated its tests. */
  stability?: Stability
  /** Tagged `quarantine`: reported as usual, but a failure does not fail the run. */
  quarantined?: boolean
  /** Where the test is written in its file. */
  line?: number
  column?: number
  /** The conversation up to where the test stopped; kept per the run's `transcripts` option. */
  transcript?: TranscriptTurn[]
  /** The states it entered and transitions it took (every repetition): what `--changed` matches against. */
  path?: TestPath
}

/** A test's recorded path through its flow (coverage names). */
export interface TestPath {
  states: string[]
  transitions: string[]
}

/** What the run's flows and test files looked like (for `--changed` against this run). */
export interface RunFingerprints {
  /** Flow file (workspace-relative) → its fingerprint. */
  flows: Record<string, FlowFingerprint>
  /** Test file (workspace-relative) → hash of its text. */
  tests: Record<string, string>
}

export interface TestSuiteReport {
  /** The test file, relative to the workspace root. */
  file: string
  /** The flow, relative to the workspace root; null when the suite does not say or does not parse. */
  flow: string | null
  /** The suite's `name`, else the file name. */
  name: string
  tests: TestCaseReport[]
  duration_ms: number
  /** Set when the suite could not run: the file or its flow does not load (`file:line:col message`). */
  error?: string
  line?: number
  column?: number
}

export interface FlowCoverage {
  states: CoverageCount
  transitions: CoverageCount
}

export interface RunSummary {
  total: number
  passed: number
  failed: number
  errors: number
  skipped: number
}

export type CoverageGateKind = 'states' | 'transitions'

/** A `--min-*-coverage` gate and whether the run met it (percentages, 0–100). */
export interface CoverageGate {
  kind: CoverageGateKind
  minimum: number
  actual: number
  passed: boolean
}

export interface TestRunReport {
  tool: 'flowbench'
  version: string
  started_at: string
  duration_ms: number
  summary: RunSummary
  suites: TestSuiteReport[]
  /** Per flow file (workspace-relative), for the flows the run exercised. */
  coverage: Record<string, FlowCoverage>
  /** Every flow together: covered / total over all flows. */
  coverage_total: { states: CoverageRatio; transitions: CoverageRatio }
  workspace: string
  /** Test files found under the run's paths. */
  files: number
  workers: number
  repeat: number
  shard?: { index: number; count: number }
  gates: CoverageGate[]
  /** The run was stopped early by --bail after a failed or errored test. */
  bailed: boolean
  cancelled: boolean
  /** Plugins that could not be loaded, when the run used plugins and some are broken (absent otherwise). */
  plugins?: PluginProblem[]
  /** Tests tagged `quarantine` that ran, and how many of them failed or errored (not counted in the exit code). */
  quarantined?: { total: number; failed: number }
  /** What the flows and test files looked like (for `--changed` against this run). */
  fingerprints?: RunFingerprints
  /** The fault-injection matrix, when the run had `--faults` (see docs/quality.md). */
  faults?: FaultMatrix
}

/** Failed and errored tests that count against the run: every one not in quarantine. */
export function countedFailures(report: Pick<TestRunReport, 'summary' | 'quarantined'>): number {
  return report.summary.failed + report.summary.errors - (report.quarantined?.failed ?? 0)
}

/** A plugin the run could not load (a broken manifest or entry): a warning, reported once per run. */
export interface PluginProblem {
  name: string
  source: PluginSource
  status: PluginState
  /** What is wrong, naming the plugin. */
  error: string
}

export interface CoverageRatio {
  covered: number
  total: number
  /** covered / total × 100; 100 when nothing is declared. */
  percent: number
}

/** Counts per status; `summary.total` counts every test in the report, skipped ones too. */
export function summarize(suites: readonly TestSuiteReport[]): RunSummary {
  const s: RunSummary = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }
  for (const suite of suites) {
    for (const t of suite.tests) {
      s.total++
      if (t.status === 'passed') s.passed++
      else if (t.status === 'failed') s.failed++
      else if (t.status === 'error') s.errors++
      else s.skipped++
    }
  }
  return s
}

/** Progress of a run, as it happens (the workbench's testProgress event minus its run id). */
export type RunEvent =
  | { kind: 'started'; total: number; suites: number; workers: number }
  | { kind: 'test'; file: string; test: TestCaseReport; done: number; total: number; summary: RunSummary }
  | { kind: 'suite'; suite: TestSuiteReport; done: number; total: number; summary: RunSummary }
  | { kind: 'finished'; report: TestRunReport }
