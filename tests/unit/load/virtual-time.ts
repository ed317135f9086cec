// Virtual time for load-runtime and coordinator tests: timers fire only when the test moves
// time forward, so schedules, lateness and think times are exact and nothing really waits.
import type { LoadTime } from '../../../src-main/core/load/mocks'
import type { RunClock } from '../../../src-main/core/load/run'

interface Timer {
  at: number
  seq: number
  fn: () => void
}

/** Lets promise chains and setImmediate callbacks (the runtime's turn gate) run to quiescence. */
export async function settle(rounds = 30): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve))
}

export class VirtualTime implements RunClock {
  private t = 0
  private seq = 0
  private readonly timers = new Map<number, Timer>()
  /** Wall time the engine sees at t = 0. */
  readonly wallStart = Date.UTC(2026, 10, 22, 10, 0, 0)

  now(): number {
    return this.t
  }

  setTimer(fn: () => void, ms: number): unknown {
    const id = ++this.seq
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn })
    return id
  }

  clearTimer(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** A LoadTime whose t = 0 is `epoch` on this clock. */
  loadTime(epoch: () => number): LoadTime {
    return {
      now: () => this.t - epoch(),
      wallNow: () => this.wallStart + this.t,
      setTimer: (fn, ms) => this.setTimer(fn, ms),
      clearTimer: (h) => this.clearTimer(h),
      immediate: (fn) => {
        setImmediate(fn)
      },
    }
  }

  /** Moves time to `target`, firing due timers in order and letting each one's work finish. */
  async advanceTo(target: number): Promise<void> {
    await settle()
    for (;;) {
      let next: Timer | undefined
      for (const timer of this.timers.values()) {
        if (timer.at <= target && (!next || timer.at < next.at || (timer.at === next.at && timer.seq < next.seq))) next = timer
      }
      if (!next) break
      this.timers.delete(next.seq)
      this.t = Math.max(this.t, next.at)
      next.fn()
      await settle()
    }
    this.t = Math.max(this.t, target)
    await settle()
  }

  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.t + ms)
  }
}
