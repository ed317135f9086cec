// When load is offered: arrival times for the open model, virtual-user counts for the closed
// model, both from a profile's rate/VU curve (constant, or stages ramping linearly). Pure
// functions of time, so they are tested without a clock.
import { SeededRandom } from '../engine/random'
import type { LoadProfile, Stage } from './model'

/** One linear piece of a curve: the value goes from v0 at t0 to v1 at t1 (ms). */
interface Segment {
  t0: number
  t1: number
  v0: number
  v1: number
  /** Arrivals expected before t0 (∫ rate), for rate curves. */
  n0: number
}

/** A piecewise-linear curve over [0, end): a rate (per second) or a number of virtual users. */
export class StagedCurve {
  private readonly segments: Segment[]
  readonly end: number

  constructor(start: number, stages: readonly Stage[]) {
    const segments: Segment[] = []
    let t = 0
    let v = start
    let n = 0
    for (const s of stages) {
      if (s.duration_ms <= 0) {
        v = s.target
        continue
      }
      const seg = { t0: t, t1: t + s.duration_ms, v0: v, v1: s.target, n0: n }
      segments.push(seg)
      n += ((v + s.target) / 2) * (s.duration_ms / 1000)
      t = seg.t1
      v = s.target
    }
    this.segments = segments
    this.end = t
  }

  /** A constant value for `duration_ms`. */
  static constant(value: number, durationMs: number): StagedCurve {
    return new StagedCurve(value, [{ target: value, duration_ms: durationMs }])
  }

  /** The value at `t` ms (0 outside [0, end)). */
  at(t: number): number {
    const seg = this.segmentAt(t)
    if (!seg) return 0
    return seg.v0 + ((seg.v1 - seg.v0) * (t - seg.t0)) / (seg.t1 - seg.t0)
  }

  /** ∫ value dt from 0 to t, with t in ms and the value per second: arrivals expected by t. */
  cumulative(t: number): number {
    if (t <= 0 || !this.segments.length) return 0
    const last = this.segments[this.segments.length - 1]!
    if (t >= this.end) return last.n0 + ((last.v0 + last.v1) / 2) * ((last.t1 - last.t0) / 1000)
    const seg = this.segmentAt(t)!
    const tau = (t - seg.t0) / 1000
    const d = (seg.t1 - seg.t0) / 1000
    return seg.n0 + seg.v0 * tau + ((seg.v1 - seg.v0) * tau * tau) / (2 * d)
  }

  /** The time (ms) by which `n` arrivals are expected; undefined when that is past the end. */
  inverse(n: number): number | undefined {
    if (n < 0) return undefined
    for (const seg of this.segments) {
      const d = (seg.t1 - seg.t0) / 1000
      const n1 = seg.n0 + ((seg.v0 + seg.v1) / 2) * d
      if (n >= n1) continue
      const delta = n - seg.n0
      const a = (seg.v1 - seg.v0) / (2 * d)
      const b = seg.v0
      // a·τ² + b·τ = delta, written in the form that stays exact when a is 0 or b is 0.
      const disc = b * b + 4 * a * delta
      const tau = delta === 0 ? 0 : (2 * delta) / (b + Math.sqrt(Math.max(0, disc)))
      return seg.t0 + Math.min(d, Math.max(0, tau)) * 1000
    }
    return undefined
  }

  private segmentAt(t: number): Segment | undefined {
    if (t < 0 || t >= this.end) return undefined
    // Profiles have a handful of stages: a scan beats a search.
    for (const seg of this.segments) if (t < seg.t1) return seg
    return undefined
  }
}

/** The arrival-rate curve of an open-model profile (conversations per second). */
export function rateCurve(profile: LoadProfile): StagedCurve {
  if (profile.executor === 'constant-arrival-rate') return StagedCurve.constant(profile.rate ?? 0, profile.duration_ms)
  return new StagedCurve(profile.start_rate ?? 0, profile.stages)
}

/** The virtual-user curve of a closed-model profile. */
export function vuCurve(profile: LoadProfile): StagedCurve {
  if (profile.executor === 'constant-vus') return StagedCurve.constant(profile.vus ?? 0, profile.duration_ms)
  return new StagedCurve(profile.start_vus ?? 0, profile.stages)
}

export function isOpenModel(profile: LoadProfile): boolean {
  return profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate'
}

/**
 * Intended start times of conversations, in order. Uniform: the k-th arrival is when the
 * curve expects k arrivals (at a constant rate, evenly spaced from t=0). Poisson: the same
 * curve with unit-exponential gaps (time rescaling), seeded, so a run can be repeated.
 */
export class ArrivalSchedule {
  private handedOut = 0
  private expected = 0
  private upcoming: number | undefined
  private readonly random: SeededRandom | undefined

  constructor(private readonly curve: StagedCurve, mode: 'uniform' | 'poisson', seed: number) {
    this.random = mode === 'poisson' ? new SeededRandom(seed ^ 0x5bd1e995) : undefined
    this.upcoming = this.compute()
  }

  /** Arrivals handed out so far. */
  get count(): number {
    return this.handedOut
  }

  /** The next arrival's intended start (ms) without taking it; undefined once the schedule is over. */
  peek(): number | undefined {
    return this.upcoming
  }

  /** Takes the next arrival's intended start (ms); undefined once the schedule is over. */
  next(): number | undefined {
    const t = this.upcoming
    if (t === undefined) return undefined
    this.handedOut++
    this.upcoming = this.compute()
    return t
  }

  /** Every arrival before `until` (ms) not yet handed out. */
  takeUntil(until: number, out: number[] = []): number[] {
    while (this.upcoming !== undefined && this.upcoming < until) out.push(this.next()!)
    return out
  }

  private compute(): number | undefined {
    if (this.random) this.expected += -Math.log(1 - this.random.next())
    else this.expected = this.handedOut
    const t = this.curve.inverse(this.expected)
    return t === undefined || t >= this.curve.end ? undefined : t
  }
}

/**
 * Virtual users a worker runs when `total` run across `workers`: user v runs on worker
 * v mod workers, so each worker's users are a stable subset as the total ramps.
 */
export function vusForWorker(total: number, worker: number, workers: number): number {
  if (total <= worker) return 0
  return Math.floor((total - worker - 1) / workers) + 1
}

/** Virtual users at time t: the curve rounded to whole users. */
export function vusAt(curve: StagedCurve, t: number): number {
  return Math.max(0, Math.round(curve.at(t)))
}
