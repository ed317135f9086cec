// The app's own state on disk (settings, recent workspaces, trust decisions, switched-off
// plugins), one versioned lowdb JSON file under $FLOWBENCH_HOME; run history lives beside it
// (./history.ts). Workspace files never live here.
import { createHash } from 'node:crypto'
import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import type { JsonValue, RecentWorkspace, StoreNotice, TestRunResult } from '../../common/api'
import { isRecord } from '../../common/record'
import { totalCoverage } from '../runner/coverage'
import type { TestRunReport } from '../runner/model'
import { DurableJSONFile } from './durable'
import { openHistory, type RunHistory } from './history'
import { withFileLock, type LockOptions } from './lock'
import { migrate, type Migration } from './migrate'

export interface TrustDecision {
  trusted: boolean
  decidedAt: string
}

export interface StoreData {
  version: 2
  settings: { [key: string]: JsonValue }
  recentWorkspaces: RecentWorkspace[]
  /** Workspace root → the user's decision. A workspace without one is untrusted. */
  trust: { [root: string]: TrustDecision }
  /** Workspace root → names of the plugins the user switched off there (sorted). */
  disabledPlugins: { [root: string]: string[] }
}

export const STORE_FILE = 'flowbench-store.json'
export const STORE_VERSION = 2
const RECENT_LIMIT = 12

/** Settings the run history reads: runs kept per workspace, and the payloads' total size cap. */
export const HISTORY_KEEP_SETTING = 'history.keep'
export const HISTORY_MAX_BYTES_SETTING = 'history.maxBytes'

function defaults(): StoreData {
  return { version: STORE_VERSION, settings: {}, recentWorkspaces: [], trust: {}, disabledPlugins: {} }
}

export interface AppStore {
  readonly file: string
  /** Set when the file could not be read and was moved aside: the host tells the user once. */
  readonly recoveredFrom: string | null
  /** What opening the store had to recover from or convert (told to the user once). */
  readonly notices: readonly StoreNotice[]
  recent(): RecentWorkspace[]
  rememberWorkspace(root: string, name: string, now?: Date): Promise<void>
  trustOf(root: string): TrustDecision | null
  setTrust(root: string, trusted: boolean, now?: Date): Promise<void>
  /** Plugins switched off in this workspace, by name. */
  disabledPlugins(root: string): string[]
  setPluginEnabled(root: string, name: string, enabled: boolean): Promise<void>
  setting(key: string): JsonValue | undefined
  setSetting(key: string, value: JsonValue): Promise<void>
}

export interface StoreOptions extends LockOptions {
  /** The history a migration moves old runs into (opened from `home` when not given). */
  history?: RunHistory
}

interface MigrationContext {
  home: string
  history: () => Promise<RunHistory>
}

/** A run kept by version 1 (a TestRunResult without transcripts) as the report the history keeps. */
export function legacyRunAsReport(root: string, run: TestRunResult): TestRunReport {
  return {
    tool: 'flowbench',
    version: 'unknown',
    started_at: run.started_at,
    duration_ms: run.duration_ms,
    summary: run.summary,
    suites: run.suites.map((s) => ({ ...s, tests: s.tests.map((t) => ({ ...t, failures: t.failures ?? [] })) })),
    coverage: run.coverage,
    coverage_total: run.coverage_total ?? totalCoverage(run.coverage),
    workspace: root,
    files: run.suites.length,
    workers: 0,
    repeat: 1,
    gates: [],
    bailed: false,
    cancelled: run.cancelled,
  }
}

/** The history id an old run gets: fixed by its content, so a migration that is run again adds nothing twice. */
function legacyRunId(root: string, run: TestRunResult): string {
  const at = new Date(run.started_at)
  const iso = (Number.isNaN(at.getTime()) ? new Date(0) : at).toISOString()
  const suffix = createHash('sha256').update(`${root}\0${run.runId}\0${run.started_at}`).digest('hex').slice(0, 4)
  return `${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${suffix}`
}

/** The store's migrations, in order: index i takes version i + 1 to i + 2. */
export const STORE_MIGRATIONS: readonly Migration<MigrationContext>[] = [
  {
    from: 1,
    description: 'the last test run of each workspace moved into the run history',
    async run(data, ctx) {
      const { lastRuns, ...rest } = data
      if (isRecord(lastRuns)) {
        const entries = Object.entries(lastRuns).filter((e): e is [string, TestRunResult] => isRecord(e[1]) && Array.isArray(e[1].suites) && isRecord(e[1].summary))
        if (entries.length) {
          const history = await ctx.history()
          for (const [root, run] of entries) {
            const id = legacyRunId(root, run)
            if (await history.record(id)) continue
            await history.addTestRun(legacyRunAsReport(root, run), { workspace: root, host: 'workbench', commit: null, id })
          }
        }
      }
      return rest
    },
  },
]

/**
 * Opens (or creates) the store in `home`, migrating an older file. A file that is not valid
 * JSON is renamed to `<file>.corrupt-<time>` and a fresh store is started, so a damaged file
 * never blocks the app. Every change re-reads the file under a cross-process lock, so two
 * processes (the desktop app and `flowbench serve`) never undo each other's changes.
 */
export async function openStore(home: string, options: StoreOptions = {}): Promise<AppStore> {
  await mkdir(home, { recursive: true })
  const file = join(home, STORE_FILE)
  const lockOptions: LockOptions = options.staleMs !== undefined ? { staleMs: options.staleMs } : {}
  // Built explicitly: JSONFilePreset silently keeps everything in memory under NODE_ENV=test.
  const db = new Low<StoreData>(new DurableJSONFile<StoreData>(file), defaults())
  let recoveredFrom: string | null = null
  const notices: StoreNotice[] = []
  let history = options.history ?? null
  const ctx: MigrationContext = { home, history: async () => (history ??= await openHistory(home)) }

  /** Reads the file as it is now, recovering from damage and migrating; call under the lock. */
  const load = async (): Promise<void> => {
    let raw: unknown
    try {
      raw = await db.adapter.read()
    } catch (err) {
      if (!(err instanceof SyntaxError)) throw err
      raw = undefined
    }
    if (raw !== null && !isRecord(raw)) {
      recoveredFrom = `${file}.corrupt-${Date.now()}`
      await rename(file, recoveredFrom)
      notices.push({ kind: 'corrupt-store', message: 'The app-state file could not be read; it was moved aside and Flowbench started with fresh settings, recent workspaces and trust decisions.', file, backup: recoveredFrom, at: new Date().toISOString() })
      raw = null
    }
    if (raw === null) {
      db.data = defaults()
      return
    }
    const { data, applied } = await migrate(file, raw as Record<string, unknown>, STORE_MIGRATIONS, STORE_VERSION, ctx)
    // Files written by a partial store get the keys they lack.
    db.data = { ...defaults(), ...(data as Partial<StoreData>), version: STORE_VERSION }
    if (applied.length) {
      await db.write()
      notices.push({ kind: 'migrated', message: `The app-state file was updated to version ${STORE_VERSION}: ${applied.join('; ')}.`, file, backup: null, at: new Date().toISOString() })
    }
  }

  /** One read-modify-write under the lock, on the file as it is on disk now. */
  const change = (fn: (data: StoreData) => void): Promise<void> =>
    withFileLock(
      file,
      async () => {
        await load()
        fn(db.data)
        await db.write()
      },
      lockOptions,
    )

  await withFileLock(file, load, lockOptions)

  return {
    file,
    get recoveredFrom() {
      return recoveredFrom
    },
    notices,
    recent: () => db.data.recentWorkspaces.map((r) => ({ ...r })),
    async rememberWorkspace(root, name, now = new Date()) {
      await change((d) => {
        const rest = d.recentWorkspaces.filter((r) => r.root !== root)
        d.recentWorkspaces = [{ root, name, openedAt: now.toISOString() }, ...rest].slice(0, RECENT_LIMIT)
      })
    },
    trustOf: (root) => db.data.trust[root] ?? null,
    async setTrust(root, trusted, now = new Date()) {
      await change((d) => {
        d.trust[root] = { trusted, decidedAt: now.toISOString() }
      })
    },
    disabledPlugins: (root) => [...(db.data.disabledPlugins[root] ?? [])],
    async setPluginEnabled(root, name, enabled) {
      await change((d) => {
        const names = new Set(d.disabledPlugins[root] ?? [])
        if (enabled) names.delete(name)
        else names.add(name)
        if (names.size) d.disabledPlugins[root] = [...names].sort()
        else delete d.disabledPlugins[root]
      })
    },
    setting: (key) => db.data.settings[key],
    async setSetting(key, value) {
      await change((d) => {
        d.settings[key] = value
      })
    },
  }
}

/** The history limits the user set in the store's settings (absent or invalid → the defaults). */
export function historyLimits(store: AppStore): { keep?: number; maxBytes?: number } {
  const keep = store.setting(HISTORY_KEEP_SETTING)
  const maxBytes = store.setting(HISTORY_MAX_BYTES_SETTING)
  return {
    ...(typeof keep === 'number' && Number.isInteger(keep) && keep > 0 ? { keep } : {}),
    ...(typeof maxBytes === 'number' && maxBytes > 0 ? { maxBytes } : {}),
  }
}

export { openHistory, type RunHistory } from './history'
