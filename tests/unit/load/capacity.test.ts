import { describe, expect, it } from 'vitest'
import { CapacityError, atRate, searchCapacity } from '../../../src-main/core/load/capacity'
import type { LoadResult } from '../../../src-main/core/load/result'
import type { LoadScenario } from '../../../src-main/core/load/scenario'

const scenario = {
  file: 'load/x.load.yaml',
  plan: { profile: { executor: 'ramping-arrival-rate', start_rate: 5, stages: [{ target: 50, duration_ms: 1000 }], duration_ms: 1000, arrivals: 'uniform', graceful_stop_ms: 1000 } },
  thresholds: [{ name: 'turn_latency_p99', metric: 'turn_latency', kind: 'latency', percentile: 99, conditions: [{ text: '< 20ms', op: '<', value: 20 }], abort_on_fail: false, delay_abort_eval_ms: 0 }],
} as unknown as LoadScenario

/** A system whose p99 stays at 5 ms up to 130 conversations/s and then blows up. */
function fakeRun(tried: number[]) {
  return async (s: LoadScenario): Promise<LoadResult> => {
    const rate = s.plan.profile.rate!
    tried.push(rate)
    const p99 = rate <= 130 ? 5 : 80
    return {
      thresholds: [{ name: 'turn_latency_p99', condition: '< 20ms', value: p99, unit: 'ms', passed: p99 < 20 }],
      totals: { dropped: 0, turns: rate * 4, error_turns: 0 },
      throughput: { turns_per_s: rate * 4 },
      turn_latency_ms: { p99 },
      load_generator: { bottleneck: false },
    } as unknown as LoadResult
  }
}

describe('capacity search', () => {
  it('steps the rate up until thresholds fail, then narrows the gap', async () => {
    const tried: number[] = []
    const result = await searchCapacity(scenario, { startRate: 50, factor: 2, stepDurationMs: 5000, refineSteps: 3, run: fakeRun(tried) })
    expect(tried.slice(0, 3)).toEqual([50, 100, 200])
    expect(tried.slice(3)).toEqual([150, 125, 137.5])
    expect(result.highest_held_rate).toBe(125)
    expect(result.lowest_failed_rate).toBe(137.5)
    expect(result.steps.map((s) => s.held)).toEqual([true, true, false, false, true, false])
    expect(result.steps[2]!.failures).toEqual(['turn_latency_p99 < 20ms (80)'])
  })

  it('steps down when the first rate already fails, then narrows the gap', async () => {
    const tried: number[] = []
    const result = await searchCapacity(scenario, { startRate: 500, factor: 2, stepDurationMs: 1000, refineSteps: 1, run: fakeRun(tried) })
    expect(tried).toEqual([500, 250, 125, 187.5])
    expect(result.highest_held_rate).toBe(125)
    expect(result.lowest_failed_rate).toBe(187.5)
  })

  it('reports no capacity when nothing holds', async () => {
    const result = await searchCapacity(scenario, { startRate: 5000, factor: 2, downSteps: 2, stepDurationMs: 1000, run: fakeRun([]) })
    expect(result.highest_held_rate).toBeNull()
    expect(result.steps.map((s) => s.rate)).toEqual([5000, 2500, 1250])
  })

  it('runs each step as a constant arrival rate for the step duration', () => {
    const s = atRate(scenario, 42, 3000)
    expect(s.plan.profile).toMatchObject({ executor: 'constant-arrival-rate', rate: 42, duration_ms: 3000, stages: [] })
    expect(s.plan.profile.start_rate).toBeUndefined()
  })

  it('needs thresholds to judge a step', async () => {
    await expect(searchCapacity({ ...scenario, thresholds: [] }, { startRate: 1, stepDurationMs: 1, run: fakeRun([]) })).rejects.toThrow(CapacityError)
  })
})
