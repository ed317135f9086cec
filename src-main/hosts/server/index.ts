// `flowbench serve`'s server: the built renderer over HTTP and the API over a WebSocket at /api,
// on 127.0.0.1 only, behind a random token. The browser gets exactly what the desktop app gets.
import { createServer, type IncomingMessage, type Server } from 'node:http'
import type { Duplex } from 'node:stream'
import { WebSocketServer, type WebSocket } from 'ws'
import { SERVE_API_PATH, SERVE_TOKEN_PARAM, type AnyApiEventMessage, type FlowbenchApi } from '../../common/api'
import { dispatch, parseRequest } from '../../core/services/dispatch'
import { allowedHosts, contentSecurityPolicy, createToken, originAllowed, tokenMatches } from './security'
import { sendStatic, staticFileFor } from './static'

export const SERVE_HOST = '127.0.0.1'
/** A request larger than this is refused: the API carries files and transcripts, never bulk data. */
const MAX_MESSAGE_BYTES = 32 * 1024 * 1024

export interface ServedCore {
  api: FlowbenchApi
  subscribe(listener: (message: AnyApiEventMessage) => void): () => void
}

export interface WorkbenchServerOptions {
  core: ServedCore
  /** The built renderer (out/renderer). */
  rendererDir: string
  /** 0 (default) picks any free port. */
  port?: number
  /** Fixed token for tests; a random one otherwise. */
  token?: string
}

export interface WorkbenchServer {
  /** `http://127.0.0.1:PORT/?token=…`: the page to open. */
  readonly url: string
  readonly port: number
  readonly token: string
  close(): Promise<void>
}

/** The one line `flowbench serve` prints (spec/cli.md); tools parse it. */
export function availableLine(url: string): string {
  return `Flowbench available at ${url}`
}

function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${reason.length}\r\n\r\n${reason}`)
}

export async function startWorkbenchServer(options: WorkbenchServerOptions): Promise<WorkbenchServer> {
  const token = options.token ?? createToken()
  const { core } = options
  let port = 0
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES })
  const sockets = new Set<WebSocket>()

  const securityHeaders = (): Record<string, string> => ({
    'Content-Security-Policy': contentSecurityPolicy(port),
    'X-Content-Type-Options': 'nosniff',
    // The page URL carries the token: never leak it in a Referer.
    'Referrer-Policy': 'no-referrer',
    'X-Frame-Options': 'DENY',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cross-Origin-Resource-Policy': 'same-origin',
  })

  const server: Server = createServer((req, res) => {
    const headers = securityHeaders()
    const plain = (status: number, text: string) => {
      res.writeHead(status, { ...headers, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' })
      res.end(text)
    }
    if (!allowedHosts(port).has(req.headers.host ?? '')) return plain(403, 'Forbidden: unexpected Host header')
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(405, 'Method not allowed')
    const urlPath = new URL(req.url ?? '/', `http://${SERVE_HOST}`).pathname
    const file = staticFileFor(options.rendererDir, urlPath)
    if (!file) return plain(404, 'Not found')
    sendStatic(res, file, headers, req.method === 'HEAD').then(
      (found) => {
        if (found) return
        // Browsers ask for an icon on their own; "none" is not an error worth a console line.
        if (urlPath === '/favicon.ico') {
          res.writeHead(204, { ...headers, 'Cache-Control': 'public, max-age=86400' })
          res.end()
          return
        }
        plain(404, 'Not found')
      },
      () => {
        if (!res.headersSent) plain(500, 'The file could not be read')
        else res.destroy()
      },
    )
  })

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', `http://${SERVE_HOST}`)
    if (url.pathname !== SERVE_API_PATH) return refuseUpgrade(socket, 404, 'Not Found')
    if (!allowedHosts(port).has(req.headers.host ?? '')) return refuseUpgrade(socket, 403, 'Forbidden')
    if (!originAllowed(req.headers.origin, port)) return refuseUpgrade(socket, 403, 'Forbidden')
    if (!tokenMatches(token, url.searchParams.get(SERVE_TOKEN_PARAM))) return refuseUpgrade(socket, 401, 'Unauthorized')
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
  })

  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws)
    ws.on('close', () => sockets.delete(ws))
    ws.on('error', () => ws.terminate())
    ws.on('message', (data, isBinary) => {
      if (isBinary) {
        ws.close(1003, 'text frames only')
        return
      }
      const request = parseRequest(data.toString())
      if (!request) {
        ws.send(JSON.stringify({ id: -1, error: { code: 'bad_request', message: 'expected {id, method, params} JSON' } }))
        return
      }
      void dispatch(core.api, request.method, request.params).then((reply) => {
        if (ws.readyState !== ws.OPEN) return
        ws.send(JSON.stringify({ id: request.id, ...reply }))
      })
    })
  })

  const unsubscribe = core.subscribe((message) => {
    if (!sockets.size) return
    const frame = JSON.stringify(message)
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(frame)
  })

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, SERVE_HOST, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const address = server.address()
  port = typeof address === 'object' && address ? address.port : 0
  const url = `http://${SERVE_HOST}:${port}/?${SERVE_TOKEN_PARAM}=${encodeURIComponent(token)}`

  return {
    url,
    port,
    token,
    async close() {
      unsubscribe()
      for (const ws of sockets) ws.terminate()
      wss.close()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
}
