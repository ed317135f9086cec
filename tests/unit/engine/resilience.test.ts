// Resilience on the fake clock: timeouts, retries with seeded backoff, circuit breakers, and
// providers that throw, hang or answer nonsense.
import { describe, expect, it } from 'vitest'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import {
  backoffDelay, BreakerRegistry, callIntegration, CircuitBreaker, FakeClock, IntegrationError, IntegrationTable, RESILIENCE_DEFAULTS,
  type IntegrationProvider,
} from '../../../src-main/core/engine/index'
import { failureFromThrown, outcomeOfResponse } from '../../../src-main/core/engine/resilience'
import { conversation, flow, ScriptedIntegrations, type Answer } from './helpers'

const T0 = Date.UTC(2024, 0, 15, 12)

function lookupFlow(integrationCfg: Record<string, unknown> = {}, stateCfg: Record<string, unknown> = {}): FlowDocument {
  return flow({
    integrations: { crm: integrationCfg },
    states: {
      ask: { type: 'response', config: { response_templates: { default: '?' } }, transitions: [{ condition: 'any_input', target_state: 'call' }] },
      call: {
        type: 'integration',
        config: { integration_id: 'crm', ...stateCfg },
        transitions: [
          { condition: 'integration_success', target_state: 'ask' },
          { condition: 'integration_error', target_state: 'ask' },
        ],
      } as never,
    },
  })
}

async function once(answers: Answer[], integrationCfg: Record<string, unknown> = {}, stateCfg: Record<string, unknown> = {}, defaults?: Record<string, unknown>) {
  const provider = new ScriptedIntegrations({ crm: answers }, defaults ? { crm: defaults } : {})
  const { conv, clock } = conversation(lookupFlow(integrationCfg, stateCfg), { integrations: provider })
  await conv.start()
  const r = await conv.send({ type: 'message', text: 'go' })
  return { r, call: r.integration_calls[0]!, provider, clock, conv }
}

describe('timeouts', () => {
  it('a 20 ms answer loses to a 10 ms timeout, deterministically and without waiting', async () => {
    const { call, clock } = await once([{ delay_ms: 20, response: { status_code: 200 } }], { timeout_ms: 10 })
    expect(call).toMatchObject({ success: false, error: 'timeout', attempts: 1, duration_ms: 10 })
    expect(clock.now()).toBe(T0 + 10)
  })

  it('a 10 ms answer beats a 20 ms timeout', async () => {
    const { call } = await once([{ delay_ms: 10, response: { status_code: 200 } }], { timeout_ms: 20 })
    expect(call).toMatchObject({ success: true, duration_ms: 10 })
  })

  it('a hanging provider times out on the default 10 s', async () => {
    const { call, r } = await once([{ hang: true }])
    expect(call).toMatchObject({ success: false, error: 'timeout', duration_ms: 10_000 })
    expect(r.state).toBe('ask')
  })

  it('the provider sees its signal aborted on timeout', async () => {
    let seen: AbortSignal | undefined
    const provider: IntegrationProvider = { has: () => true, call: (_id, _req, ctx) => { seen = ctx.signal; return new Promise(() => undefined) } }
    const { conv } = conversation(lookupFlow({ timeout_ms: 5 }), { integrations: provider })
    await conv.start()
    await conv.send({ type: 'message', text: 'go' })
    expect(seen!.aborted).toBe(true)
    expect(String((seen!.reason as Error).message)).toContain('timed out')
  })

  it('a provider that rejects after honouring the abort still counts as a timeout', async () => {
    const provider: IntegrationProvider = {
      has: () => true,
      call: (_id, _req, ctx) => new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(new Error('aborted')))),
    }
    const { conv } = conversation(lookupFlow({ timeout_ms: 5 }), { integrations: provider })
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'go' })).integration_calls[0]!.error).toBe('timeout')
  })
})

describe('failures become outcomes, never crashes', () => {
  it('maps throws, rejections and malformed answers to the error vocabulary', async () => {
    const table: Array<[Answer, string]> = [
      [{ throws: new Error('kaput') }, 'exception'],
      [{ throws: 'a string' }, 'exception'],
      [{ throws: Object.assign(new Error('refused'), { code: 'ECONNREFUSED' }) }, 'network'],
      [{ throws: new TypeError('fetch failed') }, 'network'],
      [{ throws: new IntegrationError('timeout', 'upstream timed out') }, 'timeout'],
      [{ throws: new IntegrationError('http_418') }, 'http_418'],
      [{ raw: null }, 'malformed_response'],
      [{ raw: { status_code: '200' } }, 'malformed_response'],
      [{ raw: 'ok' }, 'malformed_response'],
      [{ raw: { status_code: Number.NaN } }, 'malformed_response'],
      [{ status_code: 404 }, 'http_404'],
      [{ status_code: 302 }, 'http_302'],
    ]
    for (const [answer, code] of table) {
      const { call, r } = await once([answer])
      expect(call.error, JSON.stringify(answer)).toBe(code)
      expect(call.success).toBe(false)
      expect(r.errors).toEqual([])
    }
  })

  it('a provider that throws synchronously, or whose has() throws', async () => {
    const sync: IntegrationProvider = { has: () => true, call: () => { throw new Error('sync') } }
    const { conv } = conversation(lookupFlow(), { integrations: sync })
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'go' })).integration_calls[0]!.error).toBe('exception')
    const broken: IntegrationProvider = { has: () => { throw new Error('x') }, call: () => Promise.resolve({ status_code: 200 }) }
    const b = conversation(lookupFlow(), { integrations: broken }).conv
    await b.start()
    expect((await b.send({ type: 'message', text: 'go' })).integration_calls[0]!.error).toBe('no_provider')
  })

  it('a provider returning a plain (non-promise) answer is accepted', async () => {
    const plain = { has: () => true, call: () => ({ status_code: 200, data: 1 }) } as unknown as IntegrationProvider
    const { conv } = conversation(lookupFlow(), { integrations: plain })
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'go' })).integration_calls[0]!.success).toBe(true)
  })

  it('classifier helpers', () => {
    expect(failureFromThrown({ name: 'TimeoutError' }).error).toBe('timeout')
    expect(failureFromThrown({ cause: { code: 'ENOTFOUND' }, message: 'x' }).error).toBe('network')
    expect(failureFromThrown({ code: 'malformed_response', message: 'bad' }).error).toBe('malformed_response')
    expect(failureFromThrown(null).error).toBe('exception')
    expect(outcomeOfResponse({ status_code: 299, data: 1 })).toEqual({ success: true, status_code: 299, data: 1 })
  })
})

describe('retries', () => {
  it('retry failures with exponential backoff and seeded jitter on the clock', async () => {
    const { call, provider } = await once([{ status_code: 500 }, { throws: new Error('x') }, { delay_ms: 50, response: { status_code: 500 } }, { status_code: 200, data: 'ok' }], { retries: 3, backoff_ms: 100 })
    expect(call).toMatchObject({ success: true, attempts: 4, data: 'ok' })
    const gaps = provider.calls.slice(1).map((c, i) => c.at - provider.calls[i]!.at)
    // backoff 100, 200, 400 scaled by a jitter factor in [0.5, 1); the third attempt also took 50 ms
    expect(gaps[0]).toBeGreaterThanOrEqual(50)
    expect(gaps[0]).toBeLessThan(100)
    expect(gaps[1]).toBeGreaterThanOrEqual(100)
    expect(gaps[1]).toBeLessThan(200)
    expect(gaps[2]! - 50).toBeGreaterThanOrEqual(200)
    expect(gaps[2]! - 50).toBeLessThan(400)
    const again = await once([{ status_code: 500 }, { throws: new Error('x') }, { delay_ms: 50, response: { status_code: 500 } }, { status_code: 200, data: 'ok' }], { retries: 3, backoff_ms: 100 })
    expect(again.provider.calls.map((c) => c.at)).toEqual(provider.calls.map((c) => c.at))
  })

  it('give up after `retries` extra attempts with the last failure', async () => {
    const { call, provider } = await once([{ status_code: 500 }, { status_code: 502 }], { retries: 1 })
    expect(call).toMatchObject({ success: false, attempts: 2, error: 'http_502' })
    expect(provider.calls.length).toBe(2)
  })

  it('config precedence: state > flow integrations.<id> > provider defaults > engine defaults', async () => {
    const answers: Answer[] = [{ status_code: 500 }]
    expect((await once(answers)).call.attempts).toBe(1)
    expect((await once(answers, {}, {}, { retries: 1 })).call.attempts).toBe(2)
    expect((await once(answers, { retries: 2 }, {}, { retries: 1 })).call.attempts).toBe(3)
    expect((await once(answers, { retries: 2 }, { retries: 0 }, { retries: 1 })).call.attempts).toBe(1)
    expect((await once([{ hang: true }], { timeout_ms: 50 }, { timeout_ms: 20 })).call.duration_ms).toBe(20)
    expect((await once([{ hang: true }], {}, {}, { timeout_ms: 30 })).call.duration_ms).toBe(30)
  })

  it('backoff is capped and jittered into [0.5, 1) of the step', () => {
    const cfg = { backoff_ms: 100, max_backoff_ms: 300 }
    expect(backoffDelay(cfg, 1, 0)).toBe(50)
    expect(backoffDelay(cfg, 2, 0.999)).toBe(200)
    expect(backoffDelay(cfg, 5, 0)).toBe(150)
    expect(RESILIENCE_DEFAULTS).toMatchObject({ timeout_ms: 10_000, retries: 0, circuit_breaker: null })
  })
})

describe('circuit breaker', () => {
  it('opens after threshold consecutive failures, fails fast without calling, half-opens after the cooldown, closes on success', async () => {
    const provider = new ScriptedIntegrations({ crm: [{ status_code: 500 }, { status_code: 500 }, { status_code: 200 }] })
    const breakers = new BreakerRegistry()
    const { conv } = conversation(lookupFlow({ circuit_breaker: { threshold: 2, cooldown_ms: 1000 } }), { integrations: provider, breakers })
    await conv.start()
    const send = async () => (await conv.send({ type: 'message', text: 'go' })).integration_calls[0]!
    expect((await send()).error).toBe('http_500')
    expect(breakers.peek('crm')!.state).toBe('closed')
    expect((await send()).error).toBe('http_500')
    expect(breakers.peek('crm')!.state).toBe('open')
    const fast = await send()
    expect(fast).toMatchObject({ success: false, error: 'circuit_open', attempts: 0 })
    expect(provider.calls.length).toBe(2)
    await conv.wait(999)
    expect((await send()).error).toBe('circuit_open')
    await conv.wait(1)
    expect((await send()).success).toBe(true)
    expect(breakers.snapshot()).toEqual({ crm: { state: 'closed', failures: 0 } })
  })

  it('a failed half-open trial reopens it; retries stop at circuit_open', async () => {
    const provider = new ScriptedIntegrations({ crm: [{ status_code: 500 }] })
    const breakers = new BreakerRegistry()
    const { conv } = conversation(lookupFlow({ retries: 5, backoff_ms: 10, circuit_breaker: { threshold: 2, cooldown_ms: 100 } }), { integrations: provider, breakers })
    await conv.start()
    const first = (await conv.send({ type: 'message', text: 'go' })).integration_calls[0]!
    expect(first).toMatchObject({ error: 'circuit_open', attempts: 2 })
    expect(provider.calls.length).toBe(2)
    await conv.wait(100)
    const trial = (await conv.send({ type: 'message', text: 'go' })).integration_calls[0]!
    expect(trial.error).toBe('circuit_open')
    expect(provider.calls.length).toBe(3)
    expect(breakers.peek('crm')!.state).toBe('open')
  })

  it('breaker state is shared by the conversations of a registry and separate across registries', async () => {
    const provider = () => new ScriptedIntegrations({ crm: [{ status_code: 500 }] })
    const shared = new BreakerRegistry()
    const cfg = { circuit_breaker: { threshold: 1, cooldown_ms: 1e9 } }
    const a = conversation(lookupFlow(cfg), { integrations: provider(), breakers: shared }).conv
    const b = conversation(lookupFlow(cfg), { integrations: provider(), breakers: shared }).conv
    const c = conversation(lookupFlow(cfg), { integrations: provider(), breakers: new BreakerRegistry() }).conv
    for (const x of [a, b, c]) await x.start()
    expect((await a.send({ type: 'message', text: 'go' })).integration_calls[0]!.error).toBe('http_500')
    expect((await b.send({ type: 'message', text: 'go' })).integration_calls[0]!.error).toBe('circuit_open')
    expect((await c.send({ type: 'message', text: 'go' })).integration_calls[0]!.error).toBe('http_500')
  })

  it('lets one half-open trial through at a time and applies a changed config', () => {
    const b = new CircuitBreaker({ threshold: 1, cooldown_ms: 10 })
    b.record(false, 0)
    expect(b.reopensAt()).toBe(10)
    expect(b.tryAcquire(5)).toBe(false)
    expect(b.tryAcquire(10)).toBe(true)
    expect(b.state).toBe('half_open')
    expect(b.tryAcquire(11)).toBe(false)
    b.record(true, 12)
    expect(b.state).toBe('closed')
    expect(Number.isNaN(b.reopensAt())).toBe(true)
    const reg = new BreakerRegistry()
    reg.get('x', { threshold: 1, cooldown_ms: 1 })
    expect(reg.get('x', { threshold: 3, cooldown_ms: 1 }).config.threshold).toBe(3)
    reg.clear()
    expect(reg.peek('x')).toBeUndefined()
  })
})

describe('callIntegration and IntegrationTable', () => {
  it('work directly over plugin handlers', async () => {
    const table = new IntegrationTable({ echo: { call: async (req) => ({ status_code: 200, data: req.params }), defaults: { retries: 2 } } })
    expect(table.has('echo')).toBe(true)
    expect(table.defaults('echo')).toEqual({ retries: 2 })
    const clock = new FakeClock()
    const out = await callIntegration({
      provider: table,
      id: 'echo',
      request: { method: 'GET', params: { a: 1 }, config: {} },
      config: { ...RESILIENCE_DEFAULTS },
      breakers: new BreakerRegistry(),
      clock,
      log: { debug() {}, info() {}, warn() {}, error() {} },
      conversationId: 'c',
      random: { next: () => 0.5 },
    })
    expect(out).toEqual({ success: true, status_code: 200, data: { a: 1 }, attempts: 1, duration_ms: 0 })
    const missing = await callIntegration({ provider: undefined, id: 'nope', request: { method: 'GET', params: {}, config: {} }, config: { ...RESILIENCE_DEFAULTS }, breakers: new BreakerRegistry(), clock, log: { debug() {}, info() {}, warn() {}, error() {} }, conversationId: 'c', random: { next: () => 0 } })
    expect(missing).toMatchObject({ success: false, error: 'no_provider', message: 'no provider for integration "nope"' })
  })
})

describe('providers doing real work on a virtual clock', () => {
  // A plugin's network call makes no progress the fake clock can see; without the hold, the
  // clock would take that for idleness and jump straight to the call's deadline.
  const realtimeProvider = (answerAfterMs: number | 'never'): IntegrationProvider & { sleeps: number } => {
    const p = {
      sleeps: 0,
      has: () => true,
      realtime: () => true,
      call: (_id: string, _req: unknown, ctx: { signal: AbortSignal; clock: { sleep(ms: number, s?: AbortSignal): Promise<void> } }) =>
        new Promise<{ status_code: number; data: unknown }>((resolve, reject) => {
          if (answerAfterMs === 'never') {
            ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason), { once: true })
            return
          }
          setTimeout(() => resolve({ status_code: 200, data: { ok: true } }), answerAfterMs)
        }),
    }
    return p as never
  }

  it('a real 30 ms answer succeeds against a 5 s timeout, and virtual time stands still meanwhile', async () => {
    const { conv, clock } = conversation(lookupFlow({ timeout_ms: 5000 }), { integrations: realtimeProvider(30) })
    await conv.start()
    const before = clock.now()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.integration_calls[0]).toMatchObject({ success: true, status_code: 200 })
    expect(clock.now()).toBe(before)
  })

  it('a real call that never answers times out in real time, not at once', async () => {
    const { conv } = conversation(lookupFlow({ timeout_ms: 40 }), { integrations: realtimeProvider('never') })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.integration_calls[0]).toMatchObject({ success: false, error: 'timeout' })
  })

  it('the same hanging call from an in-process provider still times out on virtual time', async () => {
    const provider = realtimeProvider('never')
    provider.realtime = () => false
    const { conv, clock } = conversation(lookupFlow({ timeout_ms: 60_000 }), { integrations: provider })
    await conv.start()
    const before = clock.now()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.integration_calls[0]).toMatchObject({ success: false, error: 'timeout', duration_ms: 60_000 })
    expect(clock.now()).toBe(before + 60_000)
  })
})
