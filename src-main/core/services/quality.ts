// The `quality` service (see src-main/common/api-quality.ts): coverage gaps from the last test
// run, generated tests for them, the fault matrix and mutation testing, on the worker pool.
import { mkdir, stat, writeFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { ApiError, type FaultStateResult, type FlowGaps, type MutationReport, type QualityService } from '../../common/api'
import type { TestRunReport } from '../runner/model'
import { DocumentParseError } from '../document/parse'
import { listTransitions, transitionKey } from '../engine'
import { loadFlowFile } from '../flow/load'
import type { TestPool } from '../pool/pool'
import { hashFlow } from '../store/history'
import { findFiles, workspaceRelative } from '../workspace/discover'
import type { FeatureService, ServiceContext } from './context'
import { toErrorPayload } from './errors'

/** How many recorded runs of the same flow version add up to its coverage. */
const RUNS_MERGED = 20

interface FlowCoverage {
  /** The newest run that used the flow. */
  runId: string
  startedAt: string
  /** How many runs were merged. */
  runs: number
  states: { total: number; uncovered: Set<string> }
  transitions: { total: number; uncovered: Set<string> }
}

let runCounter = 0
const newRunId = (kind: string) => `${kind}-${Date.now().toString(36)}-${(++runCounter).toString(36)}`

export function createQualityService(ctx: ServiceContext): FeatureService<QualityService> {
  /** Per workspace root: the last mutation report per flow, and the last fault result per flow. */
  const mutations = new Map<string, Map<string, MutationReport>>()
  const faultResults = new Map<string, Map<string, FaultStateResult[]>>()
  const running = new Map<string, AbortController>()
  let pool: TestPool | undefined
  let poolTried = false

  const root = () => ctx.workspace.current().root
  /**
   * A flow's coverage as its recorded test runs add up: the newest run that used the flow, and the
   * older ones (up to RUNS_MERGED) that used the same version of it (same content hash). An item
   * is uncovered only when every such run left it uncovered, so running only a few tests (the
   * generated ones) adds to the coverage instead of replacing it. Only runs of the flow as it is
   * now count: after an edit (another hash) there is no coverage until its tests run again
   * (`stale`: runs of an older version exist).
   */
  const flowCoverage = async (r: string, flow: string, reports: Map<string, Promise<TestRunReport | null>>): Promise<FlowCoverage | { stale: true } | null> => {
    const [runs, hash] = await Promise.all([ctx.history.list({ workspace: r, kind: 'test', flow, limit: RUNS_MERGED }).catch(() => []), hashFlow(r, flow)])
    if (!runs.length) return null
    const same = runs.filter((run) => run.flows.some((f) => f.path === flow && f.hash === hash && hash !== ''))
    let merged: FlowCoverage | null = null
    for (const run of same) {
      if (!reports.has(run.id)) reports.set(run.id, ctx.history.testReport(run.id).catch(() => null))
      const report = await reports.get(run.id)!
      const c = report?.coverage[flow]
      if (!report || !c) continue
      if (!merged) {
        merged = { runId: run.id, startedAt: report.started_at, runs: 1, states: { total: c.states.total, uncovered: new Set(c.states.uncovered) }, transitions: { total: c.transitions.total, uncovered: new Set(c.transitions.uncovered) } }
        continue
      }
      merged.runs++
      const states = new Set(c.states.uncovered)
      const transitions = new Set(c.transitions.uncovered)
      for (const s of merged.states.uncovered) if (!states.has(s)) merged.states.uncovered.delete(s)
      for (const t of merged.transitions.uncovered) if (!transitions.has(t)) merged.transitions.uncovered.delete(t)
    }
    return merged ?? { stale: true }
  }
  const getPool = async (): Promise<TestPool | undefined> => {
    if (poolTried) return pool
    poolTried = true
    const { availableThreads, resolveWorkerFile, TestPool: Pool } = await import('../pool/pool')
    const threads = Math.min(ctx.runner.cores ?? availableThreads(), availableThreads())
    if (threads < 2) return undefined
    try {
      pool = new Pool({ threads, workerFile: ctx.runner.workerFile ?? resolveWorkerFile() })
    } catch {
      pool = undefined
    }
    return pool
  }
  const flowFile = (flow: unknown): { abs: string; rel: string } => {
    if (typeof flow !== 'string' || !flow) throw new ApiError('bad_request', 'a flow path (workspace-relative) is required')
    const abs = ctx.workspace.resolve(flow)
    return { abs, rel: workspaceRelative(root(), abs) }
  }
  const loadFlow = async (abs: string, rel: string) => {
    try {
      return await loadFlowFile(abs, rel)
    } catch (err) {
      if (err instanceof DocumentParseError) throw new ApiError('invalid_flow', err.message)
      throw err
    }
  }
  const plugins = () => {
    const { workspaceRoot: _w, blockedAs: _b, disabled: _d, revision: _r, ...spec } = ctx.pluginSettings()
    return { ...spec, blockedAs: 'untrusted' as const, disabled: ctx.pluginSettings().disabled }
  }

  const service: QualityService = {
    async summary() {
      const r = root()
      const files = (await findFiles([r], 'flow')).map((abs) => workspaceRelative(r, abs))
      const reports = new Map<string, Promise<TestRunReport | null>>()
      const coverage = await Promise.all(files.map((flow) => flowCoverage(r, flow, reports)))
      return files.map((flow, i) => {
        const found = coverage[i]
        const c = found && !('stale' in found) ? found : null
        const pct = (n: { total: number; uncovered: Set<string> }) => {
          const covered = Math.max(0, n.total - n.uncovered.size)
          return { covered, total: n.total, percent: n.total ? Math.round((covered / n.total) * 10000) / 100 : 100 }
        }
        const m = mutations.get(r)?.get(flow)
        const line = m?.by_flow[flow]
        const f = faultResults.get(r)?.get(flow)
        let unhandled = 0
        for (const s of f ?? []) for (const k of Object.values(s.kinds)) if (k.outcome === 'no_transition' || k.outcome === 'error') unhandled++
        return {
          flow,
          states: c ? pct(c.states) : null,
          transitions: c ? pct(c.transitions) : null,
          mutation: m && line ? { score: line.score, killed: line.killed, survived: line.survived, no_coverage: line.no_coverage, total: line.total, at: m.started_at } : null,
          faults: f ? { states: f.length, unhandled } : null,
        }
      })
    },

    async gaps(flow) {
      const { abs, rel } = flowFile(flow)
      const loaded = await loadFlow(abs, rel)
      const doc = loaded.document
      const found = await flowCoverage(root(), rel, new Map())
      const coverage = found && !('stale' in found) ? found : null
      const none = found ? 'the flow changed since its tests last ran: run them again' : 'no test run has covered this flow yet'
      const states = Object.keys(doc.states)
      const transitions = listTransitions(doc)
      const uncoveredStates = coverage ? coverage.states.uncovered : new Set(states)
      const uncoveredTransitions = coverage ? coverage.transitions.uncovered : new Set(transitions.map((t) => t.key))
      const at = (path: Array<string | number>) => loaded.parsed.locate(path) ?? loaded.parsed.locateKey(path) ?? { line: 1, column: 1 }
      const gaps: FlowGaps['gaps'] = []
      for (const s of states) {
        if (!uncoveredStates.has(s)) continue
        const pos = loaded.parsed.locateKey(['states', s]) ?? at(['states', s])
        gaps.push({ kind: 'state', id: s, state: s, line: pos.line, column: pos.column, reason: coverage ? 'no test entered this state' : none })
      }
      for (const t of transitions) {
        if (!uncoveredTransitions.has(t.key)) continue
        const list = doc.states[t.from]?.transitions ?? []
        const index = list.findIndex((x) => transitionKey(t.from, x as Parameters<typeof transitionKey>[1]) === t.key)
        const pos = at(['states', t.from, 'transitions', Math.max(0, index)])
        const reason = !coverage ? none : uncoveredStates.has(t.from) ? `its state ${t.from} is never entered` : `tests enter ${t.from} but none takes this transition`
        gaps.push({ kind: 'transition', id: t.key, state: t.from, line: pos.line, column: pos.column, reason })
      }
      return {
        flow: rel,
        runId: coverage ? coverage.runId : null,
        ranAt: coverage ? coverage.startedAt : null,
        stale: found !== null && coverage === null,
        states: { covered: states.length - [...uncoveredStates].filter((s) => states.includes(s)).length, total: states.length },
        transitions: { covered: transitions.length - gaps.filter((g) => g.kind === 'transition').length, total: transitions.length },
        gaps,
      }
    },

    async generate(flow, only) {
      const { abs, rel } = flowFile(flow)
      const file = defaultTestFile(rel)
      const { generateTests, GenerateVerificationError } = await import('../generate')
      let result
      try {
        result = await generateTests({ flowPath: abs, outFile: resolve(root(), file), ...(only ? { only } : {}), plugins: plugins() })
      } catch (err) {
        if (err instanceof DocumentParseError) throw new ApiError('invalid_flow', err.message)
        if (err instanceof GenerateVerificationError) result = err.result
        else throw err
      }
      return { yaml: result.yaml, tests: result.tests, file, covers: result.covers, unreachable: result.unreachable }
    },

    async saveGenerated(flow, yaml, file, overwrite) {
      const { rel } = flowFile(flow)
      if (typeof yaml !== 'string' || !yaml.trim()) throw new ApiError('bad_request', 'there is no test YAML to save')
      const target = typeof file === 'string' && file ? file : defaultTestFile(rel)
      if (!/\.test\.(ya?ml|json)$/i.test(target)) throw new ApiError('bad_request', `${target} is not a test file name (*.test.yaml)`)
      const abs = ctx.workspace.resolve(target)
      const exists = await stat(abs).then(() => true, () => false)
      if (exists && overwrite !== true) throw new ApiError('already_exists', `${target} already exists: choose another name or overwrite it`, { file: target })
      await mkdir(dirname(abs), { recursive: true })
      await writeFile(abs, yaml)
      return { file: workspaceRelative(root(), abs) }
    },

    async mutate(request) {
      const r = root()
      const flow = request?.flow === undefined ? null : flowFile(request.flow).rel
      const runId = newRunId('mutation')
      const controller = new AbortController()
      running.set(runId, controller)
      const p = await getPool()
      const { runMutation } = await import('../mutate')
      void runMutation({
        root: r,
        ...(flow ? { flows: [flow] } : {}),
        ...(request?.operators?.length ? { operators: request.operators } : {}),
        ...(request?.maxMutants ? { maxMutants: request.maxMutants } : {}),
        ...(request?.seed !== undefined ? { seed: request.seed } : {}),
        ...(p ? { pool: p } : {}),
        plugins: plugins(),
        signal: controller.signal,
        onProgress: (progress) => ctx.events.emit('mutationProgress', { runId, flow, ...progress }),
      })
        .then((report) => {
          running.delete(runId)
          let perFlow = mutations.get(r)
          if (!perFlow) mutations.set(r, (perFlow = new Map()))
          if (!report.cancelled) for (const f of Object.keys(report.by_flow)) perFlow.set(f, report)
          ctx.events.emit('mutationFinished', { runId, flow, report, error: null })
        })
        .catch((err: unknown) => {
          running.delete(runId)
          ctx.events.emit('mutationFinished', { runId, flow, report: null, error: toErrorPayload(err) })
        })
      return runId
    },

    async cancelMutation(runId) {
      const c = typeof runId === 'string' ? running.get(runId) : undefined
      if (!c) throw new ApiError('run_not_found', 'that mutation run is not in progress')
      c.abort()
    },

    async lastMutation(flow) {
      const { rel } = flowFile(flow)
      return mutations.get(root())?.get(rel) ?? null
    },

    async runFaults(request) {
      const r = root()
      const runId = newRunId('faults')
      const paths = Array.isArray(request?.paths) ? request.paths.map((p) => ctx.workspace.resolve(p)) : undefined
      const p = await getPool()
      const { runFaults } = await import('../faults')
      void runFaults({ root: r, ...(paths ? { paths } : {}), ...(p ? { pool: p } : {}), plugins: plugins() })
        .then((matrix) => {
          const perFlow = new Map<string, FaultStateResult[]>()
          for (const s of matrix.states) perFlow.set(s.flow, [...(perFlow.get(s.flow) ?? []), s])
          faultResults.set(r, perFlow)
          ctx.events.emit('faultsFinished', { runId, matrix, error: null })
        })
        .catch((err: unknown) => ctx.events.emit('faultsFinished', { runId, matrix: null, error: toErrorPayload(err) }))
      return runId
    },

    async faults() {
      return Object.fromEntries(faultResults.get(root()) ?? new Map())
    },
  }

  return {
    service,
    async dispose() {
      for (const c of running.values()) c.abort()
      await pool?.destroy()
    },
  }
}

/** `tests/<flow-name>.generated.test.yaml` for `flows/<flow-name>.flow.yaml`. */
export function defaultTestFile(flow: string): string {
  const name = basename(flow).replace(/\.flow\.(ya?ml|json)$/i, '')
  return `tests/${name}.generated.test.yaml`
}
