// @vitest-environment happy-dom
// The compare view over the fake client: the verdict banner, both runs' headlines, newly failing /
// newly passing / still failing tests, changed replies old vs new, the coverage delta, load metric
// deltas with their flags, and the states for runs that cannot be compared.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type RunComparison } from '../../../src-main/common/api'
import { compareLoadRuns, compareTestRuns } from '../../../src-main/core/compare'
import type { LoadResult } from '../../../src-main/core/load/result'
import CompareView from '../../../src-renderer/src/features/runs/CompareView.vue'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { coverage, report, test, turn } from '../reports/builders'
import { installFake, settle } from './fixtures'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
})

function testComparison(): RunComparison {
  const a = report(
    [test('breaks', 'passed', { transcript: [turn(0, 'bye', ['Goodbye!'], 'goodbye')] }), test('gets fixed', 'failed'), test('keeps failing', 'failed')],
    { 'flows/support.flow.yaml': coverage([], []) },
  )
  const b = report(
    [test('breaks', 'failed', { transcript: [turn(0, 'bye', ['See you!'], 'goodbye')] }), test('gets fixed', 'passed'), test('keeps failing', 'failed')],
    { 'flows/support.flow.yaml': coverage(['goodbye'], ['greeting -> goodbye [intent_match bye]']) },
  )
  return compareTestRuns({ id: '20261121-100000-aaaa', report: a }, { id: '20261122-100000-bbbb', report: b })
}

async function mountView(answer: (a: string, b: string) => Promise<RunComparison>, params: Record<string, string> = { a: '20261121-100000-aaaa', b: '20261122-100000-bbbb' }) {
  const fake = installFake({ reports: { compare: answer } })
  wrapper = mount(CompareView, { props: { params } })
  await settle(10)
  return { fake, w: wrapper }
}

const byId = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`)

describe('comparing two test runs', () => {
  it('asks the core with a as the base and b as the new run, and shows the regression verdict with its reasons', async () => {
    const { fake, w } = await mountView(async () => testComparison())
    expect(fake.calls.map((c) => [c.method, c.params])).toEqual([['reports.compare', ['20261121-100000-aaaa', '20261122-100000-bbbb']]])
    const verdict = byId(w, 'compare-verdict')
    expect(verdict.attributes('data-regression')).toBe('true')
    expect(verdict.text()).toContain('Regression')
    expect(verdict.text()).toContain('1 test newly failing')
    expect(verdict.text()).toContain('coverage of flows/support.flow.yaml dropped: states 100% → 75%, transitions 100% → 75%')
  })

  it('shows each run\'s headline side by side', async () => {
    const { w } = await mountView(async () => testComparison())
    expect(byId(w, 'compare-base').text()).toContain('20261121-100000-aaaa')
    expect(byId(w, 'compare-base').text()).toContain('1/3 passed · 2 failed')
    expect(byId(w, 'compare-next').text()).toContain('1/3 passed · 2 failed')
    expect(byId(w, 'compare-next').text()).toContain('states 75% · transitions 75%')
  })

  it('lists newly failing, newly passing and still failing tests with what they were and are', async () => {
    const { w } = await mountView(async () => testComparison())
    const failing = byId(w, 'compare-newly-failing')
    expect(failing.find('[data-test-name="breaks"]').text()).toContain('passed')
    expect(failing.find('[data-test-name="breaks"]').text()).toContain('step 1: state: expected "help_response", got "fallback_response"')
    expect(byId(w, 'compare-newly-passing').text()).toContain('gets fixed')
    expect(byId(w, 'compare-still-failing').text()).toContain('keeps failing')
    expect(byId(w, 'compare-newly-errored').exists()).toBe(false)
  })

  it('shows a changed reply old against new, and the coverage delta with what is newly uncovered', async () => {
    const { w } = await mountView(async () => testComparison())
    const change = byId(w, 'compare-changed-replies').find('[data-test-name="breaks"]')
    expect(change.find('.reply.old').text()).toContain('Goodbye!')
    expect(change.find('.reply.new').text()).toContain('See you!')
    expect(change.text()).toContain('user: “bye”')
    const row = byId(w, 'compare-coverage').find('[data-flow="flows/support.flow.yaml"]')
    expect(row.classes()).toContain('dropped')
    expect(row.text()).toContain('100% → 75% (-25)')
    expect(row.text()).toContain('goodbye, greeting -> goodbye [intent_match bye]')
  })

  it('opens a run from its side', async () => {
    const { w } = await mountView(async () => testComparison())
    await byId(w, 'compare-next').find('button.link').trigger('click')
    expect(useEditorStore().activeView?.params).toEqual({ id: '20261122-100000-bbbb' })
  })

  it('says when there is no regression', async () => {
    const same = report([test('a', 'passed')])
    const { w } = await mountView(async () => compareTestRuns({ id: 'x', report: same }, { id: 'y', report: same }))
    expect(byId(w, 'compare-verdict').attributes('data-regression')).toBe('false')
    expect(byId(w, 'compare-verdict').text()).toContain('No regression')
    expect(byId(w, 'compare-no-outcome-changes').exists()).toBe(true)
  })
})

describe('comparing two load runs', () => {
  it('shows the metric deltas with their noise and flags, and threshold verdicts', async () => {
    const result = JSON.parse(readFileSync(join(__dirname, '../../fixtures/reports/load-result.json'), 'utf8')) as LoadResult
    const slower = { ...result, turn_latency_ms: { ...result.turn_latency_ms, p99: result.turn_latency_ms.p99 * 3 }, thresholds: result.thresholds.map((t) => (t.name === 'turn_latency_p99' ? { ...t, value: 1200, passed: false } : t)) }
    const { w } = await mountView(async () => compareLoadRuns({ id: 'base', result }, { id: 'new', result: slower }))
    const p99 = byId(w, 'compare-metrics').find('[data-metric="turn_latency_p99"]')
    expect(p99.classes()).toContain('regressed')
    expect(p99.text()).toContain('regressed')
    expect(byId(w, 'compare-metrics').find('[data-metric="throughput"]').text()).toContain('within noise')
    expect(byId(w, 'compare-thresholds').text()).toContain('turn_latency_p99 < 1s')
    expect(byId(w, 'compare-thresholds').text()).toContain('1200 · missed')
    expect(byId(w, 'compare-verdict').text()).toContain('threshold turn_latency_p99 < 1s newly missed')
  })
})

describe('runs that cannot be compared', () => {
  it('says which run is missing', async () => {
    const { w } = await mountView(async () => {
      throw new ApiError('run_not_found', 'there is no run "2026" in the history')
    })
    expect(byId(w, 'compare-missing').text()).toContain('there is no run "2026" in the history')
  })

  it('shows the core\'s reason for mixed kinds and offers to try again', async () => {
    let calls = 0
    const { w } = await mountView(async () => {
      calls++
      throw new ApiError('bad_request', 'cannot compare a test run (a) with a load run (b)')
    })
    expect(byId(w, 'compare-error').text()).toContain('cannot compare a test run (a) with a load run (b)')
    await byId(w, 'compare-error').find('button').trigger('click')
    await settle(5)
    expect(calls).toBe(2)
  })

  it('needs both ids', async () => {
    const { fake, w } = await mountView(async () => testComparison(), { a: 'x' })
    expect(fake.calls).toEqual([])
    expect(byId(w, 'compare-missing').text()).toContain('needs two runs')
  })
})
