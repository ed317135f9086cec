// Owns the NLU view's state: the workspace's flows with intents and its datasets (for the side
// bar), one evaluation per view (flow + dataset, or cross-validation), "try an utterance" answers
// and comparisons. Everything is computed by the core's `nlu` service.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { NluClassification, NluComparison, NluDatasetInfo, NluFlowInfo, NluReport } from '../../../src-main/common/api'
import { useApi } from '../api'
import { describeError } from './errors'
import type { LoadStatus } from './workspace'

/** What a view evaluates: a flow and a dataset, or (dataset null) cross-validation of the flow's examples. */
export interface NluSelection {
  flow: string
  dataset: string | null
}

export interface EvaluationState {
  status: LoadStatus
  report: NluReport | null
  error: string | null
}

export interface CompareState {
  status: LoadStatus
  comparison: NluComparison | null
  error: string | null
  /** What B is: another flow or dataset (null: cross-validation). */
  other: NluSelection | null
}

/** The key of a view's evaluation. */
export function selectionKey(s: NluSelection): string {
  return `${s.flow}\u0000${s.dataset ?? ''}`
}

/** How a selection is titled: "support.flow.yaml · support.nlu.yaml" or "… · cross-validation". */
export function selectionTitle(s: NluSelection): string {
  const base = (p: string) => p.split('/').pop() ?? p
  return `${base(s.flow)} · ${s.dataset ? base(s.dataset) : 'cross-validation'}`
}

export const useNluStore = defineStore('nlu', () => {
  const api = useApi()
  const flows = ref<NluFlowInfo[]>([])
  const datasets = ref<NluDatasetInfo[]>([])
  const listStatus = ref<LoadStatus>('idle')
  const listError = ref<string | null>(null)
  const evaluations = ref<Record<string, EvaluationState>>({})
  const comparisons = ref<Record<string, CompareState>>({})
  const trials = ref<Record<string, { status: LoadStatus; result: NluClassification | null; error: string | null }>>({})
  let listSequence = 0
  const evalSequence = new Map<string, number>()
  const compareSequence = new Map<string, number>()

  async function loadLists(): Promise<void> {
    const seq = ++listSequence
    listStatus.value = 'loading'
    try {
      const [f, d] = await Promise.all([api.nlu.flows(), api.nlu.datasets()])
      if (seq !== listSequence) return
      flows.value = f
      datasets.value = d
      listStatus.value = 'ready'
      listError.value = null
    } catch (err) {
      if (seq !== listSequence) return
      listStatus.value = 'error'
      listError.value = describeError(err)
    }
  }

  async function evaluate(selection: NluSelection): Promise<void> {
    const key = selectionKey(selection)
    const seq = (evalSequence.get(key) ?? 0) + 1
    evalSequence.set(key, seq)
    const previous = evaluations.value[key]
    evaluations.value = { ...evaluations.value, [key]: { status: 'loading', report: previous?.report ?? null, error: null } }
    try {
      const report = await api.nlu.evaluate({ flow: selection.flow, ...(selection.dataset ? { dataset: selection.dataset } : {}) })
      if (evalSequence.get(key) !== seq) return
      evaluations.value = { ...evaluations.value, [key]: { status: 'ready', report, error: null } }
    } catch (err) {
      if (evalSequence.get(key) !== seq) return
      evaluations.value = { ...evaluations.value, [key]: { status: 'error', report: null, error: describeError(err) } }
    }
  }

  async function classify(selection: NluSelection, text: string): Promise<void> {
    const key = selectionKey(selection)
    trials.value = { ...trials.value, [key]: { status: 'loading', result: trials.value[key]?.result ?? null, error: null } }
    try {
      const result = await api.nlu.classify(selection.flow, text)
      trials.value = { ...trials.value, [key]: { status: 'ready', result, error: null } }
    } catch (err) {
      trials.value = { ...trials.value, [key]: { status: 'error', result: null, error: describeError(err) } }
    }
  }

  /** A = the view's selection, B = `other` (another flow on the same data, or the same flow on other data). */
  async function compare(selection: NluSelection, other: NluSelection): Promise<void> {
    const key = selectionKey(selection)
    const seq = (compareSequence.get(key) ?? 0) + 1
    compareSequence.set(key, seq)
    comparisons.value = { ...comparisons.value, [key]: { status: 'loading', comparison: null, error: null, other } }
    try {
      const comparison = await api.nlu.compare({
        flowA: selection.flow,
        flowB: other.flow,
        ...(selection.dataset ? { dataset: selection.dataset } : {}),
        ...(other.dataset ? { datasetB: other.dataset } : {}),
      })
      if (compareSequence.get(key) !== seq) return
      comparisons.value = { ...comparisons.value, [key]: { status: 'ready', comparison, error: null, other } }
    } catch (err) {
      if (compareSequence.get(key) !== seq) return
      comparisons.value = { ...comparisons.value, [key]: { status: 'error', comparison: null, error: describeError(err), other } }
    }
  }

  function clearComparison(selection: NluSelection): void {
    const key = selectionKey(selection)
    compareSequence.set(key, (compareSequence.get(key) ?? 0) + 1)
    const next = { ...comparisons.value }
    delete next[key]
    comparisons.value = next
  }

  return { flows, datasets, listStatus, listError, evaluations, comparisons, trials, loadLists, evaluate, classify, compare, clearComparison }
})
