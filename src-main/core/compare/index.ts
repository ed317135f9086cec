// Run comparison: what changed between a base run and a new one. Test runs: outcomes, replies,
// durations and coverage; load runs: the load tester's noise-aware metric deltas and threshold
// verdicts. A regression is anything newly failing or erroring, a coverage drop, a load metric
// flagged worse or a threshold newly missed.
import type {
  ComparedRun,
  CoverageKindDelta,
  DurationChange,
  FlowCoverageDelta,
  LoadRunComparison,
  ReplyChange,
  RunComparison,
  TestOutcomeChange,
  TestRunComparison,
  ThresholdChange,
} from '../../common/api-reports'
import type { TestStatus } from '../../common/api'
import { compareResults } from '../load/compare'
import type { LoadResult } from '../load/result'
import type { FlowCoverage, TestCaseReport, TestRunReport, TranscriptTurn } from '../runner/model'
import { percent } from '../runner/coverage'
import type { LoadedRun } from '../reports/source'

export { formatComparisonText, formatComparisonMarkdown } from './format'

/** Two runs of different kinds (a test run and a load run) cannot be compared. */
export class ComparisonError extends Error {
  override name = 'ComparisonError'
}

/** How many per-test duration changes the comparison lists (largest first). */
const LARGEST_DURATIONS = 10

interface Entry {
  file: string
  test: TestCaseReport
}

function key(file: string, name: string): string {
  return `${file}\u0000${name}`
}

function index(report: TestRunReport): Map<string, Entry> {
  const out = new Map<string, Entry>()
  for (const suite of report.suites) for (const test of suite.tests) out.set(key(suite.file, test.name), { file: suite.file, test })
  return out
}

/** One line saying why a test did not pass. */
export function firstReason(test: TestCaseReport): string | null {
  if (test.status === 'error') return (test.error ?? 'the test could not run').split('\n')[0]!
  if (test.status === 'failed') {
    const f = test.failures[0]
    return f ? `step ${f.step}: ${f.message}` : 'failed'
  }
  return null
}

function change(file: string, name: string, before: TestCaseReport | undefined, after: TestCaseReport | undefined): TestOutcomeChange {
  return { file, name, before: before?.status ?? null, after: after?.status ?? null, reason: after ? firstReason(after) : null }
}

const failing = (s: TestStatus | null | undefined): boolean => s === 'failed' || s === 'error'

function replyTexts(turn: TranscriptTurn): string[] {
  return turn.replies.map((r) => r.text)
}

/** Turns are paired by position: the same test replays the same steps, so turn i is the same step in both. */
function replyChanges(file: string, name: string, a: readonly TranscriptTurn[], b: readonly TranscriptTurn[]): ReplyChange[] {
  const out: ReplyChange[] = []
  const n = Math.min(a.length, b.length)
  for (let i = 0; i < n; i++) {
    const before = replyTexts(a[i]!)
    const after = replyTexts(b[i]!)
    if (before.length === after.length && before.every((t, k) => t === after[k])) continue
    out.push({ file, name, step: b[i]!.step, input: b[i]!.input ?? a[i]!.input ?? null, before, after })
  }
  return out
}

function coverageKind(before: FlowCoverage['states'] | undefined, after: FlowCoverage['states'] | undefined): CoverageKindDelta {
  const ratio = (c: FlowCoverage['states'] | undefined) => (c ? { covered: c.covered, total: c.total, percent: percent(c.covered, c.total) } : null)
  const b = ratio(before)
  const a = ratio(after)
  const was = new Set(before?.uncovered ?? [])
  const now = new Set(after?.uncovered ?? [])
  return {
    before: b,
    after: a,
    deltaPoints: a && b ? Math.round((a.percent - b.percent) * 100) / 100 : 0,
    newlyUncovered: before && after ? [...now].filter((id) => !was.has(id)) : [],
    newlyCovered: before && after ? [...was].filter((id) => !now.has(id)) : [],
  }
}

function coverageDeltas(base: TestRunReport, next: TestRunReport): FlowCoverageDelta[] {
  const flows = [...new Set([...Object.keys(base.coverage), ...Object.keys(next.coverage)])].sort()
  return flows.map((flow) => {
    const b = base.coverage[flow]
    const a = next.coverage[flow]
    const states = coverageKind(b?.states, a?.states)
    const transitions = coverageKind(b?.transitions, a?.transitions)
    return { flow, states, transitions, dropped: states.deltaPoints < 0 || transitions.deltaPoints < 0 }
  })
}

function testSide(id: string, r: TestRunReport): ComparedRun {
  return {
    id,
    kind: 'test',
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    summary: { ...r.summary },
    coverage: { states: r.coverage_total.states.percent, transitions: r.coverage_total.transitions.percent },
  }
}

function loadSide(id: string, r: LoadResult): ComparedRun {
  return {
    id,
    kind: 'load',
    startedAt: r.started_at,
    durationMs: r.duration_ms,
    load: {
      scenario: r.scenario,
      turns: r.totals.turns,
      throughput: r.throughput.turns_per_s,
      p50Ms: r.turn_latency_ms.p50,
      p95Ms: r.turn_latency_ms.p95,
      p99Ms: r.turn_latency_ms.p99,
      errors: r.totals.errors,
      thresholdsPassed: r.thresholds.every((t) => t.passed),
    },
  }
}

const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`

export function compareTestRuns(base: { id: string; report: TestRunReport }, next: { id: string; report: TestRunReport }): TestRunComparison {
  const a = index(base.report)
  const b = index(next.report)
  const out: TestRunComparison = {
    kind: 'test',
    base: testSide(base.id, base.report),
    next: testSide(next.id, next.report),
    newlyFailing: [],
    newlyErrored: [],
    newlyPassing: [],
    stillFailing: [],
    added: [],
    removed: [],
    changedReplies: [],
    transcriptsCompared: 0,
    duration: { beforeMs: base.report.duration_ms, afterMs: next.report.duration_ms, deltaMs: next.report.duration_ms - base.report.duration_ms, largest: [] },
    coverage: coverageDeltas(base.report, next.report),
    regression: false,
    reasons: [],
  }
  const durations: DurationChange[] = []
  for (const [k, { file, test: after }] of b) {
    const before = a.get(k)?.test
    const c = change(file, after.name, before, after)
    if (!before) out.added.push(c)
    const was = before?.status ?? null
    if (after.status === 'error' && was !== 'error') out.newlyErrored.push(c)
    else if (after.status === 'failed' && !failing(was)) out.newlyFailing.push(c)
    else if (failing(after.status) && failing(was)) out.stillFailing.push(c)
    else if (after.status === 'passed' && failing(was)) out.newlyPassing.push(c)
    if (before) {
      if (before.transcript && after.transcript) {
        out.transcriptsCompared++
        out.changedReplies.push(...replyChanges(file, after.name, before.transcript, after.transcript))
      }
      if (before.status !== 'skipped' && after.status !== 'skipped') {
        durations.push({ file, name: after.name, beforeMs: before.duration_ms, afterMs: after.duration_ms, deltaMs: Math.round((after.duration_ms - before.duration_ms) * 1000) / 1000 })
      }
    }
  }
  for (const [k, { file, test }] of a) if (!b.has(k)) out.removed.push({ file, name: test.name, before: test.status, after: null, reason: null })
  out.duration.largest = durations.filter((d) => d.deltaMs !== 0).sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs)).slice(0, LARGEST_DURATIONS)

  if (out.newlyFailing.length) out.reasons.push(`${plural(out.newlyFailing.length, 'test')} newly failing`)
  if (out.newlyErrored.length) out.reasons.push(`${plural(out.newlyErrored.length, 'test')} newly erroring`)
  for (const c of out.coverage) {
    if (!c.dropped) continue
    const parts: string[] = []
    if (c.states.deltaPoints < 0) parts.push(`states ${c.states.before!.percent}% → ${c.states.after!.percent}%`)
    if (c.transitions.deltaPoints < 0) parts.push(`transitions ${c.transitions.before!.percent}% → ${c.transitions.after!.percent}%`)
    out.reasons.push(`coverage of ${c.flow} dropped: ${parts.join(', ')}`)
  }
  out.regression = out.reasons.length > 0
  return out
}

export function compareLoadRuns(base: { id: string; result: LoadResult }, next: { id: string; result: LoadResult }): LoadRunComparison {
  const cmp = compareResults(next.result, base.result)
  const names = [...new Set([...base.result.thresholds.map((t) => t.name), ...next.result.thresholds.map((t) => t.name)])]
  const thresholds: ThresholdChange[] = names.map((name) => {
    const b = base.result.thresholds.find((t) => t.name === name)
    const a = next.result.thresholds.find((t) => t.name === name)
    return {
      name,
      condition: (a ?? b)!.condition,
      before: b ? { value: b.value, passed: b.passed } : null,
      after: a ? { value: a.value, passed: a.passed } : null,
    }
  })
  const reasons: string[] = []
  for (const d of cmp.deltas) {
    if (d.verdict !== 'regressed') continue
    const unit = d.unit === 'ms' ? ' ms' : d.unit
    reasons.push(`${d.metric} worse beyond noise: ${d.baseline}${unit} → ${d.current}${unit}`)
  }
  for (const t of thresholds) if (t.after && !t.after.passed && (!t.before || t.before.passed)) reasons.push(`threshold ${t.name} ${t.condition} newly missed`)
  return {
    kind: 'load',
    base: loadSide(base.id, base.result),
    next: loadSide(next.id, next.result),
    deltas: cmp.deltas,
    thresholds,
    notes: cmp.notes,
    regression: reasons.length > 0,
    reasons,
  }
}

/** `base` is the older run (or the baseline), `next` the new one. */
export function compareRuns(base: LoadedRun, next: LoadedRun): RunComparison {
  if (base.kind === 'test' && next.kind === 'test') return compareTestRuns(base, next)
  if (base.kind === 'load' && next.kind === 'load') return compareLoadRuns(base, next)
  throw new ComparisonError(`cannot compare a ${base.kind} run (${base.id}) with a ${next.kind} run (${next.id}): both must be test runs or both load runs`)
}

