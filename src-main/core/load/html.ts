// The load report as one self-contained HTML file: inline CSS and SVG charts, no script, no
// network. Throughput and latency percentiles over time, the error timeline, per-state latency,
// memory and event-loop delay, threshold verdicts, the environment, and a loud warning when the
// load generator itself was the bottleneck.
import type { Comparison } from './compare'
import type { LatencyPercentiles, LoadResult } from './result'

const esc = (s: unknown): string =>
  String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!)

interface Series {
  name: string
  color: string
  points: Array<[number, number]>
  dashed?: boolean
}

/** A tick step of 1, 2 or 5 × 10^k giving about `count` ticks over `span`. */
function niceStep(span: number, count: number): number {
  if (!(span > 0)) return 1
  const raw = span / count
  const mag = 10 ** Math.floor(Math.log10(raw))
  const norm = raw / mag
  return (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * mag
}

const fmtNum = (x: number): string => (Math.abs(x) >= 1000 ? `${Math.round(x / 100) / 10}k` : Number.isInteger(x) ? String(x) : String(Math.round(x * 100) / 100))

const W = 760
const H = 240
const PAD = { l: 56, r: 16, t: 28, b: 34 }

function lineChart(title: string, yUnit: string, series: Series[], options: { bars?: boolean } = {}): string {
  const all = series.flatMap((s) => s.points)
  if (!all.length) return `<figure class="chart"><figcaption>${esc(title)}</figcaption><p class="empty">no data</p></figure>`
  const xMax = Math.max(1, ...all.map((p) => p[0]))
  const yMaxRaw = Math.max(...all.map((p) => p[1]), 0)
  const yStep = niceStep(yMaxRaw || 1, 4)
  const yMax = Math.max(yStep, Math.ceil((yMaxRaw || 1) / yStep) * yStep)
  const iw = W - PAD.l - PAD.r
  const ih = H - PAD.t - PAD.b
  const x = (v: number): number => PAD.l + (v / xMax) * iw
  const y = (v: number): number => PAD.t + ih - (v / yMax) * ih
  const parts: string[] = []
  for (let v = 0; v <= yMax + 1e-9; v += yStep) {
    parts.push(`<line class="grid" x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}"/>`)
    parts.push(`<text class="tick" x="${PAD.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${fmtNum(v)}</text>`)
  }
  const xStep = niceStep(xMax, 8)
  for (let v = 0; v <= xMax + 1e-9; v += xStep) {
    parts.push(`<text class="tick" x="${x(v).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle">${fmtNum(v)}s</text>`)
  }
  parts.push(`<text class="unit" x="${PAD.l}" y="${PAD.t - 10}">${esc(yUnit)}</text>`)
  let legendX = PAD.l + 8
  series.forEach((s, i) => {
    if (options.bars) {
      const bw = Math.max(1, iw / (xMax + 1) / series.length - 1)
      for (const [px, py] of s.points) {
        if (py <= 0) continue
        parts.push(`<rect x="${(x(px) + i * bw).toFixed(1)}" y="${y(py).toFixed(1)}" width="${bw.toFixed(1)}" height="${(PAD.t + ih - y(py)).toFixed(1)}" fill="${s.color}"><title>${esc(s.name)} at ${px}s: ${py}</title></rect>`)
      }
    } else if (s.points.length) {
      const d = s.points.map(([px, py], k) => `${k ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`).join('')
      parts.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 4"' : ''}/>`)
    }
    // Legends sit side by side, each as wide as its text (about 6 px a character at 11 px).
    parts.push(`<rect x="${legendX}" y="${H - 12}" width="10" height="3" fill="${s.color}"/><text class="legend" x="${legendX + 14}" y="${H - 8}">${esc(s.name)}</text>`)
    legendX += 14 + s.name.length * 6 + 18
  })
  return `<figure class="chart"><figcaption>${esc(title)}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(title)}">${parts.join('')}</svg></figure>`
}

function stateChart(r: LoadResult): string {
  const states = Object.entries(r.by_state).sort((a, b) => b[1].p99_ms - a[1].p99_ms).slice(0, 25)
  if (!states.length) return ''
  const rowH = 22
  const height = PAD.t + states.length * rowH + 24
  const labelW = 170
  const iw = W - labelW - 70
  const max = Math.max(...states.map(([, s]) => s.p99_ms), 0.001)
  const parts: string[] = []
  states.forEach(([name, s], i) => {
    const yy = PAD.t + i * rowH
    const w99 = (s.p99_ms / max) * iw
    const w50 = (s.p50_ms / max) * iw
    parts.push(`<text class="tick" x="${labelW - 8}" y="${yy + 14}" text-anchor="end">${esc(name)}</text>`)
    parts.push(`<rect x="${labelW}" y="${yy + 3}" width="${w99.toFixed(1)}" height="14" fill="#f4a259"><title>${esc(name)} p99 ${s.p99_ms} ms</title></rect>`)
    parts.push(`<rect x="${labelW}" y="${yy + 6}" width="${w50.toFixed(1)}" height="8" fill="#3b6ea8"><title>${esc(name)} p50 ${s.p50_ms} ms</title></rect>`)
    parts.push(`<text class="tick" x="${labelW + w99 + 6}" y="${yy + 14}">${s.p99_ms} ms</text>`)
  })
  parts.push(`<rect x="${labelW}" y="${height - 14}" width="10" height="8" fill="#3b6ea8"/><text class="legend" x="${labelW + 14}" y="${height - 7}">p50</text>`)
  parts.push(`<rect x="${labelW + 60}" y="${height - 14}" width="10" height="8" fill="#f4a259"/><text class="legend" x="${labelW + 74}" y="${height - 7}">p99</text>`)
  return `<figure class="chart"><figcaption>Turn latency by state (turns that received their event in, or entered, the state)</figcaption><svg viewBox="0 0 ${W} ${height}" width="100%" role="img" aria-label="latency by state">${parts.join('')}</svg></figure>`
}

function percentileRow(label: string, p: LatencyPercentiles): string {
  return `<tr><th>${esc(label)}</th>${[p.p50, p.p90, p.p95, p.p99, p.p999, p.max].map((v) => `<td>${v}</td>`).join('')}</tr>`
}

function comparisonTable(c: Comparison): string {
  const rows = c.deltas.map((d) => {
    const cls = d.verdict === 'regressed' ? 'bad' : d.verdict === 'improved' ? 'good' : ''
    const pct = d.delta_pct === null ? '' : ` (${d.delta_pct > 0 ? '+' : ''}${d.delta_pct}%)`
    return `<tr class="${cls}"><th>${esc(d.metric)}</th><td>${d.baseline} ${esc(d.unit)}</td><td>${d.current} ${esc(d.unit)}</td><td>${d.delta > 0 ? '+' : ''}${d.delta}${pct}</td><td>±${d.noise}</td><td>${d.verdict === 'unchanged' ? 'within noise' : d.verdict}</td></tr>`
  })
  return `<section><h2>Compared with the baseline</h2><p>Baseline: ${esc(c.baseline.scenario)} of ${esc(c.baseline.started_at)}${c.baseline.commit ? `, commit ${esc(c.baseline.commit)}` : ''}. A change is flagged only when it exceeds the noise measured in the two runs.</p>
<table><thead><tr><th>metric</th><th>baseline</th><th>current</th><th>delta</th><th>noise</th><th>verdict</th></tr></thead><tbody>${rows.join('')}</tbody></table>${c.notes.map((n) => `<p class="note">${esc(n)}</p>`).join('')}</section>`
}

const CSS = `body{font:14px/1.45 system-ui,-apple-system,Segoe UI,sans-serif;margin:24px auto;max-width:1100px;color:#1d2330;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
.sub{color:#5b6475;margin:0 0 16px}.verdict{display:inline-block;padding:4px 12px;border-radius:4px;font-weight:600;color:#fff}
.pass{background:#2e8540}.fail{background:#c0392b}.banner{background:#c0392b;color:#fff;padding:14px 18px;border-radius:6px;font-size:16px;margin:16px 0}
.banner strong{font-size:18px;display:block;margin-bottom:6px}.warn{background:#fff4d6;border:1px solid #e6c35c;padding:8px 12px;border-radius:4px;margin:6px 0}
table{border-collapse:collapse;margin:8px 0;font-variant-numeric:tabular-nums}th,td{border:1px solid #dde2ea;padding:4px 10px;text-align:right}
th:first-child,td:first-child{text-align:left}thead th{background:#f3f5f9}tr.bad td,tr.bad th{background:#fbe3e0}tr.good td,tr.good th{background:#e2f3e5}
.cards{display:flex;flex-wrap:wrap;gap:10px}.card{border:1px solid #dde2ea;border-radius:6px;padding:8px 14px;min-width:130px}.card b{display:block;font-size:20px}
.chart{margin:12px 0}.chart figcaption{font-weight:600;margin-bottom:4px}svg .grid{stroke:#e6e9ef}svg .tick,svg .legend,svg .unit{font-size:11px;fill:#5b6475}
.empty,.note{color:#5b6475}code{background:#f3f5f9;padding:1px 4px;border-radius:3px}`

/** `redaction`: the header line of an exported report saying whether (and how much) personal data was replaced. */
export function renderLoadReport(r: LoadResult, comparison?: Comparison, extras: { redaction?: string } = {}): string {
  const tl = r.timeline
  const open = r.profile.executor.endsWith('arrival-rate')
  const pts = (pick: (e: (typeof tl)[number]) => number): Array<[number, number]> => tl.map((e) => [e.t_s, pick(e)])
  const cards = [
    ['turns', r.totals.turns],
    ['turns/s', r.throughput.turns_per_s],
    ['conversations', r.totals.conversations],
    ['p50', `${r.turn_latency_ms.p50} ms`],
    ['p99', `${r.turn_latency_ms.p99} ms`],
    ['errors', r.totals.errors],
    ['dropped', r.totals.dropped],
    ['peak RSS', `${r.memory.peak_rss_mb} MB`],
  ]
  const thresholdRows = r.thresholds.map((t) =>
    `<tr class="${t.passed ? 'good' : 'bad'}"><th>${esc(t.name)}</th><td>${esc(t.condition)}</td><td>${t.value === null ? 'no data' : `${t.value} ${esc(t.unit)}`}</td><td>${t.passed ? 'passed' : 'FAILED'}${t.note ? ` — ${esc(t.note)}` : ''}</td></tr>`)
  const env = r.environment
  const banner = r.load_generator.bottleneck
    ? `<div class="banner" role="alert"><strong>⚠ The load generator itself was the bottleneck</strong>${r.load_generator.reasons.map((x) => `<div>${esc(x)}</div>`).join('')}<div>Treat the latency and throughput figures below as limits of the test setup, not of the engine: use more workers, a lower rate, or a bigger (or quieter) machine.</div></div>`
    : ''
  const otherWarnings = r.warnings.filter((w) => !w.startsWith('load generator: '))
  const states = Object.entries(r.by_state).sort((a, b) => b[1].turns - a[1].turns)
  const ints = Object.entries(r.by_integration)
  const flows = Object.entries(r.by_flow)
  const errors = Object.entries(r.errors_by_code).sort((a, b) => b[1] - a[1])
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>Flowbench load report — ${esc(r.scenario)}</title><style>${CSS}</style></head><body>
<h1>Flowbench load report</h1>
<p class="sub">${esc(r.scenario)}${r.name ? ` — ${esc(r.name)}` : ''} · started ${esc(r.started_at)} · ${(r.duration_ms / 1000).toFixed(1)} s · ${esc(r.profile.executor)}</p>
<p><span class="verdict ${r.passed ? 'pass' : 'fail'}">${r.passed ? 'PASSED' : 'FAILED'}</span>${r.aborted ? ` <strong>${r.aborted.reason === 'threshold' ? `aborted at ${r.aborted.at_s}s: ${esc(r.aborted.thresholds?.join('; ') ?? '')}` : `interrupted at ${r.aborted.at_s}s`}</strong>` : ''}</p>
${extras.redaction ? `<p class="sub redaction">${esc(extras.redaction)}</p>` : ''}
${banner}
${otherWarnings.map((w) => `<div class="warn">${esc(w)}</div>`).join('')}
<div class="cards">${cards.map(([k, v]) => `<div class="card">${esc(k)}<b>${esc(v)}</b></div>`).join('')}</div>
<h2>Thresholds</h2>
${r.thresholds.length ? `<table><thead><tr><th>threshold</th><th>condition</th><th>value</th><th>verdict</th></tr></thead><tbody>${thresholdRows.join('')}</tbody></table>` : '<p class="note">The scenario sets no thresholds.</p>'}
${comparison ? comparisonTable(comparison) : ''}
<h2>Over time</h2>
${lineChart('Throughput', 'per second', [
    { name: 'turns/s', color: '#3b6ea8', points: pts((e) => e.turns) },
    { name: 'conversations started/s', color: '#2e8540', points: pts((e) => e.conversations_started) },
    { name: open ? 'target conv/s' : 'virtual users', color: '#7a7f8c', points: pts((e) => e.target), dashed: true },
  ])}
${lineChart('Turn latency percentiles (from each turn\'s intended start)', 'ms', [
    { name: 'p50', color: '#3b6ea8', points: pts((e) => e.p50_ms) },
    { name: 'p95', color: '#f4a259', points: pts((e) => e.p95_ms) },
    { name: 'p99', color: '#c0392b', points: pts((e) => e.p99_ms) },
    { name: 'service p99', color: '#2e8540', points: pts((e) => e.service_p99_ms), dashed: true },
    { name: 'harness lag p99', color: '#7a7f8c', points: pts((e) => e.harness_lag_p99_ms), dashed: true },
  ])}
${lineChart('Errors and drops', 'per second', [
    { name: 'turn errors', color: '#c0392b', points: pts((e) => e.errors) },
    { name: 'dropped', color: '#7a7f8c', points: pts((e) => e.dropped) },
  ], { bars: true })}
${lineChart('Memory', 'MB', [
    { name: 'RSS (process)', color: '#3b6ea8', points: pts((e) => e.rss_mb).filter((p) => p[1] > 0) },
    { name: 'JS heap (all threads)', color: '#f4a259', points: pts((e) => e.heap_mb).filter((p) => p[1] > 0) },
  ])}
${lineChart('Worker event loop', 'ms / %', [
    { name: 'event-loop delay p99 (ms)', color: '#c0392b', points: pts((e) => e.loop_delay_p99_ms) },
    { name: 'utilisation (%)', color: '#3b6ea8', points: pts((e) => Math.round(e.worker_utilization * 1000) / 10) },
    { name: 'harness share (%)', color: '#7a7f8c', points: pts((e) => Math.round(e.harness_share * 1000) / 10), dashed: true },
  ])}
<h2>Latency</h2>
<table><thead><tr><th>ms</th><th>p50</th><th>p90</th><th>p95</th><th>p99</th><th>p99.9</th><th>max</th></tr></thead><tbody>
${percentileRow('turn latency', r.turn_latency_ms)}${percentileRow('service time (engine)', r.service_time_ms)}${percentileRow('queue wait', r.queue_wait_ms)}${percentileRow('harness lag', r.harness_lag_ms)}${percentileRow('conversation duration', r.conversation_duration_ms)}${percentileRow('integration call', r.integration_latency_ms)}
</tbody></table>
<p class="note">Turn latency runs from each turn's intended start (coordinated omission corrected): a turn that starts late still runs and its lateness counts. Service time is the engine's own work; queue wait is the time a due turn waited to start; harness lag is the part of that wait the load generator caused.</p>
${stateChart(r)}
<h2>By state</h2>
<table><thead><tr><th>state</th><th>turns</th><th>errors</th><th>p50 ms</th><th>p95 ms</th><th>p99 ms</th><th>max ms</th><th>service p99 ms</th></tr></thead><tbody>
${states.map(([n, s]) => `<tr><th>${esc(n)}</th><td>${s.turns}</td><td>${s.errors}</td><td>${s.p50_ms}</td><td>${s.p95_ms}</td><td>${s.p99_ms}</td><td>${s.max_ms}</td><td>${s.service_p99_ms}</td></tr>`).join('')}
</tbody></table>
${ints.length ? `<h2>By integration</h2><table><thead><tr><th>integration</th><th>calls</th><th>failures</th><th>errors</th><th>call p50 ms</th><th>call p99 ms</th><th>turn p99 ms</th></tr></thead><tbody>
${ints.map(([id, b]) => `<tr><th>${esc(id)}</th><td>${b.calls}</td><td>${b.failures}</td><td>${esc(Object.entries(b.errors).map(([c, n]) => `${c} ${n}`).join(', ') || '—')}</td><td>${b.call_p50_ms}</td><td>${b.call_p99_ms}</td><td>${b.turn_p99_ms}</td></tr>`).join('')}</tbody></table>` : ''}
${flows.length > 1 ? `<h2>By flow</h2><table><thead><tr><th>flow</th><th>conversations</th><th>turns</th><th>p50 ms</th><th>p99 ms</th></tr></thead><tbody>${flows.map(([f, b]) => `<tr><th>${esc(f)}</th><td>${b.conversations}</td><td>${b.turns}</td><td>${b.p50_ms}</td><td>${b.p99_ms}</td></tr>`).join('')}</tbody></table>` : ''}
<h2>Errors and counters</h2>
<table><tbody>
<tr><th>turn errors</th><td>${r.totals.errors}${errors.length ? ` (${esc(errors.map(([c, n]) => `${c} ${n}`).join(', '))})` : ''}</td></tr>
<tr><th>turns with an error</th><td>${r.totals.error_turns}</td></tr>
<tr><th>intent fallbacks</th><td>${r.totals.intent_fallbacks}</td></tr>
<tr><th>conversations completed / interrupted / dropped</th><td>${r.totals.completed_conversations} / ${r.totals.interrupted} / ${r.totals.dropped}</td></tr>
</tbody></table>
<h2>Environment</h2>
<table><tbody>
<tr><th>commit</th><td>${esc(env.commit ?? 'unknown')}</td></tr>
<tr><th>Node</th><td>${esc(env.node)} (${esc(env.platform)})</td></tr>
<tr><th>CPU</th><td>${env.cpus} × ${esc(env.cpu_model)}</td></tr>
<tr><th>workers</th><td>${env.workers}</td></tr>
<tr><th>seed</th><td>${env.seed}</td></tr>
<tr><th>Flowbench</th><td>${esc(env.flowbench)}</td></tr>
<tr><th>load generator</th><td>harness lag p99 ${r.load_generator.harness_lag_p99_ms} ms · main thread busy ${Math.round(r.load_generator.main_utilization * 100)}% · workers busy ${Math.round(r.load_generator.worker_utilization * 100)}% (harness share ${Math.round(r.load_generator.harness_share * 100)}%)</td></tr>
</tbody></table>
</body></html>
`
}
