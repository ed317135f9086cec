// The preload with `electron` mocked: it exposes exactly `invoke` and `subscribe`, uses only the
// two Flowbench channels, and refuses methods and events that are not on the allow-list.
import { beforeEach, describe, expect, it, vi } from 'vitest'
import type { FlowbenchBridge } from '../../../src-main/common/api'

const exposed: Record<string, unknown> = {}
const ipcRenderer = {
  invoke: vi.fn(async (..._args: unknown[]) => ({ result: 'ok' })),
  on: vi.fn(),
  removeListener: vi.fn(),
  send: vi.fn(),
  sendSync: vi.fn(),
}

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => (exposed[key] = value) },
  ipcRenderer,
}))

async function bridge(): Promise<FlowbenchBridge> {
  await import('../../../src-main/hosts/preload/index')
  return exposed.flowbench as FlowbenchBridge
}

beforeEach(() => {
  vi.clearAllMocks()
})

describe('preload bridge', () => {
  it('exposes only window.flowbench with invoke and subscribe, never ipcRenderer', async () => {
    const api = await bridge()
    expect(Object.keys(exposed)).toEqual(['flowbench'])
    expect(Object.keys(api).sort()).toEqual(['invoke', 'subscribe'])
    expect(Object.values(api).every((v) => typeof v === 'function')).toBe(true)
  })

  it('forwards an allow-listed call on flowbench:invoke', async () => {
    const api = await bridge()
    expect(await api.invoke('workspace.readFile', ['flows/a.flow.yaml'])).toEqual({ result: 'ok' })
    expect(ipcRenderer.invoke).toHaveBeenCalledWith('flowbench:invoke', 'workspace.readFile', ['flows/a.flow.yaml'])
  })

  it('refuses methods off the allow-list and wrong parameters without touching IPC', async () => {
    const api = await bridge()
    for (const method of ['workspace.__proto__', 'workspace.constructor', 'shell.openExternal', 'flowbench:invoke', '']) {
      expect(await api.invoke(method as 'workspace.info', [])).toMatchObject({ error: { code: 'unknown_method' } })
    }
    expect(await api.invoke('workspace.info', ['extra'])).toMatchObject({ error: { code: 'bad_request' } })
    expect(await api.invoke('workspace.readFile', 'path' as unknown as unknown[])).toMatchObject({ error: { code: 'bad_request' } })
    expect(ipcRenderer.invoke).not.toHaveBeenCalled()
  })

  it('listens on flowbench:event only, passes on known events only, and unsubscribes', async () => {
    const api = await bridge()
    const received: unknown[] = []
    const unsubscribe = api.subscribe((m) => received.push(m))
    expect(ipcRenderer.on).toHaveBeenCalledTimes(1)
    const [channel, handler] = ipcRenderer.on.mock.calls[0] as [string, (event: unknown, message: unknown) => void]
    expect(channel).toBe('flowbench:event')
    handler({ sender: 'ipc event object' }, { event: 'fileChanged', payload: { changes: [] } })
    handler({}, { event: 'somethingElse', payload: {} })
    handler({}, null)
    expect(received).toEqual([{ event: 'fileChanged', payload: { changes: [] } }])
    unsubscribe()
    expect(ipcRenderer.removeListener).toHaveBeenCalledWith('flowbench:event', handler)
  })

  it('uses no channel but the two Flowbench ones', async () => {
    const api = await bridge()
    await api.invoke('workspace.info', [])
    api.subscribe(() => undefined)()
    const channels = [...ipcRenderer.invoke.mock.calls, ...ipcRenderer.on.mock.calls, ...ipcRenderer.removeListener.mock.calls].map((c) => c[0])
    expect(new Set(channels)).toEqual(new Set(['flowbench:invoke', 'flowbench:event']))
    expect(ipcRenderer.send).not.toHaveBeenCalled()
    expect(ipcRenderer.sendSync).not.toHaveBeenCalled()
  })
})
