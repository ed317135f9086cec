// The WebSocket transport `flowbench serve` pages use: `{id, method, params}` out, `{id, result|error}`
// and `{event, payload}` in. One socket per page; calls made before it opens wait for it.
import { SERVE_API_PATH, SERVE_TOKEN_PARAM, isApiEventName, type AnyApiEventMessage, type ApiErrorPayload, type ApiReply } from '../../../src-main/common/api'
import { createApiClient, type ApiClient, type ApiTransport } from '../../../src-main/common/api-client'

type Pending = (reply: ApiReply) => void

const unavailable = (message: string): ApiReply => ({ error: { code: 'unavailable', message } satisfies ApiErrorPayload })

/** `ws://host:port/api?token=…` for a page served from `http://host:port/`. */
export function apiSocketUrl(pageUrl: string, token: string): string {
  const url = new URL(SERVE_API_PATH, pageUrl)
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:'
  url.search = ''
  url.hash = ''
  url.searchParams.set(SERVE_TOKEN_PARAM, token)
  return url.toString()
}

export function createWsTransport(url: string, token: string, WebSocketImpl: typeof WebSocket = WebSocket): ApiTransport {
  const socketUrl = apiSocketUrl(url, token)
  const socket = new WebSocketImpl(socketUrl)
  const pending = new Map<number, Pending>()
  const listeners = new Set<(message: AnyApiEventMessage) => void>()
  let nextId = 1
  let closedReason: string | null = null
  let wasOpen = false
  const opened = new Promise<void>((resolve) => {
    socket.addEventListener('open', () => {
      wasOpen = true
      resolve()
    }, { once: true })
    socket.addEventListener('close', () => resolve(), { once: true })
  })

  socket.addEventListener('message', (event: MessageEvent) => {
    let message: unknown
    try {
      message = JSON.parse(String(event.data))
    } catch {
      return
    }
    if (!message || typeof message !== 'object') return
    const m = message as Record<string, unknown>
    if (typeof m.id === 'number') {
      const settle = pending.get(m.id)
      if (!settle) return
      pending.delete(m.id)
      settle('error' in m ? { error: m.error as ApiErrorPayload } : { result: m.result })
    } else if (isApiEventName(m.event)) {
      for (const listener of listeners) listener(message as AnyApiEventMessage)
    }
  })
  socket.addEventListener('close', () => {
    closedReason = !wasOpen
      ? 'the workbench server refused the connection (is the page URL, with its token, the one `flowbench serve` printed?)'
        : 'the connection to the workbench server was closed (is `flowbench serve` still running?)'
    for (const settle of pending.values()) settle(unavailable(closedReason))
    pending.clear()
  })

  return {
    async call(method, params) {
      await opened
      if (closedReason || socket.readyState !== WebSocketImpl.OPEN) {
        return unavailable(closedReason ?? 'the connection to the workbench server is not open')
      }
      const id = nextId++
      return new Promise<ApiReply>((resolve) => {
        pending.set(id, resolve)
        socket.send(JSON.stringify({ id, method, params }))
      })
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
    close() {
      socket.close()
    },
  }
}

/** A typed client of `flowbench serve` at `url` (the page's URL), authenticated by `token`. */
export function createWsClient(url: string, token: string): ApiClient {
  return createApiClient(createWsTransport(url, token))
}
