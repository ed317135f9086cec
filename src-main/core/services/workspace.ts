// The workspace service: which folder is open, its files (read, save, create, rename, delete),
// recent workspaces and the trust decision. Every path in and out is workspace-relative.
import { existsSync, statSync } from 'node:fs'
import { mkdir, readFile, rename, rm, stat, writeFile, open as openFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'
import { ApiError, type JsonValue, type WorkspaceFile, type WorkspaceInfo, type WorkspaceService } from '../../common/api'
import { findWorkspaceRoot } from '../workspace/discover'
import type { AppStore } from '../store'
import type { CoreEvents } from './events'
import { listWorkspaceFiles, workspaceFileKind } from './files'
import { resolveInside, toWorkspacePath } from './paths'
import { watchWorkspace, type WatchOptions, type WorkspaceWatcher } from './watch'

export interface OpenWorkspace {
  root: string
  info: WorkspaceInfo
}

export interface WorkspaceState {
  /** The open workspace; throws `no_workspace` before one is opened. */
  current(): OpenWorkspace
  /** Resolves a workspace-relative path of the open workspace. */
  resolve(path: unknown): string
  /** Called with the new root whenever a workspace is opened (sessions and runs of the old one end). */
  onOpen(listener: (root: string) => void): void
  close(): void
}

async function readSettings(root: string): Promise<{ [key: string]: JsonValue } | null> {
  try {
    const parsed: unknown = JSON.parse(await readFile(resolve(root, 'flowbench.json'), 'utf8'))
    return parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { [key: string]: JsonValue }) : null
  } catch {
    return null
  }
}

async function describe(root: string, store: AppStore): Promise<WorkspaceInfo> {
  const settings = await readSettings(root)
  const name = typeof settings?.name === 'string' && settings.name ? settings.name : basename(root)
  return { root, name, trusted: store.trustOf(root)?.trusted ?? false, settings }
}

function fileOf(root: string, abs: string, size: number, mtimeMs: number): WorkspaceFile {
  const path = toWorkspacePath(root, abs)
  return { path, kind: workspaceFileKind(path), size, mtimeMs: Math.floor(mtimeMs) }
}

function requireText(text: unknown): string {
  if (typeof text !== 'string') throw new ApiError('bad_request', 'the file text must be a string')
  return text
}

export function createWorkspaceService(
  store: AppStore,
  events: CoreEvents,
  watchOptions: WatchOptions = {},
): { service: WorkspaceService; state: WorkspaceState } {
  let open: OpenWorkspace | null = null
  let watcher: WorkspaceWatcher | null = null
  const openListeners: Array<(root: string) => void> = []

  const current = (): OpenWorkspace => {
    if (!open) throw new ApiError('no_workspace', 'no workspace is open: open a folder first')
    return open
  }
  const resolvePath = (path: unknown) => resolveInside(current().root, path)
  // A write by the app is reported at once rather than after the watcher's debounce.
  const settle = async () => {
    await watcher?.flush()
  }

  const state: WorkspaceState = {
    current,
    resolve: resolvePath,
    onOpen: (listener) => {
      openListeners.push(listener)
    },
    close: () => {
      watcher?.close()
      watcher = null
    },
  }

  /** Opens a folder's workspace: remembered as recent, watched, announced. */
  async function openWorkspace(path: unknown): Promise<WorkspaceInfo> {
    if (typeof path !== 'string' || !path.trim()) throw new ApiError('bad_request', 'a folder path is required')
    const given = resolve(path)
    if (!existsSync(given)) throw new ApiError('not_found', `${given} does not exist`)
    if (!statSync(given).isDirectory()) throw new ApiError('bad_request', `${given} is not a folder`)
    const root = findWorkspaceRoot(given)
    const info = await describe(root, store)
    watcher?.close()
    watcher = null
    open = { root, info }
    for (const listener of openListeners) listener(root)
    await store.rememberWorkspace(root, info.name)
    watcher = await watchWorkspace(
      root,
      async (changes) => {
        // flowbench.json may rename the workspace; keep info current before telling anyone.
        if (open?.root === root && changes.some((c) => c.path === 'flowbench.json')) {
          open = { root, info: await describe(root, store) }
          events.emit('workspaceChanged', { ...open.info })
        }
        events.emit('fileChanged', { changes })
      },
      watchOptions,
    )
    events.emit('workspaceChanged', { ...info })
    return { ...info }
  }

  let opening: Promise<unknown> = Promise.resolve()

  const service: WorkspaceService = {
    async info() {
      return open ? { ...open.info } : null
    },

    open(path) {
      // One open at a time: two overlapping opens must not leave two watchers running.
      const next = opening.then(() => openWorkspace(path))
      opening = next.catch(() => undefined)
      return next
    },

    async listFiles() {
      return listWorkspaceFiles(current().root)
    },

    async readFile(path) {
      const abs = resolvePath(path)
      const [text, st] = await Promise.all([readFile(abs, 'utf8'), stat(abs)]).catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new ApiError('not_found', `${path} does not exist`)
        if (err.code === 'EISDIR') throw new ApiError('bad_request', `${path} is a folder, not a file`)
        throw err
      })
      return { ...fileOf(current().root, abs, st.size, st.mtimeMs), text }
    },

    async writeFile(path, text, expectedMtimeMs) {
      const abs = resolvePath(path)
      const body = requireText(text)
      if (expectedMtimeMs !== undefined && expectedMtimeMs !== null) {
        if (typeof expectedMtimeMs !== 'number') throw new ApiError('bad_request', 'expectedMtimeMs must be a number')
        const st = await stat(abs).catch(() => null)
        if (st && Math.floor(st.mtimeMs) !== Math.floor(expectedMtimeMs)) {
          throw new ApiError('conflict', `${path} changed on disk since it was opened`, {
            path: toWorkspacePath(current().root, abs),
            mtimeMs: Math.floor(st.mtimeMs),
          })
        }
      }
      await mkdir(dirname(abs), { recursive: true })
      await writeFile(abs, body, 'utf8')
      const st = await stat(abs)
      await settle()
      return fileOf(current().root, abs, st.size, st.mtimeMs)
    },

    async createFile(path, text = '') {
      const abs = resolvePath(path)
      const body = requireText(text)
      await mkdir(dirname(abs), { recursive: true })
      // 'wx' fails when the file exists, without a window between checking and creating.
      const handle = await openFile(abs, 'wx').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'EEXIST') throw new ApiError('already_exists', `${path} already exists`)
        throw err
      })
      try {
        await handle.writeFile(body, 'utf8')
      } finally {
        await handle.close()
      }
      const st = await stat(abs)
      await settle()
      return fileOf(current().root, abs, st.size, st.mtimeMs)
    },

    async renameFile(from, to) {
      const src = resolvePath(from)
      const dest = resolvePath(to)
      if (!existsSync(src)) throw new ApiError('not_found', `${from} does not exist`)
      // Same file under another letter case is a rename on case-insensitive disks, not a clash.
      if (existsSync(dest) && src.toLowerCase() !== dest.toLowerCase()) {
        throw new ApiError('already_exists', `${to} already exists`)
      }
      await mkdir(dirname(dest), { recursive: true })
      await rename(src, dest)
      const st = await stat(dest)
      await settle()
      return fileOf(current().root, dest, st.size, st.mtimeMs)
    },

    async deleteFile(path) {
      const abs = resolvePath(path)
      const st = await stat(abs).catch(() => null)
      if (!st) throw new ApiError('not_found', `${path} does not exist`)
      if (!st.isFile()) throw new ApiError('bad_request', `${path} is a folder; only files are deleted`)
      await rm(abs)
      await settle()
    },

    async recent() {
      return store.recent()
    },

    async setTrust(trusted) {
      if (typeof trusted !== 'boolean') throw new ApiError('bad_request', 'trusted must be true or false')
      const ws = current()
      await store.setTrust(ws.root, trusted)
      open = { root: ws.root, info: { ...ws.info, trusted } }
      events.emit('workspaceChanged', { ...open.info })
      return { ...open.info }
    },
  }

  return { service, state }
}
