// Runs utterances through a flow's NLU exactly as a conversation does (the engine's own
// classifyIntent and entity extraction; the flow's NLU plugin first when settings.nlu names one,
// its `null` answer falling back to the built-in NLU) and builds the report: dataset evaluation,
// k-fold cross-validation over the flow's own examples, one-utterance classification, comparison.
import type { FlowDocument } from '../../common/flow-schema'
import type { NluContext, PluginLog } from '../../common/plugin-api'
import {
  NO_INTENT,
  type IntentDelta,
  type NluClassification,
  type NluComparison,
  type NluNotice,
  type NluPrediction,
  type NluReport,
} from '../../common/api-nlu'
import { isRecord } from '../../common/record'
import { classifyIntent, compileFlow, extractEntities, type CompiledFlow } from '../engine'
import type { NluProviderLike } from '../plugins'
import type { NluDataset } from './dataset'
import { assignFolds, trainingIntents, DEFAULT_FOLDS, DEFAULT_SEED } from './folds'
import {
  classMetrics,
  confidenceHistogram,
  confusedPairs,
  confusionMatrix,
  entityMetrics,
  labelOrder,
  predictedAt,
  sweepPoint,
  thresholdSweep,
} from './metrics'

/** The NLU a flow uses: the built-in one, or the plugin its settings.nlu names. */
export interface NluTarget {
  /** How the flow is named in the report. */
  flow: string
  document: FlowDocument
  compiled: CompiledFlow
  /** `built-in` or the plugin id. */
  nlu: string
  /** The plugin's provider (null: built-in only). */
  provider: NluProviderLike | null
}

/** A flow that cannot be evaluated (no intents, bad options): the message says what to do. */
export class NluEvaluationError extends Error {
  override name = 'NluEvaluationError'
}

const SILENT: PluginLog = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }
/** How many utterances an NLU plugin is asked about at once. */
const PLUGIN_CONCURRENCY = 8
/** Utterances classified between two turns of the event loop. */
const YIELD_EVERY = 500

/**
 * The target for a loaded flow document. `provider` is the NLU plugin for its settings.nlu (from
 * the caller's plugin set: `set.nlu.select(id)`), or null when the flow names none.
 */
export function nluTarget(flow: string, document: FlowDocument, provider: NluProviderLike | null): NluTarget {
  const compiled = compileFlow(document)
  const id = isRecord(document.settings) && typeof document.settings['nlu'] === 'string' && document.settings['nlu'] !== '' ? document.settings['nlu'] : null
  if (compiled.nlu.declaredNames().length === 0) {
    throw new NluEvaluationError(`${flow} declares no intents: add an \`intents:\` section with example phrases (there is nothing to evaluate)`)
  }
  return { flow, document, compiled, nlu: id ?? 'built-in', provider: id === null ? null : provider }
}

interface Outcome {
  top: string | null
  confidence: number
  scores: Record<string, number>
  entities: Record<string, string>
  /** Which NLU answered: the plugin id, or built-in (also when the plugin said null). */
  answeredBy: string
  error: string | null
}

function entityText(value: unknown): string {
  if (typeof value === 'string') return value
  if (value === null || value === undefined) return ''
  return typeof value === 'object' ? JSON.stringify(value) : String(value)
}

function entityTexts(values: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const [k, v] of Object.entries(values)) out[k] = entityText(v)
  return out
}

/** One utterance through the flow's NLU; `compiled` is the flow (or a fold's training flow). */
async function classifyOne(target: NluTarget, compiled: CompiledFlow, text: string): Promise<Outcome> {
  const extracted = extractEntities(compiled, text)
  if (target.provider !== null) {
    const ctx: NluContext = { signal: new AbortController().signal, intents: compiled.nlu.declaredNames(), log: SILENT }
    try {
      const answer = await target.provider.classify(text, ctx)
      if (answer !== null) {
        return {
          top: answer.intent,
          confidence: answer.confidence,
          scores: answer.intent === null ? {} : { [answer.intent]: answer.confidence },
          // As in a conversation: the NLU's entities win on a name clash.
          entities: entityTexts({ ...extracted, ...(answer.entities ?? {}) }),
          answeredBy: target.nlu,
          error: null,
        }
      }
    } catch (err) {
      // A failing NLU plugin is a turn with no intent (`nlu_failed`), never the built-in NLU.
      return { top: null, confidence: 0, scores: {}, entities: entityTexts(extracted), answeredBy: target.nlu, error: err instanceof Error ? err.message : String(err) }
    }
  }
  // Threshold 0: the best intent whatever its score; the report applies thresholds itself, with
  // the engine's rule (a score equal to the threshold passes).
  const c = classifyIntent(compiled, text, undefined, 0)
  return { top: c.intent, confidence: c.confidence, scores: c.scores, entities: entityTexts(extracted), answeredBy: 'built-in', error: null }
}

async function classifyAll(target: NluTarget, jobs: ReadonlyArray<{ compiled: CompiledFlow; text: string }>): Promise<Outcome[]> {
  if (target.provider === null) {
    // Synchronous underneath (about 40 µs an utterance): the core gives other calls a turn every
    // YIELD_EVERY utterances, so a dataset of thousands never stalls the workbench.
    const out: Outcome[] = []
    for (let i = 0; i < jobs.length; i++) {
      if (i > 0 && i % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve))
      out.push(await classifyOne(target, jobs[i]!.compiled, jobs[i]!.text))
    }
    return out
  }
  const out = new Array<Outcome>(jobs.length)
  let next = 0
  const worker = async (): Promise<void> => {
    while (next < jobs.length) {
      const i = next++
      out[i] = await classifyOne(target, jobs[i]!.compiled, jobs[i]!.text)
    }
  }
  await Promise.all(Array.from({ length: Math.min(PLUGIN_CONCURRENCY, jobs.length) }, worker))
  return out
}

interface Case {
  text: string
  expected: string
  expectedEntities: Record<string, string> | null
  line: number | null
  fold: number | null
}

function buildReport(target: NluTarget, meta: Pick<NluReport, 'dataset' | 'mode' | 'crossValidation'>, cases: readonly Case[], outcomes: readonly Outcome[], notices: NluNotice[]): NluReport {
  const threshold = target.compiled.threshold
  const predictions: NluPrediction[] = cases.map((c, i) => {
    const o = outcomes[i]!
    const predicted = predictedAt({ text: c.text, expected: c.expected, top: o.top, confidence: o.confidence }, threshold)
    return {
      text: c.text,
      expected: c.expected,
      predicted,
      top: o.top,
      confidence: o.confidence,
      correct: predicted === c.expected,
      line: c.line,
      fold: c.fold,
      expectedEntities: c.expectedEntities,
      entities: o.entities,
      error: o.error,
    }
  })
  const failures = predictions.filter((p) => p.error !== null)
  if (failures.length > 0) {
    notices.push({ severity: 'error', message: `the NLU failed on ${failures.length} of ${predictions.length} utterances (counted as no intent): ${failures[0]!.error}` })
  }
  const expected = predictions.map((p) => p.expected)
  const predicted = predictions.map((p) => p.predicted)
  const labels = labelOrder(target.compiled.nlu.declaredNames(), expected, predicted)
  const cls = classMetrics(labels, expected, predicted)
  const { counts, cells } = confusionMatrix(labels, expected, predicted)
  const scored = predictions.map((p) => ({ text: p.text, expected: p.expected, top: p.top, confidence: p.confidence }))
  const at = sweepPoint(scored, threshold)
  const correct = predictions.filter((p) => p.correct).length
  return {
    flow: target.flow,
    dataset: meta.dataset,
    mode: meta.mode,
    nlu: target.nlu,
    threshold,
    crossValidation: meta.crossValidation,
    summary: {
      utterances: predictions.length,
      correct,
      accuracy: at.accuracy,
      macro: cls.macro,
      weighted: cls.weighted,
      fallbackRate: at.fallbackRate,
      errorRate: at.errorRate,
    },
    labels,
    intents: cls.perClass,
    confusion: counts,
    cells,
    confusedPairs: confusedPairs(labels, cells, predictions.map((p) => p.text)),
    entities: entityMetrics(predictions.map((p) => ({ expected: p.expectedEntities, extracted: p.entities }))),
    histogram: confidenceHistogram(scored, threshold),
    sweep: thresholdSweep(scored, threshold),
    predictions,
    notices,
  }
}

/** Every utterance of a dataset through the flow's NLU. */
export async function evaluateDataset(target: NluTarget, dataset: NluDataset): Promise<NluReport> {
  const notices: NluNotice[] = [...dataset.notices]
  const declared = new Set(target.compiled.nlu.declaredNames())
  if (declared.has(NO_INTENT)) {
    notices.push({ severity: 'warning', message: `${target.flow} declares an intent named "${NO_INTENT}", which reports also use for "no intent": rename it to tell them apart` })
  }
  const unknown = new Map<string, number>()
  for (const u of dataset.utterances) if (u.intent !== NO_INTENT && !declared.has(u.intent) && !unknown.has(u.intent)) unknown.set(u.intent, u.line)
  for (const [intent, line] of unknown) {
    notices.push({
      severity: 'warning',
      file: dataset.file,
      line,
      message: `intent "${intent}" is not declared in ${target.flow}: its utterances can never be classified right (fix the name, or add the intent to the flow)`,
    })
  }
  const cases: Case[] = dataset.utterances.map((u) => ({ text: u.text, expected: u.intent, expectedEntities: u.entities, line: u.line, fold: null }))
  const outcomes = await classifyAll(target, cases.map((c) => ({ compiled: target.compiled, text: c.text })))
  return buildReport(target, { dataset: dataset.file, mode: 'dataset', crossValidation: null }, cases, outcomes, notices)
}

/**
 * K-fold cross-validation over the flow's own plain-text examples: for each fold, the flow is
 * compiled with that fold's examples removed from `intents` and classifies them.
 */
export async function crossValidate(target: NluTarget, options: { folds?: number; seed?: number } = {}): Promise<NluReport> {
  const folds = options.folds ?? DEFAULT_FOLDS
  const seed = options.seed ?? DEFAULT_SEED
  if (!Number.isInteger(folds) || folds < 2) throw new NluEvaluationError(`--folds must be a whole number of at least 2 (got ${folds})`)
  if (!Number.isInteger(seed)) throw new NluEvaluationError(`--seed must be a whole number (got ${seed})`)
  const intents = target.document.intents as Record<string, unknown>
  const plan = assignFolds(intents, folds, seed)
  if (plan.examples.length === 0) throw new NluEvaluationError(`${target.flow} has no plain-text intent examples to cross-validate (only patterns): write a dataset instead`)
  const notices: NluNotice[] = []
  if (plan.examples.length < folds) throw new NluEvaluationError(`${target.flow} has ${plan.examples.length} plain-text examples, fewer than ${folds} folds: use --folds ${Math.max(2, plan.examples.length)} or write a dataset`)
  for (const s of plan.sparse) {
    notices.push({ severity: 'warning', message: `intent "${s.intent}" has ${s.examples} example${s.examples === 1 ? '' : 's'}, fewer than ${folds} folds: each is held out once${s.examples === 1 ? ', leaving the intent with no example of its own while it is tested' : ''} (add examples)` })
  }
  for (const intent of plan.untested) notices.push({ severity: 'warning', message: `intent "${intent}" has no plain-text examples (only patterns), so cross-validation never tests it` })

  const compiledByFold = Array.from({ length: folds }, (_, f) => compileFlow({ ...target.document, intents: trainingIntents(intents, plan, f) } as FlowDocument))
  const cases: Case[] = plan.examples.map((e) => ({ text: e.text, expected: e.intent, expectedEntities: null, line: null, fold: e.fold }))
  const outcomes = await classifyAll(target, plan.examples.map((e) => ({ compiled: compiledByFold[e.fold]!, text: e.text })))
  return buildReport(target, { dataset: null, mode: 'cross-validation', crossValidation: { folds, seed, sparse: plan.sparse, untested: plan.untested } }, cases, outcomes, notices)
}

/** One utterance, for "try an utterance": every intent's score and the decision at the flow's threshold. */
export async function classifyUtterance(target: NluTarget, text: string): Promise<NluClassification> {
  const o = await classifyOne(target, target.compiled, text)
  const threshold = target.compiled.threshold
  const scores = Object.entries(o.scores).map(([intent, score]) => ({ intent, score }))
  return {
    text,
    nlu: o.answeredBy,
    scores,
    top: o.top,
    confidence: o.confidence,
    intent: predictedAt({ text, expected: '', top: o.top, confidence: o.confidence }, threshold),
    threshold,
    entities: o.entities,
    error: o.error,
  }
}

/** Per-intent deltas (B − A), summary deltas and the utterances whose outcome changed. */
export function compareReports(a: NluReport, b: NluReport): NluComparison {
  const byA = new Map(a.intents.map((m) => [m.intent, m]))
  const byB = new Map(b.intents.map((m) => [m.intent, m]))
  const occurs = (m: { support: number; predicted: number } | undefined) => m !== undefined && (m.support > 0 || m.predicted > 0)
  const names = [...a.labels, ...b.labels.filter((l) => !byA.has(l))].filter((n) => occurs(byA.get(n)) || occurs(byB.get(n)))
  const intents: IntentDelta[] = names.map((intent) => {
    const x = occurs(byA.get(intent)) ? byA.get(intent)! : undefined
    const y = occurs(byB.get(intent)) ? byB.get(intent)! : undefined
    return {
      intent,
      f1A: x?.f1 ?? null,
      f1B: y?.f1 ?? null,
      recallA: x?.recall ?? null,
      recallB: y?.recall ?? null,
      precisionA: x?.precision ?? null,
      precisionB: y?.precision ?? null,
      deltaF1: (y?.f1 ?? 0) - (x?.f1 ?? 0),
      support: Math.max(x?.support ?? 0, y?.support ?? 0),
    }
  })
  // Pair utterances by text and expectation, in order (a repeated text pairs with its repeat).
  const pool = new Map<string, number[]>()
  b.predictions.forEach((p, i) => {
    const key = `${p.expected}\u0000${p.text}`
    const list = pool.get(key)
    if (list === undefined) pool.set(key, [i])
    else list.push(i)
  })
  const changed: NluComparison['changed'] = []
  for (const p of a.predictions) {
    const j = pool.get(`${p.expected}\u0000${p.text}`)?.shift()
    if (j === undefined) continue
    const q = b.predictions[j]!
    if (p.correct !== q.correct) changed.push({ text: p.text, expected: p.expected, predictedA: p.predicted, predictedB: q.predicted })
  }
  const side = (r: NluReport) => ({ flow: r.flow, dataset: r.dataset, nlu: r.nlu, summary: r.summary, threshold: r.threshold })
  return {
    a: side(a),
    b: side(b),
    delta: {
      accuracy: b.summary.accuracy - a.summary.accuracy,
      macroF1: b.summary.macro.f1 - a.summary.macro.f1,
      weightedF1: b.summary.weighted.f1 - a.summary.weighted.f1,
      fallbackRate: b.summary.fallbackRate - a.summary.fallbackRate,
    },
    intents,
    changed,
  }
}

/** Whether a value read from a `--json` file looks like an NLU report (for --baseline). */
export function isNluReport(value: unknown): value is NluReport {
  return (
    isRecord(value) &&
    isRecord(value['summary']) &&
    Array.isArray(value['intents']) &&
    Array.isArray(value['labels']) &&
    Array.isArray(value['predictions']) &&
    typeof value['flow'] === 'string'
  )
}
