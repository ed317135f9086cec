// The `nlu` service of the typed API: NLU evaluation: intent and entity accuracy, confusion matrix, threshold sweep.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts. The report shapes
// here are also what `flowbench nlu --json` writes (docs/nlu-evaluation.md).

/** The class of an utterance that should get no intent (the flow's fallback), in datasets and reports. */
export const NO_INTENT = 'none'

/** One problem found in a dataset or while evaluating; `line` (and `column`) when known. */
export interface NluNotice {
  severity: 'error' | 'warning'
  message: string
  file?: string
  line?: number
  column?: number
}

/** An NLU dataset file of the workspace (*.nlu.yaml, *.nlu.yml, *.nlu.csv). */
export interface NluDatasetInfo {
  /** Workspace-relative path. */
  path: string
  /** `name:` of a YAML dataset, else the file name. */
  name: string
  /** The flow named by `flow:` (workspace-relative as written), when there is one. */
  flow: string | null
  /** Utterances read, or null when the file does not parse (then `problem` says why). */
  utterances: number | null
  problem: string | null
}

/** A flow of the workspace as the NLU view lists it. */
export interface NluFlowInfo {
  /** Workspace-relative path. */
  path: string
  name: string
  /** Declared intents (0: nothing to evaluate). */
  intents: number
  /** Plain-text examples over all intents (what cross-validation tests). */
  examples: number
  /** `built-in` or the plugin id of settings.nlu. */
  nlu: string
  threshold: number
  /** Why the flow does not load, else null. */
  problem: string | null
}

/** How one utterance was classified. */
export interface NluPrediction {
  text: string
  /** The intent the dataset expects (NO_INTENT for "should fall back"). */
  expected: string
  /** What the engine decided at the flow's threshold: an intent, or NO_INTENT. */
  predicted: string
  /** The best-scoring intent whatever the threshold (null when the NLU had no intent at all). */
  top: string | null
  confidence: number
  correct: boolean
  /** The dataset line (1-based), or null for cross-validation examples. */
  line: number | null
  /** The cross-validation fold that held it out, or null. */
  fold: number | null
  /** Expected entities (only utterances that list `entities` are scored for them). */
  expectedEntities: Record<string, string> | null
  /** Entities extracted (values as text). */
  entities: Record<string, string>
  /** Why the NLU gave no answer (an NLU plugin that failed), else null. */
  error: string | null
}

export interface ClassMetrics {
  precision: number
  recall: number
  f1: number
  /** Utterances expected in this class. */
  support: number
  /** Utterances predicted as this class. */
  predicted: number
}

export interface IntentMetrics extends ClassMetrics {
  intent: string
}

export interface EntityMetrics extends ClassMetrics {
  entity: string
  /** Exact matches (after normalisation). */
  matched: number
}

export interface AverageMetrics {
  precision: number
  recall: number
  f1: number
}

export interface ConfusedPair {
  expected: string
  predicted: string
  count: number
  /** Up to five of the utterances, in dataset order. */
  examples: string[]
}

export interface HistogramBin {
  /** Lower bound (inclusive); the last bin includes 1.0. */
  from: number
  to: number
  correct: number
  wrong: number
}

export interface SweepPoint {
  threshold: number
  accuracy: number
  /** Share of utterances with no intent (below the threshold). */
  fallbackRate: number
  /** Share of utterances given a wrong intent (at or above the threshold). */
  errorRate: number
}

export interface ThresholdSweep {
  points: SweepPoint[]
  /** The suggested threshold (the rule is in `rule`), null when there are no utterances. */
  suggested: number | null
  /** The flow's confidence_threshold. */
  current: number
  /** The rule the suggestion followed, in words (which branch of it applied). */
  rule: string
}

export interface NluSummary {
  utterances: number
  correct: number
  accuracy: number
  macro: AverageMetrics
  weighted: AverageMetrics
  fallbackRate: number
  errorRate: number
}

export interface CrossValidationInfo {
  folds: number
  seed: number
  /** Intents with fewer plain-text examples than folds (each example is still held out once). */
  sparse: Array<{ intent: string; examples: number }>
  /** Intents with no plain-text example at all (only patterns): never tested. */
  untested: string[]
}

export interface NluReport {
  /** The flow evaluated (as given: workspace-relative in the app, the argument on the command line). */
  flow: string
  /** The dataset, or null for cross-validation over the flow's own examples. */
  dataset: string | null
  mode: 'dataset' | 'cross-validation'
  /** `built-in`, or the NLU plugin id of the flow's settings.nlu. */
  nlu: string
  threshold: number
  crossValidation: CrossValidationInfo | null
  summary: NluSummary
  /** Every class in matrix order: the flow's intents as declared, NO_INTENT, then any other label seen. */
  labels: string[]
  intents: IntentMetrics[]
  /** counts[expected][predicted], in `labels` order. */
  confusion: number[][]
  /** cells[expected][predicted]: indices into `predictions`. */
  cells: number[][][]
  confusedPairs: ConfusedPair[]
  entities: EntityMetrics[]
  histogram: HistogramBin[]
  sweep: ThresholdSweep
  predictions: NluPrediction[]
  notices: NluNotice[]
}

export interface IntentDelta {
  intent: string
  /** F1 in A and B (null when the class does not occur in that report). */
  f1A: number | null
  f1B: number | null
  recallA: number | null
  recallB: number | null
  precisionA: number | null
  precisionB: number | null
  /** B − A on F1 (a missing class counts as 0). */
  deltaF1: number
  support: number
}

export interface NluComparison {
  a: { flow: string; dataset: string | null; nlu: string; summary: NluSummary; threshold: number }
  b: { flow: string; dataset: string | null; nlu: string; summary: NluSummary; threshold: number }
  delta: { accuracy: number; macroF1: number; weightedF1: number; fallbackRate: number }
  intents: IntentDelta[]
  /** Utterances (same text, same expectation) right in one report and wrong in the other. */
  changed: Array<{ text: string; expected: string; predictedA: string; predictedB: string }>
}

/** "Try an utterance": every intent's score and what the engine would do with it. */
export interface NluClassification {
  text: string
  /** The NLU that answered: `built-in` or the plugin id (a plugin's `null` answer falls back to built-in). */
  nlu: string
  /** Every declared intent's score (built-in), or the plugin's one answer. */
  scores: Array<{ intent: string; score: number }>
  top: string | null
  confidence: number
  /** The intent at the flow's threshold, NO_INTENT below it. */
  intent: string
  threshold: number
  entities: Record<string, string>
  error: string | null
}

export interface NluEvaluateRequest {
  /** Workspace-relative flow file. */
  flow: string
  /** Workspace-relative dataset; omitted: k-fold cross-validation over the flow's examples. */
  dataset?: string
  folds?: number
  seed?: number
}

export interface NluCompareRequest {
  flowA: string
  /** Defaults to flowA (compare two datasets on one flow, or one dataset on two flows). */
  flowB?: string
  /** The dataset for A; omitted: cross-validation. */
  dataset?: string
  /** The dataset for B; defaults to `dataset`. */
  datasetB?: string
  folds?: number
  seed?: number
}

export interface NluService {
  /** The workspace's flows with their intents (the NLU view's list), sorted by path. */
  flows(): Promise<NluFlowInfo[]>
  /** The workspace's NLU datasets, sorted by path. */
  datasets(): Promise<NluDatasetInfo[]>
  /** Evaluates a flow's NLU on a dataset (or by cross-validation). Fails `invalid_flow` / `bad_request` naming file:line. */
  evaluate(request: NluEvaluateRequest): Promise<NluReport>
  /** One utterance through the flow's NLU. */
  classify(flow: string, text: string): Promise<NluClassification>
  /** Two evaluations and their per-intent deltas (B − A). */
  compare(request: NluCompareRequest): Promise<NluComparison>
}

export const NLU_METHODS = { flows: 0, datasets: 0, evaluate: 1, classify: 2, compare: 1 } as const satisfies { [M in keyof NluService]: number }

/** The service pushes nothing: every call answers at once. */
export interface NluEvents {}

export const NLU_EVENTS = {} as const satisfies { [E in keyof NluEvents]: true }
