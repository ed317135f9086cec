// Capacity search: step a constant arrival rate up until the scenario's thresholds fail (or
// down, when the first rate already fails), then narrow the gap by bisection; the answer is the
// highest rate that held. A step "holds" when
// every threshold passed, nothing was dropped and the load generator was not the bottleneck
// (a rate the tool could not offer says nothing about the engine).
import type { LoadResult } from './result'
import type { LoadScenario } from './scenario'

export interface CapacityOptions {
  /** First rate tried (conversations per second). */
  startRate: number
  /** Each step multiplies the rate by this until a step fails (default 1.5). */
  factor?: number
  /** Never offer more than this (default 1,000,000/s). */
  maxRate?: number
  /** How long each step runs (ms). */
  stepDurationMs: number
  /** Bisection steps between the last rate that held and the first that failed (default 3). */
  refineSteps?: number
  /** When the first rate fails, how many times to step down by `factor` looking for one that holds (default 4). */
  downSteps?: number
  /** Runs one step; the caller decides the pool, workers and output. */
  run: (scenario: LoadScenario) => Promise<LoadResult>
  onStep?: (step: CapacityStep) => void
}

export interface CapacityStep {
  rate: number
  held: boolean
  turns_per_s: number
  p99_ms: number
  error_rate_pct: number
  /** Why it did not hold. */
  failures: string[]
}

export interface CapacityResult {
  /** Highest rate (conv/s) that held, or null when even the first step failed. */
  highest_held_rate: number | null
  lowest_failed_rate: number | null
  steps: CapacityStep[]
}

export class CapacityError extends Error {
  override name = 'CapacityError'
}

/** The scenario as a constant-arrival-rate run at `rate` for `durationMs`. */
export function atRate(scenario: LoadScenario, rate: number, durationMs: number): LoadScenario {
  const { start_rate: _s, vus: _v, start_vus: _sv, ...rest } = scenario.plan.profile
  return {
    ...scenario,
    plan: { ...scenario.plan, profile: { ...rest, executor: 'constant-arrival-rate', rate, stages: [], duration_ms: durationMs } },
  }
}

export function judgeStep(rate: number, r: LoadResult): CapacityStep {
  const failures = r.thresholds.filter((t) => !t.passed).map((t) => `${t.name} ${t.condition} (${t.value ?? 'no data'})`)
  if (r.totals.dropped > 0) failures.push(`${r.totals.dropped} conversations dropped`)
  if (r.aborted) failures.push(`aborted (${r.aborted.reason})`)
  if (r.load_generator.bottleneck) failures.push('the load generator was the bottleneck')
  return {
    rate,
    held: failures.length === 0,
    turns_per_s: r.throughput.turns_per_s,
    p99_ms: r.turn_latency_ms.p99,
    error_rate_pct: r.totals.turns ? Math.round((r.totals.error_turns / r.totals.turns) * 10_000) / 100 : 0,
    failures,
  }
}

export async function searchCapacity(scenario: LoadScenario, options: CapacityOptions): Promise<CapacityResult> {
  if (!scenario.thresholds.length) throw new CapacityError('a capacity search needs thresholds: they decide which rates hold (e.g. turn_latency_p99: "< 50ms")')
  if (!(options.startRate > 0)) throw new CapacityError('the capacity search needs a starting rate above 0')
  const factor = options.factor ?? 1.5
  if (!(factor > 1)) throw new CapacityError('the capacity search factor must be above 1')
  const maxRate = options.maxRate ?? 1_000_000
  const steps: CapacityStep[] = []
  const attempt = async (rate: number): Promise<CapacityStep> => {
    const step = judgeStep(rate, await options.run(atRate(scenario, rate, options.stepDurationMs)))
    steps.push(step)
    options.onStep?.(step)
    return step
  }
  let held: number | null = null
  let failed: number | null = null
  for (let rate = options.startRate; rate <= maxRate; rate = Math.min(maxRate, Math.round(rate * factor * 100) / 100)) {
    const step = await attempt(rate)
    if (step.held) held = rate
    else {
      failed = rate
      break
    }
    if (rate === maxRate) break
  }
  // The first rate was already too much: step down until one holds (a few steps at most).
  for (let i = 0, rate = options.startRate; held === null && i < (options.downSteps ?? 4); i++) {
    rate = Math.round((rate / factor) * 100) / 100
    if (rate <= 0) break
    const step = await attempt(rate)
    if (step.held) held = rate
    else failed = rate
  }
  if (held !== null && failed !== null) {
    let low: number = held
    let high: number = failed
    for (let i = 0; i < (options.refineSteps ?? 3); i++) {
      const mid = Math.round(((low + high) / 2) * 100) / 100
      if (mid <= low || mid >= high) break
      const step = await attempt(mid)
      if (step.held) low = mid
      else high = mid
    }
    held = low
    failed = high
  }
  return { highest_held_rate: held, lowest_failed_rate: failed, steps }
}
