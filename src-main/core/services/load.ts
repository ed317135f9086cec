// The `load` service (see src-main/common/api-load.ts): the workspace's load scenarios, one load
// run at a time on the load worker pool (in this process, never the renderer) with the
// workspace's plugins, live snapshots as `loadProgress`, and each finished run recorded in the
// run history.
import { dirname, join } from 'node:path'
import { existsSync } from 'node:fs'
import { ApiError } from '../../common/api'
import type { ActiveLoadRun, LoadOverrides, LoadRunSummary, LoadScenarioInfo, LoadService, LoadStartRequest } from '../../common/api-load'
import type { LiveSnapshot, LoadResult } from '../../common/load-result'
import { isRecord } from '../../common/record'
import { DocumentParseError } from '../document/parse'
import type { LoadScenario, ScenarioOverrides } from '../load/scenario'
import { gitCommit } from '../store/history'
import { findFiles } from '../workspace/discover'
import type { FeatureService, ServiceContext } from './context'
import { toErrorPayload } from './errors'
import { toWorkspacePath } from './paths'

/** The load tester (HDR histograms, piscina…) is imported when a load feature is first used. */
const loadModule = () => import('../load')

interface ActiveRun {
  runId: string
  root: string
  scenario: string
  startedAt: string
  profile: ActiveLoadRun['profile']
  /** Stop: no more arrivals, running conversations finish. */
  controller: AbortController
  /** Interrupt: running conversations are abandoned (the workspace closes, the core is disposed). */
  interrupt: AbortController
  stopping: boolean
  snapshots: LiveSnapshot[]
  done: Promise<void>
}

interface FinishedRun {
  summary: LoadRunSummary
  result: LoadResult
}

/** Runs of this session kept for the dashboard when there is no history to read them back from. */
const SESSION_RUNS_KEPT = 20

let runCounter = 0

function newLoadRunId(): string {
  runCounter++
  return `load-${Date.now().toString(36)}-${runCounter}`
}

/** A number override: above 0 (rate), or a whole number of at least `min`. */
function numberOverride(value: unknown, name: string, integerMin?: number): number | undefined {
  if (value === undefined || value === null) return undefined
  const ok = typeof value === 'number' && Number.isFinite(value) && (integerMin === undefined ? value > 0 : Number.isInteger(value) && value >= integerMin)
  if (!ok) throw new ApiError('bad_request', `overrides.${name} must be ${integerMin === undefined ? 'a number above 0' : `a whole number of at least ${integerMin}`}`)
  return value
}

/** The request's overrides, checked like the command line's options. */
export function readOverrides(value: unknown): ScenarioOverrides {
  if (value === undefined || value === null) return {}
  if (!isRecord(value)) throw new ApiError('bad_request', 'overrides must be { rate?, vus?, duration_ms?, workers?, seed? }')
  const known = ['rate', 'vus', 'duration_ms', 'workers', 'seed']
  for (const k of Object.keys(value)) if (!known.includes(k)) throw new ApiError('bad_request', `unknown override "${k}": use ${known.join(', ')}`)
  const o = value as LoadOverrides
  const out: ScenarioOverrides = {}
  const rate = numberOverride(o.rate, 'rate')
  const vus = numberOverride(o.vus, 'vus', 1)
  const duration = numberOverride(o.duration_ms, 'duration_ms', 1)
  const workers = numberOverride(o.workers, 'workers', 1)
  const seed = numberOverride(o.seed, 'seed', 0)
  if (rate !== undefined) out.rate = rate
  if (vus !== undefined) out.vus = vus
  if (duration !== undefined) out.duration_ms = duration
  if (workers !== undefined) out.workers = workers
  if (seed !== undefined) out.seed = seed
  return out
}

function problemsOf(err: unknown): LoadScenarioInfo['problems'] {
  if (err instanceof DocumentParseError) return err.problems.map((p) => ({ line: p.line ?? 1, column: p.column ?? 1, message: p.path ? `${p.path}: ${p.message}` : p.message }))
  return [{ line: 1, column: 1, message: err instanceof Error ? err.message.split('\n')[0]! : String(err) }]
}

function describeScenario(root: string, abs: string, s: LoadScenario): LoadScenarioInfo {
  const flow = s.plan.flows[0]
  return {
    path: toWorkspacePath(root, abs),
    name: s.name ?? null,
    flow: flow ? toWorkspacePath(root, join(s.root, flow.file)) : null,
    executor: s.plan.profile.executor,
    duration_ms: s.plan.profile.duration_ms,
    profile: s.plan.profile,
    thresholds: s.thresholds.map((t) => ({ name: t.name, condition: t.conditions.map((c) => c.text).join(', '), abort_on_fail: t.abort_on_fail })),
    scripts: s.plan.scripts.length,
    problems: [],
    warnings: [...s.warnings],
  }
}

export function createLoadService(ctx: ServiceContext): FeatureService<LoadService> {
  let active: ActiveRun | undefined
  const running = (): ActiveRun | undefined => active
  const finished: FinishedRun[] = []

  /** The load worker beside the host's test worker (the desktop app's bundle), else the default lookup. */
  const workerFile = (): string | undefined => {
    const testWorker = ctx.runner.workerFile
    if (!testWorker) return undefined
    const candidate = join(dirname(testWorker), 'load-worker.mjs')
    return existsSync(candidate) ? candidate : undefined
  }

  const scenarioPath = (value: unknown): string => {
    if (typeof value !== 'string' || !/\.load\.(ya?ml|json)$/i.test(value)) throw new ApiError('bad_request', 'scenario must be the workspace-relative path of a *.load.yaml file')
    return ctx.workspace.resolve(value)
  }

  const loadScenarioAt = async (abs: string): Promise<LoadScenario> => {
    if (!existsSync(abs)) throw new ApiError('not_found', `no such scenario: ${toWorkspacePath(ctx.workspace.current().root, abs)}`)
    const load = await loadModule()
    try {
      return await load.loadScenarioFile(abs)
    } catch (err) {
      if (err instanceof DocumentParseError) {
        throw new ApiError('invalid_test', `the scenario does not load: ${err.problems.length} problem${err.problems.length === 1 ? '' : 's'}`, { problems: problemsOf(err) })
      }
      throw err
    }
  }

  const findResult = async (id: unknown): Promise<LoadResult> => {
    if (typeof id !== 'string' || !id) throw new ApiError('bad_request', 'a run id is required')
    const mine = finished.find((r) => r.summary.runId === id || r.summary.recordId === id)
    if (mine) return mine.result
    const stored = await ctx.history.loadResult(id).catch(() => null)
    if (stored) return stored
    throw new ApiError('run_not_found', `no load run "${id}"`)
  }

  const runInBackground = async (run: ActiveRun, scenario: LoadScenario, workers: number, commit: string | null): Promise<void> => {
    const load = await loadModule()
    let result: LoadResult | null = null
    let recordId: string | null = null
    let error: ReturnType<typeof toErrorPayload> | null = null
    try {
      const file = workerFile()
      result = await load.runLoadTest(scenario, {
        workers,
        commit,
        signal: run.interrupt.signal,
        stop: run.controller.signal,
        ...(file ? { workerFile: file } : {}),
        onProgress: (snapshot) => {
          run.snapshots.push(snapshot)
          ctx.events.emit('loadProgress', { runId: run.runId, snapshot })
        },
      })
      try {
        const record = await ctx.history.addLoadRun(result, { workspace: run.root, host: 'workbench', scenarioFile: run.scenario })
        recordId = record.id
      } catch (err) {
        result.warnings.push(`the run was not recorded in the history: ${toErrorPayload(err).message}`)
      }
      finished.unshift({
        result,
        summary: {
          runId: run.runId,
          recordId,
          scenario: run.scenario,
          startedAt: result.started_at,
          passed: result.passed,
          aborted: !!result.aborted,
          turnsPerS: result.throughput.turns_per_s,
          p99Ms: result.turn_latency_ms.p99,
        },
      })
      finished.length = Math.min(finished.length, SESSION_RUNS_KEPT)
    } catch (err) {
      error = toErrorPayload(err)
    } finally {
      if (active === run) active = undefined
      ctx.events.emit('loadFinished', { runId: run.runId, result, recordId, error })
    }
  }

  // Opening another workspace ends the run of the old one (its result is still recorded).
  ctx.workspace.onOpen(() => {
    active?.interrupt.abort()
  })

  const service: LoadService = {
    async scenarios() {
      const root = ctx.workspace.current().root
      const files = (await findFiles([root], 'load')).sort()
      const load = await loadModule()
      return Promise.all(
        files.map(async (abs): Promise<LoadScenarioInfo> => {
          try {
            return describeScenario(root, abs, await load.loadScenarioFile(abs))
          } catch (err) {
            return { path: toWorkspacePath(root, abs), name: null, flow: null, executor: null, duration_ms: null, profile: null, thresholds: [], scripts: 0, problems: problemsOf(err), warnings: [] }
          }
        }),
      )
    },

    async start(request: LoadStartRequest) {
      if (!isRecord(request)) throw new ApiError('bad_request', 'start takes { scenario, overrides? }')
      const abs = scenarioPath(request.scenario)
      const overrides = readOverrides(request.overrides)
      if (active) throw new ApiError('conflict', `a load run is already going (${active.scenario}): stop it or wait for it to finish`)
      const root = ctx.workspace.current().root
      const load = await loadModule()
      let scenario = await loadScenarioAt(abs)
      try {
        scenario = load.withOverrides(scenario, overrides)
      } catch (err) {
        if (err instanceof load.OverrideError) throw new ApiError('bad_request', err.message.replace(/--(rate|vus|duration|workers|seed)\b/g, (_, k: string) => (k === 'duration' ? 'duration_ms' : k)))
        throw err
      }
      // Checked again: loading took a moment and another start may have won.
      const racing = running()
      if (racing) throw new ApiError('conflict', `a load run is already going (${racing.scenario}): stop it or wait for it to finish`)
      // The workspace's plugins under the same trust rules as its tests.
      scenario = { ...scenario, plan: { ...scenario.plan, plugins: ctx.pluginSettings() } }
      const workers = scenario.plan.profile.workers ?? load.defaultLoadWorkers()
      const run: ActiveRun = {
        runId: newLoadRunId(),
        root,
        scenario: toWorkspacePath(root, abs),
        startedAt: new Date().toISOString(),
        profile: scenario.plan.profile,
        controller: new AbortController(),
        interrupt: new AbortController(),
        stopping: false,
        snapshots: [],
        done: Promise.resolve(),
      }
      active = run
      run.done = gitCommit(root)
        .catch(() => null)
        .then((commit) => runInBackground(run, scenario, workers, commit))
      return run.runId
    },

    async stop(runId) {
      if (typeof runId !== 'string') throw new ApiError('bad_request', 'stop takes a run id')
      if (!active || active.runId !== runId) throw new ApiError('run_not_found', `no load run "${runId}" is going`)
      active.stopping = true
      active.controller.abort()
    },

    async active() {
      if (!active) return null
      const { runId, scenario, startedAt, profile, stopping, snapshots } = active
      return { runId, scenario, startedAt, profile, stopping, snapshots: [...snapshots] }
    },

    async compare(a, b) {
      const [baseline, current] = await Promise.all([findResult(a), findResult(b)])
      const load = await loadModule()
      return load.compareResults(current, baseline)
    },

    async runs() {
      return finished.map((r) => ({ ...r.summary }))
    },

    async result(runId) {
      return findResult(runId)
    },
  }

  return {
    service,
    async dispose() {
      const run = active
      if (!run) return
      run.interrupt.abort()
      await run.done.catch(() => undefined)
    },
  }
}
