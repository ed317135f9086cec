// The `reports` service of the typed API: run comparison and report export (HTML, JUnit, JSON, Markdown, PDF) with PII redaction.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.
import type { TestStatus } from './api'

export type ReportFormat = 'html' | 'junit' | 'json' | 'md' | 'pdf'
export const REPORT_FORMATS: readonly ReportFormat[] = ['html', 'junit', 'json', 'md', 'pdf']

/** One side of a comparison: which run it is and its headline figures. */
export interface ComparedRun {
  /** The run id in the store, or the file it was read from. */
  id: string
  kind: 'test' | 'load'
  /** ISO timestamp. */
  startedAt: string
  durationMs: number
  /** Test runs: the counts. */
  summary?: { total: number; passed: number; failed: number; errors: number; skipped: number }
  /** Test runs: state and transition coverage over every flow, in %. */
  coverage?: { states: number; transitions: number }
  /** Load runs: the scenario and its headline figures. */
  load?: { scenario: string; turns: number; throughput: number; p50Ms: number; p95Ms: number; p99Ms: number; errors: number; thresholdsPassed: boolean }
}

/** A test whose outcome differs (or not, for `stillFailing`) between the two runs. */
export interface TestOutcomeChange {
  /** The test file, workspace-relative. */
  file: string
  name: string
  /** null: the test is not in that run. */
  before: TestStatus | null
  after: TestStatus | null
  /** The first failure (or the error) of the new run, one line; null when it passed. */
  reason: string | null
}

/** The same test at the same turn answered with different text. */
export interface ReplyChange {
  file: string
  name: string
  /** The test step that caused the turn; null for the start turn. */
  step: number | null
  /** The user's message at that turn, when it was one. */
  input: string | null
  before: string[]
  after: string[]
}

export interface DurationChange {
  file: string
  name: string
  beforeMs: number
  afterMs: number
  deltaMs: number
}

export interface CoverageKindDelta {
  /** null: the flow was not exercised by that run. */
  before: { covered: number; total: number; percent: number } | null
  after: { covered: number; total: number; percent: number } | null
  /** Percentage points (after − before); 0 when either side is missing. */
  deltaPoints: number
  /** Uncovered in the new run but not in the base (states or transition keys). */
  newlyUncovered: string[]
  /** Uncovered in the base run, covered (or gone) in the new one. */
  newlyCovered: string[]
}

export interface FlowCoverageDelta {
  flow: string
  states: CoverageKindDelta
  transitions: CoverageKindDelta
  /** A share of states or transitions went down. */
  dropped: boolean
}

export interface TestRunComparison {
  kind: 'test'
  base: ComparedRun
  next: ComparedRun
  newlyFailing: TestOutcomeChange[]
  newlyErrored: TestOutcomeChange[]
  newlyPassing: TestOutcomeChange[]
  stillFailing: TestOutcomeChange[]
  added: TestOutcomeChange[]
  removed: TestOutcomeChange[]
  changedReplies: ReplyChange[]
  /** Tests whose transcripts were in both runs (changed replies can only be seen for those). */
  transcriptsCompared: number
  duration: { beforeMs: number; afterMs: number; deltaMs: number; largest: DurationChange[] }
  coverage: FlowCoverageDelta[]
  regression: boolean
  /** Why it is a regression, one line each (empty when it is not). */
  reasons: string[]
}

/** A load metric of two runs (the shape of the load tester's comparison). */
export interface LoadMetricDelta {
  metric: string
  unit: 'ms' | '/s' | '%'
  better: 'lower' | 'higher'
  baseline: number
  current: number
  delta: number
  delta_pct: number | null
  noise: number
  significant: boolean
  verdict: 'regressed' | 'improved' | 'unchanged'
}

export interface ThresholdChange {
  name: string
  condition: string
  before: { value: number | null; passed: boolean } | null
  after: { value: number | null; passed: boolean } | null
}

export interface LoadRunComparison {
  kind: 'load'
  base: ComparedRun
  next: ComparedRun
  deltas: LoadMetricDelta[]
  thresholds: ThresholdChange[]
  /** Why the two runs may not be like for like. */
  notes: string[]
  regression: boolean
  reasons: string[]
}

export type RunComparison = TestRunComparison | LoadRunComparison

export interface ExportOptions {
  format: ReportFormat
  /** Replace emails, phone numbers and configured patterns by placeholders (default on everywhere). */
  redact: boolean
  /** Extra patterns: `REGEX` or `name=REGEX` (placeholders `<name-1>`). */
  patterns?: string[]
}

export interface ExportedReport {
  fileName: string
  mimeType: string
  /** `base64` for binary formats (pdf). */
  encoding: 'utf8' | 'base64'
  content: string
  /** Distinct values replaced, by kind (`email`, `phone`, a pattern's name). Empty when not redacted. */
  redactions: Record<string, number>
}

export interface RedactionPreview {
  /** Distinct values that would be replaced, by kind. */
  redactions: Record<string, number>
  /** The workspace's configured patterns (flowbench.json `redaction.patterns`), by name. */
  configured: string[]
}

export interface ReportsService {
  /** Compares two stored runs of the same kind: `a` is the base, `b` the new run. ApiError `run_not_found`, `invalid_argument` for mixed kinds. */
  compare(a: string, b: string): Promise<RunComparison>
  /** A stored run as a report file, redacted unless `redact` is false. */
  export(id: string, options: ExportOptions): Promise<ExportedReport>
  /** What redaction would replace in a run's report with these extra patterns, without rendering it. */
  previewRedaction(id: string, patterns?: string[]): Promise<RedactionPreview>
}

export const REPORTS_METHODS = { compare: 2, export: 2, previewRedaction: 2 } as const satisfies { [M in keyof ReportsService]: number }

export interface ReportsEvents {}

export const REPORTS_EVENTS = {} as const satisfies { [E in keyof ReportsEvents]: true }
