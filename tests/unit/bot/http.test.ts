// The bot server's HTTP contract, on a real listening server: statuses, error bodies, limits, key, CORS, sessions.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { botOpenApiDocument } from '../../../src-main/common/bot-schema'
import type { BotTrace } from '../../../src-main/common/api-bot'
import { KEY, REPO, startServer, type Running } from './helpers'

let running: Running | undefined
afterEach(async () => {
  await running?.server.close()
  running = undefined
})

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<Running> {
  running = await startServer(options)
  return running
}

describe('bot server: routes and statuses', () => {
  it('health needs no key; ready counts the flows that load', async () => {
    const { url } = await start()
    const health = await fetch(`${url}/v1/health`)
    expect(health.status).toBe(200)
    expect(await health.json()).toMatchObject({ status: 'ok', version: expect.any(String) })
    const ready = await fetch(`${url}/v1/ready`)
    expect(ready.status).toBe(200)
    expect(await ready.json()).toEqual({ ready: true, flows: 2, sessions: 0, problems: 1 })
  })

  it('401 without a key and with a wrong one; Bearer and X-API-Key both work', async () => {
    const { url } = await start()
    const none = await fetch(`${url}/v1/flows`)
    expect(none.status).toBe(401)
    expect(none.headers.get('www-authenticate')).toBe('Bearer')
    expect(await none.json()).toEqual({ error: { code: 'unauthorized', message: expect.stringContaining('API key is required') } })
    const wrong = await fetch(`${url}/v1/flows`, { headers: { Authorization: 'Bearer nope' } })
    expect(wrong.status).toBe(401)
    expect(((await wrong.json()) as { error: { message: string } }).error.message).toBe('the API key is not valid')
    expect((await fetch(`${url}/v1/flows`, { headers: { 'X-API-Key': KEY } })).status).toBe(200)
    expect((await fetch(`${url}/v1/flows`, { headers: { Authorization: `Bearer ${KEY}` } })).status).toBe(200)
    // ?key= is for the stream route only (EventSource cannot send headers).
    expect((await fetch(`${url}/v1/flows?key=${KEY}`)).status).toBe(401)
  })

  it('unknown route 404, wrong method 405 with Allow', async () => {
    const { call } = await start()
    const missing = await call('GET', '/v1/nothing')
    expect(missing.status).toBe(404)
    expect(missing.body.error.code).toBe('not_found')
    expect((await call('GET', '/')).status).toBe(404)
    const put = await call('PUT', '/v1/flows', {})
    expect(put.status).toBe(405)
    expect(put.headers.get('allow')).toBe('GET, OPTIONS')
    expect(put.body.error.code).toBe('method_not_allowed')
  })

  it('lists flows (broken files as problems naming file and line) and shows one with states and intents', async () => {
    const { call } = await start()
    const list = await call('GET', '/v1/flows')
    expect(list.status).toBe(200)
    expect(list.body.flows.map((f: { id: string }) => f.id)).toEqual(['approve', 'echo'])
    expect(list.body.flows[0]).toMatchObject({ name: 'Approvals', file: 'flows/approve.flow.yaml', initial_state: 'hello', states: 4, session_ttl_seconds: 60 })
    expect(list.body.problems).toEqual([{ file: 'flows/broken.flow.yaml', message: expect.stringMatching(/^flows\/broken\.flow\.yaml:\d+:\d+ /) }])
    const one = await call('GET', '/v1/flows/approve')
    expect(one.body.states).toContainEqual({ name: 'pipeline', type: 'workflow' })
    expect((await call('GET', '/v1/flows/flows%2Fecho.flow.yaml')).body.name).toBe('Echo')
    const none = await call('GET', '/v1/flows/nope')
    expect(none.status).toBe(404)
    expect(none.body.error.code).toBe('flow_not_found')
  })

  it('serves the OpenAPI document it ships, without a key', async () => {
    const { url } = await start()
    const res = await fetch(`${url}/v1/openapi.json`)
    expect(res.status).toBe(200)
    const doc = (await res.json()) as { openapi: string; paths: Record<string, unknown> }
    expect(doc).toEqual(botOpenApiDocument())
    expect(doc.openapi).toBe('3.1.0')
    const shipped = JSON.parse(readFileSync(join(REPO, 'resources/openapi/bot-api.json'), 'utf8'))
    expect(shipped).toEqual(doc)
    for (const path of ['/v1/sessions', '/v1/sessions/{id}', '/v1/sessions/{id}/messages', '/v1/sessions/{id}/events', '/v1/sessions/{id}/stream', '/v1/flows', '/v1/flows/{id}', '/v1/health', '/v1/ready']) {
      expect(doc.paths).toHaveProperty([path])
    }
  })
})

describe('bot server: request bodies', () => {
  it('415 for a body that is not JSON by type; 400 invalid_json for bad JSON', async () => {
    const { call } = await start()
    const text = await call('POST', '/v1/sessions', 'flow=echo', { 'Content-Type': 'application/x-www-form-urlencoded' })
    expect(text.status).toBe(415)
    expect(text.body.error.code).toBe('unsupported_media_type')
    const bad = await call('POST', '/v1/sessions', '{"flow": ', {})
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe('invalid_json')
  })

  it('400 validation_failed lists every problem with its path', async () => {
    const { call } = await start()
    const res = await call('POST', '/v1/sessions', { flow: '', user_profile: 'x', colour: 'red' })
    expect(res.status).toBe(400)
    expect(res.body.error.code).toBe('validation_failed')
    expect(res.body.error.details).toEqual(
      expect.arrayContaining([
        { path: '/', message: 'unknown property "colour"' },
        { path: '/flow', message: expect.stringContaining('fewer than 1') },
        { path: '/user_profile', message: 'must be object' },
      ]),
    )
  })

  it('413 for a body over the limit, declared or streamed', async () => {
    const { call, url } = await start({ limits: { bodyBytes: 1024 } })
    const big = await call('POST', '/v1/sessions', { flow: 'echo', variables: { blob: 'x'.repeat(5000) } })
    expect(big.status).toBe(413)
    expect(big.body.error.code).toBe('payload_too_large')
    // Without a Content-Length (chunked), the limit still holds.
    const chunked = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${KEY}`, 'Content-Type': 'application/json' },
      body: new ReadableStream({
        start(c) {
          c.enqueue(new TextEncoder().encode(`{"flow":"echo","variables":{"a":"${'y'.repeat(4000)}"}}`))
          c.close()
        },
      }),
      duplex: 'half',
    } as RequestInit)
    expect(chunked.status).toBe(413)
  })
})

describe('bot server: conversations', () => {
  it('a multi-turn conversation: create, messages, context, delete', async () => {
    const { call } = await start()
    const created = await call('POST', '/v1/sessions', { flow: 'echo', user_id: 'u-1', variables: { plan: 'gold' } })
    expect(created.status).toBe(201)
    const id = created.body.session_id as string
    expect(created.body).toMatchObject({ flow: 'echo', stream_url: `/v1/sessions/${id}/stream`, turn: { turn: 0, state: 'hello', replies: [{ text: 'Echo ready.', state: 'hello' }] } })
    expect(created.body.turn.timing).toEqual({ engine_ms: expect.any(Number), total_ms: expect.any(Number) })
    const first = await call('POST', `/v1/sessions/${id}/messages`, { text: 'ping' })
    expect(first.status).toBe(200)
    expect(first.body).toMatchObject({ session_id: id, turn: 1, event: 'message', input: 'ping', state: 'echo', replies: [{ text: 'You said: ping', state: 'echo' }], ended: false })
    const second = await call('POST', `/v1/sessions/${id}/messages`, { text: 'pong' })
    expect(second.body.replies[0].text).toBe('You said: pong')
    const ctx = await call('GET', `/v1/sessions/${id}`)
    expect(ctx.status).toBe(200)
    expect(ctx.body).toMatchObject({ session_id: id, flow: 'echo', turns: 2, context: { state: 'echo', turn: 2, user_id: 'u-1', variables: { plan: 'gold' }, ended: false } })
    const del = await call('DELETE', `/v1/sessions/${id}`)
    expect(del.body).toEqual({ session_id: id, deleted: true })
    const after = await call('POST', `/v1/sessions/${id}/messages`, { text: 'still there?' })
    expect(after.status).toBe(404)
    expect(after.body.error.code).toBe('session_not_found')
  })

  it('approve answers the waiting approval; 409 when nothing (or another task) waits, and once ended', async () => {
    const { call } = await start()
    const id = (await call('POST', '/v1/sessions', { flow: 'approve' })).body.session_id as string
    const early = await call('POST', `/v1/sessions/${id}/events`, { type: 'approve' })
    expect(early.status).toBe(409)
    expect(early.body.error.code).toBe('no_pending_approval')
    const waiting = await call('POST', `/v1/sessions/${id}/messages`, { text: 'go' })
    expect(waiting.body.workflow).toMatchObject({ state: 'waiting_approval', waiting_task: 'sign_off' })
    const wrongTask = await call('POST', `/v1/sessions/${id}/events`, { type: 'approve', task: 'other' })
    expect(wrongTask.status).toBe(409)
    expect(wrongTask.body.error.message).toContain('"sign_off"')
    const badType = await call('POST', `/v1/sessions/${id}/events`, { type: 'maybe' })
    expect(badType.status).toBe(400)
    const done = await call('POST', `/v1/sessions/${id}/events`, { type: 'approve', task: 'sign_off' })
    expect(done.status).toBe(200)
    expect(done.body).toMatchObject({ state: 'done', ended: true, replies: [{ text: 'Approved and done.' }] })
    const ended = await call('POST', `/v1/sessions/${id}/messages`, { text: 'more?' })
    expect(ended.status).toBe(409)
    expect(ended.body.error.code).toBe('session_ended')
  })

  it('reject ends the workflow through its failure branch', async () => {
    const { call } = await start()
    const id = (await call('POST', '/v1/sessions', { flow: 'approve' })).body.session_id as string
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'go' })
    const rejected = await call('POST', `/v1/sessions/${id}/events`, { type: 'reject' })
    expect(rejected.body).toMatchObject({ state: 'stopped', ended: true })
  })

  it('sessions expire after their flow\'s TTL (else the default) on the injected clock: 404 session_expired', async () => {
    let now = 1_000_000
    const { call, server } = await start({ now: () => now, limits: { sessionTtlSeconds: 10 } })
    const approve = (await call('POST', '/v1/sessions', { flow: 'approve' })).body // settings.session_ttl_seconds: 60
    const echo = (await call('POST', '/v1/sessions', { flow: 'echo' })).body // the default, 10 s
    expect(Date.parse(echo.expires_at) - Date.parse(echo.created_at)).toBe(10_000)
    now += 9_000
    expect((await call('POST', `/v1/sessions/${echo.session_id}/messages`, { text: 'a' })).status).toBe(200) // activity restarts the TTL
    now += 9_000
    expect((await call('GET', `/v1/sessions/${echo.session_id}`)).status).toBe(200)
    now += 10_000
    const gone = await call('GET', `/v1/sessions/${echo.session_id}`)
    expect(gone.status).toBe(404)
    expect(gone.body.error.code).toBe('session_expired')
    // The approval flow's own TTL (60 s) holds for it: 28 s on, it is still there; 60 s later it is gone.
    expect((await call('GET', `/v1/sessions/${approve.session_id}`)).status).toBe(200)
    now += 60_000
    expect((await call('GET', `/v1/sessions/${approve.session_id}`)).body.error.code).toBe('session_expired')
    expect(server.sessions()).toEqual([])
  })

  it('beyond max sessions the least recently used is closed', async () => {
    const { call } = await start({ limits: { maxSessions: 2 } })
    const a = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const b = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    await call('GET', `/v1/sessions/${a}`) // a is now more recent than b
    const c = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    expect((await call('GET', `/v1/sessions/${b}`)).status).toBe(404)
    expect((await call('GET', `/v1/sessions/${a}`)).status).toBe(200)
    expect((await call('GET', `/v1/sessions/${c}`)).status).toBe(200)
  })

  it('unknown flow in a new session is 404 flow_not_found', async () => {
    const { call } = await start()
    const res = await call('POST', '/v1/sessions', { flow: 'broken' })
    expect(res.status).toBe(404)
    expect(res.body.error).toEqual({ code: 'flow_not_found', message: expect.stringContaining('"broken"') })
  })
})

describe('bot server: rate limit and CORS', () => {
  it('429 with Retry-After once the bucket is empty; it refills with time', async () => {
    let now = 0
    const { call, url } = await start({ now: () => now, limits: { rate: 1, burst: 2 } })
    expect((await call('GET', '/v1/flows')).status).toBe(200)
    expect((await call('GET', '/v1/flows')).status).toBe(200)
    const limited = await call('GET', '/v1/flows')
    expect(limited.status).toBe(429)
    expect(limited.headers.get('retry-after')).toBe('1')
    expect(limited.body.error.code).toBe('rate_limited')
    expect((await fetch(`${url}/v1/health`)).status).toBe(200) // liveness is never limited
    now += 1000
    expect((await call('GET', '/v1/flows')).status).toBe(200)
  })

  it('closed by default: any browser origin is refused with 403, preflight included', async () => {
    const { call } = await start()
    const res = await call('GET', '/v1/flows', undefined, { Origin: 'http://localhost:3000' })
    expect(res.status).toBe(403)
    expect(res.body.error.code).toBe('origin_not_allowed')
    const pre = await call('OPTIONS', '/v1/sessions', undefined, { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST' })
    expect(pre.status).toBe(403)
    expect(pre.headers.get('access-control-allow-origin')).toBeNull()
  })

  it('an allowed origin gets its preflight and CORS headers; others still 403', async () => {
    const { call, url } = await start({ allowOrigins: ['http://localhost:3000'] })
    const pre = await fetch(`${url}/v1/sessions`, { method: 'OPTIONS', headers: { Origin: 'http://localhost:3000', 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization, content-type' } })
    expect(pre.status).toBe(204)
    expect(pre.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization')
    expect(pre.headers.get('access-control-allow-methods')).toContain('POST')
    const res = await call('POST', '/v1/sessions', { flow: 'echo' }, { Origin: 'http://localhost:3000' })
    expect(res.status).toBe(201)
    expect(res.headers.get('access-control-allow-origin')).toBe('http://localhost:3000')
    expect((await call('GET', '/v1/flows', undefined, { Origin: 'http://evil.example' })).status).toBe(403)
  })

  it('refuses an allowed origin with a path', async () => {
    await expect(startServer({ allowOrigins: ['http://localhost:3000/app'] })).rejects.toThrow(/has a path/)
  })
})

describe('bot server: traces', () => {
  it('traces every request with status, session, turn summary and timing; the key is redacted', async () => {
    const seen: BotTrace[] = []
    const { call, server, url } = await start({ onTrace: (t) => seen.push(t) })
    const id = (await call('POST', '/v1/sessions', { flow: 'echo', variables: { leaked: KEY } })).body.session_id
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'hi' })
    await fetch(`${url}/v1/sessions/${id}/stream?key=wrong`)
    await call('GET', '/v1/nothing')
    const traces = server.traces()
    expect(traces).toHaveLength(4)
    expect(seen).toEqual(traces)
    expect(traces[0]).toMatchObject({ method: 'POST', path: '/v1/sessions', status: 201, flow: 'echo', session: id, turn: { state: 'hello', intent: null, replies: 1, ended: false } })
    expect(traces[0]!.request_body).toContain('"leaked":"***"')
    expect(JSON.stringify(traces)).not.toContain(KEY)
    expect(traces[1]).toMatchObject({ path: `/v1/sessions/${id}/messages`, status: 200, turn: { state: 'echo', replies: 1 }, engine_ms: expect.any(Number) })
    expect(traces[1]!.duration_ms).toBeGreaterThanOrEqual(traces[1]!.engine_ms!)
    expect(traces[2]).toMatchObject({ path: `/v1/sessions/${id}/stream?key=***`, status: 401, error: 'unauthorized' })
    expect(traces[3]).toMatchObject({ status: 404, error: 'not_found' })
  })

  it('keeps a bounded number of traces', async () => {
    const { server, url } = await start({ limits: { traceBuffer: 5 } })
    for (let i = 0; i < 12; i++) await fetch(`${url}/v1/health`)
    const traces = server.traces()
    expect(traces).toHaveLength(5)
    expect(traces.map((t) => t.id)).toEqual([8, 9, 10, 11, 12])
  })
})
