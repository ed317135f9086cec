import { describe, expect, it } from 'vitest'
import { ConversationClock, LoadIntegrations, sampleLatency, type PauseTracker } from '../../../src-main/core/load/mocks'
import type { IntegrationMock } from '../../../src-main/core/load/model'
import { SeededRandom } from '../../../src-main/core/engine/random'
import type { CallContext } from '../../../src-main/common/plugin-api'
import { VirtualTime, settle } from './virtual-time'

const request = { method: 'GET', params: {}, config: {} }
const mock = (m: Partial<IntegrationMock>): IntegrationMock => ({ error_rate: 0, error_status: 503, status_code: 200, block_every: 1, ...m })

function tracker(): PauseTracker & { depth: number; pauses: number } {
  return {
    depth: 0,
    pauses: 0,
    pauseBegin() {
      this.depth++
      this.pauses++
    },
    pauseEnd() {
      this.depth--
    },
  }
}

function context(clock: ConversationClock): CallContext {
  return { signal: new AbortController().signal, clock, log: { debug() {}, info() {}, warn() {}, error() {} }, integrationId: 'x', conversationId: 'c' }
}

describe('latency models', () => {
  it('a log-normal fitted to p50 and p99 has those percentiles', () => {
    const rnd = new SeededRandom(11)
    const samples = Array.from({ length: 20_000 }, () => sampleLatency({ p50_ms: 20, p99_ms: 200 }, rnd.next(), rnd.next())).sort((a, b) => a - b)
    expect(samples[10_000]!).toBeGreaterThan(19)
    expect(samples[10_000]!).toBeLessThan(21)
    expect(samples[19_800]!).toBeGreaterThan(180)
    expect(samples[19_800]!).toBeLessThan(220)
    expect(samples[0]!).toBeGreaterThan(0)
  })

  it('a fixed latency is just that', () => {
    expect(sampleLatency({ fixed_ms: 7 }, 0.3, 0.9)).toBe(7)
  })
})

describe('load mocks', () => {
  it('answer with data after the latency, on the conversation\'s clock, which counts it as waiting', async () => {
    const vt = new VirtualTime()
    const time = vt.loadTime(() => 0)
    const ints = new LoadIntegrations({ crm: mock({ latency: { fixed_ms: 30 }, data: { tier: 'gold' } }) }, { seed: 1, time })
    const t = tracker()
    const clock = new ConversationClock(time, 5, t)
    let answer: unknown
    void ints.call('crm', request, context(clock)).then((a) => (answer = a))
    await settle()
    expect(answer).toBeUndefined()
    expect(t.depth).toBe(1)
    await vt.advance(29)
    expect(answer).toBeUndefined()
    await vt.advance(1)
    expect(answer).toEqual({ status_code: 200, data: { tier: 'gold' } })
    expect(t.depth).toBe(0)
    expect(ints.has('crm')).toBe(true)
    expect(ints.has('billing')).toBe(false)
  })

  it('fail a seeded share of calls, the same calls for the same conversation every run', async () => {
    const vt = new VirtualTime()
    const time = vt.loadTime(() => 0)
    const outcomes = async (seed: number): Promise<number[]> => {
      const ints = new LoadIntegrations({ crm: mock({ error_rate: 0.2, error_status: 500 }) }, { seed, time })
      const out: number[] = []
      for (let key = 0; key < 2000; key++) {
        const clock = new ConversationClock(time, key, tracker())
        out.push((await ints.call('crm', request, context(clock))).status_code)
      }
      return out
    }
    const a = await outcomes(1)
    expect(await outcomes(1)).toEqual(a)
    expect(await outcomes(2)).not.toEqual(a)
    const failed = a.filter((s) => s === 500).length
    // 400 expected; binomial standard deviation √(2000·0.2·0.8) ≈ 18.
    expect(failed).toBeGreaterThan(400 - 5 * 18)
    expect(failed).toBeLessThan(400 + 5 * 18)
    expect(a.every((s) => s === 200 || s === 500)).toBe(true)
  })

  it('block every Nth call, counted across workers through a shared counter', async () => {
    const vt = new VirtualTime()
    const time = vt.loadTime(() => 0)
    const shared = new Int32Array(new SharedArrayBuffer(4))
    let blocked = 0
    const observer = { callEnded: () => undefined, blocked: () => blocked++ }
    // Two providers standing for two workers, sharing one counter.
    const a = new LoadIntegrations({ report: mock({ block_ms: 1, block_every: 3 }) }, { seed: 1, time, blockCounters: shared, observer })
    const b = new LoadIntegrations({ report: mock({ block_ms: 1, block_every: 3 }) }, { seed: 1, time, blockCounters: shared, observer })
    const t = tracker()
    for (let i = 0; i < 6; i++) await (i % 2 ? a : b).call('report', request, context(new ConversationClock(time, i, t)))
    expect(Atomics.load(shared, 0)).toBe(6)
    expect(blocked).toBe(2)
    // The block is the integration's time, not the engine's: it is a pause of the conversation.
    expect(t.pauses).toBe(2)
    expect(t.depth).toBe(0)
  })

  it('a conversation clock\'s sleep ends its pause when aborted', async () => {
    const vt = new VirtualTime()
    const t = tracker()
    const clock = new ConversationClock(vt.loadTime(() => 0), 1, t)
    const ac = new AbortController()
    const slept = clock.sleep(1000, ac.signal)
    expect(t.depth).toBe(1)
    ac.abort(new Error('timeout'))
    await expect(slept).rejects.toThrow('timeout')
    expect(t.depth).toBe(0)
    expect(clock.now()).toBe(vt.wallStart)
  })
})
