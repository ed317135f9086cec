// The main thread of a load run: schedules arrivals (open model) or virtual users (closed
// model), sends them to the workers in batches a little ahead of time, merges the per-second
// reports as they come back, evaluates abort-on-fail thresholds each second, drains the
// conversations still running at the end, and builds the result.
import { randomUUID } from 'node:crypto'
import { cpus } from 'node:os'
import { performance } from 'node:perf_hooks'
import { LoadIntegrations } from './mocks'
import { RunMetrics, type MainSample, type TimelineEntry } from './metrics'
import { LoadWorkerDied, LoadWorkerPool, defaultLoadWorkers, type LoadWorkerEvent } from './pool'
import { SHARED_IN_FLIGHT, sharedSlots, workerSlot, type LoadTask, type WorkerReport } from './protocol'
import { FLOWBENCH_VERSION, buildResult, type LoadGeneratorHealth, type LoadResult } from './result'
import { noMockWarning, type LoadScenario } from './scenario'
import { ArrivalSchedule, isOpenModel, rateCurve, vuCurve, vusAt, vusForWorker } from './schedule'
import { evaluateThresholds, thresholdsToAbort } from './thresholds'
import { percentileMs } from './histogram'

/** How the coordinator reaches its workers: the piscina pool, or (in tests) runtimes in this thread. */
export interface LoadChannel {
  readonly threads: number
  start(): Promise<void>
  run(worker: number, task: LoadTask): Promise<WorkerReport>
  destroy(): Promise<void>
  /**
   * Deaths and replacements of worker threads (the pool). After `died`, tasks for that worker
   * reject with LoadWorkerDied until `replaced`. A channel without it never loses a worker.
   */
  onWorkerEvent?(listener: (e: LoadWorkerEvent) => void): () => void
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

export type { LiveSnapshot } from '../../common/load-result'
import type { LiveSnapshot } from '../../common/load-result'

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
  /**
   * Aborting stops the run gracefully: no more arrivals (or virtual users), the conversations in
   * progress finish (within the profile's graceful_stop), and the result is marked interrupted.
   */
  stop?: AbortSignal
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
/** The turn error a conversation in flight on a worker that died gets (errors_by_code). */
export const WORKER_CRASHED = 'worker_crashed'
/** More deaths than this within DEATH_WINDOW_MS stop the run: the workers keep dying. */
export const MAX_WORKER_DEATHS = 3
export const DEATH_WINDOW_MS = 10_000
/** How long a dead worker may wait for its replacement thread before the run gives up on it. */
const REPLACE_TIMEOUT_MS = 10_000
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
  /** live: takes work; joining: a replacement being initialised; dead: waiting for a replacement. */
  status: 'live' | 'joining' | 'dead'
  /** Bumped at each death: answers of an earlier incarnation are ignored. */
  gen: number
  /** When it died (clock ms; NaN while alive). */
  deadSince: number
  /** Tasks sent and not answered yet. */
  outstanding: number
  /** Arrivals to send (intended starts, ascending) and their global indices. */
  times: number[]
  indices: number[]
  /**
   * Arrivals sent to this incarnation and perhaps not taken yet (ascending by time, from `sentHead`);
   * `sentTaken` of the ones sent have been pruned once the worker reported taking them.
   */
  sentTimes: number[]
  sentIndices: number[]
  sentHead: number
  sentTaken: number
  /** What this incarnation reported in its shipped seconds. */
  shippedStarted: number
  shippedEnded: number
  lastEndMs: number
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

interface WorkerDeath {
  worker: number
  cause: string
  /** ms since t = 0 (negative before the run began). */
  at: number
  /** Clock time, for the death-rate limit. */
  clockAt: number
  lost: number
}

function freshState(): WorkerState {
  return {
    status: 'joining', gen: 0, deadSince: Number.NaN,
    outstanding: 0, times: [], indices: [], sentTimes: [], sentIndices: [], sentHead: 0, sentTaken: 0,
    shippedStarted: 0, shippedEnded: 0, lastEndMs: -1,
    answeredSentAt: -Infinity, lastSentAt: -Infinity,
    report: undefined, drainedReport: false, vusSent: -1, finished: false,
  }
}

/** Makes `s` a new incarnation (a replacement thread): nothing sent, nothing reported. */
function resetIncarnation(s: WorkerState): void {
  const lastEnd = s.lastEndMs
  const gen = s.gen
  const times = s.times
  const indices = s.indices
  Object.assign(s, freshState(), { gen, lastEndMs: lastEnd, times, indices })
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

  // Worker deaths (docs/load-testing.md, "When a worker dies"): the pool replaces a dead thread;
  // its conversations in flight count as interrupted, each with one worker_crashed turn error;
  // arrivals it had not started go to the live workers; too many deaths stop the run.
  const states: WorkerState[] = Array.from({ length: workers }, freshState)
  const blockSlots = LoadIntegrations.counterSlots(plan.mocks)
  const shared = new SharedArrayBuffer(4 * sharedSlots(blockSlots, workers))
  const sharedInts = new Int32Array(shared)
  const deaths: WorkerDeath[] = []
  let fatal: RunFailure | undefined
  let epoch = Number.NaN
  const rel = (): number => clock.now() - epoch
  let deathHandler: ((w: number) => void) | undefined
  let joinHandler: ((w: number) => void) | undefined
  const replacementWaiters = new Map<number, { resolve: () => void; reject: (err: unknown) => void }>()
  const replacedEarly = new Set<number>()
  const failWaiters = (err: RunFailure): void => {
    for (const waiter of replacementWaiters.values()) waiter.reject(err)
    replacementWaiters.clear()
  }
  const unsubscribe = channel.onWorkerEvent?.((e) => {
    const s = states[e.worker]
    if (!s) return
    if (e.type === 'died') {
      const now = clock.now()
      const death: WorkerDeath = { worker: e.worker, cause: e.cause, at: Number.isNaN(epoch) ? -1 : rel(), clockAt: now, lost: 0 }
      deaths.push(death)
      const wasLive = s.status === 'live'
      s.gen++
      s.status = 'dead'
      s.deadSince = now
      s.outstanding = 0
      replacedEarly.delete(e.worker)
      if (wasLive) deathHandler?.(e.worker)
      const recent = deaths.filter((d) => now - d.clockAt <= DEATH_WINDOW_MS)
      if (recent.length > MAX_WORKER_DEATHS && !fatal) {
        fatal = new RunFailure(
          `the load workers keep dying (${recent.length} deaths within ${DEATH_WINDOW_MS / 1000} s; the last: worker ${e.worker} ${e.cause}), so the run was stopped. ` +
            'A plugin that ends its thread (process.exit, an error thrown from a timer or callback) is the usual cause: fix it, or mock the integration it serves in the scenario',
        )
        failWaiters(fatal)
      }
    } else {
      s.deadSince = Number.NaN
      const waiter = replacementWaiters.get(e.worker)
      if (waiter) {
        replacementWaiters.delete(e.worker)
        waiter.resolve()
      } else if (joinHandler) joinHandler(e.worker)
      else replacedEarly.add(e.worker)
    }
  })
  /** Resolves once worker w has a replacement thread; rejects when the run must stop. */
  const replacement = (w: number): Promise<void> => {
    if (replacedEarly.delete(w)) return Promise.resolve()
    if (fatal) return Promise.reject(fatal)
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        replacementWaiters.delete(w)
        reject(new RunFailure(`load worker ${w} died (${deaths.filter((d) => d.worker === w).pop()?.cause ?? 'unknown cause'}) and no replacement thread started within ${REPLACE_TIMEOUT_MS / 1000} s`))
      }, REPLACE_TIMEOUT_MS)
      replacementWaiters.set(w, {
        resolve: () => {
          clearTimeout(timer)
          resolve()
        },
        reject: (err) => {
          clearTimeout(timer)
          reject(err)
        },
      })
    })
  }
  const initTask = (w: number): LoadTask => ({ type: 'init', run, plan, worker: w, workers, shared, warmup_ms: options.warmupMs ?? profile.warmup_ms })
  /** Initialises worker w, again on a replacement thread each time the thread dies under it. */
  const initWorker = async (w: number): Promise<WorkerReport> => {
    for (;;) {
      try {
        return await channel.run(w, initTask(w))
      } catch (err) {
        if (!(err instanceof LoadWorkerDied)) throw err
        await replacement(w)
      }
    }
  }

  try {
    await channel.start()
    const startedAt = new Date()
    const mainBusy = (options.mainUtilization ?? realMainUtilization)()
    const ready = await Promise.all(Array.from({ length: workers }, (_, w) => initWorker(w)))
    if (plan.plugins) pluginWarnings(warnings, ready)
    // t = 0 a little after every worker is ready, so the first arrivals reach them ahead of time.
    epoch = clock.now() + (options.startDelayMs ?? 50)
    const beginAll = await Promise.all(
      Array.from({ length: workers }, (_, w) => {
        const gen = states[w]!.gen
        return channel.run(w, { type: 'begin', run, epoch }).then(
          () => gen === states[w]!.gen,
          (err: unknown) => {
            // A thread that died here joins later, as a replacement.
            if (err instanceof LoadWorkerDied) return false
            throw err
          },
        )
      }),
    )
    beginAll.forEach((ok, w) => {
      if (ok && states[w]!.status === 'joining') states[w]!.status = 'live'
    })
    if (fatal) throw fatal
    const schedule = rates ? new ArrivalSchedule(rates, profile.arrivals, plan.seed) : undefined
    let nextIndex = 0
    let phase: 'running' | 'draining' | 'finishing' | 'done' = 'running'
    let aborted: LoadResult['aborted']
    /** Set by a graceful stop: the result is marked interrupted once the run has drained. */
    let stopped: LoadResult['aborted']
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
      s.lastEndMs = Math.max(s.lastEndMs, report.last_end_ms)
      if (report.finished) s.finished = true
      if (report.engine_failure) engineFailures.add(report.engine_failure)
      for (const second of report.seconds) {
        s.shippedStarted += second.conversations_started
        s.shippedEnded += second.conversations_completed + second.interrupted
        metrics.absorb(second)
      }
    }

    const send = (w: number, task: LoadTask, drainPoll = false): void => {
      const s = states[w]!
      s.outstanding++
      const sentAt = rel()
      s.lastSentAt = sentAt
      const gen = s.gen
      channel.run(w, task).then(
        (report) => {
          // An answer of a thread that has died since (sent before) belongs to no one now.
          if (gen !== s.gen) return
          absorb(w, sentAt, report)
          if (drainPoll) s.drainedReport = true
        },
        (err: unknown) => {
          // A death is handled when the pool reports it; anything else is a broken run.
          if (!(err instanceof LoadWorkerDied)) failure ??= err
        },
      )
    }

    const live = (): number[] => {
      const out: number[] = []
      for (let w = 0; w < workers; w++) if (states[w]!.status === 'live') out.push(w)
      return out
    }
    /** Slots the run no longer waits for: dead after the arrival phase (nothing left to give them). */
    const settledSlot = (s: WorkerState): boolean => s.status !== 'live'

    /** Adds arrivals to worker w's buffer, keeping it in time order (redirected ones may be earlier). */
    const enqueue = (w: number, times: readonly number[], indices: readonly number[]): void => {
      const s = states[w]!
      const ordered = !s.times.length || !times.length || times[0]! >= s.times[s.times.length - 1]!
      for (let k = 0; k < times.length; k++) {
        s.times.push(times[k]!)
        s.indices.push(indices[k]!)
      }
      if (!ordered) {
        const order = s.times.map((_, k) => k).sort((a, b) => s.times[a]! - s.times[b]!)
        s.times = order.map((k) => s.times[k]!)
        s.indices = order.map((k) => s.indices[k]!)
      }
    }

    /**
     * Worker w died while live: the conversations it had in flight are lost (interrupted, one
     * worker_crashed turn error each), and the arrivals it had not taken go to the live workers.
     */
    let lostConversations = 0
    let redirected = 0
    deathHandler = (w: number): void => {
      const s = states[w]!
      const slot = workerSlot(blockSlots, w)
      const inFlight = Math.max(0, Atomics.exchange(sharedInts, slot, 0))
      const taken = Atomics.exchange(sharedInts, slot + 1, 0)
      if (inFlight > 0) Atomics.sub(sharedInts, SHARED_IN_FLIGHT, inFlight)
      // Conversations it started in the second it never shipped, still in flight, were never counted as started.
      const unshippedStarts = Math.max(0, s.shippedEnded + inFlight - s.shippedStarted)
      const t = rel()
      metrics.absorbLost(Math.max(0, Math.floor(t / 1000)), inFlight, unshippedStarts, WORKER_CRASHED)
      lostConversations += inFlight
      const death = deaths[deaths.length - 1]
      if (death) death.lost = inFlight
      // Arrivals are taken in time order: the ones it had not taken are the last it was sent.
      const from = s.sentHead + Math.max(0, taken - s.sentTaken)
      const times = s.sentTimes.slice(from)
      const indices = s.sentIndices.slice(from)
      // Its unsent buffer goes too; dispatch hands everything to the live workers.
      const pendingTimes = s.times
      const pendingIndices = s.indices
      resetIncarnation(s)
      s.status = 'dead'
      s.times = []
      s.indices = []
      redirected += times.length
      const targets = live()
      const all = [...times.map((time, k) => [time, indices[k]!] as const), ...pendingTimes.map((time, k) => [time, pendingIndices[k]!] as const)]
      if (!targets.length) {
        // Nobody is live: they wait in this slot until some worker is.
        const sorted = [...all].sort((a, b) => a[0] - b[0])
        s.times = sorted.map((a) => a[0])
        s.indices = sorted.map((a) => a[1])
        return
      }
      all.forEach(([time, index], k) => enqueue(targets[k % targets.length]!, [time], [index]))
    }

    /** A replacement thread for w: initialised and started on the run's clock, then given work. */
    let joined = 0
    joinHandler = (w: number): void => {
      const s = states[w]!
      if (phase !== 'running' || fatal) return
      s.status = 'joining'
      const gen = s.gen
      let beginSentAt = 0
      channel
        .run(w, initTask(w))
        .then(() => {
          if (gen !== s.gen) return undefined
          beginSentAt = rel()
          return channel.run(w, { type: 'begin', run, epoch })
        })
        .then((answer) => {
          if (answer === undefined || gen !== s.gen) return
          const times = s.times
          const indices = s.indices
          resetIncarnation(s)
          s.times = times
          s.indices = indices
          // It has no second before it began: its reports so far are complete.
          s.answeredSentAt = beginSentAt
          s.lastSentAt = beginSentAt
          s.status = phase === 'running' ? 'live' : 'dead'
          if (s.status === 'live') joined++
        })
        .catch((err: unknown) => {
          if (!(err instanceof LoadWorkerDied)) failure ??= err
        })
    }
    for (const w of replacedEarly) joinHandler(w)
    replacedEarly.clear()

    // Arrivals go out every tick even while a worker has not answered the last batch: a worker
    // busy with engine work or blocked by an integration must find them waiting, not have the
    // main thread hold them back (which would make the generator look late for the engine's sake).
    const flushArrivals = (w: number): void => {
      const s = states[w]!
      if (!s.times.length || s.status !== 'live') return
      const times = s.times
      const indices = s.indices
      const late = rel() - times[0]!
      if (late > dispatchLateMax) dispatchLateMax = late
      s.times = []
      s.indices = []
      // Remembered until the worker has taken them, in case it dies first.
      for (let k = 0; k < times.length; k++) {
        s.sentTimes.push(times[k]!)
        s.sentIndices.push(indices[k]!)
      }
      const first = indices[0]!
      const regular = indices.every((index, k) => index === first + k * workers)
      send(w, { type: 'arrivals', run, first, stride: workers, times, ...(regular ? {} : { indices }) })
    }

    /** Forgets the arrivals each live worker has taken (the shared counter says how many). */
    const pruneSent = (): void => {
      for (let w = 0; w < workers; w++) {
        const s = states[w]!
        if (s.status !== 'live') continue
        const taken = Atomics.load(sharedInts, workerSlot(blockSlots, w) + 1)
        const drop = Math.min(taken - s.sentTaken, s.sentTimes.length - s.sentHead)
        if (drop <= 0) continue
        s.sentHead += drop
        s.sentTaken += drop
        if (s.sentHead > 1024 && s.sentHead * 2 > s.sentTimes.length) {
          s.sentTimes = s.sentTimes.slice(s.sentHead)
          s.sentIndices = s.sentIndices.slice(s.sentHead)
          s.sentHead = 0
        }
      }
    }

    const dispatch = (t: number): void => {
      const targets = live()
      if (schedule) {
        const horizon = Math.min(t + lookaheadMs, arrivalsEnd())
        const times = schedule.takeUntil(horizon)
        for (const time of times) {
          const index = nextIndex++
          let w = index % workers
          // A dead or joining worker's share goes to the live ones (or waits if none is).
          if (states[w]!.status !== 'live' && targets.length) w = targets[index % targets.length]!
          const s = states[w]!
          s.times.push(time)
          s.indices.push(index)
        }
        if (targets.length) {
          for (let w = 0; w < workers; w++) {
            const s = states[w]!
            if (s.status === 'live' || !s.times.length) continue
            const times = s.times
            const indices = s.indices
            s.times = []
            s.indices = []
            times.forEach((time, k) => enqueue(targets[k % targets.length]!, [time], [indices[k]!]))
          }
        }
        for (const w of targets) flushArrivals(w)
      } else {
        const total = t < arrivalsEnd() ? vusAt(vuTargets!, t) : 0
        // The virtual users are shared by the live workers (a dead one's users start again elsewhere).
        targets.forEach((w, rank) => {
          const s = states[w]!
          const target = vusForWorker(total, rank, targets.length)
          if (target !== s.vusSent) {
            s.vusSent = target
            send(w, { type: 'vus', run, target, at: Math.max(0, t) })
          }
        })
      }
    }

    // A graceful stop ends the arrival phase early; what was handed out already still runs.
    let stoppedAt = Number.POSITIVE_INFINITY
    const arrivalsEnd = (): number => Math.min(profile.duration_ms, stoppedAt)
    const allDispatched = (): boolean => {
      if (stoppedAt !== Number.POSITIVE_INFINITY) return schedule ? states.every((s) => !s.times.length) : states.every((s) => settledSlot(s) || s.vusSent === 0)
      if (schedule) return schedule.peek() === undefined && states.every((s) => !s.times.length)
      return states.every((s) => settledSlot(s) || s.vusSent === 0)
    }

    const finalize = (t: number): void => {
      // Only live workers hold seconds back: what a dead one had not shipped is lost.
      const safe = Math.min(Math.floor(t / 1000) - 1, Math.min(...states.filter((s) => s.status === 'live').map((s) => Math.floor(s.answeredSentAt / 1000) - 1)))
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

    let reportedSeconds = 0
    // Thresholds on the data so far, over the seconds every worker has reported.
    const liveThresholds = (): LiveSnapshot['thresholds'] => {
      if (!scenario.thresholds.length) return []
      const saved = metrics.elapsedMs
      metrics.elapsedMs = Math.max(1000, metrics.timeline.length * 1000)
      const verdicts = evaluateThresholds(scenario.thresholds, metrics)
      metrics.elapsedMs = saved
      return verdicts
    }

    const progress = (t: number): void => {
      const second = Math.floor(t / 1000)
      if (second <= lastProgressSecond || !options.onProgress) return
      lastProgressSecond = second
      const last = metrics.timeline[metrics.timeline.length - 1]
      const inFlight = states.reduce((a, s) => a + (s.status === 'live' ? (s.report?.in_flight ?? 0) : 0), 0)
      options.onProgress({
        elapsed_s: Math.max(0, Math.round(t / 100) / 10),
        duration_s: profile.duration_ms / 1000,
        progress: Math.min(1, Math.max(0, t / profile.duration_ms)),
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
        rss_mb: last?.rss_mb ?? 0,
        heap_mb: last?.heap_mb ?? 0,
        thresholds: liveThresholds(),
        seconds: metrics.timeline.slice(reportedSeconds),
      })
      reportedSeconds = metrics.timeline.length
    }

    const interrupt = (): void => {
      if (interrupting) return
      interrupting = true
      phase = 'finishing'
      for (const w of live()) send(w, { type: 'finish', run, interrupt: true })
    }

    await new Promise<void>((resolveRun, rejectRun) => {
      let timer: unknown
      const onAbort = (): void => {
        aborted ??= { reason: 'interrupted', at_s: Math.max(0, Math.floor(rel() / 1000)) }
      }
      options.signal?.addEventListener('abort', onAbort, { once: true })
      if (options.signal?.aborted) onAbort()
      const onStop = (): void => {
        if (stoppedAt !== Number.POSITIVE_INFINITY) return
        stoppedAt = Math.max(0, rel())
        for (const st of states) st.times = st.times.filter((time) => time < stoppedAt)
        stopped = { reason: 'interrupted', at_s: Math.max(0, Math.floor(stoppedAt / 1000)) }
      }
      options.stop?.addEventListener('abort', onStop, { once: true })
      if (options.stop?.aborted) onStop()
      const tick = (): void => {
        try {
          if (fatal) throw fatal
          if (failure) throw failure instanceof Error ? new RunFailure(`a load worker failed: ${failure.message}`) : new RunFailure(String(failure))
          const t = rel()
          pruneSent()
          if (phase === 'running' && !live().length) {
            const waiting = states.filter((st) => st.status === 'dead' && clock.now() - st.deadSince > REPLACE_TIMEOUT_MS)
            if (waiting.length === workers) {
              throw new RunFailure(`every load worker died (${deaths[deaths.length - 1]?.cause ?? 'unknown cause'}) and no replacement thread started within ${REPLACE_TIMEOUT_MS / 1000} s`)
            }
          }
          const second = Math.floor(t / 1000)
          if (second > lastSampledSecond && second >= 1) {
            metrics.sampleMain(second - 1, sampleMain())
            lastSampledSecond = second
          }
          if (aborted && phase !== 'done') interrupt()
          if (phase === 'running') {
            if (t >= -lookaheadMs) dispatch(t)
            if (t >= arrivalsEnd() && allDispatched()) {
              phase = 'draining'
              for (const s of states) s.drainedReport = false
            }
          }
          if (phase === 'draining') {
            for (const w of live()) {
              const s = states[w]!
              if (s.outstanding === 0 && t - s.lastSentAt >= Math.min(POLL_INTERVAL_MS, tickMs * 2)) send(w, { type: 'poll', run }, true)
            }
            const idle = states.every((s) => settledSlot(s) || (s.drainedReport && s.report && s.report.in_flight === 0 && s.report.pending === 0))
            if (idle) {
              phase = 'finishing'
              for (const w of live()) send(w, { type: 'finish', run, interrupt: false })
            } else if (t >= arrivalsEnd() + profile.graceful_stop_ms) {
              interrupt()
            }
          } else if (phase === 'running') {
            for (const w of live()) {
              const s = states[w]!
              if (s.outstanding === 0 && t - s.lastSentAt >= POLL_INTERVAL_MS) send(w, { type: 'poll', run })
            }
          }
          if (phase === 'finishing') {
            if (Number.isNaN(finishingSince)) finishingSince = t
            if (t - finishingSince > FINISH_TIMEOUT_MS) {
              const silent = states.map((s, w) => (s.finished || settledSlot(s) ? -1 : w)).filter((w) => w >= 0)
              throw new RunFailure(`load worker${silent.length > 1 ? 's' : ''} ${silent.join(', ')} stopped answering (a turn that never yields?) for ${FINISH_TIMEOUT_MS / 1000} s after the run ended`)
            }
            if (states.every((s) => s.finished || settledSlot(s))) phase = 'done'
            else {
              for (const w of live()) {
                const s = states[w]!
                // A worker that still had conversations when asked to finish is asked again.
                if (!s.finished && s.outstanding === 0) send(w, { type: 'finish', run, interrupt: interrupting || t >= arrivalsEnd() + profile.graceful_stop_ms })
              }
            }
          }
          finalize(t)
          progress(t)
          if (phase === 'done') {
            options.signal?.removeEventListener('abort', onAbort)
            options.stop?.removeEventListener('abort', onStop)
            resolveRun()
            return
          }
          timer = clock.setTimer(tick, tickMs)
        } catch (err) {
          if (timer !== undefined) clock.clearTimer(timer)
          options.signal?.removeEventListener('abort', onAbort)
          options.stop?.removeEventListener('abort', onStop)
          rejectRun(err)
        }
      }
      tick()
    })

    aborted ??= stopped
    const lastEnd = Math.max(...states.map((s) => Math.max(s.lastEndMs, s.report?.last_end_ms ?? -1)))
    const durationMs = aborted ? Math.max(1, lastEnd, aborted.at_s * 1000) : Math.max(profile.duration_ms, lastEnd)
    const lastSecond = metrics.lastSecond()
    metrics.sampleMain(Math.max(0, lastSecond), sampleMain())
    metrics.finalizeThrough(lastSecond)
    metrics.elapsedMs = durationMs
    const thresholds = evaluateThresholds(scenario.thresholds, metrics)
    for (const f of engineFailures) warnings.push(`the engine failed unexpectedly (counted as engine_failure): ${f}`)
    if (deaths.length) warnings.push(deathWarning(deaths, lostConversations, redirected, joined, states.filter((s) => s.status !== 'live').length))
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
    unsubscribe?.()
    deathHandler = undefined
    joinHandler = undefined
    failWaiters(fatal ?? new RunFailure('the load run ended'))
    if (ownsChannel) await channel.destroy()
  }
}

/** The result's warning about workers that died: how many, why, what was lost. */
function deathWarning(deaths: readonly WorkerDeath[], lost: number, redirected: number, joined: number, missing: number): string {
  const each = deaths.map((d) => `worker ${d.worker} ${d.cause}${d.at >= 0 ? ` at ${Math.round(d.at / 100) / 10} s` : ' before the run began'}`)
  const n = deaths.length
  const parts = [
    `${n} load worker${n > 1 ? 's' : ''} died during the run (${each.join('; ')}).`,
    `${lost} conversation${lost === 1 ? '' : 's'} in flight on ${n > 1 ? 'them' : 'it'} ${lost === 1 ? 'was' : 'were'} interrupted and counted as one ${WORKER_CRASHED} turn error each (no latency sample: the turn never got an answer).`,
    `What a dead worker measured in the second it had not shipped yet (turns and conversations that ended on it since its last whole second) is lost; what it had shipped is kept.`,
  ]
  if (redirected > 0) parts.push(`${redirected} scheduled arrival${redirected === 1 ? '' : 's'} it had not started went to the live workers (measured from their intended start).`)
  parts.push(`${joined} replacement${joined === 1 ? '' : 's'} joined the run (plugins loaded again)${missing > 0 ? `; ${missing} worker${missing === 1 ? ' was' : 's were'} not running at the end` : ''}.`)
  return parts.join(' ')
}

/**
 * What the workers found when they loaded the plugins: an unmocked integration a plugin serves is
 * no longer a problem (its calls are real), one nobody serves still is; broken plugins are named.
 */
function pluginWarnings(warnings: string[], ready: readonly WorkerReport[]): void {
  const served: Record<string, string> = {}
  const problems = new Set<string>()
  for (const r of ready) {
    Object.assign(served, r.plugin_served)
    for (const p of r.plugin_problems ?? []) problems.add(p)
  }
  for (const [id, plugin] of Object.entries(served)) {
    const i = warnings.indexOf(noMockWarning(id))
    if (i >= 0) warnings.splice(i, 1)
    warnings.push(`integration "${id}" has no mock: plugin "${plugin}" answers it, and its real latency counts in turn latency`)
  }
  for (const p of problems) warnings.push(`plugin: ${p}`)
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
