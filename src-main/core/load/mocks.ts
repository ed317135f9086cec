// Integrations under load: answered after a simulated latency (real timers, on the
// conversation's clock), failing a seeded share of calls, and optionally busy-blocking the
// worker thread like a CPU-bound integration would. Each conversation's answers depend only on
// the seed, the integration and the conversation, never on timing, so a run can be repeated.
import type { CallContext, IntegrationRequest, IntegrationResponse } from '../../common/plugin-api'
import type { Clock } from '../engine/clock'
import { SeededRandom, hashString } from '../engine/random'
import type { IntegrationProvider } from '../engine/resilience'
import type { IntegrationMock, LatencyModel } from './model'

/** z of the 99th percentile of the standard normal distribution. */
const Z99 = 2.3263478740408408

/** Where a conversation's waiting is accounted: time spent waiting is not engine service time. */
export interface PauseTracker {
  pauseBegin(): void
  pauseEnd(): void
}

/** What load runs need of time: a monotonic high-resolution clock, timers, and wall time for the engine. */
export interface LoadTime {
  /** Milliseconds since the run's epoch, sub-millisecond. */
  now(): number
  /** Wall time (ms since 1970) for the engine's conversation clock (dates, TTLs). */
  wallNow(): number
  setTimer(fn: () => void, ms: number): unknown
  clearTimer(handle: unknown): void
  /** Runs `fn` after the current macrotask (setImmediate in Node). */
  immediate(fn: () => void): void
}

/**
 * A conversation's clock under load: real (or test) time, and every sleep (a mocked latency,
 * a retry backoff) is reported as a pause so it is not counted as engine service time. The
 * load runtime's conversations extend it (one object per conversation on the hot path).
 */
export class ConversationClock implements Clock, PauseTracker {
  /** Calls made so far: the index that seeds the next mocked answer. */
  calls = 0

  constructor(
    readonly time: LoadTime,
    /** Seeds this conversation's mocked answers. */
    readonly key: number,
    private readonly tracker?: PauseTracker,
  ) {}

  pauseBegin(): void {
    this.tracker?.pauseBegin()
  }

  pauseEnd(): void {
    this.tracker?.pauseEnd()
  }

  now(): number {
    return this.time.wallNow()
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'))
    this.pauseBegin()
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        this.time.clearTimer(handle)
        this.pauseEnd()
        reject(signal!.reason ?? new Error('aborted'))
      }
      const handle = this.time.setTimer(() => {
        signal?.removeEventListener('abort', onAbort)
        this.pauseEnd()
        resolve()
      }, Math.max(0, ms))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

/** A uniform number in [0, 1) from a seed and a draw index: no state, no allocation. */
export function uniform(seed: number, draw: number): number {
  let h = (seed + Math.imul(draw, 0x9e3779b9)) >>> 0
  h = Math.imul(h ^ (h >>> 16), 0x21f0aaad)
  h = Math.imul(h ^ (h >>> 15), 0x735a2d97)
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296
}

/** A latency sample (ms) from a model, given two uniform numbers in [0, 1). */
export function sampleLatency(model: LatencyModel, u1: number, u2: number): number {
  if ('fixed_ms' in model) return model.fixed_ms
  // Log-normal with the given median and 99th percentile (Box–Muller for the normal draw).
  const mu = Math.log(model.p50_ms)
  const sigma = Math.log(model.p99_ms / model.p50_ms) / Z99
  const z = Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2)
  return Math.exp(mu + sigma * z)
}

export interface CallObserver {
  /** A mocked call answered (or failed) after `ms` of the engine's waiting. */
  callEnded(id: string, ms: number): void
  /** The worker thread was busy-blocked for `ms` by a mocked integration. */
  blocked(ms: number): void
}

/** Busy-waits: the point is to hold the thread, as CPU-bound work in an integration would. */
function spin(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // Nothing: the loop itself is the simulated work.
  }
}

export class LoadIntegrations implements IntegrationProvider {
  private readonly entries: Map<string, { mock: IntegrationMock; hash: number; slot: number; success: IntegrationResponse; failure: IntegrationResponse }>
  private readonly fallbackRandom: SeededRandom
  /** Block counters when no shared ones are given (one thread). */
  private readonly localBlockCalls: number[] = []

  constructor(
    mocks: Record<string, IntegrationMock>,
    private readonly options: {
      seed: number
      time: LoadTime
      /** One counter per mocked integration (in sorted id order), shared by every worker, for block_every. */
      blockCounters?: Int32Array
      observer?: CallObserver
    },
  ) {
    const ids = Object.keys(mocks).sort()
    // One answer object per outcome, shared by every call: the engine only reads it.
    this.entries = new Map(
      ids.map((id, slot) => {
        const mock = mocks[id]!
        const success: IntegrationResponse = mock.data === undefined ? { status_code: mock.status_code } : { status_code: mock.status_code, data: mock.data }
        const failure: IntegrationResponse = { status_code: mock.error_status, error: `simulated failure (error_rate ${mock.error_rate})` }
        return [id, { mock, hash: hashString(id, options.seed >>> 0), slot, success, failure }]
      }),
    )
    this.fallbackRandom = new SeededRandom(options.seed ^ 0x2545f491)
  }

  /** The shared block counters a run needs (one per mocked integration). */
  static counterSlots(mocks: Record<string, IntegrationMock>): number {
    return Object.keys(mocks).length
  }

  has(id: string): boolean {
    return this.entries.has(id)
  }

  call(id: string, _req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
    const entry = this.entries.get(id)
    if (!entry) return Promise.reject(new Error(`integration "${id}" is not mocked in this scenario`))
    const { mock } = entry
    const time = this.options.time
    const started = time.now()
    const clock = ctx.clock instanceof ConversationClock ? ctx.clock : undefined
    // Draws from the conversation's key and the call's index: the same conversation gets the
    // same answers however the run is scheduled.
    const seed = clock ? (entry.hash ^ Math.imul(clock.key, 0x85ebca6b) ^ Math.imul(++clock.calls, 0xc2b2ae35)) >>> 0 : (this.fallbackRandom.next() * 4294967296) >>> 0
    const answer = uniform(seed, 1) < mock.error_rate ? entry.failure : entry.success

    if (mock.block_ms !== undefined) {
      const counters = this.options.blockCounters
      const n = counters ? Atomics.add(counters, entry.slot, 1) + 1 : (this.localBlockCalls[entry.slot] = (this.localBlockCalls[entry.slot] ?? 0) + 1)
      if (n % mock.block_every === 0) {
        clock?.pauseBegin()
        const blockStart = performance.now()
        spin(mock.block_ms)
        this.options.observer?.blocked(performance.now() - blockStart)
        clock?.pauseEnd()
      }
    }
    const latency = mock.latency ? sampleLatency(mock.latency, uniform(seed, 2), uniform(seed, 3)) : 0
    const observer = this.options.observer
    if (latency <= 0) {
      observer?.callEnded(id, time.now() - started)
      return Promise.resolve(answer)
    }
    return ctx.clock.sleep(latency, ctx.signal).then(
      () => {
        observer?.callEnded(id, time.now() - started)
        return answer
      },
      (err: unknown) => {
        observer?.callEnded(id, time.now() - started)
        throw err
      },
    )
  }
}
