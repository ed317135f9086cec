// The provider the engine calls: every way a plugin call can misbehave becomes a clean failure
// with the engine's error vocabulary, and a call that ignores its signal is cut off by the guard.
import { join } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import type { CallContext, IntegrationRequest } from '../../../src-main/common/plugin-api'
import { loadPlugins, withMocks, type PluginSet } from '../../../src-main/core/plugins'
import { MockIntegrations } from '../../../src-main/core/runner/mocks'

const FIXTURES = join(__dirname, '../../fixtures/plugins')
const PLUGIN = 'plugin "flowbench-plugin-misbehaving"'

let set: PluginSet

beforeAll(async () => {
  set = await loadPlugins({ builtinDir: join(FIXTURES, 'builtin'), workspaceRoot: join(FIXTURES, 'workspace'), allowWorkspaceCode: true, callTimeoutMs: 80, nluTimeoutMs: 80 })
})

function ctx(signal: AbortSignal = new AbortController().signal): CallContext {
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  return {
    signal,
    clock: { now: () => Date.now(), sleep: (ms, s) => new Promise((resolve, reject) => {
      const t = setTimeout(resolve, ms)
      s?.addEventListener('abort', () => { clearTimeout(t); reject(s.reason) }, { once: true })
    }) },
    log,
    integrationId: 'x',
    conversationId: 'c1',
  }
}

function req(params: Record<string, unknown> = {}, config: Record<string, unknown> = {}): IntegrationRequest {
  return { method: 'GET', params, config }
}

describe('PluginIntegrations: misbehaving plugins become clean failures', () => {
  it.each([
    ['throws', 'exception', `${PLUGIN} failed on "throws": the CRM client exploded`],
    ['throws_sync', 'exception', `${PLUGIN} failed on "throws_sync": Cannot read properties of undefined (reading 'id')`],
    ['throws_string', 'exception', `${PLUGIN} failed on "throws_string": just a string`],
    ['rejects', 'exception', `${PLUGIN} failed on "rejects": rate limit bucket underflow`],
    ['network_down', 'network', `${PLUGIN} failed on "network_down": fetch failed`],
    ['garbage', 'malformed_response', `${PLUGIN} answered "garbage" with a malformed result: expected an object { status_code, data?, error? }, got a string`],
    ['no_status', 'malformed_response', `${PLUGIN} answered "no_status" with a malformed result: status_code must be a whole number from 100 to 599, got none`],
    ['function_data', 'malformed_response', `${PLUGIN} answered "function_data" with a malformed result: data.format: a function is not JSON data`],
    ['cyclic_data', 'malformed_response', `${PLUGIN} answered "cyclic_data" with a malformed result: data.self: refers back to itself (a cycle)`],
  ])('%s → %s', async (id, code, message) => {
    await expect(set.integrations.call(id, req(), ctx())).rejects.toMatchObject({ name: 'IntegrationError', code, message })
  })

  it('cuts off a call that ignores its abort signal after the guard, with code timeout', async () => {
    const started = Date.now()
    await expect(set.integrations.call('hangs', req(), ctx())).rejects.toMatchObject({
      code: 'timeout',
      message: `${PLUGIN} did not answer "hangs" within 80 ms and ignored its abort signal`,
    })
    expect(Date.now() - started).toBeGreaterThanOrEqual(70)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('never cuts a call shorter than the timeout_ms the flow configured', async () => {
    const started = Date.now()
    await expect(set.integrations.call('hangs', req({}, { timeout_ms: 250 }), ctx())).rejects.toMatchObject({ code: 'timeout' })
    expect(Date.now() - started).toBeGreaterThanOrEqual(240)
  })

  it("settles at once when the engine's signal aborts, with the engine's own reason", async () => {
    const controller = new AbortController()
    const reason = Object.assign(new Error('timed out after 20 ms'), { name: 'TimeoutError' })
    setTimeout(() => controller.abort(reason), 20)
    await expect(set.integrations.call('hangs', req(), ctx(controller.signal))).rejects.toBe(reason)
    const already = new AbortController()
    already.abort(reason)
    await expect(set.integrations.call('slow', req(), ctx(already.signal))).rejects.toBe(reason)
  })

  it('answers normally when a slow plugin finishes in time', async () => {
    await expect(set.integrations.call('slow', req({ ms: 5 }), ctx())).resolves.toEqual({ status_code: 200, data: { waited: true } })
  })

  it('gives the plugin copies, so it cannot change what the turn records as the request', async () => {
    const r = req({ customer_id: 7 }, { base_url: 'http://crm' })
    await set.integrations.call('mutates', r, ctx())
    expect(r).toEqual({ method: 'GET', params: { customer_id: 7 }, config: { base_url: 'http://crm' } })
  })

  it('returns a clean copy of a good answer', async () => {
    const r = await set.integrations.call('crm_lookup', req({ customer_id: 'C-9' }), ctx())
    expect(r).toEqual({ status_code: 200, data: { customer_id: 'C-9', tier: 'gold' } })
    expect(await set.integrations.call('crm_lookup', req(), ctx())).toEqual({ status_code: 400, error: 'customer_id is required' })
  })

  it('fails with no_provider for an id nobody serves', async () => {
    expect(set.integrations.has('stock_quote')).toBe(false)
    await expect(set.integrations.call('stock_quote', req(), ctx())).rejects.toMatchObject({ code: 'no_provider', message: 'no plugin serves integration "stock_quote"' })
  })
})

describe('PluginIntegrations: defaults and routing', () => {
  it("exposes a plugin's resilience defaults for the engine", async () => {
    const builtinOnly = await loadPlugins({ builtinDir: join(FIXTURES, 'builtin'), allowWorkspaceCode: false })
    expect(builtinOnly.integrations.defaults('echo')).toEqual({ timeout_ms: 1500, retries: 2, circuit_breaker: { threshold: 3, cooldown_ms: 10000 } })
    expect(builtinOnly.integrations.defaults('nothing')).toBeUndefined()
  })

  it('routes an id to the plugin the flow names in integrations.<id>.plugin', async () => {
    const builtinOnly = await loadPlugins({ builtinDir: join(FIXTURES, 'builtin'), allowWorkspaceCode: false })
    const flow = builtinOnly.integrations.forFlow({ crm_lookup: { plugin: 'echo', base_url: 'http://crm' }, orders: { plugin: 'nope' } })
    expect(flow.has('crm_lookup')).toBe(true)
    expect(flow.has('echo')).toBe(true)
    expect(flow.has('orders')).toBe(false)
    expect(flow.defaults('crm_lookup')).toMatchObject({ retries: 2 })
    const r = await flow.call('crm_lookup', { method: 'POST', endpoint: '/lookup', params: { id: 1 }, config: { plugin: 'echo', base_url: 'http://crm' } }, ctx())
    expect(r.data).toEqual({ method: 'POST', endpoint: '/lookup', params: { id: 1 }, config: { plugin: 'echo', base_url: 'http://crm' } })
    await expect(flow.call('orders', req({}, { plugin: 'nope' }), ctx())).rejects.toMatchObject({
      code: 'no_provider',
      message: 'integrations.orders.plugin names "nope", which is not a loaded plugin',
    })
    // The full package name and the short name both work.
    expect(builtinOnly.integrations.forFlow({ crm_lookup: { plugin: 'flowbench-plugin-echo' } }).has('crm_lookup')).toBe(true)
  })
})

describe('PluginNlu', () => {
  it('classifies through the plugin a flow names, and turns misbehaviour into a failure naming it', async () => {
    expect(set.nlu.ids()).toEqual(expect.arrayContaining(['moody_nlu', 'flowbench-plugin-misbehaving']))
    const nlu = set.nlu.select('moody_nlu')
    const nctx = { signal: new AbortController().signal, intents: ['greet'], log: ctx().log }
    await expect(nlu.classify('hi', nctx)).resolves.toEqual({ intent: 'greet', confidence: 0.93, entities: { mood: 'happy' } })
    await expect(nlu.classify('pass', nctx)).resolves.toBeNull()
    await expect(nlu.classify('throw', nctx)).rejects.toThrow('NLU plugin "flowbench-plugin-misbehaving" failed: model not loaded')
    await expect(nlu.classify('garbage', nctx)).rejects.toThrow('NLU plugin "flowbench-plugin-misbehaving" answered with a malformed result: intent must be a string or null, got a number')
    await expect(nlu.classify('hang', nctx)).rejects.toThrow('NLU plugin "flowbench-plugin-misbehaving" did not answer within 80 ms and ignored its abort signal')
  })

  it('fails every call of an NLU id no loaded plugin serves, instead of silently using another', async () => {
    await expect(set.nlu.select('rasa').classify('hi', { signal: new AbortController().signal, intents: [], log: ctx().log })).rejects.toThrow('no NLU plugin "rasa" is loaded (settings.nlu)')
  })
})

describe('withMocks', () => {
  it("answers mocked ids from the mocks (without the plugin's defaults) and the rest from plugins", async () => {
    const builtinOnly = await loadPlugins({ builtinDir: join(FIXTURES, 'builtin'), allowWorkspaceCode: false })
    const mocks = new MockIntegrations({ crm_lookup: [{ respond: { data: { tier: 'silver' } } }] })
    const provider = withMocks((id) => id === 'crm_lookup', mocks, builtinOnly.integrations)
    expect(provider.has('crm_lookup')).toBe(true)
    expect(await provider.call('crm_lookup', req(), ctx())).toEqual({ status_code: 200, data: { tier: 'silver' } })
    expect((await provider.call('echo', req({ a: 1 }), ctx())).data).toMatchObject({ params: { a: 1 } })
    expect(provider.defaults?.('echo')).toMatchObject({ retries: 2 })

    const mockedEcho = withMocks((id) => id === 'echo', new MockIntegrations({ echo: [{ respond: { status_code: 204 } }] }), builtinOnly.integrations)
    expect(await mockedEcho.call('echo', req(), ctx())).toEqual({ status_code: 204 })
    expect(mockedEcho.defaults?.('echo')).toBeUndefined()

    // An id neither mocked nor served goes to the mocks, which record it for the test's error.
    await expect(provider.call('orders', req(), ctx())).rejects.toThrow('integration "orders" has no mock and no plugin serves it')
    expect(mocks.unmocked.has('orders')).toBe(true)
  })
})
