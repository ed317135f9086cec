// The Markdown summary of a run, for a pull request: counts, failing tests with their first
// failure, coverage; for load runs the latency percentiles, throughput and thresholds.
import type { LoadResult } from '../load/result'
import { firstReason } from '../compare'
import type { TestRunReport } from '../runner/model'
import { formatMs, formatPercent } from '../reporters/text'

const MAX_FAILURES = 50

export function mdEscape(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/([*_`<>[\]])/g, '\\$1').replace(/\r?\n/g, ' ')
}

/** Inline code inside a table cell: no escapes apply there except the cell separator. */
export function mdCode(text: string): string {
  return `\`${text.replace(/`/g, "'").replace(/\|/g, '\\|').replace(/\r?\n/g, ' ')}\``
}

export function testMarkdown(r: TestRunReport, redactionLine: string | null): string {
  const s = r.summary
  const failed = s.failed || s.errors || r.gates.some((g) => !g.passed)
  const out: string[] = [`## Flowbench test report: ${failed ? '❌ failed' : '✅ passed'}`, '']
  out.push(`Started ${r.started_at || 'at an unknown time'}, took ${formatMs(r.duration_ms)}, flowbench ${r.version}.`, '')
  if (redactionLine) out.push(`> ${mdEscape(redactionLine)}`, '')
  out.push('| total | passed | failed | errored | skipped |', '|---:|---:|---:|---:|---:|', `| ${s.total} | ${s.passed} | ${s.failed} | ${s.errors} | ${s.skipped} |`, '')
  for (const g of r.gates) out.push(`- ${g.passed ? '✅' : '❌'} ${g.kind} coverage ${formatPercent(g.actual)} (minimum ${formatPercent(g.minimum)})`)
  if (r.gates.length) out.push('')
  const failures: string[] = []
  for (const suite of r.suites) {
    for (const t of suite.tests) {
      if (t.status !== 'failed' && t.status !== 'error') continue
      const f = t.failures[0]
      const detail = f ? `step ${f.step} ${f.field}: expected ${mdCode(JSON.stringify(f.expected) ?? '')}, got ${mdCode(JSON.stringify(f.actual) ?? '')}` : mdEscape(firstReason(t) ?? '')
      failures.push(`| ${t.status === 'error' ? 'errored' : 'failed'} | ${mdEscape(t.name)} | \`${suite.file}\` | ${detail} |`)
    }
  }
  if (failures.length) {
    out.push(`### Failing tests (${failures.length})`, '', '| status | test | file | first failure |', '|---|---|---|---|', ...failures.slice(0, MAX_FAILURES))
    if (failures.length > MAX_FAILURES) out.push('', `… and ${failures.length - MAX_FAILURES} more.`)
    out.push('')
  }
  const flows = Object.entries(r.coverage)
  if (flows.length) {
    out.push('### Coverage', '', '| flow | states | transitions | not covered |', '|---|---:|---:|---|')
    for (const [flow, c] of flows) {
      const pct = (x: { covered: number; total: number }) => formatPercent(x.total ? (x.covered / x.total) * 100 : 100)
      const missing = [...c.states.uncovered, ...c.transitions.uncovered]
      const shown = missing.slice(0, 8).map((m) => mdCode(m)).join(', ') + (missing.length > 8 ? `, … ${missing.length - 8} more` : '')
      out.push(`| \`${flow}\` | ${c.states.covered}/${c.states.total} (${pct(c.states)}) | ${c.transitions.covered}/${c.transitions.total} (${pct(c.transitions)}) | ${shown} |`)
    }
    out.push('', `All flows: states ${formatPercent(r.coverage_total.states.percent)}, transitions ${formatPercent(r.coverage_total.transitions.percent)}.`, '')
  }
  return `${out.join('\n').trimEnd()}\n`
}

export function loadMarkdown(r: LoadResult, redactionLine: string | null): string {
  const out: string[] = [`## Flowbench load report: ${r.passed ? '✅ passed' : '❌ failed'}`, '']
  out.push(`\`${r.scenario}\`${r.name ? ` (${mdEscape(r.name)})` : ''}, started ${r.started_at}, ${(r.duration_ms / 1000).toFixed(1)} s, ${r.profile.executor}, ${r.environment.workers} workers.`, '')
  if (redactionLine) out.push(`> ${mdEscape(redactionLine)}`, '')
  const l = r.turn_latency_ms
  out.push('| turns | conversations | throughput | p50 | p95 | p99 | max | errors | dropped |', '|---:|---:|---:|---:|---:|---:|---:|---:|---:|')
  out.push(`| ${r.totals.turns} | ${r.totals.conversations} | ${r.throughput.turns_per_s}/s | ${l.p50} ms | ${l.p95} ms | ${l.p99} ms | ${l.max} ms | ${r.totals.errors} | ${r.totals.dropped} |`, '')
  if (r.thresholds.length) {
    out.push('### Thresholds', '', '| threshold | condition | value | verdict |', '|---|---|---:|---|')
    for (const t of r.thresholds) out.push(`| ${mdCode(t.name)} | ${mdCode(t.condition)} | ${t.value === null ? 'no data' : `${t.value} ${t.unit}`} | ${t.passed ? '✅ passed' : '❌ failed'} |`)
    out.push('')
  } else out.push('The scenario sets no thresholds.', '')
  if (r.load_generator.bottleneck) out.push(`> ⚠ The load generator itself was the bottleneck: ${mdEscape(r.load_generator.reasons.join('; '))}`, '')
  return `${out.join('\n').trimEnd()}\n`
}
