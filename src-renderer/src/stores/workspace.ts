// Owns the open workspace: its info, its file list (kept current from fileChanged events),
// recent workspaces, and the file operations of the explorer.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type { RecentWorkspace, WorkspaceFile, WorkspaceFileKind, WorkspaceInfo } from '../../../src-main/common/api'
import { useApi } from '../api'
import { describeError } from './errors'

export type LoadStatus = 'idle' | 'loading' | 'ready' | 'error'

/** The explorer's sections, in display order. */
export const EXPLORER_SECTIONS: Array<{ id: string; title: string; kinds: WorkspaceFileKind[] }> = [
  { id: 'flows', title: 'Flows', kinds: ['flow'] },
  { id: 'tests', title: 'Tests', kinds: ['test'] },
  { id: 'plugins', title: 'Plugins', kinds: ['plugin'] },
  { id: 'other', title: 'Other files', kinds: ['load', 'dataset', 'settings', 'other'] },
]

/** The file name a new file of a kind gets when the user types only a base name. */
export function newFilePath(kind: 'flow' | 'test', name: string): string {
  const base = name.trim().replace(/\\/g, '/')
  if (/\.(flow|test)\.(ya?ml|json)$/i.test(base)) return base.includes('/') ? base : `${kind}s/${base}`
  const file = `${base}.${kind}.yaml`
  return base.includes('/') ? file : `${kind}s/${file}`
}

/** `to` relative to the folder holding `fromFile` (both workspace-relative, forward slashes). */
export function relativeTo(fromFile: string, to: string): string {
  const from = fromFile.split('/').slice(0, -1)
  const target = to.split('/')
  let common = 0
  while (common < from.length && common < target.length - 1 && from[common] === target[common]) common++
  const ups = from.length - common
  return [...Array<string>(ups).fill('..'), ...target.slice(common)].join('/')
}

/** A minimal valid document for a new flow, or a new test suite of `flow`. */
export function starterText(kind: 'flow' | 'test', path: string, flow?: string): string {
  const stem = path.split('/').pop()!.replace(/\.(flow|test)\.(ya?ml|json)$/i, '')
  const json = /\.json$/i.test(path)
  if (kind === 'flow') {
    const doc = {
      name: stem,
      initial_state: 'greeting',
      states: {
        greeting: {
          type: 'response',
          config: { response_templates: { default: 'Hello! How can I help?' } },
          transitions: [{ condition: 'any_input', target_state: 'goodbye' }],
        },
        goodbye: { type: 'end', config: { response_templates: { default: 'Goodbye!' } } },
      },
    }
    if (json) return `${JSON.stringify(doc, null, 2)}\n`
    return [
      `name: ${stem}`,
      'initial_state: greeting',
      'states:',
      '  greeting:',
      '    type: response',
      '    config:',
      '      response_templates:',
      '        default: "Hello! How can I help?"',
      '    transitions:',
      '      - condition: any_input',
      '        target_state: goodbye',
      '  goodbye:',
      '    type: end',
      '    config:',
      '      response_templates:',
      '        default: "Goodbye!"',
      '',
    ].join('\n')
  }
  const flowRef = flow ? relativeTo(path, flow) : ''
  if (json) return `${JSON.stringify({ flow: flowRef, name: stem, tests: [] }, null, 2)}\n`
  return [`flow: ${flowRef}`, `name: ${stem}`, 'tests: []', ''].join('\n')
}

export const useWorkspaceStore = defineStore('workspace', () => {
  const api = useApi()
  const info = ref<WorkspaceInfo | null>(null)
  const files = shallowRef<WorkspaceFile[]>([])
  const recent = ref<RecentWorkspace[]>([])
  const status = ref<LoadStatus>('idle')
  const error = ref<string | null>(null)
  /** Errors of explorer operations (create, rename, delete), shown inline in the explorer. */
  const operationError = ref<string | null>(null)
  let subscribed = false

  const byKind = computed(() => {
    const map = new Map<WorkspaceFileKind, WorkspaceFile[]>()
    for (const f of files.value) {
      const list = map.get(f.kind)
      if (list) list.push(f)
      else map.set(f.kind, [f])
    }
    return map
  })
  const flows = computed(() => byKind.value.get('flow') ?? [])
  const testFiles = computed(() => byKind.value.get('test') ?? [])

  function fileByPath(path: string): WorkspaceFile | undefined {
    return files.value.find((f) => f.path === path)
  }

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('workspaceChanged', (next) => {
      const switched = info.value?.root !== next.root
      info.value = next
      if (switched) void refreshFiles()
    })
    api.on('fileChanged', ({ changes }) => {
      // Created and deleted files change the list; a changed file only its size and mtime.
      if (changes.length) void refreshFiles()
    })
  }

  async function init(): Promise<void> {
    status.value = 'loading'
    error.value = null
    subscribe()
    try {
      const [current, recents] = await Promise.all([api.workspace.info(), api.workspace.recent()])
      recent.value = recents
      info.value = current
      if (current) files.value = await api.workspace.listFiles()
      status.value = 'ready'
    } catch (err) {
      error.value = describeError(err)
      status.value = 'error'
    }
  }

  async function open(path: string): Promise<boolean> {
    status.value = 'loading'
    error.value = null
    try {
      info.value = await api.workspace.open(path)
      files.value = await api.workspace.listFiles()
      recent.value = await api.workspace.recent()
      status.value = 'ready'
      return true
    } catch (err) {
      error.value = describeError(err)
      status.value = info.value ? 'ready' : 'error'
      return false
    }
  }

  async function refreshFiles(): Promise<void> {
    if (!info.value) return
    try {
      files.value = await api.workspace.listFiles()
    } catch (err) {
      operationError.value = describeError(err)
    }
  }

  async function run<T>(op: () => Promise<T>): Promise<T | undefined> {
    operationError.value = null
    try {
      const result = await op()
      await refreshFiles()
      return result
    } catch (err) {
      operationError.value = describeError(err)
      return undefined
    }
  }

  const createFile = (path: string, text: string) => run(() => api.workspace.createFile(path, text))
  const renameFile = (from: string, to: string) => run(() => api.workspace.renameFile(from, to))
  const deleteFile = async (path: string): Promise<boolean> => (await run(async () => (await api.workspace.deleteFile(path), true))) ?? false

  async function setTrust(trusted: boolean): Promise<void> {
    try {
      info.value = await api.workspace.setTrust(trusted)
    } catch (err) {
      operationError.value = describeError(err)
    }
  }

  return {
    info,
    files,
    recent,
    status,
    error,
    operationError,
    flows,
    testFiles,
    byKind,
    fileByPath,
    init,
    open,
    refreshFiles,
    createFile,
    renameFile,
    deleteFile,
    setTrust,
  }
})
