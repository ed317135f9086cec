// An in-memory client for component tests: the services are whatever handlers the test gives,
// results travel through JSON like on the wire, and the test emits events itself.
import { ApiError, type ApiEventName, type ApiEvents, type ApiMethod, type AnyApiEventMessage, type FlowbenchApi, type ServiceName } from '../../../src-main/common/api'
import { createApiClient, type ApiClient } from '../../../src-main/common/api-client'
import { toErrorPayloadInBrowser } from './errors'

export type FakeHandlers = { [S in ServiceName]?: Partial<FlowbenchApi[S]> }

export interface FakeClient extends ApiClient {
  /** Delivers an event to the client's listeners, as the core would. */
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void
  /** Every call made, in order. */
  readonly calls: Array<{ method: ApiMethod; params: unknown[] }>
}

/** A plain-JSON copy, so a component can never hold on to (or mutate) the handler's objects. */
function overTheWire<T>(value: T): T {
  return value === undefined ? (null as T) : (JSON.parse(JSON.stringify(value)) as T)
}

export function createFakeClient(handlers: FakeHandlers = {}): FakeClient {
  const listeners = new Set<(message: AnyApiEventMessage) => void>()
  const calls: Array<{ method: ApiMethod; params: unknown[] }> = []
  const client = createApiClient({
    async call(method, params) {
      calls.push({ method, params: overTheWire(params) })
      const [service, name] = method.split('.') as [ServiceName, string]
      const handler = (handlers[service] as Record<string, ((...args: unknown[]) => unknown) | undefined> | undefined)?.[name]
      if (!handler) return { error: new ApiError('unknown_method', `the fake client has no handler for ${method}`).toPayload() }
      try {
        return { result: overTheWire(await handler(...overTheWire(params))) }
      } catch (err) {
        return { error: toErrorPayloadInBrowser(err) }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  })
  return Object.assign(client, {
    calls,
    emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]) {
      const message = overTheWire({ event, payload }) as AnyApiEventMessage
      for (const listener of listeners) listener(message)
    },
  })
}
