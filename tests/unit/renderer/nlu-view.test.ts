// @vitest-environment happy-dom
// The NLU view and side bar over the fake client, fed with reports the real evaluation code
// computes: summary cards, the clickable confusion matrix, the sortable intent table, "try an
// utterance", comparison, the error state, and opening a view from the side bar.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { ApiError, type NluClassification, type NluReport } from '../../../src-main/common/api'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import { classifyUtterance, compareReports, evaluateDataset, nluTarget, parseDataset } from '../../../src-main/core/nlu-eval'
import NluSidebar from '../../../src-renderer/src/features/nlu/NluSidebar.vue'
import NluView from '../../../src-renderer/src/features/nlu/NluView.vue'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { installFake, settle } from './fixtures'

const FLOW = {
  name: 'shop',
  settings: { confidence_threshold: 0.7 },
  intents: { order: ['order a pizza', 'I want food'], cancel: ['cancel my order', 'cancel'] },
  initial_state: 'a',
  states: { a: { type: 'end' } },
} as unknown as FlowDocument
const DATASET = parseDataset(
  'utterances:\n  - { text: order a pizza, intent: order }\n  - { text: cancel the pizza order, intent: cancel }\n  - { text: I want to cancel, intent: cancel }\n  - { text: sing a song, intent: none }\n',
  'datasets/shop.nlu.yaml',
)

let report: NluReport
let trial: NluClassification
beforeAll(async () => {
  const target = nluTarget('flows/shop.flow.yaml', FLOW, null)
  report = await evaluateDataset(target, DATASET)
  trial = await classifyUtterance(target, 'cancel it')
})

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
})

const PARAMS = { flow: 'flows/shop.flow.yaml', dataset: 'datasets/shop.nlu.yaml' }

function fake(overrides: { evaluate?: () => Promise<NluReport> } = {}) {
  const calls: string[] = []
  const client = installFake({
    nlu: {
      flows: async () => [{ path: 'flows/shop.flow.yaml', name: 'shop', intents: 2, examples: 4, nlu: 'built-in', threshold: 0.7, problem: null }],
      datasets: async () => [{ path: 'datasets/shop.nlu.yaml', name: 'shop', flow: 'flows/shop.flow.yaml', utterances: 4, problem: null }],
      evaluate: overrides.evaluate ?? (async (req) => {
        calls.push(`evaluate ${req.flow} ${req.dataset ?? '-'}`)
        return report
      }),
      classify: async (flow, text) => {
        calls.push(`classify ${flow} ${text}`)
        return trial
      },
      compare: async () => compareReports(report, report),
    },
  })
  return { client, calls }
}

describe('NluView', () => {
  it('shows the summary and lists the utterances of a clicked confusion cell', async () => {
    const { calls } = fake()
    wrapper = mount(NluView, { props: { params: PARAMS }, attachTo: document.body })
    await settle(20)
    expect(calls).toContain('evaluate flows/shop.flow.yaml datasets/shop.nlu.yaml')
    expect(wrapper.get('[data-testid="nlu-accuracy"] b').text()).toBe(`${(report.summary.accuracy * 100).toFixed(1)}%`)
    const cellTexts = (row: number, col: number) => report.cells[row]![col]!.map((i) => report.predictions[i]!.text)
    // Every non-empty cell lists exactly its utterances.
    for (const [i, e] of report.labels.entries()) {
      for (const [j, p] of report.labels.entries()) {
        if (report.confusion[i]![j] === 0) continue
        await wrapper.get(`[data-testid="nlu-cell-${e}-${p}"]`).trigger('click')
        const listed = wrapper.findAll('[data-testid="nlu-utterance"] .u-text').map((w) => w.text())
        expect(listed).toEqual(cellTexts(i, j).map((t) => `“${t}”`))
      }
    }
  })

  it('sorts the intent table by a column, and again the other way', async () => {
    fake()
    wrapper = mount(NluView, { props: { params: PARAMS } })
    await settle(20)
    const order = () => wrapper!.findAll('[data-testid="nlu-intents"] tbody tr').map((r) => r.attributes('data-testid'))
    await wrapper.get('[data-testid="nlu-sort-intent"]').trigger('click')
    const ascending = order()
    expect(ascending).toEqual([...ascending].sort())
    await wrapper.get('[data-testid="nlu-sort-intent"]').trigger('click')
    expect(order()).toEqual([...ascending].reverse())
  })

  it('classifies a typed utterance and shows every intent score and the decision', async () => {
    const { calls } = fake()
    wrapper = mount(NluView, { props: { params: PARAMS } })
    await settle(20)
    await wrapper.get('[data-testid="nlu-try-input"]').setValue('cancel it')
    await wrapper.get('[data-testid="nlu-try"] form').trigger('submit')
    await settle(20)
    expect(calls).toContain('classify flows/shop.flow.yaml cancel it')
    expect(wrapper.get('[data-testid="nlu-try-intent"]').text()).toBe(trial.intent)
    for (const s of trial.scores) expect(wrapper.get(`[data-testid="nlu-score-${s.intent}"]`).text()).toContain(s.score.toFixed(2))
  })

  it('says why an evaluation could not run, with Try again', async () => {
    fake({ evaluate: async () => Promise.reject(new ApiError('bad_request', 'datasets/shop.nlu.yaml:3:5 the utterance has no `text`')) })
    wrapper = mount(NluView, { props: { params: PARAMS } })
    await settle(20)
    expect(wrapper.get('[data-state="error"]').text()).toContain('datasets/shop.nlu.yaml:3:5 the utterance has no `text`')
    expect(wrapper.find('button').exists()).toBe(true)
  })
})

describe('NluSidebar', () => {
  it('lists flows with intents and datasets, and opens the evaluation view with the chosen pair', async () => {
    fake()
    wrapper = mount(NluSidebar)
    await settle(20)
    expect(wrapper.text()).toContain('2 intents · built-in')
    expect(wrapper.text()).toContain('4 utterances')
    expect((wrapper.get('[data-testid="nlu-dataset"]').element as HTMLSelectElement).value).toBe('datasets/shop.nlu.yaml')
    await wrapper.get('[data-testid="nlu-open"]').trigger('click')
    const editor = useEditorStore()
    expect(editor.activeView).toMatchObject({ kind: 'nlu', params: PARAMS })
    await wrapper.get('[data-testid="nlu-dataset"]').setValue('')
    await wrapper.get('[data-testid="nlu-open"]').trigger('click')
    expect(editor.activeView).toMatchObject({ kind: 'nlu', params: { flow: 'flows/shop.flow.yaml' } })
    expect(editor.views).toHaveLength(2)
  })
})
