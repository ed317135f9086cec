// Test quality: per-flow coverage, mutation score and fault results; the coverage gaps of a flow
// and tests generated for them; mutation runs (progress, report) and the fault matrix.
import { defineStore } from 'pinia'
import { ref } from 'vue'
import type { FaultMatrix, FaultStateResult, FlowGaps, GeneratedTests, MutationReport, QualityFlowSummary } from '../../../src-main/common/api'
import { useApi } from '../api'

export interface MutationRunState {
  runId: string
  done: number
  total: number
  killed: number
  survived: number
}

export const useQualityStore = defineStore('quality', () => {
  const api = useApi()
  const flows = ref<QualityFlowSummary[]>([])
  const loading = ref(false)
  const error = ref<string | null>(null)
  const gaps = ref<Record<string, FlowGaps>>({})
  const generated = ref<Record<string, GeneratedTests>>({})
  /** Per flow: the gaps ticked for generation, and where the generated tests were saved (kept while the view's tab is hidden). */
  const selection = ref<Record<string, string[]>>({})
  const savedTests = ref<Record<string, string>>({})
  const mutations = ref<Record<string, MutationReport>>({})
  const mutationRuns = ref<Record<string, MutationRunState>>({})
  const mutationErrors = ref<Record<string, string>>({})
  const faults = ref<Record<string, FaultStateResult[]>>({})
  const faultsRunning = ref(false)
  const faultsError = ref<string | null>(null)
  /** Figures of the last fault-matrix run of this session (the per-state results are in `faults`). */
  const faultMatrix = ref<{ runs: number; tests: number; states: number; unhandled: number; problems: FaultMatrix['problems'] } | null>(null)

  const message = (e: unknown) => (e instanceof Error ? e.message : String(e))

  api.on('mutationProgress', (p) => {
    const key = p.flow ?? ''
    if (mutationRuns.value[key]?.runId === p.runId) mutationRuns.value[key] = { runId: p.runId, done: p.done, total: p.total, killed: p.killed, survived: p.survived }
  })
  api.on('mutationFinished', (p) => {
    const key = p.flow ?? ''
    if (mutationRuns.value[key]?.runId !== p.runId) return
    delete mutationRuns.value[key]
    if (p.report) mutations.value[key] = p.report
    if (p.error) mutationErrors.value[key] = p.error.message
    void load()
  })
  api.on('faultsFinished', (p) => {
    faultsRunning.value = false
    if (p.error) faultsError.value = p.error.message
    if (p.matrix) faultMatrix.value = { runs: p.matrix.runs, tests: p.matrix.tests, states: p.matrix.states.length, unhandled: p.matrix.unhandled, problems: p.matrix.problems }
    void loadFaults()
    void load()
  })
  // A finished test run changes the coverage: refresh the summary and every gap list on show.
  api.on('testFinished', () => {
    void load()
    for (const flow of Object.keys(gaps.value)) void loadGaps(flow).catch(() => undefined)
  })

  async function load(): Promise<void> {
    loading.value = true
    try {
      flows.value = await api.quality.summary()
      error.value = null
    } catch (e) {
      error.value = message(e)
    } finally {
      loading.value = false
    }
  }

  async function loadGaps(flow: string): Promise<FlowGaps> {
    const g = await api.quality.gaps(flow)
    gaps.value[flow] = g
    return g
  }

  async function generate(flow: string, only: { states: string[]; transitions: string[] }): Promise<GeneratedTests> {
    const g = await api.quality.generate(flow, only)
    generated.value[flow] = g
    delete savedTests.value[flow]
    return g
  }

  async function save(flow: string, file?: string, overwrite = false): Promise<string> {
    const g = generated.value[flow]
    if (!g) throw new Error('generate the tests first')
    const saved = (await api.quality.saveGenerated(flow, g.yaml, file ?? g.file, overwrite)).file
    savedTests.value[flow] = saved
    return saved
  }

  /** Starts mutation testing of one flow (a seeded sample of `maxMutants` when set). */
  async function startMutation(flow: string, options: { maxMutants?: number } = {}): Promise<void> {
    delete mutationErrors.value[flow]
    try {
      const runId = await api.quality.mutate({ flow, ...(options.maxMutants ? { maxMutants: options.maxMutants } : {}) })
      mutationRuns.value[flow] = { runId, done: 0, total: 0, killed: 0, survived: 0 }
    } catch (e) {
      mutationErrors.value[flow] = message(e)
    }
  }

  async function cancelMutation(flow: string): Promise<void> {
    const run = mutationRuns.value[flow]
    if (!run) return
    try {
      await api.quality.cancelMutation(run.runId)
    } catch (e) {
      mutationErrors.value[flow] = message(e)
    }
  }

  async function loadMutation(flow: string): Promise<void> {
    try {
      const report = await api.quality.lastMutation(flow)
      if (report) mutations.value[flow] = report
    } catch (e) {
      mutationErrors.value[flow] = message(e)
    }
  }

  async function loadFaults(): Promise<void> {
    try {
      faults.value = await api.quality.faults()
    } catch (e) {
      faultsError.value = message(e)
    }
  }

  async function runFaults(): Promise<void> {
    faultsError.value = null
    faultsRunning.value = true
    try {
      await api.quality.runFaults({})
    } catch (e) {
      faultsRunning.value = false
      faultsError.value = message(e)
    }
  }

  return {
    flows, loading, error, gaps, generated, selection, savedTests, mutations, mutationRuns, mutationErrors, faults, faultsRunning, faultsError, faultMatrix,
    load, loadGaps, generate, save, startMutation, cancelMutation, loadMutation, loadFaults, runFaults,
  }
})
