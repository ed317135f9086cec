// The typed client of the API, derived from the service interfaces, over any transport
// (WebSocket, Electron IPC, an in-memory core). Transports only move `{method, params}` and replies.
import {
  API_METHOD_ARITY,
  ApiError,
  isApiMethod,
  type AnyApiEventMessage,
  type ApiEventName,
  type ApiEvents,
  type ApiMethod,
  type ApiReply,
  type FlowbenchApi,
  type ServiceName,
} from './api'

/** Moves one call and its reply, and delivers events. */
export interface ApiTransport {
  call(method: ApiMethod, params: unknown[]): Promise<ApiReply>
  subscribe(listener: (message: AnyApiEventMessage) => void): () => void
  close?(): void
}

export type ApiEventListener<E extends ApiEventName> = (payload: ApiEvents[E]) => void

/** `client.workspace.readFile(path)` etc., plus typed event subscription. */
export type ApiClient = { readonly [S in ServiceName]: FlowbenchApi[S] } & {
  /** Returns the function that unsubscribes. */
  on<E extends ApiEventName>(event: E, listener: ApiEventListener<E>): () => void
  close(): void
}

export function createApiClient(transport: ApiTransport): ApiClient {
  const listeners = new Map<ApiEventName, Set<(payload: never) => void>>()
  let unsubscribe: (() => void) | null = null

  const dispatchEvent = (message: AnyApiEventMessage): void => {
    for (const listener of listeners.get(message.event) ?? []) {
      try {
        ;(listener as (payload: unknown) => void)(message.payload)
      } catch (err) {
        // One broken listener must not starve the others.
        console.error(`flowbench: a ${message.event} listener failed`, err)
      }
    }
  }

  const call = async (method: ApiMethod, args: unknown[]): Promise<unknown> => {
    // Trailing undefined arguments are dropped so the JSON params stay within the method's arity.
    const params = [...args]
    while (params.length && params[params.length - 1] === undefined) params.pop()
    const reply = await transport.call(method, params)
    if ('error' in reply) throw ApiError.fromPayload(reply.error)
    return reply.result
  }

  const services = {} as Record<ServiceName, Record<string, (...args: unknown[]) => Promise<unknown>>>
  for (const method of Object.keys(API_METHOD_ARITY)) {
    if (!isApiMethod(method)) continue
    const [service, name] = method.split('.') as [ServiceName, string]
    ;(services[service] ??= {})[name] = (...args: unknown[]) => call(method, args)
  }

  const client = {
    ...services,
    on<E extends ApiEventName>(event: E, listener: ApiEventListener<E>): () => void {
      let set = listeners.get(event)
      if (!set) listeners.set(event, (set = new Set()))
      set.add(listener as (payload: never) => void)
      unsubscribe ??= transport.subscribe(dispatchEvent)
      return () => {
        set.delete(listener as (payload: never) => void)
      }
    },
    close(): void {
      unsubscribe?.()
      unsubscribe = null
      listeners.clear()
      transport.close?.()
    },
  }
  return client as unknown as ApiClient
}
