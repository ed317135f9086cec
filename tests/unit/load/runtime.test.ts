// The worker runtime on virtual time: arrivals, think time, lateness, virtual users, in-flight
// limits and interruption, with exact expectations (engine work takes no virtual time).
import { describe, expect, it } from 'vitest'
import { join, resolve } from 'node:path'
import { LoadRuntime } from '../../../src-main/core/load/runtime'
import { RunMetrics } from '../../../src-main/core/load/metrics'
import { percentileMs } from '../../../src-main/core/load/histogram'
import { loadScenarioText } from '../../../src-main/core/load/scenario'
import type { LoadTask, WorkerReport } from '../../../src-main/core/load/protocol'
import { VirtualTime, settle } from './virtual-time'

const fixtures = resolve(__dirname, '../../fixtures/load')

/** A task without its run id (the helper adds it); distributes over the task union. */
type TaskBody = LoadTask extends infer T ? (T extends LoadTask ? Omit<T, 'run'> : never) : never

async function setUp(extra: string, profile = 'profile: { executor: constant-arrival-rate, rate: 10, duration: 10s }') {
  const scenario = await loadScenarioText(`flow: ../flows/tiny.flow.yaml\n${profile}\n${extra}`, join(fixtures, 'load/inline.load.yaml'))
  const vt = new VirtualTime()
  const runtime = new LoadRuntime({ plan: scenario.plan, worker: 0, workers: 1, time: vt.loadTime(() => 0), shared: new SharedArrayBuffer(16), spinMs: 0 })
  runtime.begin()
  const metrics = new RunMetrics()
  const reports: WorkerReport[] = []
  const send = (task: TaskBody): WorkerReport => {
    const report = runtime.handle({ ...task, run: 'test' } as LoadTask)
    for (const s of report.seconds) metrics.absorb(s)
    reports.push(report)
    return report
  }
  return { vt, runtime, metrics, send, scenario }
}

const helpOnce = `conversations:\n  - steps: ["I need help"]\nmocks:\n  integrations:\n    crm_lookup: { latency_ms: 30, data: { tier: gold } }\n`

describe('the load runtime', () => {
  it('starts each arrival at its intended time and measures turns from their intended start', async () => {
    const { vt, send, metrics } = await setUp(helpOnce)
    send({ type: 'arrivals', first: 0, stride: 1, times: [100, 200, 300] })
    await vt.advanceTo(5000)
    const last = send({ type: 'finish', interrupt: false })
    expect(last.finished).toBe(true)
    expect(metrics.conversationsStarted).toBe(3)
    expect(metrics.conversationsCompleted).toBe(3)
    expect(metrics.turns).toBe(3)
    // The integration answers after 30 ms of (virtual) time; the engine itself takes none.
    expect(percentileMs(metrics.turnLatency, 100)).toBeCloseTo(30, 1)
    expect(percentileMs(metrics.service, 100)).toBe(0)
    expect(percentileMs(metrics.queueWait, 100)).toBe(0)
    expect(metrics.integrations.get('crm_lookup')).toMatchObject({ calls: 3, failures: 0, turns: 3 })
    expect(percentileMs(metrics.integrations.get('crm_lookup')!.callLatency, 50)).toBeCloseTo(30, 1)
    expect([...metrics.states.keys()].sort()).toEqual(['detect', 'greeting', 'helped', 'lookup'])
    expect(metrics.states.get('greeting')!.turns).toBe(3)
  })

  it('counts a late start in the first turn\'s latency, as harness lag when the thread was idle', async () => {
    const { vt, send, metrics } = await setUp(`conversations:\n  - steps: ["hi"]\n`)
    await vt.advanceTo(150)
    // Delivered 50 ms after its intended start (t = 100).
    send({ type: 'arrivals', first: 0, stride: 1, times: [100] })
    await vt.advanceTo(1000)
    send({ type: 'finish', interrupt: false })
    expect(metrics.turns).toBe(1)
    expect(percentileMs(metrics.turnLatency, 100)).toBeCloseTo(50, 1)
    expect(percentileMs(metrics.queueWait, 100)).toBeCloseTo(50, 1)
    expect(percentileMs(metrics.harnessLag, 100)).toBeCloseTo(50, 1)
  })

  it('waits the think time before each user step', async () => {
    const { vt, send, metrics } = await setUp(`think_time: 500ms\nconversations:\n  - steps: ["hi", "bye"]\n`)
    send({ type: 'arrivals', first: 0, stride: 1, times: [0] })
    await vt.advanceTo(999)
    expect(send({ type: 'poll' }).in_flight).toBe(1)
    await vt.advanceTo(1000)
    send({ type: 'finish', interrupt: false })
    expect(metrics.turns).toBe(2)
    expect(metrics.conversationsCompleted).toBe(1)
    // Two turns, each after 500 ms of thinking: the conversation took exactly 1 s.
    expect(percentileMs(metrics.conversationDuration, 100)).toBeCloseTo(1000, 0)
    expect(percentileMs(metrics.turnLatency, 100)).toBe(0)
  })

  it('ends a conversation when the flow ends it, skipping the rest of the script', async () => {
    const { vt, send, metrics } = await setUp(`conversations:\n  - steps: ["bye", "hello?", "anyone?"]\n`)
    send({ type: 'arrivals', first: 0, stride: 1, times: [0, 10] })
    await vt.advanceTo(100)
    send({ type: 'finish', interrupt: false })
    expect(metrics.turns).toBe(2)
    expect(metrics.conversationsCompleted).toBe(2)
  })

  it('records turn errors by code', async () => {
    const { vt, send, metrics } = await setUp(`conversations:\n  - steps: ["help"]\nmocks:\n  integrations:\n    crm_lookup: { error_rate: 1 }\n`)
    send({ type: 'arrivals', first: 0, stride: 1, times: [0, 1, 2, 3] })
    await vt.advanceTo(100)
    send({ type: 'finish', interrupt: false })
    expect(metrics.errorTurns).toBe(4)
    expect(metrics.errors).toEqual({ integration_failed: 4 })
    expect(metrics.integrations.get('crm_lookup')).toMatchObject({ calls: 4, failures: 4, errors: { http_503: 4 } })
  })

  it('drops arrivals beyond max_in_flight, and only those', async () => {
    const { vt, send, metrics } = await setUp(
      `think_time: 1s\nconversations:\n  - steps: ["hi"]\n`,
      'profile: { executor: constant-arrival-rate, rate: 10, duration: 10s, max_in_flight: 2 }',
    )
    send({ type: 'arrivals', first: 0, stride: 1, times: [0, 0, 0, 0, 0] })
    await vt.advanceTo(2000)
    send({ type: 'finish', interrupt: false })
    expect(metrics.conversationsStarted).toBe(2)
    expect(metrics.dropped).toBe(3)
    expect(metrics.ratio('dropped_rate')).toEqual({ part: 3, whole: 5 })
  })

  it('runs virtual users back to back, and retires them after their current conversation', async () => {
    const { vt, send, metrics } = await setUp(`think_time: 100ms\nconversations:\n  - steps: ["hi", "bye"]\n`, 'profile: { executor: constant-vus, vus: 2, duration: 10s }')
    send({ type: 'vus', target: 2, at: 0 })
    await vt.advanceTo(1000)
    // Each conversation takes 200 ms; two users finish five each in a second.
    expect(send({ type: 'poll' }).vus).toBe(2)
    send({ type: 'vus', target: 0, at: 1000 })
    await vt.advanceTo(1500)
    const r = send({ type: 'poll' })
    expect(r.vus).toBe(0)
    expect(r.in_flight).toBe(0)
    send({ type: 'finish', interrupt: false })
    expect(metrics.conversationsCompleted).toBe(12)
    expect(metrics.turns).toBe(24)
  })

  it('interrupts what is still running when asked to finish at once', async () => {
    const { vt, send, metrics } = await setUp(`think_time: 10s\nconversations:\n  - steps: ["hi"]\n`)
    send({ type: 'arrivals', first: 0, stride: 1, times: [0, 0, 0] })
    await vt.advanceTo(100)
    const r = send({ type: 'finish', interrupt: true })
    expect(r.finished).toBe(true)
    expect(r.in_flight).toBe(0)
    expect(metrics.conversationsStarted).toBe(3)
    expect(metrics.interrupted).toBe(3)
    expect(metrics.turns).toBe(0)
  })

  it('reports each second separately, by turn end time', async () => {
    const { vt, send } = await setUp(`conversations:\n  - steps: ["hi"]\n`)
    send({ type: 'arrivals', first: 0, stride: 1, times: [100, 1100, 1200, 2500] })
    await vt.advanceTo(3000)
    const r = send({ type: 'finish', interrupt: false })
    const seconds = new Map<number, number>()
    for (const s of r.seconds) seconds.set(s.t_s, s.turns)
    expect(seconds.get(0)).toBe(1)
    expect(seconds.get(1)).toBe(2)
    expect(seconds.get(2)).toBe(1)
  })

  it('picks scripts and profiles by seed: the same arrivals get the same conversations', async () => {
    const extra = `conversations:\n  - { weight: 1, steps: ["hi"] }\n  - { weight: 1, steps: ["help"] }\nmocks:\n  integrations:\n    crm_lookup: { latency_ms: 1 }\n`
    const calls = async (): Promise<number> => {
      const { vt, send, metrics } = await setUp(extra)
      send({ type: 'arrivals', first: 0, stride: 1, times: Array.from({ length: 40 }, (_, i) => i) })
      await vt.advanceTo(500)
      send({ type: 'finish', interrupt: false })
      return metrics.integrations.get('crm_lookup')?.calls ?? 0
    }
    const first = await calls()
    expect(first).toBeGreaterThan(5)
    expect(first).toBeLessThan(35)
    expect(await calls()).toBe(first)
    await settle()
  })
})
