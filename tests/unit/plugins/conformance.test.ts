// The conformance kit catches what the host would otherwise only meet at run time: hangs that
// ignore the signal, throws of non-Errors, malformed results, invalid requests answered 2xx.
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { definePlugin, type IntegrationHandler } from '../../../src-main/common/plugin-api'
import { assertPluginConformance, assertPluginFolder, checkPluginConformance, checkPluginFolder, ConformanceError } from '../../../src-main/core/plugins/conformance'

const FIXTURES = join(__dirname, '../../fixtures/plugins')

const good: IntegrationHandler = {
  defaults: { timeout_ms: 2000, retries: 1 },
  async call(req, ctx) {
    if (typeof req.params['order_id'] !== 'string') return { status_code: 400, error: 'order_id is required' }
    await ctx.clock.sleep(300, ctx.signal)
    return { status_code: 200, data: { order_id: req.params['order_id'], state: 'shipped', at: new Date(ctx.clock.now()) } }
  },
}

function failed(report: Awaited<ReturnType<typeof checkPluginConformance>>): string[] {
  return report.failures.map((f) => `${f.target} > ${f.check}: ${f.message}`)
}

describe('checkPluginConformance', () => {
  it('passes a plugin that answers, refuses invalid requests and honours its signal', async () => {
    const report = await assertPluginConformance(definePlugin({ integrations: { order_status: good } }), {
      requests: { order_status: { params: { order_id: 'A-1' } } },
      invalidRequests: { order_status: [{ params: {} }] },
    })
    expect(report.checks.map((c) => c.check)).toEqual([
      'definition',
      'handler',
      'defaults',
      'answers',
      'refuses invalid request 1',
      'honours an aborted signal',
      'stops when its signal aborts',
    ])
    expect(report.checks.find((c) => c.check === 'answers')!.message).toBe('status 200')
  })

  it('fails a call that ignores its signal, saying what to do', async () => {
    const report = await checkPluginConformance(
      { integrations: { stuck: { async call(_req: unknown, ctx: { clock: { sleep(ms: number): Promise<void> } }) { await ctx.clock.sleep(100); return { status_code: 200 } } } } },
      { abortGraceMs: 50 },
    )
    expect(report.ok).toBe(false)
    expect(failed(report)).toEqual([
      'integration "stuck" > stops when its signal aborts: did not settle within 50 ms after its signal aborted: pass ctx.signal to what the call waits on (ctx.clock.sleep(ms, ctx.signal), fetch(url, { signal: ctx.signal }))',
    ])
  })

  it('fails hangs, non-Error throws, malformed results and invalid requests answered 2xx', async () => {
    const report = await checkPluginConformance(
      {
        integrations: {
          hangs: { call: () => new Promise(() => undefined) },
          throws_string: { call: () => Promise.reject('nope') },
          malformed: { call: async () => ({ status: 200, body: 'ok' }) },
          lenient: { call: async () => ({ status_code: 200, data: { ok: true } }) },
          not_data: { call: async () => ({ status_code: 200, data: new Map([['a', 1]]) }) },
          bad_defaults: { defaults: { circuit_breaker: { threshold: 0 } }, call: async () => ({ status_code: 200 }) },
          no_call: {},
        },
      },
      { callTimeoutMs: 100, abortGraceMs: 50, invalidRequests: { lenient: [{ params: { bogus: true } }] } },
    )
    expect(failed(report)).toEqual([
      'integration "hangs" > answers: did not settle within 100 ms',
      'integration "hangs" > honours an aborted signal: called with an already aborted signal, it did not settle within 50 ms',
      'integration "hangs" > stops when its signal aborts: did not settle within 50 ms after its signal aborted: pass ctx.signal to what the call waits on (ctx.clock.sleep(ms, ctx.signal), fetch(url, { signal: ctx.signal }))',
      'integration "throws_string" > answers: rejected with a string (nope), not an Error: throw new Error("what went wrong")',
      'integration "malformed" > answers: malformed result: status_code must be a whole number from 100 to 599, got none',
      'integration "malformed" > result when aborted: malformed result: status_code must be a whole number from 100 to 599, got none',
      'integration "lenient" > refuses invalid request 1: answered status 200; an invalid request needs a non-2xx status_code with an error',
      'integration "not_data" > answers: malformed result: data: a Map is not JSON data',
      'integration "not_data" > result when aborted: malformed result: data: a Map is not JSON data',
      'integration "bad_defaults" > defaults: defaults.circuit_breaker must be { threshold: a whole number of at least 1, cooldown_ms: a non-negative number }',
      'integration "no_call" > handler: must be an object with an async call(req, ctx) method',
    ])
  })

  it('fails a sample request the plugin does not answer with a 2xx', async () => {
    const report = await checkPluginConformance({ integrations: { order_status: good } }, { requests: { order_status: { params: {} } } })
    expect(failed(report)).toEqual(['integration "order_status" > answers: answered the sample request with status 400 (order_id is required); a 2xx was expected'])
  })

  it('checks an NLU', async () => {
    const report = await checkPluginConformance(
      { nlu: { classify: async (text: string) => (text === 'bad' ? { intent: 'x', confidence: 7 } : { intent: 'greet', confidence: 0.9 }) } },
      { nluTexts: ['hello', 'bad'] },
    )
    expect(failed(report)).toEqual(['nlu > classifies "bad": malformed result: confidence must be a number from 0 to 1, got 7'])
  })

  it('rejects something that is not a plugin', async () => {
    expect(failed(await checkPluginConformance(undefined))).toEqual(['plugin > definition: the default export must be the object definePlugin() returns, got undefined'])
    expect(failed(await checkPluginConformance({}))).toEqual(['plugin > definition: contributes nothing: export integrations, nlu, generators and/or a summarizer'])
  })

  it('throws a ConformanceError that lists every failure', async () => {
    const err = await assertPluginConformance({ integrations: { x: { call: () => Promise.reject(42) } } }).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ConformanceError)
    expect((err as Error).message).toBe(
      'plugin conformance: 1 of 6 checks failed\n  - integration "x" > answers: rejected with a number (42), not an Error: throw new Error("what went wrong")',
    )
  })
})

describe('checkPluginFolder', () => {
  it('checks the manifest and exports, then the behaviour of what the host loads', async () => {
    const report = await assertPluginFolder(join(FIXTURES, 'builtin', 'echo'))
    expect(report.checks.slice(0, 2).map((c) => [c.check, c.ok])).toEqual([
      ['manifest', true],
      ['entry exports what package.json declares', true],
    ])
    expect(report.logs.some((l) => l.message === 'echoing')).toBe(true)
  })

  it('reports a broken manifest or a missing export as the loader would', async () => {
    expect(failed(await checkPluginFolder(join(FIXTURES, 'workspace', 'plugins', 'api-version-2')))).toEqual([
      'plugin > manifest: plugin "flowbench-plugin-future": flowbench.apiVersion 2 is not supported; this Flowbench runs plugins written for apiVersion 1',
    ])
    expect(failed(await checkPluginFolder(join(FIXTURES, 'workspace', 'plugins', 'missing-export')))).toEqual([
      'plugin > entry exports what package.json declares: plugin "flowbench-plugin-partial": package.json declares integration "order_cancel" but the entry index.js does not export it (it exports "order_lookup")',
    ])
  })

  it('finds the misbehaving fixture non-conformant', async () => {
    const report = await checkPluginFolder(join(FIXTURES, 'workspace', 'plugins', 'misbehaving'), { callTimeoutMs: 100, abortGraceMs: 50, nluTexts: ['hi', 'garbage'] })
    const failing = new Set(report.failures.map((f) => f.target))
    expect([...failing].sort()).toEqual(
      ['integration "cyclic_data"', 'integration "function_data"', 'integration "garbage"', 'integration "hangs"', 'integration "no_status"', 'integration "throws_string"', 'nlu'].sort(),
    )
  })
})
