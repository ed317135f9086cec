// The Electron host with `electron` mocked: window security options exactly as required,
// navigation and new windows denied, IPC served to the app's own top frame only, events forwarded.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import type { AnyApiEventMessage, ApiReply } from '../../../src-main/common/api'

type Listener = (...args: unknown[]) => unknown
const windows: Array<{ options: Record<string, unknown>; webContents: FakeContents; loaded: string[] }> = []
const handlers = new Map<string, Listener>()
const appListeners = new Map<string, Listener[]>()

class FakeContents {
  readonly listeners = new Map<string, Listener[]>()
  openHandler: Listener | null = null
  sent: Array<[string, unknown]> = []
  destroyed = false
  setWindowOpenHandler(h: Listener) {
    this.openHandler = h
  }
  on(event: string, l: Listener) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), l])
    return this
  }
  emit(event: string, ...args: unknown[]) {
    for (const l of this.listeners.get(event) ?? []) l(...args)
  }
  send(channel: string, message: unknown) {
    this.sent.push([channel, message])
  }
  isDestroyed() {
    return this.destroyed
  }
}

const sessionCalls = { permissionRequest: null as Listener | null, permissionCheck: null as Listener | null, headers: null as Listener | null }

vi.mock('electron', () => {
  class BrowserWindow {
    static all: BrowserWindow[] = []
    readonly webContents = new FakeContents()
    constructor(readonly options: Record<string, unknown>) {
      windows.push({ options, webContents: this.webContents, loaded: [] })
      BrowserWindow.all.push(this)
      for (const l of appListeners.get('web-contents-created') ?? []) l({}, this.webContents)
    }
    static getAllWindows() {
      return BrowserWindow.all
    }
    once() {}
    isMinimized() {
      return false
    }
    restore() {}
    focus() {}
    async loadURL(url: string) {
      windows.at(-1)!.loaded.push(url)
    }
  }
  return {
    app: {
      isPackaged: false,
      enableSandbox: vi.fn(),
      requestSingleInstanceLock: () => true,
      whenReady: async () => undefined,
      getPath: () => join(tmpdir(), 'unused-electron-user-data'),
      on: (event: string, l: Listener) => appListeners.set(event, [...(appListeners.get(event) ?? []), l]),
      quit: vi.fn(),
      exit: vi.fn(),
    },
    BrowserWindow,
    ipcMain: {
      handle: (channel: string, l: Listener) => handlers.set(channel, l),
      removeHandler: (channel: string) => handlers.delete(channel),
    },
    dialog: { showErrorBox: vi.fn() },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (h: Listener) => (sessionCalls.permissionRequest = h),
        setPermissionCheckHandler: (h: Listener) => (sessionCalls.permissionCheck = h),
        webRequest: { onHeadersReceived: (h: Listener) => (sessionCalls.headers = h) },
      },
    },
  }
})

let home: string
let appUrl: string

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'flowbench-electron-home-'))
  process.env.FLOWBENCH_HOME = home
  await import('../../../src-main/hosts/electron/main')
  // startApp runs on import; wait for it to have loaded the window.
  await vi.waitFor(() => expect(windows[0]?.loaded.length).toBe(1))
  appUrl = windows[0]!.loaded[0]!
})

afterAll(() => {
  for (const l of appListeners.get('will-quit') ?? []) l()
  delete process.env.FLOWBENCH_HOME
  rmSync(home, { recursive: true, force: true })
})

const invoke = (frame: unknown, method: unknown, params: unknown = []) =>
  handlers.get('flowbench:invoke')!({ senderFrame: frame }, method, params) as Promise<ApiReply>

describe('the window', () => {
  it('is sandboxed and isolated with no Node, exactly as required', () => {
    const prefs = windows[0]!.options.webPreferences as Record<string, unknown>
    expect(prefs).toEqual({
      preload: expect.stringMatching(/preload[\\/]index\.js$/),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    })
    expect(windows[0]!.options.title).toBe('Flowbench')
  })

  it('loads the built page and sandboxes every renderer', async () => {
    const { app } = await import('electron')
    expect(app.enableSandbox).toHaveBeenCalled()
    expect(appUrl).toMatch(/^file:.*renderer\/index\.html$/)
  })

  it('denies new windows, navigation away, redirects and webviews', () => {
    const contents = windows[0]!.webContents
    expect(contents.openHandler!({ url: 'https://example.com' })).toEqual({ action: 'deny' })
    const navigate = (event: string, url: string) => {
      const e = { preventDefault: vi.fn() }
      contents.emit(event, e, url)
      return e.preventDefault.mock.calls.length > 0
    }
    expect(navigate('will-navigate', 'https://evil.example/')).toBe(true)
    expect(navigate('will-navigate', 'file:///etc/passwd')).toBe(true)
    expect(navigate('will-redirect', 'https://evil.example/')).toBe(true)
    expect(navigate('will-navigate', `${appUrl}#/tests`)).toBe(false)
    expect(navigate('will-attach-webview', 'x')).toBe(true)
  })

  it('refuses every permission request and sends the CSP with every response', () => {
    const answer = vi.fn()
    sessionCalls.permissionRequest!({}, 'media', answer)
    expect(answer).toHaveBeenCalledWith(false)
    expect(sessionCalls.permissionCheck!()).toBe(false)
    const done = vi.fn()
    sessionCalls.headers!({ responseHeaders: { a: ['b'] } }, done)
    const headers = done.mock.calls[0]![0].responseHeaders
    expect(headers['Content-Security-Policy'][0]).toContain("script-src 'self'")
    expect(headers.a).toEqual(['b'])
  })
})

describe('IPC', () => {
  it('registers the invoke channel only', () => {
    expect([...handlers.keys()]).toEqual(['flowbench:invoke'])
  })

  it('serves the app page\'s top frame', async () => {
    const reply = await invoke({ url: appUrl, parent: null }, 'workspace.recent')
    expect(reply).toEqual({ result: [] })
  })

  it('refuses other pages, subframes and calls without a frame', async () => {
    for (const frame of [{ url: 'https://evil.example/', parent: null }, { url: appUrl, parent: { url: appUrl } }, null, { url: 'not a url', parent: null }]) {
      expect(await invoke(frame, 'workspace.recent')).toMatchObject({ error: { code: 'forbidden' } })
    }
  })

  it('rejects methods off the allow-list and malformed parameters', async () => {
    const top = { url: appUrl, parent: null }
    expect(await invoke(top, 'workspace.toString')).toMatchObject({ error: { code: 'unknown_method' } })
    expect(await invoke(top, 'child_process.exec', ['rm -rf /'])).toMatchObject({ error: { code: 'unknown_method' } })
    expect(await invoke(top, 'workspace.readFile', 'x')).toMatchObject({ error: { code: 'bad_request' } })
    expect(await invoke(top, 'workspace.listFiles')).toMatchObject({ error: { code: 'no_workspace' } })
  })

  it('forwards core events on flowbench:event to live windows', async () => {
    const tmp = mkdtempSync(join(tmpdir(), 'flowbench-electron-ws-'))
    try {
      const top = { url: appUrl, parent: null }
      expect(await invoke(top, 'workspace.open', [tmp])).toMatchObject({ result: { root: tmp } })
      const sent = windows[0]!.webContents.sent
      expect(sent.some(([channel, m]) => channel === 'flowbench:event' && (m as AnyApiEventMessage).event === 'workspaceChanged')).toBe(true)
      expect(new Set(sent.map(([channel]) => channel))).toEqual(new Set(['flowbench:event']))
    } finally {
      rmSync(tmp, { recursive: true, force: true })
    }
  })
})

describe('command line', () => {
  it('takes the workspace from --workspace', async () => {
    const { workspaceArgument } = await import('../../../src-main/hosts/electron/main')
    expect(workspaceArgument(['electron', '.', '--workspace=/tmp/ws'])).toBe('/tmp/ws')
    expect(workspaceArgument(['electron', '.', '--workspace', '/tmp/other'])).toBe('/tmp/other')
    expect(workspaceArgument(['electron', '.'])).toBeUndefined()
  })
})
