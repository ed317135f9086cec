// The fault-injection matrix (`flowbench test --faults`): every test rerun once per integration
// it calls and per failure kind, with that integration's mock replaced by the fault, and what the
// flow did about it, per integration state: a failure branch took it, or the turn ended in
// `no_transition` / an engine error; and which tests that passed normally broke.
import type { FlowDocument } from '../../common/flow-schema'
import type { MockResponse } from '../../common/test-schema'
import type { PluginLoadSpec } from '../plugins'
import type { TestPool } from '../pool/pool'
import type { TestOutcome } from '../runner/batch'
import type { PlannedTest } from '../runner/plan'
import { loadWorkload, recordBaseline, RECORDING, recorded, TestExecutor, type RecordedTest, type Workload, type WorkloadTest } from '../mutate/workload'

import { FAULT_KINDS, type FaultKind, type FaultKindResult, type FaultMatrix, type FaultOutcome, type FaultStateResult } from '../../common/api-quality'

export { FAULT_KINDS }
export type { BrokenTest, FaultKind, FaultKindResult, FaultMatrix, FaultOutcome, FaultStateResult } from '../../common/api-quality'

const SEVERITY: Record<FaultOutcome, number> = { handled: 0, not_reached: 1, unnoticed: 2, no_transition: 3, error: 4 }

export interface FaultRunOptions {
  root: string
  paths?: string[]
  kinds?: readonly FaultKind[]
  pool?: TestPool
  plugins?: PluginLoadSpec
  signal?: AbortSignal
  onProgress?: (done: number, total: number) => void
}

/** A rerun: which test, which integration fails, how. */
interface FaultVariant {
  test: WorkloadTest
  integration: string
  kind: FaultKind
}

/** Loads the tests under the paths, records a baseline and runs the matrix. */
export async function runFaults(options: FaultRunOptions): Promise<FaultMatrix> {
  const workload = await loadWorkload(options.root, options.paths)
  const executor = new TestExecutor(workload.flows, options.pool, options.plugins)
  const baseline = await recordBaseline(workload, executor, options.signal)
  return faultMatrix(workload, baseline, executor, options)
}

/** The matrix over an already recorded baseline. */
export async function faultMatrix(
  workload: Workload,
  baseline: readonly RecordedTest[],
  executor: TestExecutor,
  options: Pick<FaultRunOptions, 'kinds' | 'signal' | 'onProgress'> = {},
): Promise<FaultMatrix> {
  const kinds = [...(options.kinds ?? FAULT_KINDS)]
  const variants: FaultVariant[] = []
  const callers = new Set<number>()
  for (const rec of baseline) {
    const test = workload.tests[rec.index]!
    for (const id of calledIntegrations(rec)) {
      callers.add(rec.index)
      for (const kind of kinds) variants.push({ test, integration: id, kind })
    }
  }
  const planned: PlannedTest[] = variants.map((v, i) => faulted(v, i, workload))
  options.onProgress?.(0, planned.length)
  const outcomes = await executor.run(planned, RECORDING, options.signal, (done) => options.onProgress?.(done, planned.length))
  const byIndex = new Map<number, TestOutcome>()
  for (const o of outcomes) byIndex.set(o.index, o)

  const cells = new Map<string, FaultStateResult>()
  for (let i = 0; i < variants.length; i++) {
    const outcome = byIndex.get(i)
    if (!outcome) continue
    const v = variants[i]!
    const normal = baseline[v.test.index]!
    const flow = workload.flows.get(v.test.flow)!
    for (const site of callSites(normal, v.integration)) {
      const key = `${flow.file}\u0000${site.state}\u0000${v.integration}`
      let cell = cells.get(key)
      if (!cell) {
        const at = flow.parsed.locate(['states', site.state]) ?? flow.parsed.locateKey(['states', site.state]) ?? { line: 1, column: 1 }
        cell = { flow: flow.file, state: site.state, integration: v.integration, ...(site.task ? { task: site.task } : {}), line: at.line, column: at.column, kinds: emptyKinds(kinds) }
        cells.set(key, cell)
      }
      const result = cell.kinds[v.kind]
      const seen = classify(recorded(outcome), site.state, v.integration, v.kind)
      result.tests++
      result.counts[seen.outcome] = (result.counts[seen.outcome] ?? 0) + 1
      if (SEVERITY[seen.outcome] > SEVERITY[result.outcome] || result.tests === 1) result.outcome = seen.outcome
      for (const t of seen.handledBy) if (!result.handled_by.includes(t)) result.handled_by.push(t)
      for (const e of seen.errors) if (!result.errors.includes(e)) result.errors.push(e)
      if (normal.status === 'passed' && outcome.status !== 'passed' && !result.broken.some((b) => b.file === v.test.file && b.name === v.test.name)) {
        result.broken.push({ file: v.test.file, name: v.test.name, status: outcome.status, message: describeOutcome(outcome) })
      }
    }
  }
  const states = [...cells.values()].sort((a, b) => a.flow.localeCompare(b.flow) || a.line - b.line || a.integration.localeCompare(b.integration))
  let unhandled = 0
  for (const s of states) for (const k of kinds) if (SEVERITY[s.kinds[k].outcome] >= SEVERITY.no_transition) unhandled++
  return { kinds, runs: planned.length, tests: callers.size, states, unhandled, problems: workload.problems }
}

function emptyKinds(kinds: readonly FaultKind[]): Record<FaultKind, FaultKindResult> {
  const out = {} as Record<FaultKind, FaultKindResult>
  for (const k of kinds) out[k] = { outcome: 'handled', handled_by: [], counts: {}, errors: [], tests: 0, broken: [] }
  return out
}

/** Integration ids a test called in its baseline run, in first-call order. */
export function calledIntegrations(rec: RecordedTest): string[] {
  const ids: string[] = []
  for (const turn of rec.transcript) for (const call of turn.integration_calls) if (!ids.includes(call.id)) ids.push(call.id)
  return ids
}

/** The states (and workflow tasks) from which a test called an integration. */
function callSites(rec: RecordedTest, id: string): Array<{ state: string; task?: string }> {
  const out: Array<{ state: string; task?: string }> = []
  for (const turn of rec.transcript) {
    for (const call of turn.integration_calls) {
      if (call.id !== id || out.some((s) => s.state === call.state)) continue
      out.push(call.task ? { state: call.state, task: call.task } : { state: call.state })
    }
  }
  return out
}

/** The test with the integration's mock replaced by the fault (the same mechanism tests use). */
function faulted(v: FaultVariant, index: number, workload: Workload): PlannedTest {
  const flow = workload.flows.get(v.test.flow)!
  const { file: _file, ...test } = v.test
  return {
    ...test,
    index,
    mocks: { ...test.mocks, integrations: { ...test.mocks.integrations, [v.integration]: [faultAnswer(v.kind, mappedPaths(flow.document, v.integration))] } },
  }
}

/**
 * The mock answer of a fault. Malformed data is a 200 whose data lacks every path the flow's
 * response_mapping reads (so the flow gets a "success" with nothing it expects); for an
 * integration whose states map nothing it is an answer that is not a response at all.
 */
export function faultAnswer(kind: FaultKind, mapped: readonly string[]): MockResponse {
  if (kind !== 'malformed' || !mapped.length) return { fail: kind } as MockResponse
  return { respond: { status_code: 200, data: { unexpected: 'malformed fault: none of the mapped fields' } } } as MockResponse
}

/** The response_mapping paths of the integration states that call `id`. */
function mappedPaths(doc: FlowDocument, id: string): string[] {
  const out: string[] = []
  for (const name in doc.states) {
    const config = doc.states[name]?.config as Record<string, unknown> | undefined
    if (!config || config['integration_id'] !== id) continue
    const mapping = config['response_mapping']
    if (mapping && typeof mapping === 'object') for (const v of Object.values(mapping)) if (typeof v === 'string') out.push(v)
  }
  return out
}

/** What the faulted run did at the state that called the integration. */
function classify(run: RecordedTest, state: string, id: string, kind: FaultKind): { outcome: FaultOutcome; handledBy: string[]; errors: string[] } {
  const prefix = `${state} -> `
  for (const turn of run.transcript) {
    const called = turn.integration_calls.some((c) => c.id === id && c.state === state)
    if (!called) continue
    const errors = turn.errors.filter((e) => e.state === state).map((e) => `${e.code}: ${e.message}`)
    if (turn.errors.some((e) => e.state === state && (e.code === 'no_transition' || e.code === 'integration_failed'))) return { outcome: 'no_transition', handledBy: [], errors }
    const taken = turn.transitions.filter((t) => t.startsWith(prefix))
    if (taken.length) {
      const successOnly = kind === 'malformed' && taken.every((t) => /\[integration_success\]$|\[workflow_completed\]$/.test(t))
      return { outcome: successOnly ? 'unnoticed' : 'handled', handledBy: taken, errors: [] }
    }
    if (turn.errors.length) return { outcome: 'error', handledBy: [], errors: turn.errors.map((e) => `${e.code}: ${e.message}`) }
    // The call was made but the conversation waits in the state (a workflow, for instance): nothing broke here.
    return { outcome: 'handled', handledBy: [], errors: [] }
  }
  if (run.status === 'error') return { outcome: 'error', handledBy: [], errors: [] }
  return { outcome: 'not_reached', handledBy: [], errors: [] }
}

function describeOutcome(o: TestOutcome): string {
  if (o.status === 'error') return (o.error ?? 'error').split('\n')[0]!
  const f = o.failures[0]
  if (!f) return o.status
  return `step ${f.step}: ${f.field} expected ${JSON.stringify(f.expected)}, got ${JSON.stringify(f.actual)}`
}

export const OUTCOME_LABEL: Record<FaultOutcome, string> = {
  handled: 'handled',
  not_reached: 'not reached',
  unnoticed: 'unnoticed',
  no_transition: 'no transition',
  error: 'engine error',
}

/**
 * The matrix as a command runs it: on a pool of `workers` threads (default: the machine's,
 * at most 2 per 100 reruns is plenty) that lives only for this call; in this thread with 1.
 */
export async function runFaultsWithPool(options: Omit<FaultRunOptions, 'pool'> & { workers?: number }): Promise<FaultMatrix> {
  const { availableThreads, resolveWorkerFile, TestPool } = await import('../pool/pool')
  const threads = options.workers ?? availableThreads()
  let pool: TestPool | undefined
  if (threads > 1) {
    try {
      pool = new TestPool({ threads, workerFile: resolveWorkerFile() })
    } catch {
      pool = undefined
    }
  }
  try {
    return await runFaults({ ...options, ...(pool ? { pool } : {}) })
  } finally {
    await pool?.destroy()
  }
}
