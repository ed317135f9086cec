// The desktop host: one window over the core, wired through the two IPC channels. Everything the
// app does happens in the core; this file only owns Electron (windows, session, lifecycle).
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { createCore, type Core } from '../../core/services'
import { registerIpc } from './ipc'
import { RENDERER_CSP, guardWebContents, mainWindowOptions } from './window'

/** `--workspace=PATH` or `--workspace PATH` (what `npm start` passes). */
export function workspaceArgument(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!
    if (arg.startsWith('--workspace=')) return arg.slice('--workspace='.length) || undefined
    if (arg === '--workspace') return argv[i + 1]
  }
  return undefined
}

/** electron-vite's dev server in development; the built page otherwise. */
function appUrl(): string {
  const devUrl = process.env.ELECTRON_RENDERER_URL
  if (!app.isPackaged && devUrl) return devUrl
  return pathToFileURL(join(__dirname, '../renderer/index.html')).href
}

let core: Core | null = null

async function startApp(): Promise<void> {
  // Every renderer sandboxed, whatever a future window forgets to set.
  app.enableSandbox()
  if (!app.requestSingleInstanceLock()) {
    app.quit()
    return
  }
  await app.whenReady()

  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
  session.defaultSession.setPermissionCheckHandler(() => false)
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } })
  })
  app.on('web-contents-created', (_event, contents) => guardWebContents(contents, appUrl))

  const home = process.env.FLOWBENCH_HOME || app.getPath('userData')
  // The test pool's worker is the CLI build's (out/cli), next to this bundle's out/main.
  const workerFile = join(__dirname, '../cli/worker.mjs')
  // The built-in plugins ship in the package's plugins/, two levels above this bundle (out/main).
  const plugins = { builtinDir: join(__dirname, '../../plugins') }
  core = await createCore({
    home,
    plugins,
    ...(existsSync(workerFile) ? { runner: { workerFile } } : {}),
    ...(process.env.FLOWBENCH_CHROMIUM ? { chromium: process.env.FLOWBENCH_CHROMIUM } : {}),
  })
  const requested = workspaceArgument(process.argv)
  const reopen = requested ?? core.store.recent().find((r) => existsSync(r.root))?.root
  if (reopen) {
    await core.api.workspace.open(reopen).catch((err: Error) => {
      dialog.showErrorBox('Flowbench', `The workspace could not be opened: ${err.message}`)
    })
  }

  registerIpc(ipcMain, core, appUrl, () => BrowserWindow.getAllWindows().map((w) => w.webContents))

  const window = new BrowserWindow(mainWindowOptions(join(__dirname, '../preload/index.js')))
  window.once('ready-to-show', () => window.show())
  app.on('second-instance', () => {
    if (window.isMinimized()) window.restore()
    window.focus()
  })
  await window.loadURL(appUrl())
}

app.on('window-all-closed', () => app.quit())
app.on('will-quit', () => {
  void core?.dispose()
  core = null
})

startApp().catch((err: unknown) => {
  dialog.showErrorBox('Flowbench could not start', err instanceof Error ? err.message : String(err))
  app.exit(1)
})
