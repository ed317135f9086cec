// The coordinator on virtual time, with runtimes in this thread standing in for the pool:
// scheduling, batching per worker, per-second merging, thresholds, abort-on-fail, draining.
import { describe, expect, it } from 'vitest'
import { decodeHistogram } from '../../../src-main/core/load/histogram'
import { runInline as run } from './inline-run'

const steady = `conversations:
  - steps: ["I need help", "bye"]
profile: { executor: constant-arrival-rate, rate: 10, duration: 3s }
mocks:
  integrations:
    crm_lookup: { latency_ms: 20, data: { tier: gold } }
`

describe('a load run (virtual time, workers in this thread)', () => {
  it('offers every scheduled conversation, round-robin over workers, in batches', async () => {
    const { result, channel } = await run(`${steady}thresholds:\n  turn_latency_p99: "< 50ms"\n  throughput: "> 5/s"\n  error_rate: "< 1%"\n`)
    expect(result.totals).toMatchObject({ conversations: 30, completed_conversations: 30, turns: 60, errors: 0, dropped: 0, interrupted: 0 })
    const arrivals = channel.tasks.filter((t) => t.type === 'arrivals')
    expect(arrivals.filter((t) => t.worker === 0).reduce((a, t) => a + t.arrivals, 0)).toBe(15)
    expect(arrivals.filter((t) => t.worker === 1).reduce((a, t) => a + t.arrivals, 0)).toBe(15)
    // Batched: far fewer tasks than arrivals would need one by one... and never more than one per tick.
    expect(arrivals.length).toBeLessThanOrEqual(30)
    expect(result.turn_latency_ms.p99).toBeCloseTo(20, 0)
    expect(result.turn_latency_ms.p50).toBe(0)
    expect(result.service_time_ms.max).toBe(0)
    expect(result.thresholds.every((t) => t.passed)).toBe(true)
    expect(result.passed).toBe(true)
  })

  it('builds the result the command line contract asks for', async () => {
    const { result } = await run(`${steady}thresholds:\n  turn_latency_p95: "< 5ms"\n`)
    expect(result).toMatchObject({ tool: 'flowbench', kind: 'load', scenario: 'load/inline.load.yaml' })
    expect(result.environment).toMatchObject({ workers: 2, seed: 1, commit: 'abc1234', cpus: expect.any(Number), node: process.version })
    expect(Object.keys(result.turn_latency_ms)).toEqual(['p50', 'p90', 'p95', 'p99', 'p999', 'max'])
    expect(Object.keys(result.service_time_ms)).toEqual(['p50', 'p90', 'p95', 'p99', 'p999', 'max'])
    expect(result.duration_ms).toBeGreaterThanOrEqual(3000)
    expect(result.throughput.turns_per_s).toBeCloseTo(60 / (result.duration_ms / 1000), 1)
    expect(result.thresholds).toEqual([{ name: 'turn_latency_p95', condition: '< 5ms', value: expect.any(Number), unit: 'ms', passed: false }])
    expect(result.passed).toBe(false)
    expect(result.timeline.map((e) => e.t_s)).toEqual([0, 1, 2, 3])
    expect(result.timeline.slice(0, 3).map((e) => e.conversations_started)).toEqual([10, 10, 10])
    expect(result.timeline.reduce((a, e) => a + e.turns, 0)).toBe(60)
    expect(result.timeline[0]).toMatchObject({ target: 10, rss_mb: 100 })
    expect(result.by_state.detect).toMatchObject({ turns: 60, errors: 0 })
    expect(result.by_state.greeting!.turns).toBe(30)
    expect(result.by_integration.crm_lookup).toMatchObject({ calls: 30, failures: 0, turns: 30 })
    expect(result.by_flow['flows/tiny.flow.yaml']).toMatchObject({ turns: 60, conversations: 30 })
    expect(decodeHistogram(result.histograms.turn_latency).totalCount).toBe(60)
    expect(decodeHistogram(result.histograms.by_state.detect!.turn_latency).totalCount).toBe(60)
    expect(result.load_generator.bottleneck).toBe(false)
  })

  it('aborts when an abort_on_fail threshold is missed after its delay', async () => {
    const { result } = await run(`${steady.replace('duration: 3s', 'duration: 30s')}thresholds:\n  turn_latency_p99: { condition: "< 5ms", abort_on_fail: true, delay_abort_eval: 2s }\n`)
    expect(result.aborted).toMatchObject({ reason: 'threshold', thresholds: ['turn_latency_p99 < 5ms'] })
    expect(result.aborted!.at_s).toBeGreaterThanOrEqual(2)
    expect(result.aborted!.at_s).toBeLessThan(5)
    expect(result.totals.conversations).toBeLessThan(60)
    expect(result.passed).toBe(false)
  })

  it('stops when interrupted, and still reports what it measured', async () => {
    const { result } = await run(steady.replace('duration: 3s', 'duration: 60s'), { signalAfterMs: 1500 })
    expect(result.aborted).toMatchObject({ reason: 'interrupted' })
    expect(result.totals.conversations).toBeGreaterThan(5)
    expect(result.totals.conversations).toBeLessThan(40)
    expect(result.passed).toBe(false)
  })

  it('stops gracefully: no more arrivals, the conversations in progress finish, the result says interrupted', async () => {
    const slow = steady.replace('duration: 3s', 'duration: 60s').replace('latency_ms: 20', 'latency_ms: 400')
    const { result } = await run(slow, { stopAfterMs: 1500 })
    expect(result.aborted).toEqual({ reason: 'interrupted', at_s: 1 })
    // Arrivals end at the stop (those already handed out, up to 250 ms ahead, still start)...
    expect(result.totals.conversations).toBeGreaterThanOrEqual(15)
    expect(result.totals.conversations).toBeLessThanOrEqual(18)
    // ...and every conversation that started finishes: none is cut off.
    expect(result.totals.interrupted).toBe(0)
    expect(result.totals.completed_conversations).toBe(result.totals.conversations)
    expect(result.duration_ms).toBeLessThan(3000)
    expect(result.passed).toBe(false)
  })

  it('stops virtual users gracefully too', async () => {
    const { result } = await run(`think_time: 100ms\nconversations:\n  - steps: ["hi", "bye"]\nprofile: { executor: constant-vus, vus: 3, duration: 60s }\n`, { stopAfterMs: 1000 })
    expect(result.aborted).toMatchObject({ reason: 'interrupted' })
    expect(result.totals.interrupted).toBe(0)
    expect(result.totals.completed_conversations).toBe(result.totals.conversations)
    expect(result.totals.conversations).toBeLessThan(25)
  })

  it('runs virtual users (closed model) and drains them at the end', async () => {
    const { result } = await run(`think_time: 100ms\nconversations:\n  - steps: ["hi", "bye"]\nprofile: { executor: constant-vus, vus: 3, duration: 2s }\n`, { threads: 2 })
    // Three users, 200 ms per conversation, for 2 s: 30 conversations.
    expect(result.totals.completed_conversations).toBe(30)
    expect(result.totals.turns).toBe(60)
    expect(result.timeline[0]!.target).toBe(3)
  })

  it('ramps the arrival rate through its stages', async () => {
    const { result } = await run(`conversations:\n  - steps: ["hi"]\nprofile:\n  executor: ramping-arrival-rate\n  start_rate: 0\n  stages: [{ target: 20, duration: 2s }, { target: 20, duration: 1s }]\n`)
    // 20 during the ramp (its area), 20 on the plateau.
    expect(result.totals.conversations).toBe(40)
    const started = result.timeline.map((e) => e.conversations_started)
    expect(started[0]!).toBeLessThan(started[1]!)
  })
})
