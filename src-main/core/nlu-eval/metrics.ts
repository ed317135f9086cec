// The metrics of an NLU evaluation, from classified utterances: per-class precision / recall / F1,
// averages, confusion matrix, confused pairs, entity scores, confidence histogram and the threshold
// sweep with its suggestion. Pure: no I/O, no engine (docs/nlu-evaluation.md defines each number).
import {
  NO_INTENT,
  type AverageMetrics,
  type ConfusedPair,
  type EntityMetrics,
  type HistogramBin,
  type IntentMetrics,
  type SweepPoint,
  type ThresholdSweep,
} from '../../common/api-nlu'

/** What the metrics need of one classified utterance. */
export interface Scored {
  text: string
  expected: string
  /** The best intent whatever the threshold; null when the NLU gave none. */
  top: string | null
  confidence: number
}

/** The error rate the suggested threshold may not exceed. */
export const MAX_SUGGESTED_ERROR_RATE = 0.02
/** The sweep's thresholds: 0, 0.05, …, 1 (as i·5/100, so 0.7 is exactly the literal 0.7). */
export const SWEEP_THRESHOLDS: readonly number[] = Array.from({ length: 21 }, (_, i) => (i * 5) / 100)
const HISTOGRAM_BINS = 10
const PAIR_EXAMPLES = 5

/** a / b, and 0 when b is 0 (a metric with nothing to measure is 0, never NaN). */
export function ratio(a: number, b: number): number {
  return b === 0 ? 0 : a / b
}

export function f1Of(precision: number, recall: number): number {
  return ratio(2 * precision * recall, precision + recall)
}

/** The engine's decision at `threshold`: the top intent when its score reaches it (a tie passes), else no intent. */
export function predictedAt(s: Scored, threshold: number): string {
  return s.top !== null && s.confidence >= threshold ? s.top : NO_INTENT
}

/**
 * Every class in a fixed order: the flow's intents as declared, NO_INTENT, then labels only the
 * dataset or the NLU used (an intent the flow does not declare, a plugin's own intent), sorted.
 */
export function labelOrder(declared: readonly string[], expected: readonly string[], predicted: readonly string[]): string[] {
  const out = [...declared.filter((n) => n !== NO_INTENT), NO_INTENT]
  const known = new Set(out)
  const extra = new Set<string>()
  for (const l of [...expected, ...predicted]) if (!known.has(l)) extra.add(l)
  return [...out, ...[...extra].sort()]
}

export interface ClassReport {
  perClass: IntentMetrics[]
  macro: AverageMetrics
  weighted: AverageMetrics
}

/**
 * Precision, recall, F1 and support per label, with macro and weighted averages. A class counts
 * in the averages when it occurs at all (expected or predicted at least once): a class only
 * predicted has precision 0, recall 0 and support 0, so it lowers the macro average but not the
 * weighted one. Classes in `labels` that never occur are listed with zeros and left out of both.
 */
export function classMetrics(labels: readonly string[], expected: readonly string[], predicted: readonly string[]): ClassReport {
  const tp = new Map<string, number>()
  const exp = new Map<string, number>()
  const pred = new Map<string, number>()
  const inc = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1)
  for (let i = 0; i < expected.length; i++) {
    inc(exp, expected[i]!)
    inc(pred, predicted[i]!)
    if (expected[i] === predicted[i]) inc(tp, expected[i]!)
  }
  const perClass: IntentMetrics[] = labels.map((intent) => {
    const t = tp.get(intent) ?? 0
    const support = exp.get(intent) ?? 0
    const p = pred.get(intent) ?? 0
    const precision = ratio(t, p)
    const recall = ratio(t, support)
    return { intent, precision, recall, f1: f1Of(precision, recall), support, predicted: p }
  })
  const occurring = perClass.filter((c) => c.support > 0 || c.predicted > 0)
  const total = expected.length
  const avg = (pick: (c: IntentMetrics) => number, weighted: boolean) =>
    weighted ? ratio(occurring.reduce((s, c) => s + pick(c) * c.support, 0), total) : ratio(occurring.reduce((s, c) => s + pick(c), 0), occurring.length)
  return {
    perClass,
    macro: { precision: avg((c) => c.precision, false), recall: avg((c) => c.recall, false), f1: avg((c) => c.f1, false) },
    weighted: { precision: avg((c) => c.precision, true), recall: avg((c) => c.recall, true), f1: avg((c) => c.f1, true) },
  }
}

/** counts[e][p] and the utterance indices of each cell, rows expected, columns predicted, in `labels` order. */
export function confusionMatrix(labels: readonly string[], expected: readonly string[], predicted: readonly string[]): { counts: number[][]; cells: number[][][] } {
  const index = new Map(labels.map((l, i) => [l, i]))
  const counts = labels.map(() => labels.map(() => 0))
  const cells = labels.map(() => labels.map((): number[] => []))
  for (let i = 0; i < expected.length; i++) {
    const e = index.get(expected[i]!)
    const p = index.get(predicted[i]!)
    if (e === undefined || p === undefined) throw new Error(`label ${JSON.stringify(e === undefined ? expected[i] : predicted[i])} is not in the label list`)
    counts[e]![p]!++
    cells[e]![p]!.push(i)
  }
  return { counts, cells }
}

/**
 * The off-diagonal cells, most utterances first; ties keep matrix order (expected, then
 * predicted, as in `labels`). Each with up to five utterances in dataset order.
 */
export function confusedPairs(labels: readonly string[], cells: number[][][], texts: readonly string[], limit = 10): ConfusedPair[] {
  const pairs: ConfusedPair[] = []
  labels.forEach((e, i) => {
    labels.forEach((p, j) => {
      const members = cells[i]![j]!
      if (i !== j && members.length > 0) pairs.push({ expected: e, predicted: p, count: members.length, examples: members.slice(0, PAIR_EXAMPLES).map((k) => texts[k]!) })
    })
  })
  // Array.prototype.sort is stable, so equal counts stay in matrix order.
  return pairs.sort((a, b) => b.count - a.count).slice(0, limit)
}

/** How entity values compare: as text, lower case, trimmed, inner whitespace collapsed (5 and "5" are equal). */
export function normaliseEntityValue(value: unknown): string {
  const text = typeof value === 'string' ? value : value === null || value === undefined ? '' : typeof value === 'object' ? JSON.stringify(value) : String(value)
  return text.trim().toLowerCase().replace(/\s+/g, ' ')
}

/**
 * Per-entity scores over the utterances that list expected entities (others are not scored: a
 * dataset that says nothing about entities should not count every extraction as a false
 * positive). An extracted name with the expected value is a match; a wrong value is both a false
 * positive and a false negative; a name extracted but not expected is a false positive.
 */
export function entityMetrics(items: ReadonlyArray<{ expected: Record<string, string> | null; extracted: Record<string, string> }>): EntityMetrics[] {
  const stats = new Map<string, { matched: number; support: number; predicted: number }>()
  const get = (name: string) => {
    let s = stats.get(name)
    if (s === undefined) stats.set(name, (s = { matched: 0, support: 0, predicted: 0 }))
    return s
  }
  for (const item of items) {
    if (item.expected === null) continue
    for (const [name, value] of Object.entries(item.expected)) {
      const s = get(name)
      s.support++
      if (Object.prototype.hasOwnProperty.call(item.extracted, name) && normaliseEntityValue(item.extracted[name]) === normaliseEntityValue(value)) s.matched++
    }
    for (const name of Object.keys(item.extracted)) get(name).predicted++
  }
  return [...stats.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([entity, s]) => {
      const precision = ratio(s.matched, s.predicted)
      const recall = ratio(s.matched, s.support)
      return { entity, precision, recall, f1: f1Of(precision, recall), support: s.support, predicted: s.predicted, matched: s.matched }
    })
}

/**
 * Ten bins of the top score, [0, 0.1) … [0.9, 1.0] (scores outside 0..1, from a plugin, go to the
 * end bins), each split into correct and wrong decisions at `threshold`.
 */
export function confidenceHistogram(items: readonly Scored[], threshold: number): HistogramBin[] {
  const bins: HistogramBin[] = Array.from({ length: HISTOGRAM_BINS }, (_, i) => ({ from: i / HISTOGRAM_BINS, to: (i + 1) / HISTOGRAM_BINS, correct: 0, wrong: 0 }))
  for (const s of items) {
    const c = Number.isFinite(s.confidence) ? s.confidence : 0
    const bin = bins[Math.min(HISTOGRAM_BINS - 1, Math.max(0, Math.floor(Math.round(c * 1e9) / 1e8)))]!
    if (predictedAt(s, threshold) === s.expected) bin.correct++
    else bin.wrong++
  }
  return bins
}

/** Accuracy, fallback rate and error rate at one threshold. */
export function sweepPoint(items: readonly Scored[], threshold: number): SweepPoint {
  let correct = 0
  let fallback = 0
  let wrong = 0
  for (const s of items) {
    const p = predictedAt(s, threshold)
    if (p === s.expected) correct++
    if (p === NO_INTENT) fallback++
    else if (p !== s.expected) wrong++
  }
  const n = items.length
  return { threshold, accuracy: ratio(correct, n), fallbackRate: ratio(fallback, n), errorRate: ratio(wrong, n) }
}

/**
 * The sweep over 0, 0.05 … 1 and the suggested threshold: among the thresholds whose error rate is
 * at most 2 %, the one with the best accuracy (the lowest such threshold on a tie). When no
 * threshold gets the error rate that low, the one with the lowest error rate (then the best
 * accuracy, then the lowest threshold).
 */
export function thresholdSweep(items: readonly Scored[], current: number): ThresholdSweep {
  const points = SWEEP_THRESHOLDS.map((t) => sweepPoint(items, t))
  if (items.length === 0) return { points, suggested: null, current, rule: 'no utterances: nothing to suggest' }
  const safe = points.filter((p) => p.errorRate <= MAX_SUGGESTED_ERROR_RATE + 1e-12)
  if (safe.length > 0) {
    const best = safe.reduce((a, b) => (b.accuracy > a.accuracy + 1e-12 ? b : a))
    return { points, suggested: best.threshold, current, rule: `the threshold with the best accuracy among those keeping the error rate at or below ${MAX_SUGGESTED_ERROR_RATE * 100}% (the lowest on a tie)` }
  }
  const best = points.reduce((a, b) => (b.errorRate < a.errorRate - 1e-12 || (Math.abs(b.errorRate - a.errorRate) <= 1e-12 && b.accuracy > a.accuracy + 1e-12) ? b : a))
  return {
    points,
    suggested: best.threshold,
    current,
    rule: `no threshold keeps the error rate at or below ${MAX_SUGGESTED_ERROR_RATE * 100}%: the one with the lowest error rate (then the best accuracy, then the lowest threshold)`,
  }
}
