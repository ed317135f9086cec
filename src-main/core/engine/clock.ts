// Time for the engine: the wall clock, and a virtual-time clock that runs tests without waiting.
import type { PluginClock } from '../../common/plugin-api'

/** The clock a conversation runs on: integration delays, timeouts, backoff, TTL and dates. */
export interface Clock extends PluginClock {
  now(): number
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new Error('aborted')
}

/** Wall-clock time and real timers. */
export class RealClock implements Clock {
  now(): number {
    return Date.now()
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        clearTimeout(handle)
        reject(abortReason(signal!))
      }
      const handle = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.max(0, ms))
      signal?.addEventListener('abort', onAbort, { once: true })
    })
  }
}

interface FakeTimer {
  at: number
  seq: number
  resolve: () => void
  reject: (reason: unknown) => void
  signal: AbortSignal | undefined
  onAbort: (() => void) | undefined
}

// Runs a callback once the microtask queue has drained (a macrotask). setImmediate where the
// platform has it (Node), otherwise a zero timeout, so the engine stays portable.
const defer: (fn: () => void) => void =
  typeof (globalThis as { setImmediate?: unknown }).setImmediate === 'function'
    ? (fn) => {
        ;(globalThis as unknown as { setImmediate(f: () => void): void }).setImmediate(fn)
      }
    : (fn) => {
        setTimeout(fn, 0)
      }

/**
 * A virtual-time scheduler. `sleep(ms)` registers a timer; when nothing else can make
 * progress (every pending promise chain is blocked on a timer) the earliest timer fires and
 * `now` jumps to it, so an integration that answers after 20 ms loses a race against a
 * 10 ms timeout every time, and nothing really waits. `advance(ms)` moves time forward by
 * hand, firing the timers that fall due on the way.
 *
 * Conversations attach themselves to their clock; once any conversation is attached, timers
 * fire on their own only while one of its turns is in progress. Between turns the clock only
 * moves through `advance` (tests' `wait` steps), so a stray timer left behind by a plugin
 * that ignored its abort signal cannot move a conversation's time behind its back.
 */
export class FakeClock implements Clock {
  private current: number
  private readonly timers: FakeTimer[] = []
  private seq = 0
  private attached = 0
  private busy = 0
  private checkPending = false
  private generation = 0
  private deferrals = 0
  private holds = 0

  constructor(startMs = 0) {
    this.current = startMs
  }

  now(): number {
    return this.current
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(abortReason(signal))
    const delay = Number.isFinite(ms) && ms > 0 ? ms : 0
    return new Promise<void>((resolve, reject) => {
      const timer: FakeTimer = { at: this.current + delay, seq: this.seq++, resolve, reject, signal, onAbort: undefined }
      if (signal !== undefined) {
        timer.onAbort = () => {
          this.remove(timer)
          reject(abortReason(signal))
        }
        signal.addEventListener('abort', timer.onAbort, { once: true })
      }
      this.insert(timer)
      this.generation++
      this.scheduleCheck()
    })
  }

  /** Moves time forward by `ms`, firing every timer that falls due, in order. */
  advance(ms: number): void {
    const target = this.current + (Number.isFinite(ms) && ms > 0 ? ms : 0)
    while (this.timers.length > 0 && this.timers[0]!.at <= target) this.fire(this.timers.shift()!)
    this.current = target
  }

  /** Fires the earliest pending timer (jumping time to it); false when none is pending. */
  runNext(): boolean {
    const timer = this.timers.shift()
    if (timer === undefined) return false
    this.fire(timer)
    return true
  }

  /** Timers registered and not yet fired or aborted. */
  pending(): number {
    return this.timers.length
  }

  /** Engine hook: a conversation now runs on this clock. */
  attachConversation(): void {
    this.attached++
  }

  /** Engine hook: a turn of an attached conversation started; timers may fire on their own. */
  turnStarted(): void {
    this.busy++
    this.scheduleCheck()
  }

  /** Engine hook: that turn ended. */
  turnEnded(): void {
    if (this.busy > 0) this.busy--
  }

  /**
   * Holds virtual time still while `work` (real I/O, such as a plugin's network call) is in
   * flight: nothing a test can see progresses during it, which would otherwise look like
   * idleness and fire the next timer — typically that very call's deadline.
   */
  holdWhile<T>(work: Promise<T>): Promise<T> {
    this.holds++
    const release = (): void => {
      this.holds--
      this.scheduleCheck()
    }
    return work.then(
      (value) => {
        release()
        return value
      },
      (err: unknown) => {
        release()
        throw err
      },
    )
  }

  private autoFire(): boolean {
    return (this.attached === 0 || this.busy > 0) && this.holds === 0
  }

  private fire(timer: FakeTimer): void {
    if (timer.at > this.current) this.current = timer.at
    if (timer.signal !== undefined && timer.onAbort !== undefined) timer.signal.removeEventListener('abort', timer.onAbort)
    timer.resolve()
  }

  private insert(timer: FakeTimer): void {
    // Timers are few (a turn's pending calls); a sorted array keeps (at, seq) order cheaply.
    let i = this.timers.length
    while (i > 0 && this.timers[i - 1]!.at > timer.at) i--
    this.timers.splice(i, 0, timer)
  }

  private remove(timer: FakeTimer): void {
    const i = this.timers.indexOf(timer)
    if (i >= 0) this.timers.splice(i, 1)
  }

  private scheduleCheck(): void {
    if (this.checkPending || this.timers.length === 0 || !this.autoFire()) return
    this.checkPending = true
    const seen = this.generation
    // Two macrotask hops: the first lets every microtask chain settle, the second gives a
    // chain that itself hopped through one macrotask (setImmediate in a plugin) its chance.
    defer(() => defer(() => this.check(seen)))
  }

  private check(seen: number): void {
    this.checkPending = false
    if (this.timers.length === 0 || !this.autoFire()) return
    if (seen !== this.generation && this.deferrals < 3) {
      // Something registered a timer meanwhile: work is still unfolding; look again later
      // (a bounded number of times, so a plugin that keeps registering cannot stall time).
      this.deferrals++
      this.scheduleCheck()
      return
    }
    this.deferrals = 0
    this.fire(this.timers.shift()!)
    this.generation++
    this.scheduleCheck()
  }
}

/** True for a clock that can be moved forward by hand (FakeClock or a compatible one). */
export function isAdvanceable(clock: Clock): clock is Clock & { advance(ms: number): void } {
  return typeof (clock as { advance?: unknown }).advance === 'function'
}
