import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { ArrivalSchedule, StagedCurve, rateCurve, vuCurve, vusAt, vusForWorker } from '../../../src-main/core/load/schedule'
import type { LoadProfile } from '../../../src-main/core/load/model'

const base: LoadProfile = { executor: 'constant-arrival-rate', stages: [], duration_ms: 0, arrivals: 'uniform', graceful_stop_ms: 30_000, warmup_ms: 0 }

describe('StagedCurve', () => {
  it('holds a constant value for its duration and is 0 outside it', () => {
    const c = StagedCurve.constant(20, 3000)
    expect(c.end).toBe(3000)
    expect(c.at(0)).toBe(20)
    expect(c.at(2999)).toBe(20)
    expect(c.at(3000)).toBe(0)
    expect(c.at(-1)).toBe(0)
    expect(c.cumulative(1500)).toBeCloseTo(30)
    expect(c.cumulative(10_000)).toBeCloseTo(60)
  })

  it('ramps linearly between stage targets', () => {
    const c = new StagedCurve(0, [{ target: 100, duration_ms: 10_000 }, { target: 100, duration_ms: 5_000 }, { target: 0, duration_ms: 5_000 }])
    expect(c.end).toBe(20_000)
    expect(c.at(5_000)).toBeCloseTo(50)
    expect(c.at(12_000)).toBe(100)
    expect(c.at(17_500)).toBeCloseTo(50)
    // Area: ramp 500 + plateau 500 + ramp down 250.
    expect(c.cumulative(20_000)).toBeCloseTo(1250)
  })

  it('treats a zero-length stage as a jump (a spike)', () => {
    const c = new StagedCurve(10, [{ target: 10, duration_ms: 1000 }, { target: 200, duration_ms: 0 }, { target: 200, duration_ms: 1000 }])
    expect(c.at(500)).toBe(10)
    expect(c.at(1500)).toBe(200)
  })

  it('inverts its cumulative count', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 500, noNaN: true }),
        fc.array(fc.record({ target: fc.double({ min: 0, max: 500, noNaN: true }), duration_ms: fc.integer({ min: 1, max: 20_000 }) }), { minLength: 1, maxLength: 5 }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        (start, stages, share) => {
          const c = new StagedCurve(start, stages)
          const total = c.cumulative(c.end)
          const n = total * share * 0.999
          const t = c.inverse(n)
          if (total < 1e-6) return true
          expect(t).toBeDefined()
          expect(c.cumulative(t!)).toBeCloseTo(n, 3)
          return true
        },
      ),
    )
  })
})

describe('ArrivalSchedule', () => {
  it('spaces a constant rate evenly from t = 0 (k6 semantics)', () => {
    const s = new ArrivalSchedule(rateCurve({ ...base, rate: 4, duration_ms: 2000 }), 'uniform', 1)
    const times: number[] = []
    for (let t = s.next(); t !== undefined; t = s.next()) times.push(t)
    expect(times).toEqual([0, 250, 500, 750, 1000, 1250, 1500, 1750])
    expect(s.count).toBe(8)
  })

  it('hands out arrivals up to a horizon, in order, without losing any', () => {
    const s = new ArrivalSchedule(rateCurve({ ...base, rate: 1000, duration_ms: 1000 }), 'uniform', 1)
    const first = s.takeUntil(100)
    const second = s.takeUntil(1000)
    expect(first).toHaveLength(100)
    expect(first.every((t) => t < 100)).toBe(true)
    expect(first.length + second.length).toBe(1000)
    expect(second[0]).toBeCloseTo(100)
    expect(s.peek()).toBeUndefined()
  })

  it('ramps: more arrivals late in a rising stage than early', () => {
    const profile: LoadProfile = { ...base, executor: 'ramping-arrival-rate', start_rate: 0, stages: [{ target: 100, duration_ms: 10_000 }], duration_ms: 10_000 }
    const s = new ArrivalSchedule(rateCurve(profile), 'uniform', 1)
    const times = s.takeUntil(Infinity)
    expect(times.length).toBe(500)
    const firstHalf = times.filter((t) => t < 5000).length
    expect(firstHalf).toBe(125)
  })

  it('is a seeded Poisson process: same seed, same arrivals; about rate × duration of them', () => {
    const curve = rateCurve({ ...base, rate: 200, duration_ms: 10_000 })
    const a = new ArrivalSchedule(curve, 'poisson', 42).takeUntil(Infinity)
    const b = new ArrivalSchedule(curve, 'poisson', 42).takeUntil(Infinity)
    const c = new ArrivalSchedule(curve, 'poisson', 43).takeUntil(Infinity)
    expect(a).toEqual(b)
    expect(a).not.toEqual(c)
    // 2000 expected; a Poisson count's standard deviation is √2000 ≈ 45.
    expect(a.length).toBeGreaterThan(2000 - 5 * 45)
    expect(a.length).toBeLessThan(2000 + 5 * 45)
    for (let i = 1; i < a.length; i++) expect(a[i]!).toBeGreaterThanOrEqual(a[i - 1]!)
  })
})

describe('virtual users', () => {
  it('splits users over workers so every user has one worker and the split is stable as the total grows', () => {
    for (let total = 0; total < 50; total++) {
      for (const workers of [1, 2, 3, 7]) {
        let sum = 0
        for (let w = 0; w < workers; w++) sum += vusForWorker(total, w, workers)
        expect(sum).toBe(total)
        for (let w = 0; w < workers; w++) expect(vusForWorker(total + 1, w, workers)).toBeGreaterThanOrEqual(vusForWorker(total, w, workers))
      }
    }
  })

  it('follows ramping stages, rounded to whole users', () => {
    const curve = vuCurve({ ...base, executor: 'ramping-vus', start_vus: 0, stages: [{ target: 10, duration_ms: 10_000 }, { target: 0, duration_ms: 10_000 }], duration_ms: 20_000 })
    expect(vusAt(curve, 0)).toBe(0)
    expect(vusAt(curve, 5_000)).toBe(5)
    expect(vusAt(curve, 10_000)).toBe(10)
    expect(vusAt(curve, 19_000)).toBe(1)
    expect(vusAt(curve, 20_000)).toBe(0)
  })

  it('holds constant-vus for its duration', () => {
    const curve = vuCurve({ ...base, executor: 'constant-vus', vus: 8, duration_ms: 5000 })
    expect(vusAt(curve, 0)).toBe(8)
    expect(vusAt(curve, 4999)).toBe(8)
    expect(vusAt(curve, 5000)).toBe(0)
  })
})
