// The built-in http plugin against a real server on 127.0.0.1: status codes, JSON and malformed
// bodies, URL joining, query and body building, timeouts through the abort signal, and secrets
// that reach the server but never the result or the logs.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { assertPluginConformance, type CallContext, type IntegrationRequest, type PluginLog } from 'flowbench/plugin'
import plugin, { callHttp, joinUrl } from '../src/index'

const SECRET = 'sk-live-7f3a9c2e-never-leak'
let server: Server
let base: string
const seen: Array<{ method: string; url: string; headers: IncomingMessage['headers']; body: string }> = []

function reply(res: ServerResponse, status: number, body: string, type = 'application/json'): void {
  res.writeHead(status, { 'content-type': type })
  res.end(body)
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = ''
    req.on('data', (c: Buffer) => (body += c.toString('utf8')))
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, headers: req.headers, body })
      const path = new URL(req.url!, 'http://x').pathname
      if (path === '/api/v1/customers/42') return reply(res, 200, JSON.stringify({ id: 42, tier: 'gold' }))
      if (path === '/echo') return reply(res, 200, JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body }))
      if (path === '/missing') return reply(res, 404, JSON.stringify({ message: 'no such customer' }))
      if (path === '/broken') return reply(res, 500, JSON.stringify({ message: 'database down' }))
      if (path === '/broken-html') return reply(res, 502, '<html>bad gateway</html>', 'application/json')
      if (path === '/malformed') return reply(res, 200, '{"tier": "gold",', 'application/json; charset=utf-8')
      if (path === '/text') return reply(res, 200, 'pong', 'text/plain')
      if (path === '/empty') {
        res.writeHead(204)
        return res.end()
      }
      if (path === '/big') return reply(res, 200, JSON.stringify({ blob: 'x'.repeat(5000) }))
      if (path === '/slow') return // never answers: only the signal ends the call
      reply(res, 404, '{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  process.env.FB_HTTP_TEST_TOKEN = SECRET
})

afterAll(async () => {
  delete process.env.FB_HTTP_TEST_TOKEN
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

function context(signal: AbortSignal = new AbortController().signal) {
  const lines: string[] = []
  const log: PluginLog = {
    debug: (m, d) => void lines.push(`${m} ${JSON.stringify(d ?? '')}`),
    info: (m, d) => void lines.push(`${m} ${JSON.stringify(d ?? '')}`),
    warn: (m, d) => void lines.push(`${m} ${JSON.stringify(d ?? '')}`),
    error: (m, d) => void lines.push(`${m} ${JSON.stringify(d ?? '')}`),
  }
  const ctx: CallContext = {
    signal,
    clock: { now: () => Date.now(), sleep: (ms) => new Promise((r) => setTimeout(r, ms)) },
    log,
    integrationId: 'crm_lookup',
    conversationId: 'c1',
  }
  return { ctx, lines }
}

function request(partial: Partial<IntegrationRequest>): IntegrationRequest {
  return { method: 'GET', params: {}, config: { base_url: base }, ...partial }
}

describe('http plugin', () => {
  it('answers a JSON 200 with its data and status code', async () => {
    const r = await callHttp(request({ endpoint: '/api/v1/customers/42', config: { base_url: `${base}/` } }), context().ctx)
    expect(r).toEqual({ status_code: 200, data: { id: 42, tier: 'gold' } })
  })

  it('joins base_url and endpoint with exactly one slash', () => {
    expect(joinUrl('https://crm.example/api/v1/', '/customers')).toBe('https://crm.example/api/v1/customers')
    expect(joinUrl('https://crm.example/api/v1', 'customers')).toBe('https://crm.example/api/v1/customers')
    expect(joinUrl('https://crm.example/api/v1', undefined)).toBe('https://crm.example/api/v1')
    expect(joinUrl('https://ignored.example', 'http://other.example/x')).toBe('http://other.example/x')
    expect(() => joinUrl(undefined, '/customers')).toThrow(/relative and the integration has no base_url/)
  })

  it('sends params as a JSON body for POST, and as the query string for GET', async () => {
    const post = await callHttp(request({ method: 'post', endpoint: 'echo', params: { service: 'auth-service', range: '1h' } }), context().ctx)
    const echoed = post.data as { method: string; body: string; headers: Record<string, string> }
    expect(post.status_code).toBe(200)
    expect(echoed.method).toBe('POST')
    expect(JSON.parse(echoed.body)).toEqual({ service: 'auth-service', range: '1h' })
    expect(echoed.headers['content-type']).toBe('application/json')

    const get = await callHttp(request({ endpoint: '/echo', params: { q: 'gold tier', ids: [1, 2], filter: { a: 1 } }, config: { base_url: base, query: { v: 2 } } }), context().ctx)
    const url = new URL((get.data as { url: string }).url, 'http://x')
    expect(url.searchParams.get('q')).toBe('gold tier')
    expect(url.searchParams.getAll('ids')).toEqual(['1', '2'])
    expect(url.searchParams.get('filter')).toBe('{"a":1}')
    expect(url.searchParams.get('v')).toBe('2')
  })

  it('passes 4xx and 5xx through as failed results with the status and the body', async () => {
    expect(await callHttp(request({ endpoint: '/missing' }), context().ctx)).toEqual({
      status_code: 404,
      data: { message: 'no such customer' },
      error: 'HTTP 404 Not Found',
    })
    const down = await callHttp(request({ endpoint: '/broken' }), context().ctx)
    expect(down.status_code).toBe(500)
    expect(down.error).toBe('HTTP 500 Internal Server Error')
  })

  it('rejects a 2xx whose JSON body is malformed with code malformed_response', async () => {
    await expect(callHttp(request({ endpoint: '/malformed' }), context().ctx)).rejects.toMatchObject({
      code: 'malformed_response',
      message: expect.stringMatching(/answered 200 but the body is not valid JSON/),
    })
  })

  it('keeps the status of an error whose body is not the JSON it claims to be', async () => {
    const r = await callHttp(request({ endpoint: '/broken-html' }), context().ctx)
    expect(r.status_code).toBe(502)
    expect(r.error).toMatch(/^HTTP 502 Bad Gateway; the body is not valid JSON/)
  })

  it('returns text bodies as strings and no data for 204', async () => {
    expect(await callHttp(request({ endpoint: '/text' }), context().ctx)).toEqual({ status_code: 200, data: 'pong' })
    expect(await callHttp(request({ endpoint: '/empty' }), context().ctx)).toEqual({ status_code: 204 })
  })

  it('refuses a body larger than max_response_bytes', async () => {
    await expect(callHttp(request({ endpoint: '/big', config: { base_url: base, max_response_bytes: 1000 } }), context().ctx)).rejects.toThrow(/max_response_bytes \(1000\)/)
  })

  it('stops when its signal aborts (the engine timeout) and rejects with the signal reason', async () => {
    const controller = new AbortController()
    const reason = Object.assign(new Error('timed out after 50 ms'), { name: 'TimeoutError' })
    setTimeout(() => controller.abort(reason), 50)
    const started = Date.now()
    await expect(callHttp(request({ endpoint: '/slow' }), context(controller.signal).ctx)).rejects.toBe(reason)
    expect(Date.now() - started).toBeLessThan(2000)
  })

  it('reports an unreachable server as a network failure', async () => {
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    await expect(callHttp(request({ endpoint: '/x', config: { base_url: `http://127.0.0.1:${port}` } }), context().ctx)).rejects.toMatchObject({
      code: 'network',
      message: expect.stringContaining('ECONNREFUSED'),
    })
  })

  it('sends ${env:NAME} secrets to the server and keeps them out of results and logs', async () => {
    const { ctx, lines } = context()
    const r = await callHttp(
      request({ method: 'POST', endpoint: '/echo', config: { base_url: base, headers: { Authorization: 'Bearer ${env:FB_HTTP_TEST_TOKEN}' }, query: { key: '${env:FB_HTTP_TEST_TOKEN}' } } }),
      ctx,
    )
    expect(seen.at(-1)!.headers['authorization']).toBe(`Bearer ${SECRET}`)
    expect(new URL(seen.at(-1)!.url, 'http://x').searchParams.get('key')).toBe(SECRET)
    expect(JSON.stringify(r)).not.toContain(SECRET)
    expect((r.data as { headers: Record<string, string> }).headers['authorization']).toBe('Bearer [redacted]')
    expect(lines.join('\n')).not.toContain(SECRET)
    expect(lines.join('\n')).toContain('key=[redacted]')
  })

  it('names a missing secret variable without guessing its value', async () => {
    await expect(callHttp(request({ endpoint: '/echo', config: { base_url: base, headers: { 'x-api-key': '${env:FB_HTTP_NOT_SET}' } } }), context().ctx)).rejects.toThrow(
      'headers.x-api-key uses ${env:FB_HTTP_NOT_SET}, but the environment variable FB_HTTP_NOT_SET is not set',
    )
  })

  it('passes the conformance kit', async () => {
    await assertPluginConformance(plugin, {
      requests: { http: { endpoint: '/api/v1/customers/42', config: { base_url: base } } },
      invalidRequests: { http: [{ endpoint: '/missing', config: { base_url: base } }, { endpoint: '/relative-without-base' }] },
    })
  })
})
