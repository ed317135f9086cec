// The metrics translator's own tests: questions become the right PromQL or LogQL, the answer has
// the shape the copilot flow maps, bad requests are refused with a reason, and the plugin passes
// Flowbench's conformance kit.
import { describe, expect, it } from 'vitest'
import { assertPluginConformance, type CallContext, type IntegrationRequest } from 'flowbench/plugin'
import plugin, { explanationOf, translate } from '../src/index'

const NOW = Date.UTC(2026, 10, 22, 10, 0, 0)

function ctx(): CallContext {
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  return { signal: new AbortController().signal, clock: { now: () => NOW, sleep: async () => undefined }, log, integrationId: 'metrics_query', conversationId: 't' }
}

function ask(params: Record<string, unknown>, config: Record<string, unknown> = {}) {
  const req: IntegrationRequest = { method: 'POST', endpoint: '/query', params, config }
  return plugin.integrations.metrics_query.call(req, ctx())
}

describe('translate', () => {
  it('turns a CPU question into PromQL', () => {
    expect(translate({ question: 'show me CPU usage for auth-service over the last hour' })).toMatchObject({
      language: 'promql',
      query: 'rate(cpu_usage{service="auth-service"}[1h])',
      service: 'auth-service',
      metric: 'cpu',
      range: '1h',
    })
  })

  it('turns a log question into LogQL', () => {
    expect(translate({ question: 'show me error logs for payments-service in the last 15 minutes' })).toMatchObject({
      language: 'logql',
      query: 'sum(count_over_time({service="payments-service"} |= "error" [15m]))',
      metric: 'logs',
      range: '15m',
    })
    expect(translate({ question: 'any logs from search-service yesterday?' }).query).toBe('sum(count_over_time({service="search-service"} [1d]))')
  })

  it('reads time ranges the way the flow normalises them', () => {
    const range = (question: string) => translate({ question: `cpu of auth-service ${question}` }).range
    expect(range('over the last 5 minutes')).toBe('5m')
    expect(range('for the past 2 hours')).toBe('2h')
    expect(range('in the last 24 hours')).toBe('24h')
    expect(range('over the last week')).toBe('7d')
    expect(range('yesterday')).toBe('1d')
    expect(range('')).toBe('1h')
  })

  it('lets request params win over the question', () => {
    expect(translate({ question: 'cpu for auth-service', service: 'checkout-service', metric: 'latency', range: '24h' })).toMatchObject({
      query: 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{service="checkout-service"}[24h]))) * 1000',
      label: 'p99 latency',
      unit: 'ms',
    })
    expect(translate({ service: 'auth-service', metric: 'errors', time_range: '30m' }).query).toBe(
      '100 * sum(rate(http_requests_total{service="auth-service",status=~"5.."}[30m])) / sum(rate(http_requests_total{service="auth-service"}[30m]))',
    )
  })
})

describe('metrics_query', () => {
  it("answers the copilot flow's request with the query and the fields it maps", async () => {
    const r = await ask({ service: 'auth-service', metric: 'cpu', range: '1h', step: '60s' })
    expect(r.status_code).toBe(200)
    const data = r.data as Record<string, any>
    expect(data).toMatchObject({ language: 'promql', query: 'rate(cpu_usage{service="auth-service"}[1h])', label: 'CPU usage', unit: '%', alert: { threshold: 90 } })
    expect(typeof data.summary.current).toBe('number')
    expect(data.summary.max).toBeGreaterThanOrEqual(data.summary.current)
    expect(data.alert.firing).toBe(data.summary.current > 90)
    expect(data.series).toHaveLength(60)
    expect(data.series.at(-1).t).toBe('2026-11-22T10:00:00.000Z')
  })

  it('answers the same question with the same numbers', async () => {
    const a = await ask({ question: 'show me memory for payments-service over the last 6 hours' })
    const b = await ask({ question: 'show me memory for payments-service over the last 6 hours' })
    expect(a).toEqual(b)
    const other = await ask({ question: 'show me memory for search-service over the last 6 hours' })
    expect(other.data).not.toEqual(a.data)
  })

  it('returns sample lines for a log question', async () => {
    const r = await ask({ question: 'show me error logs for checkout-service in the last 15 minutes' })
    expect((r.data as { lines: unknown[] }).lines).toHaveLength(3)
  })

  it('refuses what it cannot translate with status 400 and the reason', async () => {
    expect(await ask({ question: 'show me cpu' })).toEqual({ status_code: 400, error: 'which service? name one, e.g. auth-service' })
    expect(await ask({ service: 'auth-service', metric: 'disk' })).toMatchObject({ status_code: 400, error: expect.stringMatching(/^unknown metric "disk"/) })
    expect(await ask({ service: 'auth-service', metric: 'cpu', range: 'an hour' })).toEqual({ status_code: 400, error: 'time range "an hour" is not like 15m, 1h or 7d' })
    // A service name cannot smuggle PromQL into the query.
    expect(await ask({ service: 'auth"}[5m]) or vector(1', metric: 'cpu' })).toMatchObject({ status_code: 400 })
  })

  it('passes the Flowbench conformance kit', async () => {
    await assertPluginConformance(plugin, {
      requests: { metrics_query: { params: { question: 'show me CPU usage for auth-service over the last hour' }, config: { latency_ms: 250 } } },
      invalidRequests: { metrics_query: [{ params: {} }, { params: { service: 'auth-service', metric: 'disk' } }] },
    })
  })
})

describe('explain_metric generator', () => {
  function generateCtx(signal = new AbortController().signal) {
    const log = { debug() {}, info() {}, warn() {}, error() {} }
    const slept: number[] = []
    const clock = { now: () => NOW, sleep: async (ms: number) => void slept.push(ms) }
    return { ctx: { signal, clock, log, generator: 'explain_metric', conversationId: 't' }, slept }
  }

  async function collect(prompt: string, signal?: AbortSignal): Promise<{ chunks: string[]; slept: number[] }> {
    const { ctx, slept } = generateCtx(signal)
    const chunks: string[] = []
    for await (const chunk of plugin.generators.explain_metric.generate({ state: 's', prompt, context: {} }, ctx)) chunks.push(chunk)
    return { chunks, slept }
  }

  it('streams the explanation word by word, pausing on the clock between words', async () => {
    const { chunks, slept } = await collect('explain cpu')
    expect(chunks.join('')).toBe(explanationOf('explain cpu'))
    expect(chunks.join('')).toBe('CPU usage is the share of processor time the service spends working. The alert fires above 90%.')
    expect(chunks.length).toBe(chunks.join('').split(' ').length)
    expect(chunks.every((c, i) => i === chunks.length - 1 || c.endsWith(' '))).toBe(true)
    expect(slept).toEqual(Array(chunks.length - 1).fill(15))
  })

  it('says what it can explain when the prompt names no metric', async () => {
    expect((await collect('the weather')).chunks.join('')).toMatch(/^I can explain CPU, memory/)
  })

  it('stops when its signal aborts', async () => {
    const controller = new AbortController()
    controller.abort()
    expect((await collect('explain latency', controller.signal)).chunks).toEqual([])
  })
})
