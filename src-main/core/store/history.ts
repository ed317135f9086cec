// Run history under $FLOWBENCH_HOME/history: a small lowdb index of RunRecords (index.json) and
// one payload file per run beside it (runs/<id>.json: the test report with transcripts, or the
// load result with histograms). Every change re-reads the index under a cross-process lock, so
// the CLI, `flowbench serve` and the desktop app can all record at once without losing a run.
import { execFile } from 'node:child_process'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, readdir, readFile, rename, stat, unlink } from 'node:fs/promises'
import { availableParallelism, cpus } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { Low } from 'lowdb'
import type {
  FlowVersion,
  HistoryChangeReason,
  RunFilter,
  RunHost,
  RunKind,
  RunOutcome,
  RunRecord,
  StoreNotice,
} from '../../common/api-history'
import type { LoadResult } from '../../common/load-result'
import { isRecord } from '../../common/record'
import type { TestRunReport } from '../runner/model'
import { DurableJSONFile, isTempFile, writeFileDurably } from './durable'
import { withFileLock } from './lock'
import { migrate, type Migration } from './migrate'

export type HistoryChange = { reason: HistoryChangeReason; ids: string[] }

export interface RunHistory {
  readonly dir: string
  addTestRun(report: TestRunReport, meta: TestRunMeta): Promise<RunRecord>
  addLoadRun(result: LoadResult, meta: { workspace: string; host: RunHost; scenarioFile: string }): Promise<RunRecord>
  list(filter?: RunFilter): Promise<RunRecord[]>
  /** A run by id or by a unique prefix of it; null when none matches. Throws HistoryError when a prefix matches several. */
  record(idOrPrefix: string): Promise<RunRecord | null>
  testReport(id: string): Promise<TestRunReport | null>
  loadResult(id: string): Promise<LoadResult | null>
  setBaseline(id: string, on: boolean): Promise<RunRecord>
  baseline(workspace: string, kind: RunKind, scenario?: string): Promise<RunRecord | null>
  setLabel(id: string, label: string | null): Promise<RunRecord>
  delete(ids: string[]): Promise<number>
  onChange(listener: (e: HistoryChange) => void): () => void
  /** What opening the history had to recover from (told to the user once). */
  notices(): StoreNotice[]
  /** The index file (watched by the service for runs other processes add). */
  readonly indexFile: string
}

export interface TestRunMeta {
  workspace: string
  host: RunHost
  /** The workspace's commit; looked up with git when not given. */
  commit?: string | null
  /** The id to record the run under (the workbench shows it live under this id); a fresh one when taken. */
  id?: string
}

export interface HistoryOptions {
  /** Runs kept per workspace besides baselines (default 200). */
  keep?: number
  /** Total size of the payload files; the oldest non-baseline runs go beyond it (default 512 MiB). */
  maxBytes?: number
  /** A lock not refreshed for this long is taken over (default 10 s). */
  lockStaleMs?: number
}

export class HistoryError extends Error {
  override name = 'HistoryError'
  constructor(
    readonly code: 'run_not_found' | 'ambiguous' | 'bad_request',
    message: string,
  ) {
    super(message)
  }
}

export const HISTORY_DIR = 'history'
export const HISTORY_VERSION = 1
export const DEFAULT_KEEP = 200
export const DEFAULT_MAX_BYTES = 512 * 1024 * 1024
/** Payload files not in the index (a process died between the two writes) are removed after this. */
const ORPHAN_AGE_MS = 10 * 60 * 1000
const ID_PATTERN = /^\d{8}-\d{6}-[0-9a-f]{4}$/

interface IndexedRun {
  record: RunRecord
  /** Size of the payload file. */
  bytes: number
}

interface HistoryIndex {
  version: number
  runs: IndexedRun[]
}

/** What a payload file holds: the record (so a lost index can be rebuilt) and the full result. */
interface RunPayload {
  version: 1
  record: RunRecord
  test?: TestRunReport
  load?: LoadResult
}

/** Index migrations, in order (the index starts at version 1). */
const INDEX_MIGRATIONS: readonly Migration<null>[] = []

function emptyIndex(): HistoryIndex {
  return { version: HISTORY_VERSION, runs: [] }
}

/** `20261122-171300-a1b2`: the UTC start second, then 16 random bits. */
export function newRunId(at: Date = new Date()): string {
  const iso = at.toISOString()
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${randomBytes(2).toString('hex')}`
}

export function isRunId(value: string): boolean {
  return ID_PATTERN.test(value)
}

/** sha256 of a flow file's content, hex, first 16 ('' when it cannot be read). */
export async function hashFlow(workspace: string, path: string): Promise<string> {
  try {
    return createHash('sha256').update(await readFile(resolve(workspace, path))).digest('hex').slice(0, 16)
  } catch {
    return ''
  }
}

/** `git rev-parse HEAD` in the workspace; null outside a repository or without git. */
export function gitCommit(workspace: string): Promise<string | null> {
  return new Promise((done) => {
    execFile('git', ['rev-parse', 'HEAD'], { cwd: workspace, timeout: 3000, windowsHide: true }, (err, stdout) => {
      const out = String(stdout ?? '').trim()
      done(!err && /^[0-9a-f]{7,64}$/.test(out) ? out : null)
    })
  })
}

async function workspaceName(root: string): Promise<string> {
  try {
    const parsed: unknown = JSON.parse(await readFile(join(root, 'flowbench.json'), 'utf8'))
    if (isRecord(parsed) && typeof parsed.name === 'string' && parsed.name) return parsed.name
  } catch {
    // No settings file (or a broken one): the folder's name, as the workspace service does.
  }
  return basename(root)
}

function cpuCount(): number {
  try {
    return availableParallelism()
  } catch {
    return cpus().length
  }
}

async function flowVersions(workspace: string, paths: Iterable<string>): Promise<FlowVersion[]> {
  const unique = [...new Set([...paths].filter(Boolean))].sort()
  return Promise.all(unique.map(async (path) => ({ path, hash: await hashFlow(workspace, path) })))
}

/** The summary fields of a test report, as recorded. */
export function testOutcome(report: Pick<TestRunReport, 'cancelled' | 'summary' | 'gates'>): RunOutcome {
  if (report.cancelled) return 'cancelled'
  return report.summary.failed > 0 || report.summary.errors > 0 || (report.gates ?? []).some((g) => !g.passed) ? 'failed' : 'passed'
}

function testTags(report: TestRunReport): string[] {
  const tags = new Set<string>()
  for (const suite of report.suites) for (const t of suite.tests) if (t.status !== 'skipped') for (const tag of t.tags) tags.add(tag)
  return [...tags].sort()
}

function matches(record: RunRecord, filter: RunFilter): boolean {
  if (filter.workspace !== undefined && record.workspace !== filter.workspace) return false
  if (filter.kind !== undefined && record.kind !== filter.kind) return false
  if (filter.outcome !== undefined && record.outcome !== filter.outcome) return false
  if (filter.baseline !== undefined && record.baseline !== filter.baseline) return false
  if (filter.flow !== undefined && !record.flows.some((f) => f.path === filter.flow)) return false
  if (filter.tag !== undefined && !record.tags.includes(filter.tag)) return false
  if (filter.since !== undefined && record.startedAt < filter.since) return false
  if (filter.until !== undefined && record.startedAt > filter.until) return false
  return true
}

function newestFirst(a: RunRecord, b: RunRecord): number {
  return a.startedAt < b.startedAt ? 1 : a.startedAt > b.startedAt ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0
}

function isRunRecord(value: unknown): value is RunRecord {
  return (
    isRecord(value) &&
    typeof value.id === 'string' &&
    isRunId(value.id) &&
    (value.kind === 'test' || value.kind === 'load') &&
    typeof value.workspace === 'string' &&
    typeof value.startedAt === 'string' &&
    Array.isArray(value.flows) &&
    Array.isArray(value.tags)
  )
}

function isIndex(value: unknown): value is HistoryIndex {
  return isRecord(value) && Array.isArray(value.runs) && value.runs.every((r) => isRecord(r) && isRunRecord(r.record) && typeof r.bytes === 'number')
}

const stamp = (): number => Date.now()

export async function openHistory(home: string, options: HistoryOptions = {}): Promise<RunHistory> {
  const keep = Math.max(1, Math.floor(options.keep ?? DEFAULT_KEEP))
  const maxBytes = Math.max(1, options.maxBytes ?? DEFAULT_MAX_BYTES)
  const lockOptions = options.lockStaleMs !== undefined ? { staleMs: options.lockStaleMs } : {}
  const dir = join(home, HISTORY_DIR)
  const runsDir = join(dir, 'runs')
  const indexFile = join(dir, 'index.json')
  await mkdir(runsDir, { recursive: true })
  // Built explicitly: JSONFilePreset silently keeps everything in memory under NODE_ENV=test.
  const db = new Low<HistoryIndex>(new DurableJSONFile<HistoryIndex>(indexFile), emptyIndex())
  const notices: StoreNotice[] = []
  const listeners = new Set<(e: HistoryChange) => void>()
  const payloadFile = (id: string) => join(runsDir, `${id}.json`)
  // The last index read, by file identity: listing does not parse the file again unless it changed.
  let cache: { key: string; index: HistoryIndex } | null = null

  const emit = (reason: HistoryChangeReason, ids: string[]) => {
    if (!ids.length) return
    for (const listener of [...listeners]) {
      try {
        listener({ reason, ids: [...ids] })
      } catch {
        // One listener failing must not keep the others from hearing of the change.
      }
    }
  }

  const moveAside = async (file: string): Promise<string | null> => {
    const backup = `${file}.corrupt-${stamp()}`
    try {
      await rename(file, backup)
      return backup
    } catch {
      return null
    }
  }

  /** Reads every payload file back into index entries (the index was lost or damaged). */
  const rebuild = async (): Promise<HistoryIndex> => {
    const index = emptyIndex()
    for (const name of (await readdir(runsDir)).sort()) {
      if (!name.endsWith('.json') || isTempFile(name)) continue
      const file = join(runsDir, name)
      try {
        const text = await readFile(file, 'utf8')
        const payload: unknown = JSON.parse(text)
        if (!isRecord(payload) || !isRunRecord(payload.record) || `${payload.record.id}.json` !== name) throw new SyntaxError('not a run file')
        index.runs.push({ record: payload.record, bytes: Buffer.byteLength(text) })
      } catch (err) {
        if (!(err instanceof SyntaxError)) throw err
        const backup = await moveAside(file)
        notices.push({ kind: 'corrupt-run', message: `A run file could not be read and was moved aside; that run is not in the history.`, file, backup, at: new Date().toISOString() })
      }
    }
    return index
  }

  /** Reads the index (recovering from damage, migrating old versions); call under the lock to write after. */
  const load = async (): Promise<HistoryIndex> => {
    let raw: unknown
    let damaged = false
    try {
      raw = await db.adapter.read()
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
      damaged = true
    }
    if (!damaged && raw !== null && !isIndex(raw) && !(isRecord(raw) && typeof raw.version === 'number' && raw.version > HISTORY_VERSION)) damaged = true
    if (damaged) {
      const backup = await moveAside(indexFile)
      const index = await rebuild()
      notices.push({
        kind: 'corrupt-index',
        message: `The run history index could not be read; it was moved aside and rebuilt from ${index.runs.length} run file${index.runs.length === 1 ? '' : 's'}.`,
        file: indexFile,
        backup,
        at: new Date().toISOString(),
      })
      db.data = index
      await db.write()
      return index
    }
    if (raw === null) {
      // No index: a fresh history, or one whose index was deleted while its run files remain.
      const index = await rebuild()
      if (index.runs.length) {
        notices.push({ kind: 'corrupt-index', message: `The run history index was missing; it was rebuilt from ${index.runs.length} run file${index.runs.length === 1 ? '' : 's'}.`, file: indexFile, backup: null, at: new Date().toISOString() })
        db.data = index
        await db.write()
      }
      return index
    }
    const { data, applied } = await migrate(indexFile, raw as unknown as Record<string, unknown>, INDEX_MIGRATIONS, HISTORY_VERSION, null)
    const index = data as unknown as HistoryIndex
    if (applied.length) {
      db.data = index
      await db.write()
    }
    return index
  }

  /** The current index for reading: parsed again only when the file changed. */
  const current = async (): Promise<HistoryIndex> => {
    const st = await stat(indexFile).catch(() => null)
    const key = st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'none'
    if (cache?.key === key) return cache.index
    let index: HistoryIndex
    try {
      const raw = await db.adapter.read()
      index = raw === null ? emptyIndex() : isIndex(raw) ? raw : await withFileLock(indexFile, load, lockOptions)
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
      index = await withFileLock(indexFile, load, lockOptions)
    }
    cache = { key, index }
    return index
  }

  /** A read-modify-write of the index under the lock, on the index as it is on disk now. */
  const change = async <T>(fn: (index: HistoryIndex) => Promise<T>): Promise<T> =>
    withFileLock(
      indexFile,
      async () => {
        const index = await load()
        const result = await fn(index)
        db.data = index
        await db.write()
        cache = null
        return result
      },
      lockOptions,
    )

  const writePayload = async (payload: RunPayload): Promise<number> => {
    const text = JSON.stringify(payload)
    await writeFileDurably(payloadFile(payload.record.id), text)
    return Buffer.byteLength(text)
  }

  const readPayload = async (id: string): Promise<RunPayload | null> => {
    if (!isRunId(id)) return null
    let text: string
    try {
      text = await readFile(payloadFile(id), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null
      throw err
    }
    try {
      const payload: unknown = JSON.parse(text)
      return isRecord(payload) && isRunRecord(payload.record) ? (payload as unknown as RunPayload) : null
    } catch {
      return null
    }
  }

  /** Keeps the payload's copy of the record in step with the index (it is what a rebuild reads). */
  const syncPayloadRecord = async (record: RunRecord, bytesOf: (bytes: number) => void) => {
    const payload = await readPayload(record.id)
    if (!payload) return
    bytesOf(await writePayload({ ...payload, record }))
  }

  /** Drops what exceeds the limits (never a baseline, never `protect`); answers the ids dropped. */
  const prune = (index: HistoryIndex, workspace: string, protect: string): string[] => {
    const dropped = new Set<string>()
    const ofWorkspace = index.runs.filter((r) => r.record.workspace === workspace && !r.record.baseline).sort((a, b) => newestFirst(a.record, b.record))
    for (const r of ofWorkspace.slice(keep)) if (r.record.id !== protect) dropped.add(r.record.id)
    let total = index.runs.reduce((sum, r) => sum + (dropped.has(r.record.id) ? 0 : r.bytes), 0)
    const oldestFirst = index.runs.filter((r) => !r.record.baseline && r.record.id !== protect && !dropped.has(r.record.id)).sort((a, b) => newestFirst(b.record, a.record))
    for (const r of oldestFirst) {
      if (total <= maxBytes) break
      dropped.add(r.record.id)
      total -= r.bytes
    }
    index.runs = index.runs.filter((r) => !dropped.has(r.record.id))
    return [...dropped]
  }

  const removePayloads = async (ids: string[]) => {
    await Promise.all(ids.map((id) => unlink(payloadFile(id)).catch(() => undefined)))
  }

  /** Payload files no index entry names, left by a process that died between its two writes. */
  const removeOrphans = async (index: HistoryIndex) => {
    const known = new Set(index.runs.map((r) => `${r.record.id}.json`))
    const now = Date.now()
    for (const name of await readdir(runsDir)) {
      if (known.has(name) || name.includes('.corrupt-')) continue
      const file = join(runsDir, name)
      const st = await stat(file).catch(() => null)
      if (st && now - st.mtimeMs > ORPHAN_AGE_MS) await unlink(file).catch(() => undefined)
    }
  }

  const add = async (record: RunRecord, body: Pick<RunPayload, 'test' | 'load'>): Promise<RunRecord> => {
    const { added, pruned } = await change(async (index) => {
      const taken = new Set(index.runs.map((r) => r.record.id))
      let id = record.id
      while (taken.has(id) || (await stat(payloadFile(id)).catch(() => null))) id = newRunId(new Date(record.startedAt))
      const final = { ...record, id }
      const bytes = await writePayload({ version: 1, record: final, ...body })
      index.runs.push({ record: final, bytes })
      const dropped = prune(index, final.workspace, id)
      return { added: final, pruned: dropped }
    })
    await removePayloads(pruned)
    emit('added', [added.id])
    emit('pruned', pruned)
    // Housekeeping outside the caller's path: a failure here loses nothing.
    void current().then(removeOrphans).catch(() => undefined)
    return added
  }

  const find = (index: HistoryIndex, id: string): IndexedRun => {
    const entry = typeof id === 'string' ? index.runs.find((r) => r.record.id === id) : undefined
    if (!entry) throw new HistoryError('run_not_found', `there is no run ${String(id)} in the history`)
    return entry
  }

  // Opening reads (and if need be repairs or migrates) the index once, under the lock.
  await withFileLock(indexFile, load, lockOptions)

  const history: RunHistory = {
    dir,
    indexFile,

    async addTestRun(report, meta) {
      const workspace = resolve(meta.workspace)
      const flows = await flowVersions(workspace, [...report.suites.map((s) => s.flow ?? ''), ...Object.keys(report.coverage)])
      const commit = meta.commit !== undefined ? meta.commit : await gitCommit(workspace)
      const started = new Date(report.started_at)
      const record: RunRecord = {
        id: meta.id && isRunId(meta.id) ? meta.id : newRunId(Number.isNaN(started.getTime()) ? new Date() : started),
        kind: 'test',
        workspace,
        workspaceName: await workspaceName(workspace),
        startedAt: report.started_at,
        durationMs: report.duration_ms,
        outcome: testOutcome(report),
        flows,
        tags: testTags(report),
        label: null,
        baseline: false,
        environment: { flowbench: report.version, node: process.version, platform: `${process.platform}-${process.arch}`, cpus: cpuCount(), commit, host: meta.host },
        test: {
          ...report.summary,
          statePercent: report.coverage_total?.states.percent ?? 100,
          transitionPercent: report.coverage_total?.transitions.percent ?? 100,
        },
      }
      return add(record, { test: report })
    },

    async addLoadRun(result, meta) {
      const workspace = resolve(meta.workspace)
      const envCommit = result.environment.commit
      const commit = envCommit && envCommit !== 'unknown' ? envCommit : await gitCommit(workspace)
      const started = new Date(result.started_at)
      const record: RunRecord = {
        id: newRunId(Number.isNaN(started.getTime()) ? new Date() : started),
        kind: 'load',
        workspace,
        workspaceName: await workspaceName(workspace),
        startedAt: result.started_at,
        durationMs: result.duration_ms,
        outcome: result.aborted?.reason === 'interrupted' ? 'cancelled' : result.passed ? 'passed' : 'failed',
        flows: await flowVersions(workspace, Object.keys(result.by_flow ?? {})),
        tags: [],
        label: null,
        baseline: false,
        environment: { flowbench: result.version, node: result.environment.node, platform: result.environment.platform, cpus: result.environment.cpus, commit, host: meta.host },
        load: {
          scenario: meta.scenarioFile,
          name: result.name ?? null,
          turns: result.totals.turns,
          conversations: result.totals.conversations,
          errors: result.totals.errors,
          throughput: result.throughput.turns_per_s,
          p50Ms: result.turn_latency_ms.p50,
          p95Ms: result.turn_latency_ms.p95,
          p99Ms: result.turn_latency_ms.p99,
          thresholdsPassed: result.thresholds.every((t) => t.passed),
        },
      }
      return add(record, { load: result })
    },

    async list(filter = {}) {
      const index = await current()
      const out = index.runs.map((r) => r.record).filter((r) => matches(r, filter)).sort(newestFirst)
      const limited = filter.limit !== undefined && filter.limit >= 0 ? out.slice(0, filter.limit) : out
      return structuredClone(limited)
    },

    async record(idOrPrefix) {
      const index = await current()
      const exact = index.runs.find((r) => r.record.id === idOrPrefix)
      if (exact) return structuredClone(exact.record)
      if (!idOrPrefix) return null
      const found = index.runs.filter((r) => r.record.id.startsWith(idOrPrefix))
      if (found.length > 1) {
        throw new HistoryError('ambiguous', `"${idOrPrefix}" matches ${found.length} runs (${found.slice(0, 3).map((r) => r.record.id).join(', ')}${found.length > 3 ? ', …' : ''}): give more of the id`)
      }
      return found[0] ? structuredClone(found[0].record) : null
    },

    async testReport(id) {
      return (await readPayload(id))?.test ?? null
    },

    async loadResult(id) {
      return (await readPayload(id))?.load ?? null
    },

    async setBaseline(id, on) {
      const { record, changed } = await change(async (index) => {
        const entry = find(index, id)
        const changedIds: string[] = []
        if (on) {
          for (const other of index.runs) {
            const r = other.record
            if (r.id === id || !r.baseline || r.workspace !== entry.record.workspace || r.kind !== entry.record.kind) continue
            if (r.kind === 'load' && r.load?.scenario !== entry.record.load?.scenario) continue
            other.record = { ...r, baseline: false }
            changedIds.push(r.id)
          }
        }
        if (entry.record.baseline !== on) {
          entry.record = { ...entry.record, baseline: on }
          changedIds.push(id)
        }
        for (const changedId of changedIds) {
          const e = find(index, changedId)
          await syncPayloadRecord(e.record, (bytes) => (e.bytes = bytes))
        }
        return { record: entry.record, changed: changedIds }
      })
      emit('updated', changed)
      return structuredClone(record)
    },

    async baseline(workspace, kind, scenario) {
      const found = (await current()).runs.find(
        (r) => r.record.baseline && r.record.workspace === workspace && r.record.kind === kind && (kind !== 'load' || scenario === undefined || r.record.load?.scenario === scenario),
      )
      return found ? structuredClone(found.record) : null
    },

    async setLabel(id, label) {
      const text = typeof label === 'string' ? label.trim() : null
      if (text !== null && text.length > 200) throw new HistoryError('bad_request', 'a label is at most 200 characters')
      const value = text ? text : null
      const record = await change(async (index) => {
        const entry = find(index, id)
        if (entry.record.label !== value) {
          entry.record = { ...entry.record, label: value }
          await syncPayloadRecord(entry.record, (bytes) => (entry.bytes = bytes))
        }
        return entry.record
      })
      emit('updated', [record.id])
      return structuredClone(record)
    },

    async delete(ids) {
      const wanted = new Set(ids)
      const removed = await change(async (index) => {
        const gone = index.runs.filter((r) => wanted.has(r.record.id)).map((r) => r.record.id)
        index.runs = index.runs.filter((r) => !wanted.has(r.record.id))
        return gone
      })
      await removePayloads(removed)
      emit('deleted', removed)
      return removed.length
    },

    onChange(listener) {
      listeners.add(listener)
      return () => {
        listeners.delete(listener)
      }
    },

    notices: () => notices.map((n) => ({ ...n })),
  }
  return history
}
