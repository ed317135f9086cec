// The mutation report as console text and as one self-contained HTML page (no network).
import { escapeHtml } from '../reporters/html'
import { formatPercent } from '../reporters/text'
import type { MutationReport, ScoreLine } from './index'

function scoreLine(label: string, s: ScoreLine, width: number): string {
  const extra = [s.no_coverage ? `${s.no_coverage} no coverage` : '', s.equivalent ? `${s.equivalent} equivalent` : '', s.invalid ? `${s.invalid} invalid` : ''].filter(Boolean).join(', ')
  return `  ${label.padEnd(width)} ${formatPercent(s.score).padStart(7)}  ${String(s.killed).padStart(4)} killed ${String(s.survived).padStart(4)} survived${extra ? `  (${extra})` : ''}`
}

export function renderMutationText(report: MutationReport): string {
  const out: string[] = []
  const s = report.summary
  out.push(`Mutation testing: ${s.total} mutants${report.generated > s.total ? ` (sampled from ${report.generated}, seed ${report.seed})` : ''}, ${report.tests.passed} of ${report.tests.total} tests passing in the baseline, ${report.workers} worker${report.workers === 1 ? '' : 's'}, ${(report.duration_ms / 1000).toFixed(1)} s`)
  out.push(`Mutation score: ${formatPercent(s.score)} (${s.killed} killed of ${s.total - s.invalid - s.equivalent}; ${formatPercent(s.covered_score)} of the mutants tests reach)`)
  const ops = Object.entries(report.by_operator).filter(([, l]) => l && l.total > 0)
  if (ops.length) {
    out.push('', 'By operator')
    const w = Math.max(...ops.map(([op]) => op.length))
    for (const [op, line] of ops) out.push(scoreLine(op, line!, w))
  }
  const flows = Object.entries(report.by_flow)
  if (flows.length) {
    out.push('', 'By flow')
    const w = Math.max(...flows.map(([f]) => f.length))
    for (const [flow, line] of flows) out.push(scoreLine(flow, line, w))
  }
  const survivors = report.mutants.filter((m) => m.status === 'survived' || m.status === 'no_coverage')
  if (survivors.length) {
    out.push('', `Surviving mutants (${survivors.length})`)
    for (const m of survivors) {
      out.push(`  ${m.flow}:${m.line}:${m.column} [${m.operator}]${m.status === 'no_coverage' ? ' no coverage:' : ''} ${m.description}`)
      if (m.hint) out.push(`      → ${m.hint}`)
    }
  }
  for (const p of report.problems) out.push(`warning: ${p.file} was left out: ${p.message.split('\n')[0]}`)
  if (report.cancelled) out.push('', 'Cancelled: only the mutants with a verdict are reported.')
  return `${out.join('\n')}\n`
}

const STATUS_CLASS: Record<string, string> = { killed: 'passed', survived: 'failed', no_coverage: 'error', invalid: 'skipped', equivalent: 'skipped' }

export function renderMutationHtml(report: MutationReport): string {
  const h = escapeHtml
  const s = report.summary
  const table = (title: string, rows: Array<[string, ScoreLine]>) => `<section><h2>${h(title)}</h2><div class="box"><table><thead><tr><th></th><th>score</th><th>killed</th><th>survived</th><th>no coverage</th><th>equivalent</th><th>invalid</th></tr></thead><tbody>${rows
    .map(([k, l]) => `<tr><td class="mono">${h(k)}</td><td><b>${formatPercent(l.score)}</b></td><td>${l.killed}</td><td>${l.survived}</td><td>${l.no_coverage}</td><td>${l.equivalent}</td><td>${l.invalid}</td></tr>`)
    .join('')}</tbody></table></div></section>`
  const mutants = report.mutants.map((m) => `<tr><td><span class="badge ${STATUS_CLASS[m.status]}">${h(m.status.replace('_', ' '))}</span></td><td class="mono">${h(`${m.flow}:${m.line}:${m.column}`)}</td><td>${h(m.operator)}</td><td>${h(m.description)}${m.hint ? `<div class="hint">${h(m.hint)}</div>` : ''}${m.killed_by ? `<div class="muted">killed by ${h(m.killed_by.name)}</div>` : ''}${m.reason ? `<div class="muted">${h(m.reason)}</div>` : ''}</td></tr>`)
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Flowbench mutation report</title>
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<style>
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--pass:#1a7f37;--fail:#cf222e;--err:#9a3412;--skip:#8a6d00}
body{margin:0;font:14px/1.5 system-ui,sans-serif;color:var(--fg);background:var(--bg)}header{background:var(--card);border-bottom:1px solid var(--line);padding:20px 32px}
h1{margin:0 0 4px;font-size:20px}main{padding:24px 32px;max-width:1200px}h2{font-size:16px}.box{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px}
table{border-collapse:collapse;width:100%;font-size:13px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}th{color:var(--muted)}
.mono{font-family:ui-monospace,monospace}.muted{color:var(--muted)}.hint{color:var(--fg);background:#fff8c5;border-radius:4px;padding:2px 6px;margin-top:4px}
.badge{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;border-radius:4px;padding:1px 6px;color:#fff}.badge.passed{background:var(--pass)}.badge.failed{background:var(--fail)}.badge.error{background:var(--err)}.badge.skipped{background:var(--skip)}
.score{font-size:32px;font-weight:700}
</style></head><body><header><h1>Mutation report</h1><div class="muted">${h(report.started_at)} · ${s.total} mutants · seed ${report.seed} · ${report.workers} workers · ${(report.duration_ms / 1000).toFixed(1)} s</div>
<div class="score">${formatPercent(s.score)}</div><div class="muted">${s.killed} killed, ${s.survived} survived, ${s.no_coverage} not covered by any test, ${s.equivalent} equivalent, ${s.invalid} invalid</div></header><main>
${table('By operator', Object.entries(report.by_operator).filter(([, l]) => l && l.total) as Array<[string, ScoreLine]>)}
${table('By flow', Object.entries(report.by_flow))}
<section><h2>Mutants</h2><div class="box"><table><thead><tr><th>status</th><th>where</th><th>operator</th><th>what</th></tr></thead><tbody>${mutants.join('')}</tbody></table></div></section>
</main></body></html>
`
}
