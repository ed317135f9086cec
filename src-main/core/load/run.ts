// The main thread of a load run: schedules arrivals (open model) or virtual users (closed
// model), sends them to the workers in batches a little ahead of time, merges the per-second
// reports as they come back, evaluates abort-on-fail thresholds each second, drains the
// conversations still running at the end, and builds the result.
import { randomUUID } from 'node:crypto'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { LoadIntegrations } from './mocks'
import { RunMetrics, type MainSample, type TimelineEntry } from './metrics'
import { LoadWorkerPool, defaultLoadWorkers } from './pool'
import { SHARED_BLOCK_BASE, type LoadTask, type WorkerReport } from './protocol'
import { FLOWBENCH_VERSION, buildResult, type LoadGeneratorHealth, type LoadResult } from './result'
import type { LoadScenario } from './scenario'
import { ArrivalSchedule, isOpenModel, rateCurve, vuCurve, vusAt, vusForWorker } from './schedule'
import { evaluateThresholds, thresholdsToAbort } from './thresholds'
import { percentileMs } from './histogram'

/** How the coordinator reaches its workers: the piscina pool, or (in tests) runtimes in this thread. */
export interface LoadChannel {
  readonly threads: number
  start(): Promise<void>
  run(worker: number, task: LoadTask): Promise<WorkerReport>
  destroy(): Promise<void>
}

/** The coordinator's time: absolute ms shared with the workers (performance.timeOrigin-based), and timers. */
export interface RunClock {
  now(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
}

export const REAL_RUN_CLOCK: RunClock = {
  now: () => performance.timeOrigin + performance.now(),
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
}

/** What the live console view shows, once a second. */
export interface LiveSnapshot {
  elapsed_s: number
  duration_s: number
  phase: 'running' | 'draining'
  turns: number
  conversations: number
  in_flight: number
  dropped: number
  errors: number
  error_rate: number
  /** Turns completed in the last complete second. */
  turns_per_s: number
  /** Offered load now: conversations/s (open model) or virtual users (closed). */
  target: number
  target_unit: 'conv/s' | 'VUs'
  p50_ms: number
  p95_ms: number
  p99_ms: number
}

export interface RunLoadOptions {
  /** Worker threads (default: the scenario's, else cores − 1). */
  workers?: number
  channel?: LoadChannel
  workerFile?: string
  /** The workspace's git commit, for the report's environment. */
  commit?: string | null
  onProgress?: (snapshot: LiveSnapshot) => void
  onSecond?: (entry: TimelineEntry) => void
  /** Aborting interrupts the run; the result is still built from what was measured. */
  signal?: AbortSignal
  clock?: RunClock
  /** Main-thread tick (ms): how often arrivals are handed out. */
  tickMs?: number
  /** How far ahead of their intended start arrivals are sent to the workers (ms). */
  lookaheadMs?: number
  /** Time between the workers being ready and t = 0 (ms). */
  startDelayMs?: number
  /** Milliseconds of untimed warm-up conversations on each worker before t = 0 (default: the profile's). */
  warmupMs?: number
  sampleMain?: () => MainSample
  /** The main thread's busy share since the run started. */
  mainUtilization?: () => () => number
}

/** Beyond these the load generator, not the system under test, shaped the numbers. */
export const HARNESS_LAG_LIMIT_MS = 5
export const DISPATCH_LATE_LIMIT_MS = 5
export const MAIN_UTILIZATION_LIMIT = 0.9
export const WORKER_SATURATION = 0.9
export const HARNESS_SHARE_LIMIT = 0.5

const POLL_INTERVAL_MS = 100
/** How long workers may take to hand in their last seconds once asked to finish. */
const FINISH_TIMEOUT_MS = 15_000

function realMainSample(): MainSample {
  const m = process.memoryUsage()
  return { rss_mb: Math.round((m.rss / 2 ** 20) * 10) / 10, heap_mb: Math.round((m.heapUsed / 2 ** 20) * 10) / 10 }
}

function realMainUtilization(): () => number {
  const start = performance.eventLoopUtilization()
  return () => performance.eventLoopUtilization(start).utilization
}

interface WorkerState {
  /** Tasks sent and not answered yet. */
  outstanding: number
  times: number[]
  first: number
  /** Send time (ms since epoch) of the last answered task: the worker had sealed every second before it. */
  answeredSentAt: number
  lastSentAt: number
  report: WorkerReport | undefined
  /** The report answers a poll sent after the last work was handed out. */
  drainedReport: boolean
  vusSent: number
  finished: boolean
}

class RunFailure extends Error {
  override name = 'RunFailure'
}

export async function runLoadTest(scenario: LoadScenario, options: RunLoadOptions = {}): Promise<LoadResult> {
  const plan = scenario.plan
  const profile = plan.profile
  const workers = options.channel?.threads ?? options.workers ?? profile.workers ?? defaultLoadWorkers()
  const channel: LoadChannel = options.channel ?? new LoadWorkerPool({ threads: workers, ...(options.workerFile ? { workerFile: options.workerFile } : {}) })
  const ownsChannel = !options.channel
  const clock = options.clock ?? REAL_RUN_CLOCK
  const tickMs = options.tickMs ?? 10
  // Arrivals go out this far ahead, so a main thread that the OS holds back for a moment
  // (a busy machine) still has every worker holding its arrivals before they are due.
  const lookaheadMs = options.lookaheadMs ?? 250
  const sampleMain = options.sampleMain ?? realMainSample
  const open = isOpenModel(profile)
  const rates = open ? rateCurve(profile) : undefined
  const vuTargets = open ? undefined : vuCurve(profile)
  const targetAt = (t_s: number): number => (rates ? rates.at(t_s * 1000 + 500) : vusAt(vuTargets!, t_s * 1000 + 500))
  const metrics = new RunMetrics(targetAt)
  const warnings = [...scenario.warnings]
  const run = `load-${randomUUID()}`

  try {
    await channel.start()
    const startedAt = new Date()
    const mainBusy = (options.mainUtilization ?? realMainUtilization)()
    const shared = new SharedArrayBuffer(4 * (SHARED_BLOCK_BASE + LoadIntegrations.counterSlots(plan.mocks)))
    await Promise.all(
      Array.from({ length: workers }, (_, w) => channel.run(w, { type: 'init', run, plan, worker: w, workers, shared, warmup_ms: options.warmupMs ?? profile.warmup_ms })),
    )
    // t = 0 a little after every worker is ready, so the first arrivals reach them ahead of time.
    const epoch = clock.now() + (options.startDelayMs ?? 50)
    const rel = (): number => clock.now() - epoch
    await Promise.all(Array.from({ length: workers }, (_, w) => channel.run(w, { type: 'begin', run, epoch })))

    const states: WorkerState[] = Array.from({ length: workers }, () => ({
      outstanding: 0, times: [], first: 0, answeredSentAt: -Infinity, lastSentAt: -Infinity,
      report: undefined, drainedReport: false, vusSent: -1, finished: false,
    }))
    const schedule = rates ? new ArrivalSchedule(rates, profile.arrivals, plan.seed) : undefined
    let nextIndex = 0
    let phase: 'running' | 'draining' | 'finishing' | 'done' = 'running'
    let aborted: LoadResult['aborted']
    let interrupting = false
    let finishingSince = Number.NaN
    let dispatchLateMax = 0
    let failure: unknown
    let lastSampledSecond = -1
    let lastProgressSecond = -1
    const engineFailures = new Set<string>()

    const absorb = (w: number, sentAt: number, report: WorkerReport): void => {
      const s = states[w]!
      s.outstanding--
      s.answeredSentAt = Math.max(s.answeredSentAt, sentAt)
      s.report = report
      if (report.finished) s.finished = true
      if (report.engine_failure) engineFailures.add(report.engine_failure)
      for (const second of report.seconds) metrics.absorb(second)
    }

    const send = (w: number, task: LoadTask, drainPoll = false): void => {
      const s = states[w]!
      s.outstanding++
      const sentAt = rel()
      s.lastSentAt = sentAt
      channel.run(w, task).then(
        (report) => {
          absorb(w, sentAt, report)
          if (drainPoll) s.drainedReport = true
        },
        (err: unknown) => {
          failure ??= err
        },
      )
    }

    // Arrivals go out every tick even while a worker has not answered the last batch: a worker
    // busy with engine work or blocked by an integration must find them waiting, not have the
    // main thread hold them back (which would make the generator look late for the engine's sake).
    const flushArrivals = (w: number): void => {
      const s = states[w]!
      if (!s.times.length) return
      const times = s.times
      const late = rel() - times[0]!
      if (late > dispatchLateMax) dispatchLateMax = late
      s.times = []
      send(w, { type: 'arrivals', run, first: s.first, stride: workers, times })
    }

    const dispatch = (t: number): void => {
      if (schedule) {
        const horizon = Math.min(t + lookaheadMs, profile.duration_ms)
        const times = schedule.takeUntil(horizon)
        for (const time of times) {
          const index = nextIndex++
          const s = states[index % workers]!
          if (!s.times.length) s.first = index
          s.times.push(time)
        }
        for (let w = 0; w < workers; w++) flushArrivals(w)
      } else {
        const total = t < profile.duration_ms ? vusAt(vuTargets!, t) : 0
        for (let w = 0; w < workers; w++) {
          const s = states[w]!
          const target = vusForWorker(total, w, workers)
          if (target !== s.vusSent) {
            s.vusSent = target
            send(w, { type: 'vus', run, target, at: Math.max(0, t) })
          }
        }
      }
    }

    const allDispatched = (): boolean => {
      if (schedule) return schedule.peek() === undefined && states.every((s) => !s.times.length)
      return states.every((s) => s.vusSent === 0)
    }

    const finalize = (t: number): void => {
      const safe = Math.min(Math.floor(t / 1000) - 1, Math.min(...states.map((s) => Math.floor(s.answeredSentAt / 1000) - 1)))
      const added = safe >= 0 ? metrics.finalizeThrough(safe) : []
      for (const entry of added) options.onSecond?.(entry)
      if (added.length && !aborted && scenario.thresholds.some((d) => d.abort_on_fail)) {
        metrics.elapsedMs = (safe + 1) * 1000
        const missed = thresholdsToAbort(scenario.thresholds, metrics, metrics.elapsedMs)
        if (missed.length) {
          aborted = { reason: 'threshold', at_s: safe + 1, thresholds: [...new Set(missed.map((v) => `${v.name} ${v.condition}`))] }
        }
      }
    }

    const progress = (t: number): void => {
      const second = Math.floor(t / 1000)
      if (second <= lastProgressSecond || !options.onProgress) return
      lastProgressSecond = second
      const last = metrics.timeline[metrics.timeline.length - 1]
      const inFlight = states.reduce((a, s) => a + (s.report?.in_flight ?? 0), 0)
      options.onProgress({
        elapsed_s: Math.max(0, Math.round(t / 100) / 10),
        duration_s: profile.duration_ms / 1000,
        phase: phase === 'running' ? 'running' : 'draining',
        turns: metrics.turns,
        conversations: metrics.conversationsStarted,
        in_flight: inFlight,
        dropped: metrics.dropped,
        errors: metrics.errorCount,
        error_rate: metrics.turns ? metrics.errorTurns / metrics.turns : 0,
        turns_per_s: last?.turns ?? 0,
        target: Math.round(targetAt(Math.max(0, second)) * 100) / 100,
        target_unit: open ? 'conv/s' : 'VUs',
        p50_ms: percentileMs(metrics.turnLatency, 50),
        p95_ms: percentileMs(metrics.turnLatency, 95),
        p99_ms: percentileMs(metrics.turnLatency, 99),
      })
    }

    const interrupt = (): void => {
      if (interrupting) return
      interrupting = true
      phase = 'finishing'
      for (let w = 0; w < workers; w++) send(w, { type: 'finish', run, interrupt: true })
    }

    await new Promise<void>((resolveRun, rejectRun) => {
      let timer: unknown
      const onAbort = (): void => {
        aborted ??= { reason: 'interrupted', at_s: Math.max(0, Math.floor(rel() / 1000)) }
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      if (options.signal?.aborted) onAbort()
      const tick = (): void => {
        try {
          if (failure) throw failure instanceof Error ? new RunFailure(`a load worker failed: ${failure.message}`) : new RunFailure(String(failure))
          const t = rel()
          const second = Math.floor(t / 1000)
          if (second > lastSampledSecond && second >= 1) {
            metrics.sampleMain(second - 1, sampleMain())
            lastSampledSecond = second
          }
          if (aborted && phase !== 'done') interrupt()
          if (phase === 'running') {
            if (t >= -lookaheadMs) dispatch(t)
            if (t >= profile.duration_ms && allDispatched()) {
              phase = 'draining'
              for (const s of states) s.drainedReport = false
            }
          }
          if (phase === 'draining') {
            for (let w = 0; w < workers; w++) {
              const s = states[w]!
              if (s.outstanding === 0 && t - s.lastSentAt >= Math.min(POLL_INTERVAL_MS, tickMs * 2)) send(w, { type: 'poll', run }, true)
            }
            const idle = states.every((s) => s.drainedReport && s.report && s.report.in_flight === 0 && s.report.pending === 0)
            if (idle) {
              phase = 'finishing'
              for (let w = 0; w < workers; w++) send(w, { type: 'finish', run, interrupt: false })
            } else if (t >= profile.duration_ms + profile.graceful_stop_ms) {
              interrupt()
            }
          } else if (phase === 'running') {
            for (let w = 0; w < workers; w++) {
              const s = states[w]!
              if (s.outstanding === 0 && t - s.lastSentAt >= POLL_INTERVAL_MS) send(w, { type: 'poll', run })
            }
          }
          if (phase === 'finishing') {
            if (Number.isNaN(finishingSince)) finishingSince = t
            if (t - finishingSince > FINISH_TIMEOUT_MS) {
              const silent = states.map((s, w) => (s.finished ? -1 : w)).filter((w) => w >= 0)
              throw new RunFailure(`load worker${silent.length > 1 ? 's' : ''} ${silent.join(', ')} stopped answering (a turn that never yields?) for ${FINISH_TIMEOUT_MS / 1000} s after the run ended`)
            }
            if (states.every((s) => s.finished)) phase = 'done'
            else {
              for (let w = 0; w < workers; w++) {
                const s = states[w]!
                // A worker that still had conversations when asked to finish is asked again.
                if (!s.finished && s.outstanding === 0) send(w, { type: 'finish', run, interrupt: interrupting || t >= profile.duration_ms + profile.graceful_stop_ms })
              }
            }
          }
          finalize(t)
          progress(t)
          if (phase === 'done') {
            options.signal?.removeEventListener('abort', onAbort)
            resolveRun()
            return
          }
          timer = clock.setTimer(tick, tickMs)
        } catch (err) {
          if (timer !== undefined) clock.clearTimer(timer)
          options.signal?.removeEventListener('abort', onAbort)
          rejectRun(err)
        }
      }
      tick()
    })

    const lastEnd = Math.max(...states.map((s) => s.report?.last_end_ms ?? -1))
    const durationMs = aborted ? Math.max(1, lastEnd, aborted.at_s * 1000) : Math.max(profile.duration_ms, lastEnd)
    const lastSecond = metrics.lastSecond()
    metrics.sampleMain(Math.max(0, lastSecond), sampleMain())
    metrics.finalizeThrough(lastSecond)
    metrics.elapsedMs = durationMs
    const thresholds = evaluateThresholds(scenario.thresholds, metrics)
    for (const f of engineFailures) warnings.push(`the engine failed unexpectedly (counted as engine_failure): ${f}`)
    const loadGenerator = generatorHealth(metrics, dispatchLateMax, mainBusy())
    for (const r of loadGenerator.reasons) warnings.push(`load generator: ${r}`)
    return buildResult(metrics, {
      scenario: scenario.file,
      ...(scenario.name !== undefined ? { name: scenario.name } : {}),
      startedAt,
      durationMs,
      environment: {
        node: process.version,
        cpus: cpus().length,
        cpu_model: cpus()[0]?.model ?? 'unknown',
        platform: `${process.platform}-${process.arch}`,
        workers,
        seed: plan.seed,
        commit: options.commit ?? null,
        flowbench: FLOWBENCH_VERSION,
      },
      profile,
      thresholds,
      ...(aborted ? { aborted } : {}),
      loadGenerator,
      warnings,
    })
  } finally {
    if (ownsChannel) await channel.destroy()
  }
}

/** Whether the load generator itself limited the run, and why. */
export function generatorHealth(metrics: RunMetrics, dispatchLateMax: number, mainUtilization: number): LoadGeneratorHealth {
  const active = metrics.timeline.filter((e) => e.turns > 0)
  const workerUtilization = active.length ? active.reduce((a, e) => a + e.worker_utilization, 0) / active.length : 0
  const busy = active.reduce((a, e) => a + e.worker_utilization, 0)
  const harnessShare = busy > 0 ? active.reduce((a, e) => a + e.worker_utilization * e.harness_share, 0) / busy : 0
  const lagP99 = percentileMs(metrics.harnessLag, 99)
  const reasons: string[] = []
  if (lagP99 > HARNESS_LAG_LIMIT_MS) {
    reasons.push(`turns started ${lagP99} ms late at p99 for reasons of the load generator's own (harness lag): its threads could not keep up, so part of the latency is the tool's, not the engine's`)
  }
  if (dispatchLateMax > DISPATCH_LATE_LIMIT_MS) {
    reasons.push(`the main thread handed arrivals to the workers up to ${Math.round(dispatchLateMax * 10) / 10} ms after they were due`)
  }
  if (mainUtilization > MAIN_UTILIZATION_LIMIT) {
    reasons.push(`the main thread (scheduling and merging) was busy ${Math.round(mainUtilization * 100)}% of the time`)
  }
  if (workerUtilization > WORKER_SATURATION && harnessShare > HARNESS_SHARE_LIMIT) {
    reasons.push(`the workers were saturated (${Math.round(workerUtilization * 100)}% busy) and ${Math.round(harnessShare * 100)}% of that went to the load generator rather than the engine`)
  }
  return {
    bottleneck: reasons.length > 0,
    reasons,
    harness_lag_p99_ms: lagP99,
    dispatch_late_max_ms: Math.max(0, Math.round(dispatchLateMax * 1000) / 1000),
    main_utilization: Math.round(mainUtilization * 1000) / 1000,
    worker_utilization: Math.round(workerUtilization * 1000) / 1000,
    harness_share: Math.round(harnessShare * 1000) / 1000,
  }
}
