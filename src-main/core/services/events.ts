// The core's event stream: every host forwards these to its front ends unchanged.
import type { AnyApiEventMessage, ApiEventName, ApiEvents } from '../../common/api'

export type CoreEventListener = (message: AnyApiEventMessage) => void

export interface CoreEvents {
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void
  subscribe(listener: CoreEventListener): () => void
}

export function createCoreEvents(): CoreEvents {
  const listeners = new Set<CoreEventListener>()
  return {
    emit(event, payload) {
      const message = { event, payload } as AnyApiEventMessage
      for (const listener of [...listeners]) {
        try {
          listener(message)
        } catch {
          // A host whose front end went away must not stop the others from hearing the event.
        }
      }
    },
    subscribe(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },
  }
}
