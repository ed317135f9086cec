// Owns the open documents (tabs): their saved and current text, dirty and external-change state,
// saving, and the engine's analysis of flows (diagnostics and graph) refreshed as the user types.
// Monaco models and editor instances live in the flow-editor feature, never here.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef, triggerRef } from 'vue'
import type { Diagnostic, FlowGraph, JsonValue, WorkspaceFileKind } from '../../../src-main/common/api'
import type { ViewKind } from '../views/kinds'
import { useApi } from '../api'
import { describeError, errorCode } from './errors'

export type DocumentLanguage = 'yaml' | 'json' | 'plaintext'

export interface OpenDocument {
  path: string
  kind: WorkspaceFileKind
  language: DocumentLanguage
  /** The text last read from or written to disk. */
  savedText: string
  /** The editor's current text. */
  text: string
  mtimeMs: number
  status: 'loading' | 'ready' | 'error'
  error: string | null
  /** Set when the file changed or vanished on disk while it had unsaved edits. */
  externalChange: 'changed' | 'deleted' | null
  saving: boolean
  saveError: string | null
}

/** A tab that shows a feature view (a run, a comparison, a dashboard…) instead of a file. */
export interface WorkbenchView {
  /** `kind:key`, unique among the open views. */
  id: string
  kind: ViewKind
  key: string
  title: string
  params: Record<string, JsonValue>
}

export interface OpenViewRequest {
  kind: ViewKind
  /** Identifies the view among those of its kind: opening the same kind and key again focuses that tab (and updates its params). */
  key: string
  title: string
  params?: Record<string, JsonValue>
}

/** A place the editor should show: set by the graph, the problems list and the test explorer. */
export interface RevealRequest {
  path: string
  line: number
  column: number
  /** Changes on every request so revealing the same place twice still scrolls. */
  seq: number
}

export interface FlowAnalysis {
  diagnostics: Diagnostic[]
  graph: FlowGraph | null
  status: 'pending' | 'ready' | 'error'
  error: string | null
}

export const ANALYSIS_DEBOUNCE_MS = 150

export function languageOf(path: string): DocumentLanguage {
  if (/\.ya?ml$/i.test(path)) return 'yaml'
  if (/\.json$/i.test(path)) return 'json'
  return 'plaintext'
}

export function kindOf(path: string): WorkspaceFileKind {
  if (/\.flow\.(json|ya?ml)$/i.test(path)) return 'flow'
  if (/\.test\.(json|ya?ml)$/i.test(path)) return 'test'
  if (/\.load\.(json|ya?ml)$/i.test(path)) return 'load'
  if (/(^|\/)flowbench\.json$/i.test(path)) return 'settings'
  return 'other'
}

export const useEditorStore = defineStore('editor', () => {
  const api = useApi()
  // Documents are replaced wholesale (not deep-reactive): keystrokes update one field and
  // trigger once, instead of Vue tracking every nested property of every tab.
  const documents = shallowRef<OpenDocument[]>([])
  const activePath = ref<string | null>(null)
  const analyses = shallowRef<Record<string, FlowAnalysis>>({})
  const reveal = ref<RevealRequest | null>(null)
  let revealSeq = 0
  const timers = new Map<string, ReturnType<typeof setTimeout>>()
  /** Guards against an older analysis landing after a newer one. */
  const analysisGeneration = new Map<string, number>()
  let subscribed = false

  /** Open view tabs, after the file tabs. */
  const views = shallowRef<WorkbenchView[]>([])
  /** The view tab shown over the files, or null when a file is shown. */
  const activeViewId = ref<string | null>(null)
  const activeView = computed(() => views.value.find((v) => v.id === activeViewId.value) ?? null)
  const active = computed(() => (activeViewId.value ? null : (documents.value.find((d) => d.path === activePath.value) ?? null)))
  const dirtyPaths = computed(() => new Set(documents.value.filter((d) => d.text !== d.savedText).map((d) => d.path)))
  const activeAnalysis = computed(() => (activePath.value ? analyses.value[activePath.value] ?? null : null))
  /** Every diagnostic of every open flow, for the problems panel. */
  const problems = computed(() =>
    documents.value.flatMap((d) => (analyses.value[d.path]?.diagnostics ?? []).map((diagnostic) => ({ path: d.path, diagnostic }))),
  )

  function find(path: string): OpenDocument | undefined {
    return documents.value.find((d) => d.path === path)
  }

  function update(path: string, patch: Partial<OpenDocument>): void {
    const i = documents.value.findIndex((d) => d.path === path)
    if (i < 0) return
    const next = documents.value.slice()
    next[i] = { ...next[i]!, ...patch }
    documents.value = next
  }

  function setAnalysis(path: string, patch: Partial<FlowAnalysis>): void {
    const prev = analyses.value[path] ?? { diagnostics: [], graph: null, status: 'pending', error: null }
    analyses.value = { ...analyses.value, [path]: { ...prev, ...patch } }
  }

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('fileChanged', ({ changes }) => {
      for (const change of changes) void onDiskChange(change.path, change.kind)
    })
  }

  async function onDiskChange(path: string, kind: 'created' | 'changed' | 'deleted'): Promise<void> {
    const doc = find(path)
    if (!doc || doc.status !== 'ready') return
    const dirty = doc.text !== doc.savedText
    if (kind === 'deleted') {
      update(path, { externalChange: 'deleted' })
      return
    }
    try {
      const content = await api.workspace.readFile(path)
      // Our own save also reports a change: nothing to do when disk already matches.
      if (content.text === doc.savedText) {
        update(path, { mtimeMs: content.mtimeMs, externalChange: null })
        return
      }
      if (dirty) update(path, { externalChange: 'changed' })
      else {
        update(path, { savedText: content.text, text: content.text, mtimeMs: content.mtimeMs, externalChange: null })
        scheduleAnalysis(path, 0)
      }
    } catch {
      // A file that cannot be read right now is treated like one that vanished.
      update(path, { externalChange: 'deleted' })
    }
  }

  async function open(path: string, at?: { line: number; column?: number }): Promise<void> {
    subscribe()
    activePath.value = path
    activeViewId.value = null
    if (at) requestReveal(path, at.line, at.column ?? 1)
    if (find(path)) return
    const doc: OpenDocument = {
      path,
      kind: kindOf(path),
      language: languageOf(path),
      savedText: '',
      text: '',
      mtimeMs: 0,
      status: 'loading',
      error: null,
      externalChange: null,
      saving: false,
      saveError: null,
    }
    documents.value = [...documents.value, doc]
    try {
      const content = await api.workspace.readFile(path)
      update(path, { savedText: content.text, text: content.text, mtimeMs: content.mtimeMs, kind: content.kind, status: 'ready' })
      if (content.kind === 'flow') scheduleAnalysis(path, 0)
    } catch (err) {
      update(path, { status: 'error', error: describeError(err) })
    }
  }

  function openView(request: OpenViewRequest): WorkbenchView {
    const id = `${request.kind}:${request.key}`
    const view: WorkbenchView = { id, kind: request.kind, key: request.key, title: request.title, params: request.params ?? {} }
    const i = views.value.findIndex((v) => v.id === id)
    views.value = i < 0 ? [...views.value, view] : views.value.map((v, j) => (j === i ? view : v))
    activeViewId.value = id
    return view
  }

  function closeView(id: string): void {
    const i = views.value.findIndex((v) => v.id === id)
    if (i < 0) return
    const next = views.value.filter((v) => v.id !== id)
    views.value = next
    if (activeViewId.value === id) activeViewId.value = next[Math.min(i, next.length - 1)]?.id ?? null
  }

  /** Shows a file tab (leaving any view tab in the background). */
  function activateDocument(path: string): void {
    activePath.value = path
    activeViewId.value = null
  }

  function close(path: string): void {
    const i = documents.value.findIndex((d) => d.path === path)
    if (i < 0) return
    const next = documents.value.filter((d) => d.path !== path)
    documents.value = next
    clearTimeout(timers.get(path))
    timers.delete(path)
    const { [path]: _dropped, ...rest } = analyses.value
    analyses.value = rest
    if (activePath.value === path) activePath.value = next[Math.min(i, next.length - 1)]?.path ?? null
  }

  /** Called by the editor on every change; the engine's analysis follows after a short pause. */
  function setText(path: string, text: string): void {
    const doc = find(path)
    if (!doc || doc.text === text) return
    update(path, { text })
    if (doc.kind === 'flow') scheduleAnalysis(path, ANALYSIS_DEBOUNCE_MS)
  }

  function scheduleAnalysis(path: string, delay: number): void {
    clearTimeout(timers.get(path))
    setAnalysis(path, { status: 'pending' })
    timers.set(
      path,
      setTimeout(() => {
        timers.delete(path)
        void analyse(path)
      }, delay),
    )
  }

  async function analyse(path: string): Promise<void> {
    const doc = find(path)
    if (!doc || doc.kind !== 'flow') return
    const generation = (analysisGeneration.get(path) ?? 0) + 1
    analysisGeneration.set(path, generation)
    const text = doc.text
    try {
      // Both requests go out at once, but markers are shown as soon as the diagnostics arrive:
      // the author is waiting on the squiggle, and the graph takes longer to build.
      const diagnosticsRequest = api.flow.diagnostics(path, text)
      const graphRequest = api.flow.graph(path, text)
      graphRequest.catch(() => undefined) // handled below; no unhandled rejection if diagnostics fail first
      const diagnostics = await diagnosticsRequest
      if (analysisGeneration.get(path) !== generation) return
      setAnalysis(path, { diagnostics, status: 'ready', error: null })
      const graph = await graphRequest
      if (analysisGeneration.get(path) !== generation) return
      setAnalysis(path, { graph })
    } catch (err) {
      if (analysisGeneration.get(path) !== generation) return
      setAnalysis(path, { status: 'error', error: describeError(err) })
    }
  }

  async function save(path: string, options: { overwrite?: boolean } = {}): Promise<boolean> {
    const doc = find(path)
    if (!doc || doc.status !== 'ready' || doc.saving) return false
    const text = doc.text
    update(path, { saving: true, saveError: null })
    try {
      const written = await api.workspace.writeFile(path, text, options.overwrite || doc.externalChange === 'deleted' ? undefined : doc.mtimeMs)
      update(path, { savedText: text, mtimeMs: written.mtimeMs, saving: false, externalChange: null })
      return true
    } catch (err) {
      if (errorCode(err) === 'conflict') update(path, { saving: false, externalChange: 'changed', saveError: null })
      else update(path, { saving: false, saveError: describeError(err) })
      return false
    }
  }

  /** Drops unsaved edits and takes what is on disk (after an external change). */
  async function reload(path: string): Promise<void> {
    try {
      const content = await api.workspace.readFile(path)
      update(path, { savedText: content.text, text: content.text, mtimeMs: content.mtimeMs, externalChange: null, saveError: null })
      if (content.kind === 'flow') scheduleAnalysis(path, 0)
    } catch (err) {
      update(path, { saveError: describeError(err) })
    }
  }

  /** Keeps the open tab pointing at a renamed file. */
  function renamed(from: string, to: string): void {
    const doc = find(from)
    if (!doc) return
    update(from, { path: to, kind: kindOf(to), language: languageOf(to) })
    const analysis = analyses.value[from]
    if (analysis) {
      const { [from]: moved, ...rest } = analyses.value
      analyses.value = { ...rest, [to]: moved! }
    }
    if (activePath.value === from) activePath.value = to
  }

  function requestReveal(path: string, line: number, column = 1): void {
    reveal.value = { path, line, column, seq: ++revealSeq }
  }

  /** Opens `path` (if needed) and scrolls the editor to the line. */
  async function goTo(path: string, line: number, column = 1): Promise<void> {
    await open(path, { line, column })
  }

  function refreshAnalysis(path: string): void {
    triggerRef(analyses)
    scheduleAnalysis(path, 0)
  }

  return {
    documents,
    activePath,
    active,
    views,
    activeViewId,
    activeView,
    openView,
    closeView,
    activateDocument,
    analyses,
    activeAnalysis,
    dirtyPaths,
    problems,
    reveal,
    find,
    open,
    close,
    setText,
    save,
    reload,
    renamed,
    requestReveal,
    goTo,
    refreshAnalysis,
  }
})
