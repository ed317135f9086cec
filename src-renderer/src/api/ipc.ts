// The Electron transport: the preload's allow-listed `window.flowbench` bridge.
import type { FlowbenchBridge } from '../../../src-main/common/api'
import { createApiClient, type ApiClient, type ApiTransport } from '../../../src-main/common/api-client'

export function createIpcTransport(bridge: FlowbenchBridge): ApiTransport {
  return {
    call: (method, params) => bridge.invoke(method, params),
    subscribe: (listener) => bridge.subscribe(listener),
  }
}

export function createIpcClient(bridge: FlowbenchBridge): ApiClient {
  return createApiClient(createIpcTransport(bridge))
}
