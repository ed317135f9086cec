// Resilience for integration calls on the conversation's clock: a timeout per attempt,
// retries with exponential backoff and seeded jitter, and a circuit breaker per integration.
// Hand-written because cockatiel reads Date.now, setTimeout and Math.random directly and so
// cannot run on the fake clock (docs/engine.md).
import type { CallContext, IntegrationRequest, IntegrationResponse, PluginClock, PluginLog, ResilienceDefaults } from '../../common/plugin-api'
import type { Clock } from './clock'
import { RealClock } from './clock'

/** The `error` vocabulary of a failed integration call (besides `http_<status>`). */
export const INTEGRATION_ERROR_CODES = ['timeout', 'network', 'malformed_response', 'circuit_open', 'no_provider', 'exception'] as const
export type IntegrationErrorCode = (typeof INTEGRATION_ERROR_CODES)[number] | `http_${number}`

/** A provider (plugin host, test mock) may throw this to choose the failure's `error` code. */
export class IntegrationError extends Error {
  override name = 'IntegrationError'
  constructor(
    readonly code: string,
    message?: string,
  ) {
    super(message ?? code)
  }
}

export interface CircuitBreakerConfig {
  /** Consecutive failed attempts that open the breaker. */
  threshold: number
  /** Time the breaker stays open before it lets one trial call through (half-open). */
  cooldown_ms: number
}

export interface ResilienceConfig {
  timeout_ms: number
  /** Extra attempts after the first. */
  retries: number
  /** First retry delay; doubles per retry. */
  backoff_ms: number
  max_backoff_ms: number
  circuit_breaker: CircuitBreakerConfig | null
}

/** Engine defaults, the last in the precedence state > flow `integrations.<id>` > provider > engine. */
export const RESILIENCE_DEFAULTS: Readonly<ResilienceConfig> = Object.freeze({
  timeout_ms: 10_000,
  retries: 0,
  backoff_ms: 100,
  max_backoff_ms: 5_000,
  circuit_breaker: null,
})

export type BreakerState = 'closed' | 'open' | 'half_open'

/** Consecutive-failure breaker: threshold failures open it; after cooldown one trial call decides. */
export class CircuitBreaker {
  private stateValue: BreakerState = 'closed'
  private failures = 0
  private openedAt = 0
  private trialInFlight = false

  constructor(public config: CircuitBreakerConfig) {}

  get state(): BreakerState {
    return this.stateValue
  }

  get consecutiveFailures(): number {
    return this.failures
  }

  /** May a call go through at `now`? Moves open -> half-open once the cooldown has passed. */
  tryAcquire(now: number): boolean {
    switch (this.stateValue) {
      case 'closed':
        return true
      case 'open':
        if (now - this.openedAt < this.config.cooldown_ms) return false
        this.stateValue = 'half_open'
        this.trialInFlight = true
        return true
      case 'half_open':
        // One trial at a time: concurrent calls fail fast until it has answered.
        if (this.trialInFlight) return false
        this.trialInFlight = true
        return true
    }
  }

  record(success: boolean, now: number): void {
    this.trialInFlight = false
    if (success) {
      this.failures = 0
      this.stateValue = 'closed'
      return
    }
    this.failures++
    if (this.stateValue === 'half_open' || this.failures >= this.config.threshold) {
      this.stateValue = 'open'
      this.openedAt = now
    }
  }

  /** Time at which an open breaker lets a trial through (NaN unless open). */
  reopensAt(): number {
    return this.stateValue === 'open' ? this.openedAt + this.config.cooldown_ms : NaN
  }
}

/**
 * Breakers keyed by integration id. The caller decides the scope: one registry per test under
 * `flowbench test`, one per engine under load and serve (the engine's default).
 */
export class BreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>()

  /** The breaker of `id`, created on first use; a changed config applies from now on. */
  get(id: string, config: CircuitBreakerConfig): CircuitBreaker {
    let b = this.breakers.get(id)
    if (b === undefined) {
      b = new CircuitBreaker(config)
      this.breakers.set(id, b)
    } else if (b.config.threshold !== config.threshold || b.config.cooldown_ms !== config.cooldown_ms) b.config = config
    return b
  }

  peek(id: string): CircuitBreaker | undefined {
    return this.breakers.get(id)
  }

  snapshot(): Record<string, { state: BreakerState; failures: number }> {
    const out: Record<string, { state: BreakerState; failures: number }> = {}
    for (const [id, b] of this.breakers) out[id] = { state: b.state, failures: b.consecutiveFailures }
    return out
  }

  clear(): void {
    this.breakers.clear()
  }
}

/** What the engine needs of an integration provider (plugin host or test mocks). */
export interface IntegrationProvider {
  has(id: string): boolean
  call(id: string, req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse>
  /** Resilience defaults of the plugin serving `id`; the flow's `integrations` section wins. */
  defaults?(id: string): ResilienceDefaults | undefined
  /**
   * True when calls to `id` do real work (network, disk) instead of answering on the
   * conversation's clock. On a virtual clock such a call holds virtual time still, and its
   * timeout and the provider's `clock.sleep` run in real time: otherwise the virtual clock,
   * seeing nothing progress, would jump straight to the deadline (docs/engine.md).
   */
  realtime?(id: string): boolean
}

/** A clock that can pause its own automatic advance while real work is in flight (FakeClock). */
interface HoldableClock extends Clock {
  holdWhile<T>(work: Promise<T>): Promise<T>
}

function isHoldable(clock: Clock): clock is HoldableClock {
  return typeof (clock as { holdWhile?: unknown }).holdWhile === 'function'
}

const WALL = new RealClock()

/** Virtual `now` (so durations and dates stay on the conversation), real `sleep`. */
function realtimeView(clock: Clock): Clock {
  return { now: () => clock.now(), sleep: (ms, signal) => WALL.sleep(ms, signal) }
}

export interface CallOutcome {
  success: boolean
  status_code?: number
  data?: unknown
  /** Vocabulary code: timeout, network, malformed_response, http_<status>, circuit_open, no_provider, exception. */
  error?: string
  /** Human-readable detail of the failure. */
  message?: string
  attempts: number
  duration_ms: number
}

interface AttemptResult {
  success: boolean
  status_code?: number
  data?: unknown
  error?: string
  message?: string
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT', 'network'])

/** Turns whatever a provider threw into a failure with a vocabulary code. */
export function failureFromThrown(err: unknown): AttemptResult {
  if (err instanceof IntegrationError) return { success: false, error: err.code, message: err.message }
  const e = err as { name?: unknown; code?: unknown; message?: unknown; cause?: { code?: unknown } } | null | undefined
  const message = typeof e?.message === 'string' ? e.message : String(err)
  if (e !== null && typeof e === 'object') {
    if (e.name === 'TimeoutError' || e.code === 'timeout' || e.code === 'ETIMEDOUT') return { success: false, error: 'timeout', message }
    if (e.name === 'NetworkError' || NETWORK_CODES.has(String(e.code)) || NETWORK_CODES.has(String(e.cause?.code)) || message === 'fetch failed') {
      return { success: false, error: 'network', message }
    }
    if (e.code === 'malformed_response') return { success: false, error: 'malformed_response', message }
  }
  return { success: false, error: 'exception', message }
}

/** Classifies what a provider answered: 2xx success, other status `http_<status>`, else malformed. */
export function outcomeOfResponse(value: unknown): AttemptResult {
  if (value === null || typeof value !== 'object') {
    return { success: false, error: 'malformed_response', message: `expected an object with a numeric status_code, got ${value === null ? 'null' : typeof value}` }
  }
  const r = value as Partial<IntegrationResponse>
  const status = r.status_code
  if (typeof status !== 'number' || !Number.isFinite(status)) {
    return { success: false, error: 'malformed_response', message: 'the response has no numeric status_code' }
  }
  if (status >= 200 && status < 300) return { success: true, status_code: status, data: r.data }
  return {
    success: false,
    status_code: status,
    data: r.data,
    error: `http_${status}`,
    message: typeof r.error === 'string' && r.error !== '' ? r.error : `status ${status}`,
  }
}

/** The context handed to a provider; the AbortController is created only if the provider asks. */
class AttemptContext implements CallContext {
  private controller: AbortController | null = null
  private abortedReason: unknown = undefined
  /** Set when the deadline passed: a rejection that follows is the provider honouring the abort. */
  timedOut = false

  constructor(
    readonly clock: PluginClock,
    readonly log: PluginLog,
    readonly integrationId: string,
    readonly conversationId: string,
  ) {}

  get signal(): AbortSignal {
    if (this.controller === null) {
      this.controller = new AbortController()
      if (this.abortedReason !== undefined) this.controller.abort(this.abortedReason)
    }
    return this.controller.signal
  }

  abort(reason: unknown): void {
    if (this.abortedReason !== undefined) return
    this.abortedReason = reason
    this.controller?.abort(reason)
  }
}

class TimeoutReason extends Error {
  override name = 'TimeoutError'
}

/**
 * One provider call bounded by `timeoutMs` on the clock. The timer is armed only if the
 * provider has not answered within a microtask, so an in-process provider that answers at
 * once costs no timer; the deadline still counts from the start of the call.
 */
function attempt(
  provider: IntegrationProvider,
  id: string,
  req: IntegrationRequest,
  ctx: AttemptContext,
  timeoutMs: number,
  clock: Clock,
  started: number,
): Promise<AttemptResult> {
  let pending: Promise<IntegrationResponse>
  try {
    pending = provider.call(id, req, ctx)
  } catch (err) {
    return Promise.resolve(failureFromThrown(err))
  }
  if (pending === null || typeof pending !== 'object' || typeof (pending as { then?: unknown }).then !== 'function') {
    return Promise.resolve(outcomeOfResponse(pending))
  }
  return new Promise<AttemptResult>((resolve) => {
    let settled = false
    let timer: AbortController | null = null
    const finish = (result: AttemptResult): void => {
      if (settled) return
      settled = true
      if (timer !== null) timer.abort()
      resolve(result)
    }
    pending.then(
      (value) => finish(outcomeOfResponse(value)),
      (err: unknown) => finish(ctx.timedOut ? timeoutResult(timeoutMs) : failureFromThrown(err)),
    )
    queueMicrotask(() => {
      if (settled) return
      timer = new AbortController()
      const remaining = Math.max(0, timeoutMs - (clock.now() - started))
      clock.sleep(remaining, timer.signal).then(
        () => {
          if (settled) return
          ctx.timedOut = true
          ctx.abort(new TimeoutReason(`timed out after ${timeoutMs} ms`))
          finish(timeoutResult(timeoutMs))
        },
        () => undefined,
      )
    })
  })
}

function timeoutResult(timeoutMs: number): AttemptResult {
  return { success: false, error: 'timeout', message: `no answer within ${timeoutMs} ms` }
}

export interface CallSettings {
  provider: IntegrationProvider | undefined
  id: string
  request: IntegrationRequest
  config: ResilienceConfig
  breakers: BreakerRegistry
  clock: Clock
  log: PluginLog
  conversationId: string
  /** Jitter source in [0, 1), seeded per conversation. */
  random: { next(): number }
}

/**
 * Calls an integration with timeout, retries and the breaker. Never throws: every problem is
 * a failed outcome with a vocabulary `error`.
 */
export async function callIntegration(s: CallSettings): Promise<CallOutcome> {
  const clock = s.clock
  const started = clock.now()
  let hasProvider = false
  try {
    hasProvider = s.provider !== undefined && s.provider.has(s.id)
  } catch {
    hasProvider = false
  }
  if (!hasProvider) {
    return { success: false, error: 'no_provider', message: `no provider for integration "${s.id}"`, attempts: 0, duration_ms: 0 }
  }
  const provider = s.provider!
  const cfg = s.config
  let realtime = false
  try {
    realtime = isHoldable(clock) && provider.realtime?.(s.id) === true
  } catch {
    realtime = false
  }
  const breaker = cfg.circuit_breaker !== null ? s.breakers.get(s.id, cfg.circuit_breaker) : null
  let attempts = 0
  let result: AttemptResult
  for (;;) {
    if (breaker !== null && !breaker.tryAcquire(clock.now())) {
      result = { success: false, error: 'circuit_open', message: `circuit breaker for "${s.id}" is open` }
      break
    }
    attempts++
    if (realtime) {
      const view = realtimeView(clock)
      const ctx = new AttemptContext(view, s.log, s.id, s.conversationId)
      result = await (clock as HoldableClock).holdWhile(attempt(provider, s.id, s.request, ctx, cfg.timeout_ms, view, clock.now()))
    } else {
      const ctx = new AttemptContext(clock, s.log, s.id, s.conversationId)
      result = await attempt(provider, s.id, s.request, ctx, cfg.timeout_ms, clock, attempts === 1 ? started : clock.now())
    }
    if (breaker !== null) breaker.record(result.success, clock.now())
    if (result.success || attempts > cfg.retries) break
    await clock.sleep(backoffDelay(cfg, attempts, s.random.next()))
  }
  const out: CallOutcome = { success: result.success, attempts, duration_ms: clock.now() - started }
  if (result.status_code !== undefined) out.status_code = result.status_code
  if (result.data !== undefined) out.data = result.data
  if (result.error !== undefined) out.error = result.error
  if (result.message !== undefined) out.message = result.message
  return out
}

/**
 * Delay before retry n (1-based): backoff_ms × 2^(n-1), capped at max_backoff_ms, then scaled
 * by a jitter factor in [0.5, 1) ("equal jitter"), so retries of many conversations spread out.
 */
export function backoffDelay(cfg: Pick<ResilienceConfig, 'backoff_ms' | 'max_backoff_ms'>, retry: number, random: number): number {
  const base = Math.min(cfg.max_backoff_ms, cfg.backoff_ms * 2 ** (retry - 1))
  return Math.round(base * (0.5 + random / 2))
}
