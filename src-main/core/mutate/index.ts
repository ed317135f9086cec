// Flow mutation testing (`flowbench mutate`): mutants of the flows under test, each run against
// only the tests whose recorded paths (a baseline run's transcripts) touch the mutated element,
// stopping at the first test that kills it; the score per operator and per flow, and for each
// survivor where it is written and the smallest change to the tests that would kill it.
import type { MutantResult, MutantVerdict, MutationReport, ScoreLine } from '../../common/api-quality'
import type { PluginLoadSpec } from '../plugins'
import type { TestPool } from '../pool/pool'
import { SeededRandom } from '../engine/random'
import { runMutantBatch, type MutantBatch, type MutantJob, type MutantRun } from './execute'
import { hintFor } from './hints'
import { locateElement, MUTATION_OPERATORS, mutantsOf, type MutantSpec, type MutationOperator } from './operators'
import { loadWorkload, recordBaseline, TestExecutor, type RecordedTest, type Workload, type WorkloadFlow } from './workload'

export { MUTATION_OPERATORS, type MutationOperator } from './operators'
export type { MutantResult, MutantVerdict, MutationReport, ScoreLine } from '../../common/api-quality'

export interface MutationOptions {
  root: string
  paths?: string[]
  operators?: readonly MutationOperator[]
  maxMutants?: number
  seed?: number
  /** Only mutants of these flows (workspace-relative). */
  flows?: readonly string[]
  pool?: TestPool
  plugins?: PluginLoadSpec
  testTimeoutMs?: number
  signal?: AbortSignal
  onProgress?: (progress: { done: number; total: number; killed: number; survived: number }) => void
}

interface PlannedMutant extends MutantSpec {
  id: number
  flowEntry: WorkloadFlow
  /** Baseline-passing tests that touch the element, most likely killers first. */
  tests: number[]
}

export async function runMutation(options: MutationOptions): Promise<MutationReport> {
  const startedAt = new Date()
  const t0 = performance.now()
  const seed = options.seed ?? 1
  const operators = [...(options.operators ?? MUTATION_OPERATORS)]
  const workload = await loadWorkload(options.root, options.paths)
  const executor = new TestExecutor(workload.flows, options.pool, options.plugins)
  const baseline = await recordBaseline(workload, executor, options.signal)
  const { mutants, generated } = planMutants(workload, baseline, { operators, seed, ...(options.maxMutants !== undefined ? { maxMutants: options.maxMutants } : {}), ...(options.flows ? { flows: options.flows } : {}) })
  const runs = await executeMutants(workload, mutants, options)
  const cancelled = options.signal?.aborted === true
  // A cancelled run reports only the mutants that got a verdict.
  const decided = cancelled ? mutants.filter((m) => runs.has(m.id) || !m.tests.length || m.equivalent !== undefined) : mutants
  const results = decided.map((m) => resultOf(m, runs.get(m.id), workload, baseline))
  return {
    tool: 'flowbench',
    kind: 'mutation',
    started_at: startedAt.toISOString(),
    duration_ms: Math.round(performance.now() - t0),
    seed,
    operators,
    workers: options.pool?.threads ?? 1,
    tests: { total: baseline.length, passed: baseline.filter((b) => b.status === 'passed').length },
    summary: scoreOf(results),
    by_operator: Object.fromEntries(operators.map((op) => [op, scoreOf(results.filter((r) => r.operator === op))])),
    by_flow: Object.fromEntries([...new Set(results.map((r) => r.flow))].sort().map((f) => [f, scoreOf(results.filter((r) => r.flow === f))])),
    mutants: results,
    generated,
    problems: workload.problems,
    cancelled,
  }
}

/** Every mutant of the flows under test, sampled to `maxMutants` (seeded), each with the tests to run. */
export function planMutants(
  workload: Workload,
  baseline: readonly RecordedTest[],
  options: { operators: readonly MutationOperator[]; seed: number; maxMutants?: number; flows?: readonly string[] },
): { mutants: PlannedMutant[]; generated: number } {
  const operators = new Set(options.operators)
  const all: Array<MutantSpec & { flowEntry: WorkloadFlow }> = []
  const flows = [...workload.flows.values()].sort((a, b) => a.file.localeCompare(b.file))
  for (const flow of flows) {
    if (options.flows && !options.flows.includes(flow.file)) continue
    for (const spec of mutantsOf(flow.document, operators, options.seed)) all.push({ ...spec, flowEntry: flow })
  }
  let chosen = all
  if (options.maxMutants !== undefined && all.length > options.maxMutants) {
    const random = new SeededRandom(options.seed ^ 0x5bd1e995)
    const keys = all.map((_, i) => ({ i, r: random.next() })).sort((a, b) => a.r - b.r).slice(0, options.maxMutants).map((k) => k.i).sort((a, b) => a - b)
    chosen = keys.map((i) => all[i]!)
  }
  const mutants = chosen.map((spec, id) => ({ ...spec, id, tests: selectTests(spec, spec.flowEntry, workload, baseline) }))
  return { mutants, generated: all.length }
}

/**
 * The baseline-passing tests whose recorded path touches the element: the mutated state was
 * entered (a transition, template, condition or slot of it can only matter then), or, for an
 * intent example, a message was classified as that intent or went through an intent state.
 * Tests that took the mutated transition (or saw the intent) come first, then the shortest.
 */
export function selectTests(spec: MutantSpec, flow: WorkloadFlow, workload: Workload, baseline: readonly RecordedTest[]): number[] {
  const scored: Array<{ index: number; rank: number; steps: number }> = []
  for (const rec of baseline) {
    if (rec.status !== 'passed') continue
    const test = workload.tests[rec.index]!
    if (test.flow !== flow.key) continue
    let touches = false
    let direct = false
    if (spec.state !== null) {
      touches = rec.states.has(spec.state)
      direct = spec.transition !== undefined && rec.transitions.has(spec.transition)
    } else if (spec.intent !== undefined) {
      for (const turn of rec.transcript) {
        if (turn.input === null) continue
        if (turn.intent === spec.intent) touches = direct = true
        else if (turn.intent !== null || turn.path.some((s) => flow.document.states[s]?.type === 'intent')) touches = true
      }
    }
    if (touches) scored.push({ index: rec.index, rank: direct ? 0 : 1, steps: test.steps.length })
  }
  return scored.sort((a, b) => a.rank - b.rank || a.steps - b.steps || a.index - b.index).map((s) => s.index)
}

/** Runs the covered mutants, in batches on the pool (or here), and returns each one's verdict. */
async function executeMutants(workload: Workload, mutants: readonly PlannedMutant[], options: MutationOptions): Promise<Map<number, MutantRun>> {
  const covered = mutants.filter((m) => m.tests.length && m.equivalent === undefined)
  const out = new Map<number, MutantRun>()
  const threads = options.pool?.threads ?? 1
  // Enough batches to keep every thread busy to the end, few enough that a task's overhead vanishes.
  const size = Math.max(1, Math.ceil(covered.length / (threads * 6)))
  const control = new Int32Array(new SharedArrayBuffer(4))
  const onAbort = () => Atomics.store(control, 0, 1)
  options.signal?.addEventListener('abort', onAbort, { once: true })
  let killed = 0
  let survived = 0
  options.onProgress?.({ done: 0, total: covered.length, killed, survived })
  try {
    const batches: MutantBatch[] = []
    for (let i = 0; i < covered.length; i += size) batches.push(batchOf(covered.slice(i, i + size), workload, options, control))
    await Promise.all(
      batches.map(async (batch) => {
        if (options.signal?.aborted) return
        const runs = options.pool ? await options.pool.runMutantBatch(batch) : await runMutantBatch(batch)
        for (const r of runs) {
          out.set(r.id, r)
          if (r.status === 'killed') killed++
          else if (r.status === 'survived') survived++
        }
        options.onProgress?.({ done: out.size, total: covered.length, killed, survived })
      }),
    )
  } finally {
    options.signal?.removeEventListener('abort', onAbort)
  }
  return out
}

function batchOf(mutants: readonly PlannedMutant[], workload: Workload, options: MutationOptions, control: Int32Array): MutantBatch {
  const flows: MutantBatch['flows'] = {}
  const tests: MutantBatch['tests'] = {}
  const jobs: MutantJob[] = []
  for (const m of mutants) {
    flows[m.flowEntry.key] ??= m.flowEntry.document
    for (const i of m.tests) {
      if (tests[i]) continue
      const { file: _file, ...test } = workload.tests[i]!
      tests[i] = test
    }
    jobs.push({ id: m.id, flow: m.flowEntry.key, edits: m.edits, tests: m.tests })
  }
  const batch: MutantBatch = { flows, tests, mutants: jobs, testTimeoutMs: options.testTimeoutMs ?? 10_000, control }
  if (options.plugins) batch.plugins = options.plugins
  return batch
}

function resultOf(m: PlannedMutant, run: MutantRun | undefined, workload: Workload, baseline: readonly RecordedTest[]): MutantResult {
  const at = locateElement(m.flowEntry.parsed, m.at)
  const element = m.transition ?? (m.intent !== undefined ? `intent ${m.intent}` : m.slot !== undefined ? `slot ${m.slot}` : m.state ?? '')
  const status: MutantVerdict = m.equivalent !== undefined ? 'equivalent' : !m.tests.length ? 'no_coverage' : run ? run.status : 'survived'
  const out: MutantResult = {
    id: m.id, operator: m.operator, flow: m.flowEntry.file, state: m.state, element, description: m.description,
    line: at.line, column: at.column, status, tests_run: run?.testsRun ?? 0,
  }
  if (run?.killedBy !== undefined) {
    const t = workload.tests[run.killedBy]!
    out.killed_by = { file: t.file, name: t.name }
  }
  if (run?.error) out.reason = run.error
  if (m.equivalent !== undefined) out.reason = m.equivalent
  if (status === 'survived' || status === 'no_coverage') {
    const hint = hintFor(m, m.flowEntry, workload, baseline, status === 'no_coverage')
    if (hint) out.hint = hint
  }
  return out
}

export function scoreOf(results: readonly Pick<MutantResult, 'status'>[]): ScoreLine {
  const line: ScoreLine = { total: results.length, killed: 0, survived: 0, no_coverage: 0, invalid: 0, equivalent: 0, score: 100, covered_score: 100 }
  for (const r of results) {
    if (r.status === 'killed') line.killed++
    else if (r.status === 'survived') line.survived++
    else if (r.status === 'no_coverage') line.no_coverage++
    else if (r.status === 'equivalent') line.equivalent++
    else line.invalid++
  }
  const valid = line.total - line.invalid - line.equivalent
  line.score = valid ? round(line.killed / valid) : 100
  line.covered_score = line.killed + line.survived ? round(line.killed / (line.killed + line.survived)) : 100
  return line
}

function round(ratio: number): number {
  return Math.round(ratio * 10000) / 100
}
