// Owns the run history's state in the workbench: the filtered list of past runs (kept current
// from historyChanged events, whoever recorded the run), the selection for deletion, baseline and
// label changes, and the store's recovery notices until the user dismisses them.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { RunFilter, RunKind, RunOutcome, RunRecord, StoredRun, StoreNotice } from '../../../src-main/common/api'
import { useApi } from '../api'
import { describeError } from './errors'
import type { LoadStatus } from './workspace'

export type DateRange = 'today' | '7d' | '30d' | 'all'

export const DATE_RANGES: Array<{ id: DateRange; label: string }> = [
  { id: 'today', label: 'Today' },
  { id: '7d', label: 'Last 7 days' },
  { id: '30d', label: 'Last 30 days' },
  { id: 'all', label: 'All time' },
]

/** A history id (`20261122-171300-a1b2`): a workbench run whose live id is one was recorded under it. */
export function isHistoryRunId(id: string): boolean {
  return /^\d{8}-\d{6}-[0-9a-f]{4}$/.test(id)
}

/** The ISO start of a date range, counted back from `now` (today: since local midnight). */
export function sinceOf(range: DateRange, now: Date = new Date()): string | undefined {
  if (range === 'all') return undefined
  const start = new Date(now)
  if (range === 'today') start.setHours(0, 0, 0, 0)
  else start.setTime(now.getTime() - (range === '7d' ? 7 : 30) * 86_400_000)
  return start.toISOString()
}

/** "just now", "5 min ago", "2 h ago", "3 d ago", then the date. */
export function relativeTime(iso: string, now: Date = new Date()): string {
  const ms = now.getTime() - Date.parse(iso)
  if (!Number.isFinite(ms)) return iso
  const min = Math.floor(ms / 60_000)
  if (min < 1) return 'just now'
  if (min < 60) return `${min} min ago`
  const h = Math.floor(min / 60)
  if (h < 24) return `${h} h ago`
  const d = Math.floor(h / 24)
  if (d < 14) return `${d} d ago`
  return new Date(iso).toLocaleDateString()
}

export function absoluteTime(iso: string): string {
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString()
}

export const useHistoryStore = defineStore('history', () => {
  const api = useApi()
  const runs = ref<RunRecord[]>([])
  const status = ref<LoadStatus>('idle')
  const error = ref<string | null>(null)
  /** Why the last change (delete, baseline, label) failed. */
  const operationError = ref<string | null>(null)
  const kind = ref<RunKind | ''>('')
  const outcome = ref<RunOutcome | ''>('')
  const flow = ref('')
  const tag = ref('')
  const range = ref<DateRange>('all')
  const selection = ref<ReadonlySet<string>>(new Set())
  const notices = ref<StoreNotice[]>([])
  /** Every flow and tag seen in the history of this workspace, for the filter pickers. */
  const known = ref<{ flows: string[]; tags: string[] }>({ flows: [], tags: [] })
  let subscribed = false
  let sequence = 0

  const filter = computed<RunFilter>(() => {
    const since = sinceOf(range.value)
    return {
      ...(kind.value ? { kind: kind.value } : {}),
      ...(outcome.value ? { outcome: outcome.value } : {}),
      ...(flow.value ? { flow: flow.value } : {}),
      ...(tag.value ? { tag: tag.value } : {}),
      ...(since ? { since } : {}),
    }
  })
  const filtered = computed(() => Object.keys(filter.value).length > 0)

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('historyChanged', () => {
      if (status.value !== 'idle') void load()
    })
    api.on('workspaceChanged', () => {
      selection.value = new Set()
      if (status.value !== 'idle') void load()
    })
  }

  async function load(): Promise<void> {
    subscribe()
    const seq = ++sequence
    if (status.value !== 'ready') status.value = 'loading'
    try {
      const [list, all] = await Promise.all([api.history.list(filter.value), api.history.list()])
      if (seq !== sequence) return
      runs.value = list
      known.value = {
        flows: [...new Set(all.flatMap((r) => r.flows.map((f) => f.path)))].sort(),
        tags: [...new Set(all.flatMap((r) => r.tags))].sort(),
      }
      const ids = new Set(list.map((r) => r.id))
      selection.value = new Set([...selection.value].filter((id) => ids.has(id)))
      status.value = 'ready'
      error.value = null
    } catch (err) {
      if (seq !== sequence) return
      error.value = describeError(err)
      status.value = 'error'
    }
  }

  async function loadNotices(): Promise<void> {
    try {
      notices.value = await api.history.notices()
    } catch {
      // Without notices the list still works; there is nothing to tell then.
      notices.value = []
    }
  }

  function dismissNotice(notice: StoreNotice): void {
    notices.value = notices.value.filter((n) => n !== notice)
  }

  function clearFilters(): void {
    kind.value = ''
    outcome.value = ''
    flow.value = ''
    tag.value = ''
    range.value = 'all'
    void load()
  }

  function toggleSelected(id: string): void {
    const next = new Set(selection.value)
    if (next.has(id)) next.delete(id)
    else next.add(id)
    selection.value = next
  }

  async function remove(ids: string[]): Promise<number> {
    operationError.value = null
    try {
      const n = await api.history.delete(ids)
      selection.value = new Set([...selection.value].filter((id) => !ids.includes(id)))
      runs.value = runs.value.filter((r) => !ids.includes(r.id))
      return n
    } catch (err) {
      operationError.value = describeError(err)
      return 0
    }
  }

  function replace(record: RunRecord): void {
    runs.value = runs.value.map((r) => (r.id === record.id ? record : record.baseline && r.baseline && r.kind === record.kind && r.load?.scenario === record.load?.scenario ? { ...r, baseline: false } : r))
  }

  async function setBaseline(id: string, on: boolean): Promise<RunRecord | null> {
    operationError.value = null
    try {
      const record = await api.history.setBaseline(id, on)
      replace(record)
      return record
    } catch (err) {
      operationError.value = describeError(err)
      return null
    }
  }

  async function setLabel(id: string, label: string | null): Promise<RunRecord | null> {
    operationError.value = null
    try {
      const record = await api.history.setLabel(id, label)
      replace(record)
      return record
    } catch (err) {
      operationError.value = describeError(err)
      return null
    }
  }

  /** A run with its full result (ApiError run_not_found when it is gone). */
  function get(id: string): Promise<StoredRun> {
    subscribe()
    return api.history.get(id)
  }

  /** Listens to every change of the history (a view showing one run follows it); returns the unsubscribe. */
  function onChange(listener: (change: { reason: string; ids: string[] }) => void): () => void {
    return api.on('historyChanged', listener)
  }

  /** The current record of a run (after a label or baseline change elsewhere); null when gone. */
  async function recordOf(record: RunRecord): Promise<RunRecord | null> {
    const list = await api.history.list({ workspace: record.workspace, kind: record.kind })
    return list.find((r) => r.id === record.id) ?? null
  }

  /** Runs of the same kind to compare a run with (the newest first, itself left out). */
  async function candidates(record: RunRecord): Promise<RunRecord[]> {
    const list = await api.history.list({ kind: record.kind, workspace: record.workspace, limit: 200 })
    return list.filter((r) => r.id !== record.id)
  }

  /** The baseline a run compares with: same kind (and scenario for load runs), not the run itself. */
  async function baselineFor(record: RunRecord): Promise<RunRecord | null> {
    const list = await api.history.list({ kind: record.kind, baseline: true, workspace: record.workspace })
    return list.find((r) => r.id !== record.id && (record.kind !== 'load' || r.load?.scenario === record.load?.scenario)) ?? null
  }

  return {
    runs,
    status,
    error,
    operationError,
    kind,
    outcome,
    flow,
    tag,
    range,
    selection,
    notices,
    known,
    filter,
    filtered,
    load,
    loadNotices,
    dismissNotice,
    clearFilters,
    toggleSelected,
    remove,
    setBaseline,
    setLabel,
    baselineFor,
    get,
    candidates,
    onChange,
    recordOf,
  }
})
