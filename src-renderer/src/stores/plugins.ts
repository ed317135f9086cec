// Owns the plugin manager's state: the plugins the open workspace sees (kept current from
// pluginsChanged events), switching them on and off, and reloading them.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { PluginSource, PluginStatus } from '../../../src-main/common/api'
import { useApi } from '../api'
import { describeError } from './errors'
import type { LoadStatus } from './workspace'

/** The manager's groups, in display order: what the workspace brings first, what ships with Flowbench last. */
export const PLUGIN_GROUPS: Array<{ source: PluginSource; title: string }> = [
  { source: 'workspace', title: 'Workspace' },
  { source: 'extra', title: 'Configured folders' },
  { source: 'builtin', title: 'Built-in' },
]

/** `flowbench-plugin-crm` is shown as `crm` (and `@acme/flowbench-plugin-crm` too), as flows may name it. */
export function pluginLabel(name: string): string {
  return name.replace(/^@[^/]+\//, '').replace(/^flowbench-plugin-/, '') || name
}

export const usePluginsStore = defineStore('plugins', () => {
  const api = useApi()
  const plugins = ref<PluginStatus[]>([])
  const status = ref<LoadStatus>('idle')
  /** Why the list could not be loaded (the view shows it with Try again). */
  const error = ref<string | null>(null)
  /** Why switching a plugin or reloading failed (shown above the list). */
  const operationError = ref<string | null>(null)
  /** Names of plugins being switched on or off. */
  const pending = ref<ReadonlySet<string>>(new Set())
  const reloading = ref(false)
  let subscribed = false
  // Answers to older requests are dropped: events and clicks may overlap.
  let sequence = 0

  const groups = computed(() =>
    PLUGIN_GROUPS.map((g) => ({ ...g, plugins: plugins.value.filter((p) => p.source === g.source) })).filter(
      (g) => g.plugins.length || g.source === 'workspace',
    ),
  )
  const problems = computed(() => plugins.value.filter((p) => p.status === 'error').length)

  function accept(seq: number, list: PluginStatus[]): void {
    if (seq !== sequence) return
    plugins.value = list
    status.value = 'ready'
    error.value = null
  }

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    // Trust granted or revoked, a plugin rebuilt, another workspace opened: the list is asked again.
    api.on('pluginsChanged', () => {
      if (status.value !== 'idle') void load()
    })
  }

  async function load(): Promise<void> {
    subscribe()
    const seq = ++sequence
    // A refresh keeps the list on screen; only the first load shows the loading state.
    if (status.value !== 'ready') status.value = 'loading'
    try {
      accept(seq, await api.plugin.list())
    } catch (err) {
      if (seq !== sequence) return
      if (status.value === 'ready') operationError.value = describeError(err)
      else {
        error.value = describeError(err)
        status.value = 'error'
      }
    }
  }

  async function setEnabled(name: string, enabled: boolean): Promise<void> {
    operationError.value = null
    pending.value = new Set([...pending.value, name])
    const seq = ++sequence
    try {
      accept(seq, await api.plugin.setEnabled(name, enabled))
    } catch (err) {
      operationError.value = describeError(err)
    } finally {
      const next = new Set(pending.value)
      next.delete(name)
      pending.value = next
    }
  }

  async function reload(): Promise<void> {
    operationError.value = null
    reloading.value = true
    const seq = ++sequence
    try {
      accept(seq, await api.plugin.reload())
    } catch (err) {
      operationError.value = describeError(err)
    } finally {
      reloading.value = false
    }
  }

  return { plugins, status, error, operationError, pending, reloading, groups, problems, load, setEnabled, reload }
})
