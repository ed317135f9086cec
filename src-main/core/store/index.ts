// The app's own state on disk (settings, recent workspaces, trust decisions, last test runs),
// one lowdb JSON file under $FLOWBENCH_HOME. Workspace files never live here.
import { mkdir, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { Low } from 'lowdb'
import { JSONFile } from 'lowdb/node'
import type { JsonValue, RecentWorkspace, TestRunResult } from '../../common/api'

export interface TrustDecision {
  trusted: boolean
  decidedAt: string
}

export interface StoreData {
  version: 1
  settings: { [key: string]: JsonValue }
  recentWorkspaces: RecentWorkspace[]
  /** Workspace root → the user's decision. A workspace without one is untrusted. */
  trust: { [root: string]: TrustDecision }
  /** Workspace root → its newest finished run (transcripts dropped to keep the file small). */
  lastRuns: { [root: string]: TestRunResult }
  /** Workspace root → names of the plugins the user switched off there (sorted). */
  disabledPlugins: { [root: string]: string[] }
}

export const STORE_FILE = 'flowbench-store.json'
const RECENT_LIMIT = 12

function defaults(): StoreData {
  return { version: 1, settings: {}, recentWorkspaces: [], trust: {}, lastRuns: {}, disabledPlugins: {} }
}

export interface AppStore {
  readonly file: string
  /** Set when the file could not be read and was moved aside: the host tells the user once. */
  readonly recoveredFrom: string | null
  recent(): RecentWorkspace[]
  rememberWorkspace(root: string, name: string, now?: Date): Promise<void>
  trustOf(root: string): TrustDecision | null
  setTrust(root: string, trusted: boolean, now?: Date): Promise<void>
  lastRun(root: string): TestRunResult | null
  saveLastRun(root: string, run: TestRunResult): Promise<void>
  /** Plugins switched off in this workspace, by name. */
  disabledPlugins(root: string): string[]
  setPluginEnabled(root: string, name: string, enabled: boolean): Promise<void>
  setting(key: string): JsonValue | undefined
  setSetting(key: string, value: JsonValue): Promise<void>
}

/**
 * Opens (or creates) the store in `home`. A file that is not valid JSON is renamed to
 * `<file>.corrupt-<time>` and a fresh store is started, so a damaged file never blocks the app.
 */
export async function openStore(home: string): Promise<AppStore> {
  await mkdir(home, { recursive: true })
  const file = join(home, STORE_FILE)
  // Built explicitly: JSONFilePreset silently keeps everything in memory under NODE_ENV=test.
  const db = new Low<StoreData>(new JSONFile<StoreData>(file), defaults())
  let recoveredFrom: string | null = null
  try {
    await db.read()
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err
    recoveredFrom = `${file}.corrupt-${Date.now()}`
    await rename(file, recoveredFrom)
    db.data = defaults()
  }
  // Files written by an older or partial store get the keys they lack.
  db.data = { ...defaults(), ...(db.data as Partial<StoreData>) }

  return {
    file,
    recoveredFrom,
    recent: () => db.data.recentWorkspaces.map((r) => ({ ...r })),
    async rememberWorkspace(root, name, now = new Date()) {
      const rest = db.data.recentWorkspaces.filter((r) => r.root !== root)
      db.data.recentWorkspaces = [{ root, name, openedAt: now.toISOString() }, ...rest].slice(0, RECENT_LIMIT)
      await db.write()
    },
    trustOf: (root) => db.data.trust[root] ?? null,
    async setTrust(root, trusted, now = new Date()) {
      db.data.trust[root] = { trusted, decidedAt: now.toISOString() }
      await db.write()
    },
    lastRun: (root) => db.data.lastRuns[root] ?? null,
    async saveLastRun(root, run) {
      db.data.lastRuns[root] = {
        ...run,
        suites: run.suites.map((s) => ({ ...s, tests: s.tests.map(({ transcript: _dropped, ...t }) => t) })),
      }
      await db.write()
    },
    disabledPlugins: (root) => [...(db.data.disabledPlugins[root] ?? [])],
    async setPluginEnabled(root, name, enabled) {
      const names = new Set(db.data.disabledPlugins[root] ?? [])
      if (enabled) names.delete(name)
      else names.add(name)
      if (names.size) db.data.disabledPlugins[root] = [...names].sort()
      else delete db.data.disabledPlugins[root]
      await db.write()
    },
    setting: (key) => db.data.settings[key],
    async setSetting(key, value) {
      db.data.settings[key] = value
      await db.write()
    },
  }
}
