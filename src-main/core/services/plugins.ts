// The plugin service: the plugins the open workspace sees and their state, switching them on and
// off per workspace, and the one place that decides how the simulator and test runs load them —
// built-ins always, the workspace's own only once the user trusted it (spec/plugins.md).
import { randomUUID } from 'node:crypto'
import { ApiError, type PluginService, type PluginStatus, type PluginsChangeReason } from '../../common/api'
import { loadPluginsCached, type PluginLoadSpec, type PluginSet } from '../plugins'
import type { AppStore } from '../store'
import type { CoreEvents } from './events'
import { concernsPlugins, listPluginFiles } from './files'
import { watchWorkspace, type WatchOptions, type WorkspaceWatcher } from './watch'
import type { WorkspaceState } from './workspace'

/** Where plugins come from besides the workspace; resolved by the host. */
export interface CorePluginOptions {
  /** The plugins that ship with Flowbench (the installation's `plugins/`). */
  builtinDir: string
  /** Plugin folders the user configured; their code is trusted like built-ins. */
  extraDirs?: string[]
}

/** How the open workspace's plugins load: what the simulator loads and what test runs hand the runner. */
export type PluginLoadSettings = PluginLoadSpec & { workspaceRoot: string; blockedAs: 'untrusted'; disabled: string[]; revision: string }

export interface WorkspacePlugins {
  service: PluginService
  /** How the open workspace's plugins load right now (trust, switched-off names, revision). */
  settings(): PluginLoadSettings
  /** The open workspace's plugins as they stand (loaded once per revision). */
  current(): Promise<PluginSet>
  dispose(): void
}

/** The loader reports a plugin the user switched off but whose manifest is broken as broken; the user's choice comes first. */
function asListed(status: PluginStatus, disabled: ReadonlySet<string>): PluginStatus {
  const copy = structuredClone(status)
  if (copy.status === 'error' && disabled.has(copy.name)) copy.status = 'disabled'
  return copy
}

export function createPluginService(
  workspace: WorkspaceState,
  store: AppStore,
  events: CoreEvents,
  options: { plugins?: CorePluginOptions; watch?: WatchOptions } = {},
): WorkspacePlugins {
  // Part of every load's cache key: plugin sets loaded by another core in this thread are never reused.
  const token = randomUUID().slice(0, 8)
  let revision = 0
  let known: { root: string; trusted: boolean } | null = null
  let watcher: WorkspaceWatcher | null = null
  let watching = 0
  let disposed = false

  const changed = (reason: PluginsChangeReason): void => {
    revision++
    events.emit('pluginsChanged', { reason, revision })
  }

  /** Rebuilt or edited plugin files mean a new revision: the next use imports them afresh. */
  const watchPlugins = (root: string): void => {
    const generation = ++watching
    watcher?.close()
    watcher = null
    void watchWorkspace(root, () => changed('files'), options.watch, { list: listPluginFiles, concerns: concernsPlugins }).then(
      (w) => {
        if (disposed || generation !== watching) w.close()
        else watcher = w
      },
      () => undefined,
    )
  }

  const unsubscribe = events.subscribe((message) => {
    if (message.event !== 'workspaceChanged') return
    const { root, trusted } = message.payload
    if (root !== known?.root) {
      known = { root, trusted }
      watchPlugins(root)
      changed('workspace')
    } else if (trusted !== known.trusted) {
      // Revoking trust ends the workspace's plugin code at the next turn or run; granting it loads them.
      known = { root, trusted }
      changed('trust')
    }
  })

  const settings = (): PluginLoadSettings => {
    const ws = workspace.current()
    return {
      builtinDir: options.plugins?.builtinDir ?? '',
      workspaceRoot: ws.root,
      ...(options.plugins?.extraDirs?.length ? { extraDirs: [...options.plugins.extraDirs] } : {}),
      allowWorkspaceCode: ws.info.trusted,
      blockedAs: 'untrusted',
      disabled: store.disabledPlugins(ws.root),
      revision: `${token}.${revision}`,
    }
  }

  const current = (): Promise<PluginSet> => loadPluginsCached(settings())

  const list = async (): Promise<PluginStatus[]> => {
    const spec = settings()
    const set = await loadPluginsCached(spec)
    const disabled = new Set(spec.disabled)
    return set.plugins.map((p) => asListed(p, disabled))
  }

  const service: PluginService = {
    list,

    async setEnabled(name, enabled) {
      if (typeof name !== 'string' || !name) throw new ApiError('bad_request', 'setEnabled takes a plugin name')
      if (typeof enabled !== 'boolean') throw new ApiError('bad_request', 'enabled must be true or false')
      const root = workspace.current().root
      if (!(await list()).some((p) => p.name === name)) throw new ApiError('not_found', `no plugin named "${name}" in this workspace`)
      const isOff = store.disabledPlugins(root).includes(name)
      if (isOff === !enabled) return list()
      await store.setPluginEnabled(root, name, enabled)
      changed('enabled')
      return list()
    },

    async reload() {
      workspace.current()
      changed('reload')
      return list()
    },
  }

  return {
    service,
    settings,
    current,
    dispose() {
      disposed = true
      unsubscribe()
      watcher?.close()
      watcher = null
    },
  }
}
