// The worker side of a load run: starts the conversations the main thread schedules (or
// runs virtual users), plays their scripts with think time, measures every turn from its
// intended start, and keeps per-second HDR recordings that the main thread collects.
//
// Measurement (docs/load-testing.md):
// - turn latency = turn end − intended start. A turn's intended start is the previous turn's
//   end plus think time; for the first turn, the conversation's scheduled arrival plus the
//   time `start` itself took, so a conversation that started late carries its lateness.
// - queue wait = actual start − intended start; harness lag = the part of it not explained by
//   the thread being busy with engine work or a blocking integration.
// - service time = the turn's wall time minus the time it spent waiting (mocked latency,
//   retry backoff, a blocking integration). Due turns are started one at a time and each runs
//   alone until it finishes or waits, so no other conversation's work is counted in it.
import { compileFlow, Engine, type CompiledFlow, type Conversation, type ConversationInit } from '../engine'
import { BreakerRegistry, type IntegrationProvider } from '../engine/resilience'
import type { ConversationEvent, TurnResult } from '../../common/turn'
import { SnapshotNlu } from '../runner/mocks'
import { LatencyRecorder } from './histogram'
import { ConversationClock, LoadIntegrations, type CallObserver, type LoadTime } from './mocks'
import type { ConversationScript, LoadPlan, ScriptStep, ThinkTime } from './model'
import { SHARED_BLOCK_BASE, SHARED_IN_FLIGHT, workerSlot, type CountByCode, type LoadTask, type SecondReport, type WorkerReport } from './protocol'
import { isOpenModel } from './schedule'
import { measuredGenerators, measuredPlugins, servedByPlugins } from './plugins'
import type { GeneratorProvider } from '../engine/generate-stream'
import type { SummarizerProvider } from '../engine/memory'
import type { RunPlugins } from '../runner/plugins'

export interface ProcessSample {
  heap_used_mb: number
  loop_delay_p99_ms: number
  loop_delay_max_ms: number
  utilization: number
}

/** Samples the thread's heap, event-loop delay and utilisation once per second. */
export interface ProcessSampler {
  sample(): ProcessSample
  stop(): void
}

export const NO_PROCESS_SAMPLES: ProcessSampler = {
  sample: () => ({ heap_used_mb: 0, loop_delay_p99_ms: 0, loop_delay_max_ms: 0, utilization: 0 }),
  stop: () => undefined,
}

export interface RuntimeOptions {
  plan: LoadPlan
  worker: number
  workers: number
  time: LoadTime
  shared: SharedArrayBuffer
  sampler?: ProcessSampler
  /**
   * Timers fire up to ~1 ms late; within this many ms of an event the thread polls instead of
   * sleeping, so an idle worker starts turns on time. 0 turns polling off (virtual time).
   */
  spinMs?: number
  /** The workspace's plugins (loaded by the worker): they answer the integrations the scenario does not mock. */
  plugins?: RunPlugins
}

interface RunnableScript {
  source: ConversationScript
  engine: Engine
  nlu: SnapshotNlu | undefined
  events: ConversationEvent[]
  think: Array<ThinkTime | undefined>
}

interface VirtualUser {
  index: number
  iteration: number
  retiring: boolean
  active: boolean
}

/**
 * A conversation in progress (or scheduled): its script position and its timing. It is also
 * the conversation's clock and its seeded random source, so a conversation costs one object.
 */
class LiveConversation extends ConversationClock {
  /** When the next step is due (ms since the epoch): the intended start. */
  due = 0
  seq = 0
  /** -1 before start; then the index of the next script step. */
  step = -1
  /** Index of the script picked at start. */
  script = -1
  conversation: Conversation | null = null
  state = ''
  started = false
  dead = false
  /** Bookkeeping of the turn in progress. */
  turnBegin = 0
  queueWait = 0
  harnessLag = 0
  /** Harness lag of the start, carried into the first turn like its lateness is. */
  startLag = 0
  paused = 0
  pauseDepth = 0
  pausedAt = 0
  private randomState: number
  /** Settles the step in progress (one pair of handlers per conversation, not per turn). */
  readonly onResult: (r: TurnResult) => void
  readonly onFailure: (err: unknown) => void

  constructor(
    private readonly runtime: LoadRuntime,
    readonly id: string,
    key: number,
    readonly intendedStart: number,
    readonly vu: VirtualUser | null,
  ) {
    super(runtime.time, key)
    this.due = intendedStart
    this.randomState = key
    this.onResult = (r) => runtime.stepDone(this, r)
    this.onFailure = (err) => runtime.stepFailed(this, err)
  }

  /** mulberry32: scripts, user profiles and think times of this conversation. */
  random(): number {
    this.randomState = (this.randomState + 0x6d2b79f5) >>> 0
    let t = this.randomState
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  override pauseBegin(): void {
    if (this.pauseDepth++ === 0) {
      const now = this.runtime.time.now()
      this.pausedAt = now
      // The engine work of this turn so far has ended: the thread is free for others.
      this.runtime.lastBusyEnd = now
    }
  }

  override pauseEnd(): void {
    if (this.pauseDepth === 0) return
    if (--this.pauseDepth === 0) this.paused += this.runtime.time.now() - this.pausedAt
  }
}

/** Binary min-heap of conversations by due time (ties in insertion order). */
class DueQueue {
  private readonly items: LiveConversation[] = []
  private seq = 0

  get size(): number {
    return this.items.length
  }

  peek(): LiveConversation | undefined {
    return this.items[0]
  }

  push(c: LiveConversation): void {
    c.seq = this.seq++
    const items = this.items
    items.push(c)
    let i = items.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(c, items[parent]!)) break
      items[i] = items[parent]!
      i = parent
    }
    items[i] = c
  }

  pop(): LiveConversation | undefined {
    const items = this.items
    const top = items[0]
    const last = items.pop()
    if (!top || !last || top === last) return top
    let i = 0
    const n = items.length
    for (;;) {
      const l = 2 * i + 1
      if (l >= n) break
      const r = l + 1
      const child = r < n && before(items[r]!, items[l]!) ? r : l
      if (!before(items[child]!, last)) break
      items[i] = items[child]!
      i = child
    }
    items[i] = last
    return top
  }

  drain(): LiveConversation[] {
    return this.items.splice(0)
  }
}

function before(a: LiveConversation, b: LiveConversation): boolean {
  return a.due < b.due || (a.due === b.due && a.seq < b.seq)
}

class StateStats {
  turns = 0
  errorTurns = 0
  stamp = -1
  readonly latency = new LatencyRecorder()
  readonly service = new LatencyRecorder()
}

class IntegrationStats {
  calls = 0
  failures = 0
  turns = 0
  errors: CountByCode = {}
  stamp = -1
  readonly callLatency = new LatencyRecorder()
  readonly turnLatency = new LatencyRecorder()
  readonly service = new LatencyRecorder()
}

class FlowStats {
  turns = 0
  conversations = 0
  readonly latency = new LatencyRecorder()
}

/** Picks an index by weight from a uniform number in [0, 1). */
function weightedPicker(weights: number[]): (u: number) => number {
  const cumulative: number[] = []
  let total = 0
  for (const w of weights) cumulative.push((total += w))
  return (u) => {
    const x = u * total
    let lo = 0
    let hi = cumulative.length - 1
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (cumulative[mid]! > x) hi = mid
      else lo = mid + 1
    }
    return lo
  }
}

function mixKey(seed: number, a: number, b = 0): number {
  let h = (seed ^ Math.imul(a + 1, 0x9e3779b1) ^ Math.imul(b + 1, 0x85ebca6b)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d) >>> 0
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b) >>> 0
  return (h ^ (h >>> 16)) >>> 0
}

export class LoadRuntime {
  readonly time: LoadTime
  /** End of the last stretch the thread spent on engine work or a blocking integration. */
  lastBusyEnd = 0

  private readonly plan: LoadPlan
  readonly worker: number
  private readonly workers: number
  private readonly open: boolean
  private readonly maxInFlight: number | undefined
  private readonly shared: Int32Array
  private sampler: ProcessSampler
  private readonly spinMs: number
  private readonly scripts: RunnableScript[]
  private readonly pickScript: (u: number) => number
  private readonly pickUser: ((u: number) => number) | undefined
  private readonly queue = new DueQueue()
  private readonly vus: VirtualUser[] = []
  private liveCount = 0
  private lastEnd = -1
  private stopped = false
  private finished = false

  private pumping = false
  private timer: unknown = null
  private timerAt = Infinity
  private immediatePending = false
  private current: LiveConversation | null = null
  private idlePending = false
  private turnSeq = 0

  // The current second's measurements.
  private second = 0
  private readonly sealed: SecondReport[] = []
  private readonly turnLatency = new LatencyRecorder()
  private readonly serviceTime = new LatencyRecorder()
  private readonly queueWait = new LatencyRecorder()
  private readonly harnessLag = new LatencyRecorder()
  private readonly conversationDuration = new LatencyRecorder()
  private readonly states = new Map<string, StateStats>()
  private readonly integrations = new Map<string, IntegrationStats>()
  private readonly flows: FlowStats[]
  private counters = LoadRuntime.zeroCounters()
  private serviceMs = 0
  private blockedMs = 0
  private pollMs = 0
  /** When the current stretch of polling for a nearly-due step began (NaN when not polling). */
  private pollingSince = Number.NaN

  constructor(options: RuntimeOptions) {
    this.plan = options.plan
    this.time = options.time
    this.worker = options.worker
    this.workers = options.workers
    this.open = isOpenModel(options.plan.profile)
    this.maxInFlight = options.plan.profile.max_in_flight
    this.shared = new Int32Array(options.shared)
    this.sampler = options.sampler ?? NO_PROCESS_SAMPLES
    this.spinMs = options.spinMs ?? 1
    const plan = options.plan
    const blockCounters = new Int32Array(options.shared, SHARED_BLOCK_BASE * 4, LoadIntegrations.counterSlots(plan.mocks))
    const own = workerSlot(LoadIntegrations.counterSlots(plan.mocks), options.worker)
    // A shared buffer made without the per-worker slots (a test's) leaves them out.
    this.ownSlot = own + 1 < this.shared.length ? own : -1
    const observer: CallObserver = {
      callEnded: (id, ms) => this.integrationStats(id).callLatency.record(ms),
      blocked: (ms) => {
        this.blockedMs += ms
        this.lastBusyEnd = this.time.now()
      },
    }
    const integrations = new LoadIntegrations(plan.mocks, { seed: plan.seed, time: this.time, blockCounters, observer })
    this.compiled = plan.flows.map((f) => compileFlow(f.document))
    this.plugins = options.plugins
    const engines = this.compiled.map((flow) => new Engine(flow, { integrations: this.providerFor(flow, integrations, observer), breakers: new BreakerRegistry(), seed: plan.seed, ...this.extensions() }))
    const sharedNlu = Object.keys(plan.nlu).length ? new SnapshotNlu(plan.nlu, false) : undefined
    this.scripts = plan.scripts.map((s) => ({
      source: s,
      engine: engines[s.flow]!,
      nlu: s.nlu ? new SnapshotNlu({ ...plan.nlu, ...s.nlu }, false) : sharedNlu,
      events: s.steps.map((st): ConversationEvent => (st.kind === 'message' ? { type: 'message', text: st.text } : { type: st.event })),
      think: s.steps.map((st: ScriptStep) => st.think ?? s.think ?? plan.think),
    }))
    this.flows = plan.flows.map(() => new FlowStats())
    this.pickScript = weightedPicker(plan.scripts.map((s) => s.weight))
    this.pickUser = plan.users.length ? weightedPicker(plan.users.map((u) => u.weight)) : undefined
  }

  private readonly compiled: CompiledFlow[]
  private readonly plugins: RunPlugins | undefined
  /** This worker's in-flight slot in the shared buffer (taken arrivals at +1), or -1. */
  private readonly ownSlot: number

  /** Conversations in flight: the run's count (max_in_flight) and this worker's (read by the main thread if it dies). */
  private inFlightAdd(n: number): number {
    if (this.ownSlot >= 0) Atomics.add(this.shared, this.ownSlot, n)
    return Atomics.add(this.shared, SHARED_IN_FLIGHT, n) + n
  }

  /** Which plugin answers each unmocked integration id of the flows. */
  pluginServed(): Record<string, string> {
    return servedByPlugins(this.plan, this.plugins, this.compiled.map((f) => f.integrations))
  }

  /**
   * The plugins' generators and summarisers, for flows whose response states `generate` or whose
   * memory names a summariser (they have no mocks; without plugins the engine reports why).
   */
  private extensions(): { generators?: GeneratorProvider; summarizer?: SummarizerProvider } {
    const set = this.plugins?.set
    if (!set) return {}
    this.generatorProvider ??= measuredGenerators(set.generators)
    return { generators: this.generatorProvider, summarizer: set.summarizers }
  }

  private generatorProvider: GeneratorProvider | undefined

  /** The scenario's mocks first; an id they do not answer goes to the plugin serving it, if any. */
  private providerFor(flow: CompiledFlow, mocks: IntegrationProvider, observer: CallObserver): IntegrationProvider {
    const set = this.plugins?.set
    if (!set) return mocks
    const mocked = (id: string): boolean => this.plan.mocks[id] !== undefined
    return this.plugins!.withMocks(mocked, mocks, measuredPlugins(set.integrations.forFlow(flow.integrations), this.time, observer))
  }

  /**
   * Runs the scripts round-robin for `ms` (each at least once), untimed, against mocks that
   * answer at once (own breakers, no shared counters), and folds a histogram. V8 takes seconds
   * to optimise the engine; without this the first seconds of a run measure the compiler.
   */
  async warmUp(ms: number): Promise<void> {
    if (ms <= 0) return
    const instant: IntegrationProvider = {
      has: (id) => this.plan.mocks[id] !== undefined,
      call: (id) => {
        const mock = this.plan.mocks[id]!
        return Promise.resolve(mock.data === undefined ? { status_code: mock.status_code } : { status_code: mock.status_code, data: mock.data })
      },
    }
    // Plugin code is warmed up too (its calls are untimed here, as everything in the warm-up).
    const unmeasured: CallObserver = { callEnded: () => undefined, blocked: () => undefined }
    const engines = this.compiled.map((flow) => new Engine(flow, { integrations: this.providerFor(flow, instant, unmeasured), breakers: new BreakerRegistry(), seed: this.plan.seed, ...this.extensions() }))
    const recorder = new LatencyRecorder()
    const until = performance.now() + ms
    for (let i = 0; i < this.scripts.length || performance.now() < until; i++) {
      const script = this.scripts[i % this.scripts.length]!
      const seed = script.source.seed
      const conversation = engines[script.source.flow]!.createConversation({
        conversation_id: `warmup-${i}`,
        ...(seed.user_profile !== undefined ? { user_profile: seed.user_profile } : {}),
        ...(script.nlu ? { nlu: script.nlu } : {}),
      })
      const started = performance.now()
      let r = await conversation.start()
      for (const event of script.events) {
        if (r.ended) break
        r = await conversation.send(event)
      }
      recorder.record(performance.now() - started)
    }
    recorder.drainEncoded()
  }

  /** Starts the clock of the run (t = 0 has been set on `time`). */
  begin(sampler?: ProcessSampler): void {
    if (sampler) this.sampler = sampler
    this.second = Math.max(0, Math.floor(this.time.now() / 1000))
  }

  /** Stops everything at once (a newer run replaces this one on the worker). */
  abandon(): void {
    this.stopped = true
    this.finished = true
    this.clearTimer()
    this.queue.drain()
    this.arrivals.length = 0
    this.arrivalsWaiting = 0
    this.sampler.stop()
  }

  private static zeroCounters() {
    return {
      turns: 0,
      error_turns: 0,
      errors: {} as CountByCode,
      intent_fallbacks: 0,
      conversations_started: 0,
      conversations_completed: 0,
      dropped: 0,
      interrupted: 0,
      start_errors: 0,
    }
  }

  /** Handles one task from the main thread and answers with the seconds completed since the last one. */
  handle(task: LoadTask): WorkerReport {
    switch (task.type) {
      case 'arrivals':
        this.addArrivals(task.first, task.stride, task.times, task.indices)
        break
      case 'vus':
        this.setVirtualUsers(task.target, task.at)
        break
      case 'poll':
        break
      case 'finish':
        this.finish(task.interrupt)
        break
      case 'init':
      case 'begin':
        throw new Error(`${task.type} is handled by the worker entry`)
    }
    return this.report()
  }

  // ---- scheduling ---------------------------------------------------------------------

  /**
   * Arrivals wait as plain numbers (batches come in time order) and become conversations only
   * when due: with arrivals sent well ahead, objects made on receipt would outlive the young
   * generation and turn into old-generation garbage.
   */
  private addArrivals(first: number, stride: number, times: number[], indices?: number[]): void {
    if (this.stopped || !times.length) return
    const last = this.arrivals[this.arrivals.length - 1]
    if (last && times[0]! < last.times[last.times.length - 1]!) {
      // Out of order: arrivals a dead worker had not started, handed here. Arrivals start in time
      // order, so the waiting ones and these become one batch sorted by intended start.
      const waiting: Array<[number, number]> = []
      for (const b of this.arrivals.splice(0)) {
        for (let k = b.next; k < b.times.length; k++) waiting.push([b.times[k]!, b.indices ? b.indices[k]! : b.first + k * b.stride])
      }
      times.forEach((time, k) => waiting.push([time, indices ? indices[k]! : first + k * stride]))
      waiting.sort((a, b) => a[0] - b[0])
      this.arrivals.push({ first: 0, stride: 0, times: waiting.map((w) => w[0]), indices: waiting.map((w) => w[1]), next: 0 })
    } else this.arrivals.push({ first, stride, times, next: 0, ...(indices ? { indices } : {}) })
    this.arrivalsWaiting += times.length
    this.arm()
  }

  private readonly arrivals: Array<{ first: number; stride: number; times: number[]; next: number; indices?: number[] }> = []
  private arrivalsWaiting = 0

  /** Intended start of the next arrival not yet started (Infinity when none). */
  private nextArrivalDue(): number {
    const batch = this.arrivals[0]
    return batch ? batch.times[batch.next]! : Infinity
  }

  private takeArrival(): LiveConversation {
    const batch = this.arrivals[0]!
    const k = batch.next++
    if (batch.next >= batch.times.length) this.arrivals.shift()
    this.arrivalsWaiting--
    if (this.ownSlot >= 0) Atomics.add(this.shared, this.ownSlot + 1, 1)
    const index = batch.indices ? batch.indices[k]! : batch.first + k * batch.stride
    return new LiveConversation(this, `c${index}`, mixKey(this.plan.seed, index), batch.times[k]!, null)
  }

  /** When the next step of anything (a conversation, or an arrival) is due. */
  private nextDue(): number {
    const top = this.queue.peek()
    const arrival = this.nextArrivalDue()
    return top && top.due <= arrival ? top.due : arrival
  }

  private setVirtualUsers(target: number, at: number): void {
    if (this.stopped) return
    let active = 0
    for (const vu of this.vus) if (vu.active && !vu.retiring) active++
    if (target > active) {
      // Users that were retiring but have not finished come back first; then new ones.
      for (const vu of this.vus) {
        if (active >= target) break
        if (vu.active && vu.retiring) {
          vu.retiring = false
          active++
        }
      }
      for (const vu of this.vus) {
        if (active >= target) break
        if (!vu.active) {
          vu.active = true
          vu.retiring = false
          active++
          this.startIteration(vu, at)
        }
      }
      while (active < target) {
        const vu: VirtualUser = { index: this.vus.length * this.workers + this.worker, iteration: 0, retiring: false, active: true }
        this.vus.push(vu)
        active++
        this.startIteration(vu, at)
      }
    } else if (target < active) {
      // The most recently added users leave first, each after its current conversation.
      for (let i = this.vus.length - 1; i >= 0 && active > target; i--) {
        const vu = this.vus[i]!
        if (vu.active && !vu.retiring) {
          vu.retiring = true
          active--
        }
      }
    }
    this.arm()
  }

  private startIteration(vu: VirtualUser, intendedStart: number): void {
    const key = mixKey(this.plan.seed ^ 0x6a09e667, vu.index, vu.iteration)
    const c = new LiveConversation(this, `vu${vu.index}-${vu.iteration}`, key, intendedStart, vu)
    vu.iteration++
    this.queue.push(c)
  }

  /** Wakes the pump when the earliest due conversation is due (polling in the last spinMs). */
  private arm(): void {
    if (this.pumping || this.finished) return
    const due = this.nextDue()
    if (due === Infinity) {
      this.clearTimer()
      return
    }
    const now = this.time.now()
    const wait = due - now
    if (wait <= this.spinMs) {
      if (wait > 0 && Number.isNaN(this.pollingSince)) this.pollingSince = now
      this.clearTimer()
      if (!this.immediatePending) {
        this.immediatePending = true
        this.time.immediate(() => {
          this.immediatePending = false
          this.pump()
        })
      }
      return
    }
    this.endPolling(now)
    const fireAt = due - this.spinMs
    if (this.timer !== null && this.timerAt <= fireAt) return
    this.clearTimer()
    this.timerAt = fireAt
    this.timer = this.time.setTimer(() => {
      this.timer = null
      this.timerAt = Infinity
      this.pump()
    }, wait - this.spinMs)
  }

  private clearTimer(): void {
    if (this.timer !== null) this.time.clearTimer(this.timer)
    this.timer = null
    this.timerAt = Infinity
  }

  /** Starts due conversation steps in due order. */
  private pump(): void {
    if (this.pumping || this.finished) return
    this.pumping = true
    this.advance()
  }

  /**
   * The pump's loop. Each due step starts alone and runs until it finishes or waits: the loop
   * goes on when the step settles (stepDone) or, if it waits on a timer, when the microtask
   * queue has drained (onIdle). So a turn's wall time holds no other conversation's work.
   */
  private advance(): void {
    for (;;) {
      const queued = this.queue.peek()
      const arrival = this.nextArrivalDue()
      const now = this.time.now()
      const fromQueue = queued !== undefined && queued.due <= arrival
      const due = fromQueue ? queued.due : arrival
      if (this.finished || due > now) {
        this.pumping = false
        this.arm()
        return
      }
      const top = fromQueue ? this.queue.pop()! : this.takeArrival()
      if (!this.beginStep(top, now)) continue
      this.current = top
      if (!this.idlePending) {
        this.idlePending = true
        setImmediate(this.onIdle)
      }
      return
    }
  }

  private readonly onIdle = (): void => {
    this.idlePending = false
    // The microtask queue drained with the current step unfinished: it is waiting; move on.
    if (this.current !== null) {
      this.current = null
      this.advance()
    }
  }

  /** A step of `c` settled: the pump goes on if it was waiting for it; otherwise wake it if needed. */
  private settled(c: LiveConversation): void {
    if (this.current === c) {
      this.current = null
      this.advance()
    } else if (!this.pumping) this.arm()
  }

  // ---- conversations ------------------------------------------------------------------

  /** Starts `c`'s due step; false when nothing runs (the arrival was dropped, or the run stopped). */
  private beginStep(c: LiveConversation, now: number): boolean {
    this.endPolling(now)
    this.roll(now)
    if (c.step < 0) return this.startConversation(c, now)
    c.queueWait = now - c.due
    c.harnessLag = Math.max(0, now - Math.max(c.due, this.lastBusyEnd)) + (c.step === 0 ? c.startLag : 0)
    c.paused = 0
    if (c.pauseDepth > 0) c.pausedAt = now
    c.turnBegin = now
    this.settle(c, () => c.conversation!.send(this.scripts[c.script]!.events[c.step]!))
    return true
  }

  /** Runs an engine call for `c` and routes its outcome; a synchronous throw counts like a rejection. */
  private settle(c: LiveConversation, call: () => Promise<TurnResult>): void {
    let pending: Promise<TurnResult>
    try {
      pending = call()
    } catch (err) {
      pending = Promise.reject(err)
    }
    pending.then(c.onResult, c.onFailure)
  }

  private scriptOf(c: LiveConversation): RunnableScript {
    return this.scripts[c.script]!
  }

  /** The user profile of a script under a picked user (merged once per pair, then shared). */
  private profileFor(script: number, user: number): Record<string, unknown> | undefined {
    const key = script * (this.plan.users.length + 1) + user + 1
    let profile = this.profiles.get(key)
    if (profile === undefined && !this.profiles.has(key)) {
      const own = this.scripts[script]!.source.seed.user_profile
      profile = user < 0 ? own : { ...this.plan.users[user]!.user_profile, ...own }
      this.profiles.set(key, profile)
    }
    return profile
  }

  private readonly profiles = new Map<number, Record<string, unknown> | undefined>()

  private startConversation(c: LiveConversation, now: number): boolean {
    if (this.stopped && !c.vu) return false
    const inFlight = this.inFlightAdd(1)
    if (this.open && this.maxInFlight !== undefined && inFlight > this.maxInFlight) {
      this.inFlightAdd(-1)
      this.counters.dropped++
      return false
    }
    c.started = true
    c.startLag = Math.max(0, now - Math.max(c.intendedStart, this.lastBusyEnd))
    this.liveCount++
    this.counters.conversations_started++
    c.script = this.pickScript(c.random())
    const script = this.scripts[c.script]!
    this.flows[script.source.flow]!.conversations++
    const seed = script.source.seed
    const userIndex = this.pickUser ? this.pickUser(c.random()) : -1
    const tenant = seed.tenant_id ?? (userIndex >= 0 ? this.plan.users[userIndex]!.tenant_id : undefined)
    const profile = this.profileFor(c.script, userIndex)
    const init: ConversationInit = { conversation_id: c.id, clock: c }
    if (seed.user_id !== undefined) init.user_id = seed.user_id
    if (tenant !== undefined) init.tenant_id = tenant
    if (profile !== undefined) init.user_profile = profile
    // The engine may write into slots and variables: each conversation gets its own copy.
    if (seed.slots !== undefined) init.slots = { ...seed.slots }
    if (seed.variables !== undefined) init.variables = { ...seed.variables }
    if (script.nlu) init.nlu = script.nlu
    c.paused = 0
    c.turnBegin = now
    this.settle(c, () => {
      c.conversation = script.engine.createConversation(init)
      return c.conversation.start()
    })
    return true
  }

  /** A step of `c` finished (called by the conversation's result handler). */
  stepDone(c: LiveConversation, r: TurnResult): void {
    if (!c.dead && !this.finished) {
      if (c.step < 0) this.startDone(c, r)
      else this.turnDone(c, r, c.step)
    }
    this.settled(c)
  }

  /** A step of `c` failed: the engine threw, which it promises never to do. */
  stepFailed(c: LiveConversation, err: unknown): void {
    if (!c.dead && !this.finished) this.conversationFailed(c, err)
    this.settled(c)
  }

  private startDone(c: LiveConversation, r: TurnResult): void {
    const end = this.time.now()
    this.lastBusyEnd = end
    this.serviceMs += Math.max(0, end - c.turnBegin - c.paused)
    this.roll(end)
    if (r.errors.length) this.counters.start_errors++
    c.state = r.state
    if (r.ended) {
      this.endConversation(c, end)
      return
    }
    // Lateness of the start itself is carried into the first turn's intended start.
    c.step = 0
    c.due = c.intendedStart + (end - c.turnBegin) + this.thinkTime(c, 0)
    this.queue.push(c)
  }

  private thinkTime(c: LiveConversation, step: number): number {
    const think = this.scriptOf(c).think[step]
    if (!think) return 0
    if ('fixed_ms' in think) return think.fixed_ms
    return think.min_ms + c.random() * (think.max_ms - think.min_ms)
  }

  private turnDone(c: LiveConversation, r: TurnResult, step: number): void {
    const end = this.time.now()
    this.lastBusyEnd = end
    if (c.pauseDepth > 0) {
      c.paused += end - c.pausedAt
      c.pausedAt = end
    }
    this.roll(end)
    const service = Math.max(0, end - c.turnBegin - c.paused)
    const latency = end - c.due
    this.serviceMs += service
    this.record(c, r, latency, service)
    c.state = r.state
    const script = this.scriptOf(c)
    if (r.ended || step + 1 >= script.events.length) {
      this.endConversation(c, end)
      return
    }
    c.step = step + 1
    c.due = end + this.thinkTime(c, c.step)
    this.queue.push(c)
  }

  private record(c: LiveConversation, r: TurnResult, latency: number, service: number): void {
    const n = this.counters
    const seq = ++this.turnSeq
    n.turns++
    this.turnLatency.record(latency)
    this.serviceTime.record(service)
    this.queueWait.record(c.queueWait)
    this.harnessLag.record(c.harnessLag)
    const hasErrors = r.errors.length > 0
    if (hasErrors) {
      n.error_turns++
      for (const e of r.errors) n.errors[e.code] = (n.errors[e.code] ?? 0) + 1
    }
    for (const t of r.transitions) {
      if (t.endsWith('[fallback]')) {
        n.intent_fallbacks++
        break
      }
    }
    // The turn counts for the state that received the event and for every state it entered.
    this.tagState(c.state, seq, latency, service, hasErrors)
    for (const s of r.path) this.tagState(s, seq, latency, service, hasErrors)
    for (const call of r.integration_calls) {
      const st = this.integrationStats(call.id)
      st.calls++
      if (!call.success) {
        st.failures++
        const code = call.error ?? 'failed'
        st.errors[code] = (st.errors[code] ?? 0) + 1
      }
      if (st.stamp !== seq) {
        st.stamp = seq
        st.turns++
        st.turnLatency.record(latency)
        st.service.record(service)
      }
    }
    const flow = this.flows[this.scriptOf(c).source.flow]!
    flow.turns++
    flow.latency.record(latency)
  }

  private tagState(name: string, seq: number, latency: number, service: number, hasErrors: boolean): void {
    let st = this.states.get(name)
    if (!st) this.states.set(name, (st = new StateStats()))
    if (st.stamp === seq) return
    st.stamp = seq
    st.turns++
    if (hasErrors) st.errorTurns++
    st.latency.record(latency)
    st.service.record(service)
  }

  private integrationStats(id: string): IntegrationStats {
    let st = this.integrations.get(id)
    if (!st) this.integrations.set(id, (st = new IntegrationStats()))
    return st
  }

  /** The engine promises never to throw; if it does, the turn counts as an error and the conversation ends. */
  private conversationFailed(c: LiveConversation, err: unknown): void {
    const end = this.time.now()
    this.lastBusyEnd = end
    this.roll(end)
    const code = 'engine_failure'
    this.counters.errors[code] = (this.counters.errors[code] ?? 0) + 1
    this.counters.error_turns++
    this.counters.turns++
    this.turnLatency.record(end - c.due)
    if (this.firstFailure === undefined) this.firstFailure = err instanceof Error ? err.message : String(err)
    this.endConversation(c, end)
  }

  /** The first engine failure of the run, for the report's warnings. */
  firstFailure: string | undefined

  private endConversation(c: LiveConversation, end: number): void {
    c.dead = true
    this.liveCount--
    this.inFlightAdd(-1)
    this.counters.conversations_completed++
    this.conversationDuration.record(end - c.intendedStart)
    this.lastEnd = Math.max(this.lastEnd, end)
    const vu = c.vu
    if (vu) {
      // No user starts a conversation once the profile's duration is over, whether or not
      // the main thread's "0 users" has arrived yet.
      if (vu.retiring || this.stopped || end >= this.plan.profile.duration_ms) {
        vu.active = false
        vu.retiring = false
      } else this.startIteration(vu, end)
    }
  }

  private finish(interrupt: boolean): void {
    this.stopped = true
    for (const vu of this.vus) vu.retiring = true
    if (interrupt) {
      this.finished = true
      this.clearTimer()
      this.arrivals.length = 0
      this.arrivalsWaiting = 0
      const waiting = this.queue.drain()
      for (const c of waiting) {
        if (c.started && !c.dead) {
          c.dead = true
          this.liveCount--
          this.inFlightAdd(-1)
          this.counters.interrupted++
        }
      }
      // Every other live conversation has a turn in progress: it is abandoned too, and its
      // result, when it comes, is ignored (the runtime is finished).
      if (this.liveCount > 0) {
        this.counters.interrupted += this.liveCount
        this.inFlightAdd(-this.liveCount)
        this.liveCount = 0
      }
      for (const vu of this.vus) vu.active = false
    }
    const now = this.time.now()
    this.roll(now)
    if (interrupt || (this.liveCount === 0 && this.queue.size === 0 && this.arrivalsWaiting === 0)) {
      this.seal()
      this.finished = true
      this.sampler.stop()
    }
  }

  // ---- per-second records -------------------------------------------------------------

  /** Closes the current second (and reports it) once time has moved past it. */
  private roll(now: number): void {
    const s = Math.floor(now / 1000)
    if (s > this.second) {
      this.seal()
      this.second = s
    }
  }

  /** Polling ends when a step starts or the pump sleeps on a timer; its time is reported as poll_ms. */
  private endPolling(now: number): void {
    if (Number.isNaN(this.pollingSince)) return
    this.pollMs += now - this.pollingSince
    this.pollingSince = Number.NaN
  }

  private seal(): void {
    if (!Number.isNaN(this.pollingSince)) {
      const now = this.time.now()
      this.endPolling(now)
      this.pollingSince = now
    }
    const n = this.counters
    const proc = this.sampler.sample()
    const report: SecondReport = {
      t_s: this.second,
      ...n,
      histograms: {},
      states: {},
      integrations: {},
      flows: {},
      service_ms: round3(this.serviceMs),
      blocked_ms: round3(this.blockedMs),
      poll_ms: round3(this.pollMs),
      ...proc,
    }
    const h = report.histograms
    const put = (key: keyof SecondReport['histograms'], rec: LatencyRecorder): void => {
      const encoded = rec.drainEncoded()
      if (encoded !== undefined) h[key] = encoded
    }
    put('turn_latency', this.turnLatency)
    put('service_time', this.serviceTime)
    put('queue_wait', this.queueWait)
    put('harness_lag', this.harnessLag)
    put('conversation_duration', this.conversationDuration)
    for (const [name, st] of this.states) {
      if (st.turns === 0) continue
      const entry: SecondReport['states'][string] = { turns: st.turns, error_turns: st.errorTurns }
      const lat = st.latency.drainEncoded()
      const svc = st.service.drainEncoded()
      if (lat) entry.turn_latency = lat
      if (svc) entry.service_time = svc
      report.states[name] = entry
      st.turns = 0
      st.errorTurns = 0
    }
    for (const [id, st] of this.integrations) {
      if (st.calls === 0 && st.callLatency.count === 0 && st.turns === 0) continue
      const entry: SecondReport['integrations'][string] = { calls: st.calls, failures: st.failures, errors: st.errors, turns: st.turns }
      const call = st.callLatency.drainEncoded()
      const turn = st.turnLatency.drainEncoded()
      const svc = st.service.drainEncoded()
      if (call) entry.call_latency = call
      if (turn) entry.turn_latency = turn
      if (svc) entry.service_time = svc
      report.integrations[id] = entry
      st.calls = 0
      st.failures = 0
      st.turns = 0
      st.errors = {}
    }
    this.flows.forEach((st, i) => {
      if (st.turns === 0 && st.conversations === 0) return
      const entry: SecondReport['flows'][string] = { turns: st.turns, conversations: st.conversations }
      const lat = st.latency.drainEncoded()
      if (lat) entry.turn_latency = lat
      report.flows[this.plan.flows[i]!.file] = entry
      st.turns = 0
      st.conversations = 0
    })
    this.sealed.push(report)
    this.counters = LoadRuntime.zeroCounters()
    this.serviceMs = 0
    this.blockedMs = 0
    this.pollMs = 0
  }

  private report(): WorkerReport {
    if (!this.finished) this.roll(this.time.now())
    let vus = 0
    for (const vu of this.vus) if (vu.active) vus++
    const seconds = this.sealed.splice(0)
    const out: WorkerReport = { worker: this.worker, seconds, in_flight: this.liveCount, pending: this.queue.size + this.arrivalsWaiting, vus, finished: this.finished, last_end_ms: this.lastEnd }
    if (this.firstFailure !== undefined) out.engine_failure = this.firstFailure
    return out
  }
}

const round3 = (x: number): number => Math.round(x * 1000) / 1000
