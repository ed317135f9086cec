// Shared by the bot server tests: a real listening server over a fixture workspace, JSON requests
// with fetch, and an SSE reader over node:http (so a test controls the socket: pause, reconnect).
import { request, type IncomingMessage } from 'node:http'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createBotServer, type BotServer, type BotServerOptions } from '../../../src-main/core/bot'

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..')
export const FIXTURE_WS = join(REPO, 'tests/unit/bot/fixtures/ws')
export const SAMPLES = join(REPO, 'resources/samples')
export const KEY = 'test-key-0123456789abcdef'

export interface Running {
  server: BotServer
  url: string
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<{ status: number; headers: Headers; body: any }>
}

export async function startServer(options: Partial<BotServerOptions> = {}): Promise<Running> {
  const server = await createBotServer({ root: FIXTURE_WS, apiKey: KEY, ...options })
  const { url } = await server.listen(0, '127.0.0.1')
  const call: Running['call'] = async (method, path, body, headers = {}) => {
    const res = await fetch(url + path, {
      method,
      headers: { Authorization: `Bearer ${KEY}`, ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}), ...headers },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    })
    const text = await res.text()
    let parsed: unknown = text
    try {
      parsed = text ? JSON.parse(text) : undefined
    } catch {
      // not JSON: the test sees the text
    }
    return { status: res.status, headers: res.headers, body: parsed }
  }
  return { server, url, call }
}

export interface SseMessage {
  id?: string
  data: any
}

/** An SSE connection read frame by frame. */
export class SseReader {
  readonly messages: SseMessage[] = []
  comments = 0
  status = 0
  ended = false
  res!: IncomingMessage
  private buffer = ''
  private waiters: Array<() => void> = []

  static open(url: string, path: string, headers: Record<string, string> = {}, options: { paused?: boolean } = {}): Promise<SseReader> {
    const reader = new SseReader()
    return new Promise((resolve, reject) => {
      const req = request(url + path, { headers: { Accept: 'text/event-stream', ...headers } }, (res) => {
        reader.res = res
        reader.status = res.statusCode ?? 0
        if (options.paused) {
          // Never read: the socket's buffers fill and the server must back off, then drop us.
          res.pause()
          res.socket.pause()
        } else {
          res.setEncoding('utf8')
          res.on('data', (chunk: string) => reader.feed(chunk))
        }
        res.on('end', () => {
          reader.ended = true
          reader.wake()
        })
        res.on('error', () => undefined)
        resolve(reader)
      })
      req.on('error', reject)
      req.end()
    })
  }

  private feed(chunk: string): void {
    this.buffer += chunk
    let at: number
    while ((at = this.buffer.indexOf('\n\n')) >= 0) {
      const frame = this.buffer.slice(0, at)
      this.buffer = this.buffer.slice(at + 2)
      let id: string | undefined
      const data: string[] = []
      for (const line of frame.split('\n')) {
        if (line.startsWith(':')) this.comments++
        else if (line.startsWith('id: ')) id = line.slice(4)
        else if (line.startsWith('data: ')) data.push(line.slice(6))
      }
      if (data.length) this.messages.push({ ...(id !== undefined ? { id } : {}), data: JSON.parse(data.join('\n')) })
    }
    this.wake()
  }

  private wake(): void {
    const w = this.waiters
    this.waiters = []
    for (const f of w) f()
  }

  /** Resolves once `predicate` holds over the messages so far (or rejects after `ms`). */
  async until(predicate: (messages: SseMessage[]) => boolean, ms = 5000): Promise<void> {
    const deadline = Date.now() + ms
    while (!predicate(this.messages)) {
      if (this.ended) throw new Error(`the stream ended first; got ${JSON.stringify(this.messages.map((m) => m.data))}`)
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out; got ${JSON.stringify(this.messages.map((m) => m.data))}`)
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(t)
          resolve()
        })
      })
    }
  }

  close(): void {
    this.res.destroy()
  }
}
