// The `history` service (see src-main/common/api-history.ts): the run history of the store for
// the workbench, and `historyChanged` whenever it changes, in this process or another one (the
// CLI recording a run): the index file is watched and each debounced change diffed.
import { watch, type FSWatcher } from 'node:fs'
import { dirname } from 'node:path'
import { RUN_KINDS, RUN_OUTCOMES } from '../../common/api-history'
import {
  ApiError,
  type HistoryChangeReason,
  type HistoryService,
  type RunFilter,
  type RunRecord,
  type StoredRun,
} from '../../common/api'
import { isRecord } from '../../common/record'
import { HistoryError, type RunHistory } from '../store/history'
import type { FeatureService, ServiceContext } from './context'
import { toRunResult } from './tests'

export interface HistoryServiceOptions {
  /** How long the index must be quiet before another process's change is reported (ms). */
  debounceMs?: number
}

const FILTER_KEYS = new Set(['workspace', 'kind', 'flow', 'outcome', 'tag', 'since', 'until', 'baseline', 'limit'])

function checkFilter(given: unknown): RunFilter {
  if (given === undefined || given === null) return {}
  if (!isRecord(given)) throw new ApiError('bad_request', 'list takes a filter object {kind?, flow?, outcome?, tag?, since?, until?, baseline?, limit?, workspace?}')
  for (const key of Object.keys(given)) if (!FILTER_KEYS.has(key)) throw new ApiError('bad_request', `unknown filter field "${key}"`)
  const filter: RunFilter = {}
  for (const key of ['workspace', 'flow', 'tag', 'since', 'until'] as const) {
    const value = given[key]
    if (value === undefined) continue
    if (typeof value !== 'string') throw new ApiError('bad_request', `filter.${key} must be a string`)
    filter[key] = value
  }
  for (const key of ['since', 'until'] as const) {
    if (filter[key] !== undefined && Number.isNaN(Date.parse(filter[key]))) throw new ApiError('bad_request', `filter.${key} must be an ISO date, got "${filter[key]}"`)
  }
  if (given.kind !== undefined) {
    if (!RUN_KINDS.includes(given.kind as never)) throw new ApiError('bad_request', `filter.kind must be one of ${RUN_KINDS.join(', ')}`)
    filter.kind = given.kind as RunFilter['kind']
  }
  if (given.outcome !== undefined) {
    if (!RUN_OUTCOMES.includes(given.outcome as never)) throw new ApiError('bad_request', `filter.outcome must be one of ${RUN_OUTCOMES.join(', ')}`)
    filter.outcome = given.outcome as RunFilter['outcome']
  }
  if (given.baseline !== undefined) {
    if (typeof given.baseline !== 'boolean') throw new ApiError('bad_request', 'filter.baseline must be true or false')
    filter.baseline = given.baseline
  }
  if (given.limit !== undefined) {
    if (typeof given.limit !== 'number' || !Number.isInteger(given.limit) || given.limit < 0) throw new ApiError('bad_request', 'filter.limit must be a whole number')
    filter.limit = given.limit
  }
  return filter
}

function requireId(id: unknown): string {
  if (typeof id !== 'string' || !id) throw new ApiError('bad_request', 'a run id must be a non-empty string')
  return id
}

/** Store errors in the API's terms. */
async function api<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work()
  } catch (err) {
    if (err instanceof HistoryError) throw new ApiError(err.code === 'ambiguous' ? 'bad_request' : err.code, err.message)
    throw err
  }
}

/** What identifies a record's state for change detection (label and baseline can change). */
const signature = (r: RunRecord): string => `${r.label ?? ''}\0${r.baseline}`

export function createHistoryService(ctx: ServiceContext, options: HistoryServiceOptions = {}): FeatureService<HistoryService> {
  const history: RunHistory = ctx.history
  const debounceMs = options.debounceMs ?? 150
  // What listeners have been told about: a change seen on disk is diffed against it.
  let known = new Map<string, string>()
  let ready: Promise<void> = history.list().then((all) => {
    known = new Map(all.map((r) => [r.id, signature(r)]))
  }).catch(() => undefined)
  let disposed = false

  const emit = (reason: HistoryChangeReason, ids: string[]) => {
    if (ids.length && !disposed) ctx.events.emit('historyChanged', { reason, ids })
  }

  const rescan = async () => {
    await ready
    const all = await history.list()
    const now = new Map(all.map((r) => [r.id, signature(r)]))
    const added = [...now.keys()].filter((id) => !known.has(id))
    const deleted = [...known.keys()].filter((id) => !now.has(id))
    const updated = [...now.keys()].filter((id) => known.has(id) && known.get(id) !== now.get(id))
    known = now
    emit('added', added)
    emit('deleted', deleted)
    emit('updated', updated)
  }

  // This process's own changes are told at once, with their real reason (pruned, not deleted).
  const unsubscribe = history.onChange((change) => {
    ready = ready.then(async () => {
      for (const id of change.ids) known.delete(id)
      if (change.reason === 'added' || change.reason === 'updated') {
        for (const r of await history.list()) if (change.ids.includes(r.id)) known.set(r.id, signature(r))
      }
    }).catch(() => undefined)
    emit(change.reason, change.ids)
  })

  let timer: NodeJS.Timeout | null = null
  const schedule = () => {
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void rescan().catch(() => undefined)
    }, debounceMs)
  }
  let watcher: FSWatcher | null = null
  try {
    // The folder, not the file: every write replaces index.json by renaming a temp file over it.
    watcher = watch(dirname(history.indexFile), (_event, name) => {
      if (!name || String(name) === 'index.json') schedule()
    })
    watcher.on('error', () => undefined)
  } catch {
    watcher = null
  }

  const defaultWorkspace = (): string | undefined => {
    try {
      return ctx.workspace.current().root
    } catch {
      return undefined
    }
  }

  const service: HistoryService = {
    async list(given) {
      const filter = checkFilter(given)
      const workspace = filter.workspace ?? defaultWorkspace()
      return history.list({ ...filter, ...(workspace !== undefined ? { workspace } : {}) })
    },

    async get(givenId) {
      const id = requireId(givenId)
      return api(async () => {
        const record = await history.record(id)
        if (!record || record.id !== id) throw new ApiError('run_not_found', `there is no run ${id} in the history`)
        const run: StoredRun = { record }
        if (record.kind === 'test') {
          const report = await history.testReport(id)
          if (report) run.test = toRunResult(id, report)
        } else {
          const result = await history.loadResult(id)
          if (result) run.load = result
        }
        return run
      })
    },

    async setBaseline(id, baseline) {
      if (typeof baseline !== 'boolean') throw new ApiError('bad_request', 'setBaseline takes (id, true|false)')
      return api(() => history.setBaseline(requireId(id), baseline))
    },

    async setLabel(id, label) {
      if (label !== null && typeof label !== 'string') throw new ApiError('bad_request', 'a label is a string, or null to remove it')
      return api(() => history.setLabel(requireId(id), label))
    },

    async delete(ids) {
      if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string')) throw new ApiError('bad_request', 'delete takes a list of run ids')
      return api(() => history.delete(ids))
    },

    async notices() {
      return [...ctx.store.notices, ...history.notices()]
    },
  }

  return {
    service,
    dispose() {
      disposed = true
      unsubscribe()
      if (timer) clearTimeout(timer)
      watcher?.close()
    },
  }
}
