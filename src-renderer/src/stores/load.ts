// The performance dashboard's state: the workspace's load scenarios, the run in progress (its
// live snapshots and the timeline they add up to, resumed from the core when a window opens
// late), each scenario's last finished run, and the recent load runs of the history.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type { ActiveLoadRun, LoadOverrides, LoadRunSummary, LoadScenarioInfo } from '../../../src-main/common/api-load'
import type { RunRecord } from '../../../src-main/common/api-history'
import type { LiveSnapshot, LoadResult, TimelineEntry } from '../../../src-main/common/load-result'
import { useApi } from '../api'
import { describeError } from './errors'

type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

/** The run the dashboard shows live. Snapshots and timeline grow in place (shallow: charts read them). */
export interface LiveRun {
  runId: string
  scenario: string
  startedAt: string
  profile: ActiveLoadRun['profile']
  stopping: boolean
  snapshots: LiveSnapshot[]
  /** Every completed second, in order (the charts' data). */
  timeline: TimelineEntry[]
}

/** How a run of a scenario ended, for the dashboard's verdict. */
export interface FinishedLoadRun {
  runId: string
  scenario: string
  result: LoadResult | null
  recordId: string | null
  error: string | null
}

/** A recent load run, from the history (or this session's runs when the history is unavailable). */
export interface RecentLoadRun {
  /** The id to open in the run view (a history record id), or null when it was not recorded. */
  recordId: string | null
  runId: string
  scenario: string
  startedAt: string
  outcome: 'passed' | 'failed' | 'cancelled'
  turnsPerS: number
  p99Ms: number
}

/** What "New load test" asks for. */
export interface NewScenarioForm {
  name: string
  flow: string
  executor: 'constant-arrival-rate' | 'constant-vus'
  /** Conversations per second, or virtual users. */
  amount: number
  durationS: number
  p95Ms: number | null
  errorRatePct: number | null
}

const RECENT_LIMIT = 15

function fromRecord(r: RunRecord): RecentLoadRun {
  return {
    recordId: r.id,
    runId: r.id,
    scenario: r.load?.scenario ?? '',
    startedAt: r.startedAt,
    outcome: r.outcome,
    turnsPerS: r.load?.throughput ?? 0,
    p99Ms: r.load?.p99Ms ?? 0,
  }
}

function fromSummary(s: LoadRunSummary): RecentLoadRun {
  return { recordId: s.recordId, runId: s.runId, scenario: s.scenario, startedAt: s.startedAt, outcome: s.aborted ? 'cancelled' : s.passed ? 'passed' : 'failed', turnsPerS: s.turnsPerS, p99Ms: s.p99Ms }
}

/** The scenario file a "New load test" form writes (YAML, commented like the sample). */
export function scenarioText(form: NewScenarioForm): string {
  const open = form.executor === 'constant-arrival-rate'
  const flowFromLoad = form.flow.startsWith('load/') ? form.flow.slice('load/'.length) : `../${form.flow}`
  const lines = [
    `# Load test: ${form.name}. Run it from the Load activity, or: npx flowbench load <this file>`,
    `name: ${JSON.stringify(form.name)}`,
    `flow: ${flowFromLoad}`,
    '',
    'conversations:',
    '  # Replace with the user steps of a typical conversation (or `tests: ../tests/<file>.test.yaml`).',
    '  - weight: 1',
    '    steps: ["hi"]',
    '',
    'profile:',
    `  executor: ${form.executor}`,
    open ? `  rate: ${form.amount}            # conversations started per second` : `  vus: ${form.amount}             # virtual users, each starting a new conversation when one ends`,
    `  duration: ${form.durationS}s`,
  ]
  const thresholds: string[] = []
  if (form.p95Ms !== null) thresholds.push(`  turn_latency_p95: "< ${form.p95Ms}ms"`)
  if (form.errorRatePct !== null) thresholds.push(`  error_rate: "< ${form.errorRatePct}%"`)
  if (thresholds.length) lines.push('', 'thresholds:', ...thresholds)
  return `${lines.join('\n')}\n`
}

/** `load/<slug>.load.yaml` for a scenario name. */
export function scenarioPathFor(name: string): string {
  const slug = name.trim().toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '') || 'scenario'
  return `load/${slug}.load.yaml`
}

export const useLoadStore = defineStore('load', () => {
  const api = useApi()
  const scenarios = ref<LoadScenarioInfo[]>([])
  const status = ref<LoadStatus>('idle')
  const error = ref<string | null>(null)
  const live = shallowRef<LiveRun | null>(null)
  /** Bumped whenever the live run gains data: charts redraw on it without copying arrays. */
  const revision = ref(0)
  const finished = ref<Record<string, FinishedLoadRun>>({})
  const recent = ref<RecentLoadRun[]>([])
  /** Why Start or Stop failed, shown next to the buttons. */
  const actionError = ref<string | null>(null)
  const starting = ref(false)
  let subscribed = false
  /** Runs whose loadFinished was seen (a late start() must not bring them back as live). */
  const ended = new Set<string>()

  const running = computed(() => live.value !== null)

  function absorb(snapshot: LiveSnapshot): void {
    const run = live.value
    if (!run) return
    run.snapshots.push(snapshot)
    for (const s of snapshot.seconds) run.timeline.push(s)
    revision.value++
    triggerRef(live)
  }

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('loadProgress', ({ runId, snapshot }) => {
      if (live.value?.runId === runId) absorb(snapshot)
      else if (!live.value) void resume()
    })
    api.on('loadFinished', ({ runId, result, recordId, error: failure }) => {
      ended.add(runId)
      const scenario = live.value?.runId === runId ? live.value.scenario : (result?.scenario ?? '')
      if (scenario) finished.value = { ...finished.value, [scenario]: { runId, scenario, result, recordId, error: failure ? failure.message : null } }
      if (live.value?.runId === runId) live.value = null
      revision.value++
      void loadRecent()
    })
    api.on('workspaceChanged', () => {
      live.value = null
      finished.value = {}
      if (status.value !== 'idle') void load()
    })
    api.on('fileChanged', (e) => {
      if (status.value !== 'idle' && e.changes.some((c) => /\.load\.(ya?ml|json)$/i.test(c.path))) void loadScenarios()
    })
    api.on('historyChanged', () => {
      if (status.value !== 'idle') void loadRecent()
    })
  }

  async function loadScenarios(): Promise<void> {
    try {
      scenarios.value = await api.load.scenarios()
      status.value = 'ready'
      error.value = null
    } catch (err) {
      error.value = describeError(err)
      status.value = 'error'
    }
  }

  async function loadRecent(): Promise<void> {
    try {
      recent.value = (await api.history.list({ kind: 'load', limit: RECENT_LIMIT })).map(fromRecord)
    } catch {
      // No history to read (its store failed to open): this session's runs are still known.
      recent.value = (await api.load.runs().catch(() => [])).slice(0, RECENT_LIMIT).map(fromSummary)
    }
  }

  /** Picks up a run already going (a window opened or reloaded while it runs). */
  async function resume(): Promise<void> {
    const active = await api.load.active().catch(() => null)
    if (!active) return
    if (live.value?.runId === active.runId) return
    live.value = {
      runId: active.runId,
      scenario: active.scenario,
      startedAt: active.startedAt,
      profile: active.profile,
      stopping: active.stopping,
      snapshots: [...active.snapshots],
      timeline: active.snapshots.flatMap((s) => s.seconds),
    }
    revision.value++
  }

  async function load(): Promise<void> {
    subscribe()
    if (status.value === 'idle') status.value = 'loading'
    await Promise.all([loadScenarios(), loadRecent(), resume()])
  }

  async function start(scenario: string, overrides: LoadOverrides): Promise<boolean> {
    subscribe()
    actionError.value = null
    starting.value = true
    try {
      const runId = await api.load.start({ scenario, overrides })
      const { [scenario]: _, ...rest } = finished.value
      finished.value = rest
      const active = await api.load.active().catch(() => null)
      const profile = active?.runId === runId ? active.profile : scenarios.value.find((s) => s.path === scenario)?.profile
      // A very short run may have ended already (its loadFinished came first).
      if (profile && !ended.has(runId) && live.value?.runId !== runId) {
        live.value = { runId, scenario, startedAt: active?.startedAt ?? new Date().toISOString(), profile, stopping: false, snapshots: [...(active?.snapshots ?? [])], timeline: (active?.snapshots ?? []).flatMap((s) => s.seconds) }
      }
      revision.value++
      return true
    } catch (err) {
      actionError.value = describeError(err)
      return false
    } finally {
      starting.value = false
    }
  }

  async function stop(): Promise<void> {
    const run = live.value
    if (!run) return
    actionError.value = null
    try {
      await api.load.stop(run.runId)
      live.value = { ...run, stopping: true }
    } catch (err) {
      actionError.value = describeError(err)
    }
  }

  /** Writes a new scenario from the form; answers its path. */
  async function create(form: NewScenarioForm): Promise<string> {
    const path = scenarioPathFor(form.name)
    await api.workspace.createFile(path, scenarioText(form))
    await loadScenarios()
    return path
  }

  return { scenarios, status, error, live, revision, finished, recent, actionError, starting, running, load, loadScenarios, loadRecent, resume, start, stop, create }
})
