// The real `flowbench serve` server on port 0: the token and the Origin guard the WebSocket,
// the renderer is served read-only with a CSP, and it listens on 127.0.0.1 only.
import { mkdirSync, writeFileSync } from 'node:fs'
import { request } from 'node:http'
import { connect as connectTcp } from 'node:net'
import { networkInterfaces } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import WebSocket from 'ws'
import { ApiError, type AnyApiEventMessage } from '../../../src-main/common/api'
import { createApiClient } from '../../../src-main/common/api-client'
import type { Core } from '../../../src-main/core/services'
import { startWorkbenchServer, type WorkbenchServer } from '../../../src-main/hosts/server'
import { createWsTransport } from '../../../src-renderer/src/api/ws'
import { SUPPORT_FLOW, openCore, tempWorkspace, type TempWorkspace } from '../services/helpers'

let ws: TempWorkspace
let core: Core
let server: WorkbenchServer
let rendererDir: string

beforeEach(async () => {
  ws = tempWorkspace({ 'flows/support.flow.yaml': SUPPORT_FLOW })
  rendererDir = join(ws.home, '..', 'renderer')
  mkdirSync(join(rendererDir, 'assets'), { recursive: true })
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><html><head><title>Flowbench</title></head><body><div id="app"></div></body></html>')
  writeFileSync(join(rendererDir, 'assets', 'index-abc123.js'), 'console.log("app")')
  writeFileSync(join(ws.home, '..', 'secret.txt'), 'not for the browser')
  core = await openCore(ws)
  server = await startWorkbenchServer({ core, rendererDir, port: 0 })
})

afterEach(async () => {
  await server.close()
  await core.dispose()
  ws.cleanup()
})

interface RawResponse { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** A request with exactly this path and Host (fetch would normalise both). */
function get(path: string, host = `127.0.0.1:${server.port}`): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, headers: { host } }, (res) => {
      let body = ''
      res.setEncoding('utf8')
      res.on('data', (c: string) => (body += c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }))
    })
    req.on('error', reject)
    req.end()
  })
}

const origin = () => `http://127.0.0.1:${server.port}`

/** Opens a socket; resolves 'open', or the HTTP status the upgrade was refused with. */
function connect(url: string, headers: Record<string, string> = {}): Promise<{ socket: WebSocket; status: 'open' | number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(url, { headers })
    socket.on('open', () => resolve({ socket, status: 'open' }))
    socket.on('unexpected-response', (_req, res) => {
      resolve({ socket, status: res.statusCode ?? 0 })
      socket.terminate()
    })
    socket.on('error', () => resolve({ socket, status: -1 }))
  })
}

const apiUrl = (token?: string) => `ws://127.0.0.1:${server.port}/api${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`

describe('listening', () => {
  it('binds 127.0.0.1 only and puts the token in the URL it announces', async () => {
    expect(server.url).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/\\?token=[A-Za-z0-9_-]{20,}$`))
    expect(server.token.length).toBeGreaterThanOrEqual(20)
    // Another address of this machine (when it has one) must not reach the server.
    const lan = Object.values(networkInterfaces()).flat().find((i) => i && i.family === 'IPv4' && !i.internal)
    if (lan) {
      const outcome = await new Promise<string>((resolve) => {
        const socket = connectTcp({ host: lan.address, port: server.port }, () => {
          socket.destroy()
          resolve('connected')
        })
        socket.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'))
      })
      expect(outcome).toBe('ECONNREFUSED')
    }
  })
})

describe('static files', () => {
  it('serves the page with a strict CSP and no referrer', async () => {
    const res = await get('/')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8')
    expect(res.body).toContain('<title>Flowbench</title>')
    const csp = String(res.headers['content-security-policy'])
    expect(csp).toContain("default-src 'self'")
    expect(csp).toContain("script-src 'self'")
    expect(csp).toContain(`connect-src 'self' ws://127.0.0.1:${server.port}`)
    expect(csp).toContain("frame-ancestors 'none'")
    expect(res.headers['referrer-policy']).toBe('no-referrer')
    expect(res.headers['x-content-type-options']).toBe('nosniff')
    expect(res.headers['cache-control']).toBe('no-store')
  })

  it('serves hashed assets as cacheable scripts', async () => {
    const res = await get('/assets/index-abc123.js')
    expect(res.status).toBe(200)
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8')
    expect(res.headers['cache-control']).toContain('immutable')
    expect(res.headers['content-security-policy']).toBeDefined()
  })

  it('never serves a file outside the renderer folder', async () => {
    for (const path of ['/../secret.txt', '/..%2fsecret.txt', '/assets/..%2f..%2fsecret.txt', '/%2e%2e/secret.txt']) {
      const res = await get(path)
      expect(res.status, path).toBe(404)
      expect(res.body).not.toContain('not for the browser')
    }
    expect((await get('/missing.js')).status).toBe(404)
  })

  it('refuses a request for another host name (DNS rebinding)', async () => {
    expect((await get('/', `evil.example:${server.port}`)).status).toBe(403)
    expect((await get('/', `localhost:${server.port}`)).status).toBe(200)
  })
})

describe('the API socket', () => {
  it('is refused without the token, with a wrong one, from another Origin, or without an Origin', async () => {
    expect((await connect(apiUrl(), { origin: origin() })).status).toBe(401)
    expect((await connect(apiUrl(''), { origin: origin() })).status).toBe(401)
    expect((await connect(apiUrl('wrong-token'), { origin: origin() })).status).toBe(401)
    expect((await connect(apiUrl(server.token.slice(0, -1)), { origin: origin() })).status).toBe(401)
    expect((await connect(apiUrl(server.token), { origin: 'http://evil.example' })).status).toBe(403)
    expect((await connect(apiUrl(server.token), { origin: `http://127.0.0.1:${server.port + 1}` })).status).toBe(403)
    expect((await connect(apiUrl(server.token))).status).toBe(403)
    expect((await connect(`ws://127.0.0.1:${server.port}/other?token=${server.token}`, { origin: origin() })).status).toBe(404)
  })

  it('serves the typed API to a client with the token and the page\'s Origin', async () => {
    const { socket, status } = await connect(apiUrl(server.token), { origin: origin() })
    expect(status).toBe('open')
    const reply = await new Promise<unknown>((resolve) => {
      socket.once('message', (data) => resolve(JSON.parse(String(data))))
      socket.send(JSON.stringify({ id: 7, method: 'workspace.listFiles', params: [] }))
    })
    expect(reply).toEqual({ id: 7, result: [expect.objectContaining({ path: 'flows/support.flow.yaml', kind: 'flow' })] })
    socket.close()
  })

  it('answers unknown methods, bad parameters and malformed frames with {code, message}', async () => {
    const { socket } = await connect(apiUrl(server.token), { origin: origin() })
    const ask = (frame: string) =>
      new Promise<Record<string, unknown>>((resolve) => {
        socket.once('message', (data) => resolve(JSON.parse(String(data))))
        socket.send(frame)
      })
    expect(await ask(JSON.stringify({ id: 1, method: 'workspace.constructor', params: [] }))).toMatchObject({ id: 1, error: { code: 'unknown_method' } })
    expect(await ask(JSON.stringify({ id: 2, method: 'process.exit', params: [] }))).toMatchObject({ id: 2, error: { code: 'unknown_method' } })
    expect(await ask(JSON.stringify({ id: 3, method: 'workspace.readFile', params: ['a', 'b'] }))).toMatchObject({ id: 3, error: { code: 'bad_request' } })
    expect(await ask(JSON.stringify({ id: 4, method: 'workspace.readFile', params: '../x' }))).toMatchObject({ id: 4, error: { code: 'bad_request' } })
    expect(await ask(JSON.stringify({ id: 5, method: 'workspace.readFile', params: ['../../etc/passwd'] }))).toMatchObject({ id: 5, error: { code: 'forbidden' } })
    expect(await ask('not json')).toMatchObject({ id: -1, error: { code: 'bad_request' } })
    const missing = await ask(JSON.stringify({ id: 6, method: 'workspace.readFile', params: ['nope.txt'] }))
    expect(missing).toEqual({ id: 6, error: { code: 'not_found', message: 'nope.txt does not exist' } })
    socket.close()
  })

  it('works end to end through the renderer\'s WebSocket client, events included', async () => {
    const page = origin()
    class PageSocket extends WebSocket {
      constructor(url: string) {
        super(url, { origin: page })
      }
    }
    const client = createApiClient(createWsTransport(`${page}/`, server.token, PageSocket as unknown as typeof globalThis.WebSocket))
    const graph = await client.flow.graph('flows/support.flow.yaml')
    expect(graph.initial_state).toBe('greeting')
    const session = await client.simulator.start({ flow: 'flows/support.flow.yaml' })
    const turn = await client.simulator.send(session.session, { type: 'message', text: 'I need help' })
    expect(turn.result.state).toBe('help_response')
    const err = await client.workspace.readFile('missing.flow.yaml').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'not_found' })

    const events: AnyApiEventMessage['payload'][] = []
    const changed = new Promise<void>((resolve) => {
      client.on('fileChanged', (payload) => {
        events.push(payload)
        resolve()
      })
    })
    await client.workspace.createFile('flows/new.flow.yaml', 'name: n\n')
    await changed
    expect(events[0]).toEqual({ changes: [{ path: 'flows/new.flow.yaml', kind: 'created' }] })
    client.close()
  })
})
