// The NLU report as console text: summary, per-intent table, most confused pairs, entities and the
// threshold sweep with its suggestion (what `flowbench nlu` prints).
import type { NluComparison, NluReport } from '../../common/api-nlu'
import { formatNotice } from './dataset'

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const num = (x: number): string => x.toFixed(2)
const signed = (x: number, f: (v: number) => string): string => `${x > 0 ? '+' : x < 0 ? '-' : '±'}${f(Math.abs(x))}`

/** Columns padded to their widest cell; `right` marks right-aligned (numeric) columns. */
export function table(header: readonly string[], rows: ReadonlyArray<readonly string[]>, right: ReadonlySet<number> = new Set()): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

const clip = (s: string, n: number): string => (s.length > n ? `${s.slice(0, n - 1)}…` : s)

export function formatNluReport(r: NluReport): string {
  const s = r.summary
  const out: string[] = []
  const source = r.mode === 'dataset' ? `dataset ${r.dataset}` : `${r.crossValidation!.folds}-fold cross-validation of the flow's examples (seed ${r.crossValidation!.seed})`
  out.push(`NLU evaluation of ${r.flow} (${r.nlu} NLU) on ${source}`)
  out.push(`${s.utterances} utterances, ${s.correct} right at threshold ${r.threshold}`)
  out.push('')
  out.push(
    table(
      ['accuracy', 'macro P', 'macro R', 'macro F1', 'weighted F1', 'fallback', 'errors'],
      [[pct(s.accuracy), num(s.macro.precision), num(s.macro.recall), num(s.macro.f1), num(s.weighted.f1), pct(s.fallbackRate), pct(s.errorRate)]],
      new Set([0, 1, 2, 3, 4, 5, 6]),
    ),
  )
  out.push('')
  const occurring = r.intents.filter((m) => m.support > 0 || m.predicted > 0)
  out.push(
    table(
      ['intent', 'precision', 'recall', 'f1', 'support', 'predicted'],
      occurring.map((m) => [m.intent, num(m.precision), num(m.recall), num(m.f1), String(m.support), String(m.predicted)]),
      new Set([1, 2, 3, 4, 5]),
    ),
  )
  out.push('')
  if (r.confusedPairs.length === 0) out.push('No confused pairs: every utterance got its expected intent.')
  else {
    out.push('Most confused (expected -> predicted):')
    out.push(
      table(
        ['expected', 'predicted', 'count', 'for example'],
        r.confusedPairs.map((p) => [p.expected, p.predicted, String(p.count), clip(p.examples.map((e) => `"${e}"`).join(', '), 80)]),
        new Set([2]),
      ),
    )
  }
  if (r.entities.length > 0) {
    out.push('')
    out.push(table(['entity', 'precision', 'recall', 'f1', 'support'], r.entities.map((e) => [e.entity, num(e.precision), num(e.recall), num(e.f1), String(e.support)]), new Set([1, 2, 3, 4])))
  }
  out.push('')
  out.push('Threshold sweep:')
  out.push(
    table(
      ['threshold', 'accuracy', 'fallback', 'errors', ''],
      r.sweep.points
        .filter((_, i) => i % 2 === 0 || r.sweep.points[i]!.threshold === r.sweep.suggested || r.sweep.points[i]!.threshold === r.threshold)
        .map((p) => [
          p.threshold.toFixed(2),
          pct(p.accuracy),
          pct(p.fallbackRate),
          pct(p.errorRate),
          [p.threshold === r.threshold ? 'current' : '', p.threshold === r.sweep.suggested ? 'suggested' : ''].filter(Boolean).join(', '),
        ]),
      new Set([0, 1, 2, 3]),
    ),
  )
  out.push(`Suggested threshold: ${r.sweep.suggested ?? '-'} (current ${r.sweep.current}): ${r.sweep.rule}.`)
  if (r.notices.length > 0) {
    out.push('')
    for (const n of r.notices) out.push(formatNotice(n))
  }
  return `${out.join('\n')}\n`
}

export function formatNluComparison(c: NluComparison): string {
  const f = (v: number | null) => (v === null ? '-' : num(v))
  const out: string[] = []
  out.push(`Comparison: A = ${c.a.flow}${c.a.dataset ? ` on ${c.a.dataset}` : ''}, B = ${c.b.flow}${c.b.dataset ? ` on ${c.b.dataset}` : ''}`)
  out.push(`accuracy ${pct(c.a.summary.accuracy)} -> ${pct(c.b.summary.accuracy)} (${signed(c.delta.accuracy, pct)}), macro F1 ${num(c.a.summary.macro.f1)} -> ${num(c.b.summary.macro.f1)} (${signed(c.delta.macroF1, num)})`)
  out.push('')
  out.push(table(['intent', 'support', 'f1 A', 'f1 B', 'delta'], c.intents.map((d) => [d.intent, String(d.support), f(d.f1A), f(d.f1B), signed(d.deltaF1, num)]), new Set([1, 2, 3, 4])))
  if (c.changed.length > 0) {
    out.push('')
    out.push('Utterances whose outcome changed:')
    out.push(table(['utterance', 'expected', 'A', 'B'], c.changed.slice(0, 20).map((u) => [clip(`"${u.text}"`, 60), u.expected, u.predictedA, u.predictedB])))
  }
  return `${out.join('\n')}\n`
}
