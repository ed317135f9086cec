// @vitest-environment happy-dom
// The run view over the fake client: the header (outcome, environment, flows with hashes), the
// recorded test run shown with the Test Results components (failures, transcript, coverage),
// label editing, baseline marking, comparisons opening the compare view, deletion, a load run
// handed to LoadRunReport, and the states for a missing run.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import LoadRunReport from '../../../src-renderer/src/features/load/LoadRunReport.vue'
import ExportRunButton from '../../../src-renderer/src/features/runs/ExportRunButton.vue'
import RunView from '../../../src-renderer/src/features/runs/RunView.vue'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { installFake, settle } from './fixtures'
import { loadResult } from '../store/helpers'
import { memoryHistory, record } from './runs-fixtures'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const OLD = record('20261120-080000-aaaa', { startedAt: '2026-11-20T08:00:00.000Z', baseline: true })
const RUN = record('20261122-090000-bbbb', { outcome: 'failed', label: 'nightly', test: { total: 2, passed: 1, failed: 1, errors: 0, skipped: 0, statePercent: 60, transitionPercent: 40 } })

async function mountView(id: string, history = memoryHistory([OLD, RUN])) {
  const fake = installFake({ history: history.handlers })
  wrapper = mount(RunView, { props: { params: { id } }, attachTo: document.body })
  await settle(20)
  return { fake, history, w: wrapper }
}

const byId = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`)

describe('a recorded test run', () => {
  it('shows the header: outcome, environment, flows with hashes, label, and the export button for the run', async () => {
    const { w } = await mountView(RUN.id)
    expect(byId(w, 'run-view-outcome').text()).toBe('Failed')
    expect(w.text()).toContain('Node v20.20.2')
    expect(w.text()).toContain('commit a1b2c3d4e5')
    expect(byId(w, 'run-view-flows').text()).toContain('flows/support.flow.yaml')
    expect(byId(w, 'run-view-flows').text()).toContain('0123456789abcdef')
    expect(byId(w, 'run-view-label').text()).toBe('nightly')
    expect(w.findComponent(ExportRunButton).props('runId')).toBe(RUN.id)
  })

  it('shows the run as the results panel did: summary, failures with expected vs actual, transcript, coverage', async () => {
    const { w } = await mountView(RUN.id)
    expect(byId(w, 'run-view-summary').text()).toContain('1 passed')
    expect(byId(w, 'run-view-summary').text()).toContain('1 failed')
    expect(w.find('[data-testid="coverage-summary"]').text()).toContain('flows/support.flow.yaml')
    const failures = w.findAll('[data-testid="run-view-failure"]')
    expect(failures.map((f) => f.text())).toEqual([expect.stringContaining('helps')])
    await failures[0]!.trigger('click')
    expect(byId(w, 'run-test-title').text()).toBe('helps')
    expect(w.text()).toContain('help_response')
    expect(w.text()).toContain('not_understood')
    expect(byId(w, 'test-transcript').text()).toContain('Sorry, I did not get that.')
    await byId(w, 'run-test-back').trigger('click')
    await byId(w, 'run-view-all-tests').trigger('click')
    expect(w.text()).toContain('greets')
  })

  it('edits the label', async () => {
    const { fake, w } = await mountView(RUN.id)
    await byId(w, 'run-view-label-edit').trigger('click')
    await byId(w, 'run-view-label-input').setValue('after the fix')
    await w.find('form.label-form').trigger('submit')
    await settle()
    expect(fake.calls.find((c) => c.method === 'history.setLabel')?.params).toEqual([RUN.id, 'after the fix'])
    expect(byId(w, 'run-view-label').text()).toBe('after the fix')
  })

  it('marks the run as baseline (the old one stops being it) and compares with the baseline or a picked run', async () => {
    const { fake, w } = await mountView(RUN.id)
    const editor = useEditorStore()
    expect(byId(w, 'run-view-compare-baseline').attributes('disabled')).toBeUndefined()
    await byId(w, 'run-view-compare-baseline').trigger('click')
    expect(editor.views.at(-1)).toMatchObject({ kind: 'compare', params: { a: OLD.id, b: RUN.id } })

    await byId(w, 'run-view-compare-with').trigger('click')
    await settle()
    const pick = document.querySelector(`[data-testid="run-view-pick-list"] [data-run-id="${OLD.id}"]`) as HTMLButtonElement
    expect(pick).not.toBeNull()
    pick.click()
    await settle()
    expect(editor.views.filter((v) => v.kind === 'compare')).toHaveLength(1)

    await byId(w, 'run-view-toggle-baseline').trigger('click')
    await settle()
    expect(fake.calls.find((c) => c.method === 'history.setBaseline')?.params).toEqual([RUN.id, true])
    expect(byId(w, 'run-view-baseline').exists()).toBe(true)
    expect(byId(w, 'run-view-toggle-baseline').text()).toContain('Unmark baseline')
    expect(byId(w, 'run-view-compare-baseline').attributes('disabled')).toBeDefined()
  })

  it('deletes the run after a confirmation and then says it is gone', async () => {
    const { history, w } = await mountView(RUN.id)
    await byId(w, 'run-view-delete').trigger('click')
    await settle()
    expect(history.runs()).toHaveLength(2)
    ;(document.querySelector('[data-testid="run-view-delete-confirm"]') as HTMLButtonElement).click()
    await settle()
    expect(history.runs().map((r) => r.id)).toEqual([OLD.id])
    expect(byId(w, 'run-view-missing').exists()).toBe(true)
  })

  it('follows a deletion made elsewhere', async () => {
    const { fake, w } = await mountView(RUN.id)
    fake.emit('historyChanged', { reason: 'pruned', ids: [RUN.id] })
    await settle()
    expect(byId(w, 'run-view-missing').exists()).toBe(true)
  })
})

describe('other runs', () => {
  it('hands a load run to LoadRunReport', async () => {
    const LOAD = record('20261122-100000-cccc', { kind: 'load', load: { scenario: 'load/a.load.yaml', name: 'smoke', turns: 10, conversations: 2, errors: 0, throughput: 5, p50Ms: 1, p95Ms: 2, p99Ms: 3, thresholdsPassed: true } })
    const result = loadResult()
    const history = memoryHistory([LOAD])
    history.handlers!.get = async () => ({ record: LOAD, load: result })
    const { w } = await mountView(LOAD.id, history)
    expect(w.findComponent(LoadRunReport).props('result')).toEqual(result)
    expect(w.text()).toContain('load/a.load.yaml (smoke)')
  })

  it('says when the run is not in the history', async () => {
    const { w } = await mountView('20000101-000000-0000')
    expect(byId(w, 'run-view-missing').text()).toContain('This run is not in the history')
  })
})
