// A comparison as text for a reviewer: the console (`flowbench compare`) and Markdown for a pull request.
import { mdCode, mdEscape } from '../reports/markdown'
import type { ComparedRun, LoadRunComparison, RunComparison, TestOutcomeChange, TestRunComparison } from '../../common/api-reports'

const MAX_LISTED = 50

function sign(n: number): string {
  return n > 0 ? `+${n}` : String(n)
}

function ms(n: number): string {
  return n < 1000 ? `${Math.round(n * 10) / 10} ms` : `${(n / 1000).toFixed(2)} s`
}

function side(r: ComparedRun): string {
  if (r.summary) {
    const s = r.summary
    const cov = r.coverage ? `, states ${r.coverage.states}%, transitions ${r.coverage.transitions}%` : ''
    return `${r.id} (${r.startedAt || 'start unknown'}): ${s.total} tests, ${s.passed} passed, ${s.failed} failed, ${s.errors} errored, ${s.skipped} skipped${cov}`
  }
  const l = r.load!
  return `${r.id} (${r.startedAt || 'start unknown'}): ${l.scenario}, ${l.turns} turns, ${l.throughput}/s, p95 ${l.p95Ms} ms, p99 ${l.p99Ms} ms`
}

function status(s: string | null): string {
  return s ?? 'absent'
}

function testLines(title: string, list: readonly TestOutcomeChange[]): string[] {
  if (!list.length) return []
  const out = [`${title} (${list.length})`]
  for (const c of list.slice(0, MAX_LISTED)) {
    out.push(`  ${c.file} › ${c.name}  [${status(c.before)} → ${status(c.after)}]`)
    if (c.reason) out.push(`      ${c.reason}`)
  }
  if (list.length > MAX_LISTED) out.push(`  … and ${list.length - MAX_LISTED} more`)
  return out
}

function quote(texts: readonly string[]): string {
  return texts.length ? texts.map((t) => JSON.stringify(t)).join(' / ') : '(no reply)'
}

function testText(c: TestRunComparison): string[] {
  const out: string[] = []
  out.push(...testLines('Newly failing', c.newlyFailing))
  out.push(...testLines('Newly erroring', c.newlyErrored))
  out.push(...testLines('Still failing', c.stillFailing))
  out.push(...testLines('Newly passing', c.newlyPassing))
  out.push(...testLines('Added tests', c.added))
  out.push(...testLines('Removed tests', c.removed))
  if (c.changedReplies.length) {
    out.push(`Changed replies (${c.changedReplies.length})`)
    for (const r of c.changedReplies.slice(0, MAX_LISTED)) {
      out.push(`  ${r.file} › ${r.name}, ${r.step === null ? 'start' : `step ${r.step}`}${r.input !== null ? ` (user ${JSON.stringify(r.input)})` : ''}`)
      out.push(`      before: ${quote(r.before)}`)
      out.push(`      after:  ${quote(r.after)}`)
    }
    if (c.changedReplies.length > MAX_LISTED) out.push(`  … and ${c.changedReplies.length - MAX_LISTED} more`)
  } else if (c.transcriptsCompared === 0) {
    out.push('Changed replies: not compared (no test has its transcript in both runs; run with --transcripts all)')
  }
  if (c.coverage.length) {
    out.push('Coverage')
    for (const f of c.coverage) {
      const k = (name: string, d: TestRunComparison['coverage'][number]['states']): string =>
        !d.before ? `${name} new ${d.after!.percent}%` : !d.after ? `${name} not measured (was ${d.before.percent}%)` : `${name} ${d.before.percent}% → ${d.after.percent}% (${sign(d.deltaPoints)})`
      out.push(`  ${f.flow}: ${k('states', f.states)}, ${k('transitions', f.transitions)}${f.dropped ? '  DROPPED' : ''}`)
      const lost = [...f.states.newlyUncovered, ...f.transitions.newlyUncovered]
      if (lost.length) out.push(`      newly uncovered: ${lost.join(', ')}`)
    }
  }
  out.push(`Duration: ${ms(c.duration.beforeMs)} → ${ms(c.duration.afterMs)} (${sign(Math.round(c.duration.deltaMs))} ms)`)
  for (const d of c.duration.largest.slice(0, 5)) out.push(`  ${d.file} › ${d.name}: ${ms(d.beforeMs)} → ${ms(d.afterMs)}`)
  return out
}

function loadText(c: LoadRunComparison): string[] {
  const out = ['metric                 base          new            delta     noise   verdict']
  for (const d of c.deltas) {
    const unit = d.unit === 'ms' ? ' ms' : d.unit
    const pct = d.delta_pct === null ? '' : ` (${d.delta_pct > 0 ? '+' : ''}${d.delta_pct}%)`
    out.push(`${d.metric.padEnd(20)} ${`${d.baseline}${unit}`.padStart(11)}  ${`${d.current}${unit}`.padStart(11)}  ${`${sign(d.delta)}${pct}`.padStart(16)}  ±${String(d.noise).padEnd(8)} ${d.verdict === 'unchanged' ? 'within noise' : d.verdict.toUpperCase()}`)
  }
  if (c.thresholds.length) {
    out.push('Thresholds')
    for (const t of c.thresholds) {
      const v = (x: ThresholdSide) => (x ? `${x.value ?? 'no data'} ${x.passed ? 'passed' : 'FAILED'}` : 'absent')
      out.push(`  ${t.name} ${t.condition}: ${v(t.before)} → ${v(t.after)}`)
    }
  }
  for (const n of c.notes) out.push(`note: ${n}`)
  return out
}

type ThresholdSide = LoadRunComparison['thresholds'][number]['before']

/** The console form of `flowbench compare`. */
export function formatComparisonText(c: RunComparison): string {
  const out = [`Base: ${side(c.base)}`, `New:  ${side(c.next)}`, '']
  out.push(...(c.kind === 'test' ? testText(c) : loadText(c)))
  out.push('')
  out.push(c.regression ? `REGRESSION: ${c.reasons.join('; ')}` : 'No regression.')
  return `${out.join('\n')}\n`
}

// ── Markdown ──


function mdTests(title: string, list: readonly TestOutcomeChange[]): string[] {
  if (!list.length) return []
  const out = [`### ${title} (${list.length})`, '', '| test | file | was | now | first failure |', '|---|---|---|---|---|']
  for (const c of list.slice(0, MAX_LISTED)) out.push(`| ${mdEscape(c.name)} | \`${c.file}\` | ${status(c.before)} | ${status(c.after)} | ${c.reason ? mdEscape(c.reason) : ''} |`)
  if (list.length > MAX_LISTED) out.push('', `… and ${list.length - MAX_LISTED} more.`)
  out.push('')
  return out
}

/** Markdown for a pull request comment. */
export function formatComparisonMarkdown(c: RunComparison): string {
  const out: string[] = [`## Flowbench comparison: ${c.regression ? '❌ regression' : '✅ no regression'}`, '']
  if (c.regression) {
    for (const r of c.reasons) out.push(`- ${mdEscape(r)}`)
    out.push('')
  }
  if (c.kind === 'test') {
    const b = c.base.summary!
    const n = c.next.summary!
    out.push('| | base | new | Δ |', '|---|---:|---:|---:|')
    for (const k of ['total', 'passed', 'failed', 'errors', 'skipped'] as const) out.push(`| ${k} | ${b[k]} | ${n[k]} | ${sign(n[k] - b[k])} |`)
    if (c.base.coverage && c.next.coverage) {
      out.push(`| states covered | ${c.base.coverage.states}% | ${c.next.coverage.states}% | ${sign(Math.round((c.next.coverage.states - c.base.coverage.states) * 100) / 100)} |`)
      out.push(`| transitions covered | ${c.base.coverage.transitions}% | ${c.next.coverage.transitions}% | ${sign(Math.round((c.next.coverage.transitions - c.base.coverage.transitions) * 100) / 100)} |`)
    }
    out.push(`| duration | ${ms(c.duration.beforeMs)} | ${ms(c.duration.afterMs)} | ${sign(Math.round(c.duration.deltaMs))} ms |`, '')
    out.push(`Base \`${mdEscape(c.base.id)}\` · new \`${mdEscape(c.next.id)}\``, '')
    out.push(...mdTests('Newly failing', c.newlyFailing), ...mdTests('Newly erroring', c.newlyErrored), ...mdTests('Still failing', c.stillFailing), ...mdTests('Newly passing', c.newlyPassing))
    out.push(...mdTests('Added tests', c.added), ...mdTests('Removed tests', c.removed))
    if (c.changedReplies.length) {
      out.push(`### Changed replies (${c.changedReplies.length})`, '', '| test | step | before | after |', '|---|---|---|---|')
      for (const r of c.changedReplies.slice(0, MAX_LISTED)) out.push(`| ${mdEscape(r.name)} | ${r.step === null ? 'start' : r.step} | ${mdEscape(quote(r.before))} | ${mdEscape(quote(r.after))} |`)
      out.push('')
    }
    const changed = c.coverage.filter((f) => f.states.deltaPoints !== 0 || f.transitions.deltaPoints !== 0 || f.states.newlyUncovered.length || f.transitions.newlyUncovered.length || !f.states.before || !f.states.after)
    if (changed.length) {
      out.push('### Coverage', '', '| flow | states | transitions | newly uncovered |', '|---|---|---|---|')
      const k = (d: TestRunComparison['coverage'][number]['states']) => (!d.before ? `new: ${d.after!.percent}%` : !d.after ? `not measured (was ${d.before.percent}%)` : `${d.before.percent}% → ${d.after.percent}%`)
      for (const f of changed) out.push(`| \`${f.flow}\` | ${k(f.states)} | ${k(f.transitions)} | ${mdEscape([...f.states.newlyUncovered, ...f.transitions.newlyUncovered].join(', '))} |`)
      out.push('')
    }
  } else {
    out.push('| metric | base | new | Δ | noise | verdict |', '|---|---:|---:|---:|---:|---|')
    for (const d of c.deltas) {
      const pct = d.delta_pct === null ? '' : ` (${d.delta_pct > 0 ? '+' : ''}${d.delta_pct}%)`
      out.push(`| ${d.metric} | ${d.baseline} ${d.unit} | ${d.current} ${d.unit} | ${sign(d.delta)}${pct} | ±${d.noise} | ${d.verdict === 'regressed' ? '❌ regressed' : d.verdict === 'improved' ? '✅ improved' : 'within noise'} |`)
    }
    out.push('')
    if (c.thresholds.length) {
      out.push('| threshold | base | new |', '|---|---|---|')
      const v = (x: ThresholdSide) => (x ? `${x.value ?? 'no data'} ${x.passed ? '✅' : '❌'}` : '—')
      for (const t of c.thresholds) out.push(`| ${mdCode(`${t.name} ${t.condition}`)} | ${v(t.before)} | ${v(t.after)} |`)
      out.push('')
    }
    for (const n of c.notes) out.push(`> ${mdEscape(n)}`, '')
  }
  return `${out.join('\n').replace(/\n{3,}/g, '\n\n').trimEnd()}\n`
}
