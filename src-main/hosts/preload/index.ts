// The sandboxed preload: exposes `window.flowbench` with exactly two functions (call an
// allow-listed API method, subscribe to API events) and never the raw ipcRenderer.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import {
  API_METHOD_ARITY,
  IPC_EVENT_CHANNEL,
  IPC_INVOKE_CHANNEL,
  isApiEventName,
  isApiMethod,
  type AnyApiEventMessage,
  type ApiReply,
  type FlowbenchBridge,
} from '../../common/api'

export function createBridge(ipc: Pick<typeof ipcRenderer, 'invoke' | 'on' | 'removeListener'>): FlowbenchBridge {
  return {
    invoke(method, params): Promise<ApiReply> {
      // Refused here as well as in the main process, so a compromised page learns nothing new.
      if (!isApiMethod(method)) {
        return Promise.resolve({ error: { code: 'unknown_method', message: `unknown method: ${String(method).slice(0, 80)}` } })
      }
      if (!Array.isArray(params) || params.length > API_METHOD_ARITY[method]) {
        return Promise.resolve({ error: { code: 'bad_request', message: `${method}: wrong parameters` } })
      }
      return ipc.invoke(IPC_INVOKE_CHANNEL, method, params) as Promise<ApiReply>
    },
    subscribe(listener) {
      if (typeof listener !== 'function') throw new TypeError('subscribe takes a function')
      const handler = (_event: IpcRendererEvent, message: AnyApiEventMessage) => {
        if (message && isApiEventName(message.event)) listener(message)
      }
      ipc.on(IPC_EVENT_CHANNEL, handler)
      return () => {
        ipc.removeListener(IPC_EVENT_CHANNEL, handler)
      }
    },
  }
}

contextBridge.exposeInMainWorld('flowbench', createBridge(ipcRenderer))
