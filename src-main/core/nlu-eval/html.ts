// The NLU report as HTML: one self-contained section (scoped CSS, inline SVG charts, no script, no
// network) that another report can embed, and a page around it for `flowbench nlu --html`.
import { NO_INTENT, type NluComparison, type NluReport } from '../../common/api-nlu'
import { escapeHtml as h } from '../reporters/html'

const CSS = `
.nlu-report{--fg:#1d2330;--muted:#5f6b7a;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--good:#1a7f37;--bad:#cf222e;--accent:#3451b2;color:var(--fg);font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif}
.nlu-report h2{font-size:18px;margin:0 0 4px}.nlu-report h3{font-size:15px;margin:22px 0 8px}
.nlu-report .meta,.nlu-report .muted{color:var(--muted);font-size:13px}
.nlu-report .cards{display:flex;gap:12px;flex-wrap:wrap;margin:12px 0}
.nlu-report .card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:8px 14px;min-width:120px}
.nlu-report .card b{display:block;font-size:20px}
.nlu-report table{border-collapse:collapse;font-size:13px;margin-bottom:8px}
.nlu-report th,.nlu-report td{text-align:left;padding:4px 10px;border-bottom:1px solid var(--line);vertical-align:top}
.nlu-report th{color:var(--muted);font-weight:600}
.nlu-report td.num,.nlu-report th.num{text-align:right;font-variant-numeric:tabular-nums}
.nlu-report .up{color:var(--good)}.nlu-report .down{color:var(--bad)}
.nlu-report .notice{margin:2px 0;font-size:13px}.nlu-report .notice.error{color:var(--bad)}
.nlu-report svg{display:block;max-width:100%;height:auto;background:var(--card);border:1px solid var(--line);border-radius:6px}
.nlu-report svg text{font:11px system-ui,sans-serif;fill:var(--fg)}
.nlu-report .legend span{display:inline-block;margin-right:14px;font-size:12px}
.nlu-report .legend i{display:inline-block;width:10px;height:10px;border-radius:2px;margin-right:5px;vertical-align:-1px}
`

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`
const num = (x: number): string => x.toFixed(2)
const signed = (x: number, f: (v: number) => string): string => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${f(Math.abs(x))}`

/** A heat-map cell colour: white to the accent for the diagonal, to red off it. */
function heat(value: number, max: number, diagonal: boolean): string {
  const t = max === 0 ? 0 : value / max
  const [r, g, b] = diagonal ? [52, 81, 178] : [207, 34, 46]
  const mix = (c: number) => Math.round(255 + (c - 255) * Math.min(1, t * 0.9 + (value > 0 ? 0.1 : 0)))
  return `rgb(${mix(r)},${mix(g)},${mix(b)})`
}

function confusionSvg(r: NluReport): string {
  const used = r.labels.map((_, i) => i).filter((i) => r.confusion[i]!.some((c) => c > 0) || r.confusion.some((row) => row[i]! > 0))
  const cell = 34
  const left = 130
  const top = 110
  const size = used.length * cell
  const max = Math.max(0, ...used.flatMap((i) => used.map((j) => r.confusion[i]![j]!)))
  const parts: string[] = []
  used.forEach((i, y) => {
    parts.push(`<text x="${left - 6}" y="${top + y * cell + cell / 2 + 4}" text-anchor="end">${h(r.labels[i]!)}</text>`)
    used.forEach((j, x) => {
      const v = r.confusion[i]![j]!
      const fill = heat(v, max, i === j)
      parts.push(`<rect x="${left + x * cell}" y="${top + y * cell}" width="${cell - 2}" height="${cell - 2}" fill="${fill}"><title>expected ${h(r.labels[i]!)}, predicted ${h(r.labels[j]!)}: ${v}</title></rect>`)
      if (v > 0) parts.push(`<text x="${left + x * cell + cell / 2 - 1}" y="${top + y * cell + cell / 2 + 4}" text-anchor="middle" style="fill:${v / (max || 1) > 0.55 ? '#fff' : '#1d2330'}">${v}</text>`)
    })
  })
  used.forEach((j, x) => {
    const cx = left + x * cell + cell / 2
    parts.push(`<text x="${cx}" y="${top - 8}" transform="rotate(-45 ${cx} ${top - 8})">${h(r.labels[j]!)}</text>`)
  })
  parts.push(`<text x="${left + size / 2}" y="14" text-anchor="middle" style="fill:#5f6b7a">predicted →</text>`)
  parts.push(`<text x="12" y="${top + size / 2}" transform="rotate(-90 12 ${top + size / 2})" text-anchor="middle" style="fill:#5f6b7a">expected →</text>`)
  return `<svg viewBox="0 0 ${left + size + 20} ${top + size + 12}" width="${left + size + 20}" role="img" aria-label="confusion matrix">${parts.join('')}</svg>`
}

function histogramSvg(r: NluReport): string {
  const W = 520
  const H = 200
  const pad = { l: 36, r: 10, t: 10, b: 30 }
  const max = Math.max(1, ...r.histogram.map((b) => b.correct + b.wrong))
  const bw = (W - pad.l - pad.r) / r.histogram.length
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v / max)
  const parts: string[] = []
  r.histogram.forEach((b, i) => {
    const x = pad.l + i * bw + 3
    parts.push(`<rect x="${x}" y="${y(b.correct)}" width="${bw - 6}" height="${y(0) - y(b.correct)}" fill="#1a7f37"><title>${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${b.correct} correct</title></rect>`)
    parts.push(`<rect x="${x}" y="${y(b.correct + b.wrong)}" width="${bw - 6}" height="${y(b.correct) - y(b.correct + b.wrong)}" fill="#cf222e"><title>${b.from.toFixed(1)}–${b.to.toFixed(1)}: ${b.wrong} wrong</title></rect>`)
    parts.push(`<text x="${pad.l + i * bw + bw / 2}" y="${H - 12}" text-anchor="middle">${b.from.toFixed(1)}</text>`)
  })
  parts.push(`<text x="${pad.l - 6}" y="${pad.t + 8}" text-anchor="end">${max}</text><text x="${pad.l - 6}" y="${y(0)}" text-anchor="end">0</text>`)
  parts.push(`<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(0)}" y2="${y(0)}" stroke="#dfe3ea"/>`)
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="confidence histogram">${parts.join('')}</svg>`
}

function sweepSvg(r: NluReport): string {
  const W = 520
  const H = 220
  const pad = { l: 40, r: 10, t: 10, b: 30 }
  const x = (t: number) => pad.l + (W - pad.l - pad.r) * t
  const y = (v: number) => pad.t + (H - pad.t - pad.b) * (1 - v)
  const line = (pick: (p: NluReport['sweep']['points'][number]) => number, color: string) =>
    `<polyline fill="none" stroke="${color}" stroke-width="2" points="${r.sweep.points.map((p) => `${x(p.threshold).toFixed(1)},${y(pick(p)).toFixed(1)}`).join(' ')}"/>`
  const parts = [
    ...[0, 0.25, 0.5, 0.75, 1].map((v) => `<line x1="${pad.l}" x2="${W - pad.r}" y1="${y(v)}" y2="${y(v)}" stroke="#eef0f4"/><text x="${pad.l - 6}" y="${y(v) + 4}" text-anchor="end">${v * 100}%</text>`),
    ...[0, 0.2, 0.4, 0.6, 0.8, 1].map((t) => `<text x="${x(t)}" y="${H - 12}" text-anchor="middle">${t.toFixed(1)}</text>`),
    `<line x1="${x(r.sweep.current)}" x2="${x(r.sweep.current)}" y1="${pad.t}" y2="${y(0)}" stroke="#5f6b7a" stroke-dasharray="4 3"><title>current threshold ${r.sweep.current}</title></line>`,
    r.sweep.suggested === null ? '' : `<line x1="${x(r.sweep.suggested)}" x2="${x(r.sweep.suggested)}" y1="${pad.t}" y2="${y(0)}" stroke="#3451b2" stroke-dasharray="2 2"><title>suggested threshold ${r.sweep.suggested}</title></line>`,
    line((p) => p.accuracy, '#3451b2'),
    line((p) => p.fallbackRate, '#8a6d00'),
    line((p) => p.errorRate, '#cf222e'),
  ]
  return `<svg viewBox="0 0 ${W} ${H}" width="${W}" role="img" aria-label="threshold sweep">${parts.join('')}</svg>`
}

function legend(items: Array<[string, string]>): string {
  return `<div class="legend">${items.map(([c, l]) => `<span><i style="background:${c}"></i>${h(l)}</span>`).join('')}</div>`
}

function comparisonHtml(c: NluComparison): string {
  const f = (v: number | null) => (v === null ? '—' : num(v))
  const rows = c.intents
    .map((d) => `<tr><td>${h(d.intent)}</td><td class="num">${d.support}</td><td class="num">${f(d.f1A)}</td><td class="num">${f(d.f1B)}</td><td class="num ${d.deltaF1 > 0 ? 'up' : d.deltaF1 < 0 ? 'down' : ''}">${signed(d.deltaF1, num)}</td></tr>`)
    .join('')
  const changed = c.changed
    .slice(0, 20)
    .map((u) => `<tr><td>${h(u.text)}</td><td>${h(u.expected)}</td><td>${h(u.predictedA)}</td><td>${h(u.predictedB)}</td></tr>`)
    .join('')
  return `<h3>Comparison: A = ${h(c.a.flow)}${c.a.dataset ? ` on ${h(c.a.dataset)}` : ''}, B = ${h(c.b.flow)}${c.b.dataset ? ` on ${h(c.b.dataset)}` : ''}</h3>
<p>Accuracy ${pct(c.a.summary.accuracy)} → ${pct(c.b.summary.accuracy)} (${signed(c.delta.accuracy, pct)}), macro F1 ${num(c.a.summary.macro.f1)} → ${num(c.b.summary.macro.f1)} (${signed(c.delta.macroF1, num)})</p>
<table><thead><tr><th>intent</th><th class="num">support</th><th class="num">F1 A</th><th class="num">F1 B</th><th class="num">Δ F1</th></tr></thead><tbody>${rows}</tbody></table>
${changed ? `<h3>Utterances whose outcome changed</h3><table><thead><tr><th>utterance</th><th>expected</th><th>A</th><th>B</th></tr></thead><tbody>${changed}</tbody></table>` : ''}`
}

/** The report as a section another page can embed (its CSS is scoped to `.nlu-report`). */
export function renderNluSection(r: NluReport, comparison?: NluComparison): string {
  const s = r.summary
  const source = r.mode === 'dataset' ? `dataset ${h(r.dataset ?? '')}` : `${r.crossValidation!.folds}-fold cross-validation of the flow's examples (seed ${r.crossValidation!.seed})`
  const cards = [
    ['Accuracy', pct(s.accuracy)],
    ['Macro F1', num(s.macro.f1)],
    ['Weighted F1', num(s.weighted.f1)],
    ['Fallback rate', pct(s.fallbackRate)],
    ['Error rate', pct(s.errorRate)],
    ['Threshold', `${r.threshold}${r.sweep.suggested !== null && r.sweep.suggested !== r.threshold ? ` → ${r.sweep.suggested}` : ''}`],
  ]
    .map(([k, v]) => `<div class="card">${k}<b>${v}</b></div>`)
    .join('')
  const intents = r.intents
    .filter((m) => m.support > 0 || m.predicted > 0)
    .map((m) => `<tr><td>${h(m.intent)}</td><td class="num">${num(m.precision)}</td><td class="num">${num(m.recall)}</td><td class="num">${num(m.f1)}</td><td class="num">${m.support}</td><td class="num">${m.predicted}</td></tr>`)
    .join('')
  const pairs = r.confusedPairs
    .map((p) => `<tr><td>${h(p.expected)}</td><td>${h(p.predicted)}</td><td class="num">${p.count}</td><td>${p.examples.map((e) => `“${h(e)}”`).join('<br>')}</td></tr>`)
    .join('')
  const entities = r.entities
    .map((e) => `<tr><td>${h(e.entity)}</td><td class="num">${num(e.precision)}</td><td class="num">${num(e.recall)}</td><td class="num">${num(e.f1)}</td><td class="num">${e.support}</td></tr>`)
    .join('')
  const notices = r.notices.map((n) => `<p class="notice ${n.severity}">${n.severity}: ${h(n.file ? `${n.file}${n.line ? `:${n.line}` : ''} ` : '')}${h(n.message)}</p>`).join('')
  return `<section class="nlu-report"><style>${CSS}</style>
<h2>NLU evaluation — ${h(r.flow)}</h2>
<div class="meta">${source} · ${s.utterances} utterances · NLU ${h(r.nlu)} · "${NO_INTENT}" means no intent (the flow's fallback)</div>
<div class="cards">${cards}</div>
${notices}
<p class="muted">Suggested threshold: ${r.sweep.suggested ?? '—'} (current ${r.sweep.current}). Rule: ${h(r.sweep.rule)}.</p>
<h3>Per intent</h3>
<table><thead><tr><th>intent</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th><th class="num">predicted</th></tr></thead><tbody>${intents}</tbody>
<tfoot><tr><th>macro avg</th><td class="num">${num(s.macro.precision)}</td><td class="num">${num(s.macro.recall)}</td><td class="num">${num(s.macro.f1)}</td><td></td><td></td></tr>
<tr><th>weighted avg</th><td class="num">${num(s.weighted.precision)}</td><td class="num">${num(s.weighted.recall)}</td><td class="num">${num(s.weighted.f1)}</td><td class="num">${s.utterances}</td><td></td></tr></tfoot></table>
<h3>Confusion matrix</h3><p class="muted">Rows: expected intent; columns: predicted (hover a cell for its count).</p>${confusionSvg(r)}
<h3>Most confused pairs</h3>${pairs ? `<table><thead><tr><th>expected</th><th>predicted</th><th class="num">count</th><th>examples</th></tr></thead><tbody>${pairs}</tbody></table>` : '<p class="muted">No confusions.</p>'}
<h3>Confidence histogram</h3>${legend([['#1a7f37', 'correct'], ['#cf222e', 'wrong']])}${histogramSvg(r)}
<h3>Threshold sweep</h3>${legend([['#3451b2', 'accuracy'], ['#8a6d00', 'fallback rate'], ['#cf222e', 'error rate'], ['#5f6b7a', 'current (dashed)']])}${sweepSvg(r)}
${entities ? `<h3>Entities</h3><table><thead><tr><th>entity</th><th class="num">precision</th><th class="num">recall</th><th class="num">F1</th><th class="num">support</th></tr></thead><tbody>${entities}</tbody></table>` : ''}
${comparison ? comparisonHtml(comparison) : ''}
</section>`
}

/** A whole page around the section, for `flowbench nlu --html FILE`. */
export function renderNluHtml(r: NluReport, comparison?: NluComparison): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Flowbench NLU report — ${h(r.flow)}</title><style>body{margin:0;padding:24px 32px;background:#fff}</style></head><body>
${renderNluSection(r, comparison)}
</body></html>
`
}
