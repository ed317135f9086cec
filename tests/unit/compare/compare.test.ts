// Comparison of two runs: outcomes, replies, durations, coverage, load deltas, and what counts as a regression.
import { describe, expect, it } from 'vitest'
import { compareLoadRuns, compareRuns, compareTestRuns, ComparisonError, formatComparisonMarkdown, formatComparisonText } from '../../../src-main/core/compare'
import type { LoadResult } from '../../../src-main/core/load/result'
import { coverage, report, test, turn } from '../reports/builders'

const base = (r: ReturnType<typeof report>) => ({ id: 'A', report: r })
const next = (r: ReturnType<typeof report>) => ({ id: 'B', report: r })

describe('compareTestRuns', () => {
  it('sorts tests into newly failing, newly erroring, newly passing, still failing, added and removed', () => {
    const a = report([test('stays green', 'passed'), test('breaks', 'passed'), test('crashes', 'failed'), test('gets fixed', 'failed'), test('keeps failing', 'failed'), test('keeps erroring', 'error'), test('goes away', 'passed')])
    const b = report([test('stays green', 'passed'), test('breaks', 'failed'), test('crashes', 'error'), test('gets fixed', 'passed'), test('keeps failing', 'failed'), test('keeps erroring', 'failed'), test('is new and red', 'failed'), test('is new', 'passed')])
    const c = compareTestRuns(base(a), next(b))
    const names = (list: Array<{ name: string }>) => list.map((x) => x.name).sort()
    expect(names(c.newlyFailing)).toEqual(['breaks', 'is new and red'])
    expect(names(c.newlyErrored)).toEqual(['crashes'])
    expect(names(c.newlyPassing)).toEqual(['gets fixed'])
    expect(names(c.stillFailing)).toEqual(['keeps erroring', 'keeps failing'])
    expect(names(c.added)).toEqual(['is new', 'is new and red'])
    expect(names(c.removed)).toEqual(['goes away'])
    expect(c.newlyFailing.find((x) => x.name === 'breaks')).toMatchObject({ before: 'passed', after: 'failed', reason: 'step 1: state: expected "help_response", got "fallback_response"' })
    expect(c.newlyErrored[0]!.reason).toBe('integration crm failed: timeout')
    expect(c.regression).toBe(true)
    expect(c.reasons).toEqual(['2 tests newly failing', '1 test newly erroring'])
  })

  it('is no regression when only fixes and unchanged failures differ', () => {
    const c = compareTestRuns(base(report([test('x', 'failed'), test('y', 'failed')])), next(report([test('x', 'passed'), test('y', 'failed')])))
    expect(c.regression).toBe(false)
    expect(c.reasons).toEqual([])
  })

  it('finds changed replies turn by turn from the transcripts, and says when none could be compared', () => {
    const t1 = [turn(null, null, ['Hello!'], 'greeting'), turn(0, 'bye', ['Goodbye!'], 'goodbye')]
    const t2 = [turn(null, null, ['Hello!'], 'greeting'), turn(0, 'bye', ['See you', 'Bye'], 'goodbye')]
    const c = compareTestRuns(base(report([test('bye', 'passed', { transcript: t1 })])), next(report([test('bye', 'passed', { transcript: t2 })])))
    expect(c.transcriptsCompared).toBe(1)
    expect(c.changedReplies).toEqual([{ file: 'tests/support.test.yaml', name: 'bye', step: 0, input: 'bye', before: ['Goodbye!'], after: ['See you', 'Bye'] }])
    expect(c.regression).toBe(false)
    const none = compareTestRuns(base(report([test('bye', 'passed')])), next(report([test('bye', 'passed', { transcript: t2 })])))
    expect(none.transcriptsCompared).toBe(0)
    expect(formatComparisonText(none)).toContain('not compared')
  })

  it('reports coverage deltas per flow with newly uncovered ids, and a drop is a regression', () => {
    const a = report([test('t', 'passed')], { 'flows/support.flow.yaml': coverage(['goodbye'], ['greeting -> goodbye [intent_match bye]']) })
    const b = report([test('t', 'passed')], { 'flows/support.flow.yaml': coverage(['fallback_response', 'goodbye'], ['greeting -> goodbye [intent_match bye]']), 'flows/new.flow.yaml': coverage([], []) })
    const c = compareTestRuns(base(a), next(b))
    const support = c.coverage.find((f) => f.flow === 'flows/support.flow.yaml')!
    expect(support.states).toMatchObject({ before: { covered: 3, total: 4, percent: 75 }, after: { covered: 2, total: 4, percent: 50 }, deltaPoints: -25, newlyUncovered: ['fallback_response'], newlyCovered: [] })
    expect(support.transitions.deltaPoints).toBe(0)
    expect(support.dropped).toBe(true)
    const added = c.coverage.find((f) => f.flow === 'flows/new.flow.yaml')!
    expect(added).toMatchObject({ dropped: false, states: { before: null, deltaPoints: 0 } })
    expect(c.regression).toBe(true)
    expect(c.reasons).toEqual(['coverage of flows/support.flow.yaml dropped: states 75% → 50%'])
  })

  it('lists the largest duration changes of tests in both runs', () => {
    const c = compareTestRuns(base(report([test('slow', 'passed', { duration_ms: 10 }), test('same', 'passed')])), next(report([test('slow', 'passed', { duration_ms: 45 }), test('same', 'passed')])))
    expect(c.duration.largest).toEqual([{ file: 'tests/support.test.yaml', name: 'slow', beforeMs: 10, afterMs: 45, deltaMs: 35 }])
  })
})

function loadResult(p99: number, thresholdPassed: boolean): LoadResult {
  const timeline = Array.from({ length: 12 }, (_, t) => ({ t_s: t, turns: 1000 + (t % 3), errors: 0, p50_ms: 1, p99_ms: p99 + (t % 2) * 0.01, p95_ms: 2, p90_ms: 2, max_ms: 9, conversations_started: 100, conversations_completed: 100, dropped: 0, service_p99_ms: 1, harness_lag_p99_ms: 0, target: 100, rss_mb: 1, heap_mb: 1, loop_delay_p99_ms: 1, worker_utilization: 0.5, harness_share: 0.1 }))
  return {
    tool: 'flowbench', kind: 'load', scenario: 'load/support.load.yaml', started_at: '2026-11-22T10:00:00.000Z', duration_ms: 12000,
    totals: { turns: 12000, conversations: 1200, errors: 0, error_turns: 0, dropped: 0 },
    throughput: { turns_per_s: 1000, conversations_per_s: 100 },
    turn_latency_ms: { p50: 1, p90: 2, p95: 2, p99: p99, p999: 9, max: 9 },
    thresholds: [{ name: 'turn_latency_p99', condition: '< 5ms', value: p99, unit: 'ms', passed: thresholdPassed }],
    timeline,
  } as unknown as LoadResult
}

describe('compareLoadRuns', () => {
  it('uses the load tester\'s noise-aware deltas and flags a newly missed threshold', () => {
    const c = compareLoadRuns({ id: 'A', result: loadResult(3, true) }, { id: 'B', result: loadResult(8, false) })
    expect(c.deltas.find((d) => d.metric === 'turn_latency_p99')).toMatchObject({ baseline: 3, current: 8, verdict: 'regressed' })
    expect(c.thresholds).toEqual([{ name: 'turn_latency_p99', condition: '< 5ms', before: { value: 3, passed: true }, after: { value: 8, passed: false } }])
    expect(c.regression).toBe(true)
    expect(c.reasons).toContain('threshold turn_latency_p99 < 5ms newly missed')
    expect(formatComparisonMarkdown(c)).toContain('| turn_latency_p99 | 3 ms | 8 ms |')
  })

  it('is no regression for the same figures', () => {
    expect(compareLoadRuns({ id: 'A', result: loadResult(3, true) }, { id: 'B', result: loadResult(3, true) }).regression).toBe(false)
  })
})

describe('compareRuns', () => {
  it('refuses to compare a test run with a load run, naming both', () => {
    expect(() => compareRuns({ kind: 'test', id: 'a.json', report: report([]), workspace: null }, { kind: 'load', id: 'b.json', result: loadResult(1, true), workspace: null })).toThrow(ComparisonError)
    expect(() => compareRuns({ kind: 'test', id: 'a.json', report: report([]), workspace: null }, { kind: 'load', id: 'b.json', result: loadResult(1, true), workspace: null })).toThrow(/a test run \(a\.json\) with a load run \(b\.json\)/)
  })

  it('renders Markdown for a pull request with the verdict and the changed tests', () => {
    const c = compareTestRuns(base(report([test('breaks | badly', 'passed')])), next(report([test('breaks | badly', 'failed')])))
    const md = formatComparisonMarkdown(c)
    expect(md).toMatch(/^## Flowbench comparison: ❌ regression/)
    expect(md).toContain('| failed | 0 | 1 | +1 |')
    expect(md).toContain('breaks \\| badly')
  })
})
