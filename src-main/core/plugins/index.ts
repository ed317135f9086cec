// Plugins: discovery (built-in, workspace, configured folders), manifest validation, trust,
// loading entries, and the providers the engine calls. Never throws for a broken plugin: each
// problem is reported on that plugin's status and the others keep working.
import type { PluginSource, PluginState, PluginStatus } from '../../common/plugin-api'
import { discoverPluginFolders } from './discover'
import { loadPluginEntry } from './entry'
import { readPluginManifest, type PluginManifest } from './manifest'
import type { GeneratorHandler, SummarizerHandler } from '../../common/plugin-api'
import { PluginGenerators, PluginIntegrations, PluginNlu, PluginSummarizers, shortName, type GuardOptions, type RoutablePlugin, type Served, type ServedIntegration, type ServedNlu } from './provider'

export { PluginGenerators, PluginIntegrations, PluginNlu, PluginSummarizers, shortName, withMocks } from './provider'
export type { GuardOptions, NluProviderLike } from './provider'
export { readPluginManifest } from './manifest'
export type { PluginManifest } from './manifest'
export type { PluginSource, PluginState, PluginStatus } from '../../common/plugin-api'

export interface LoadPluginsOptions extends GuardOptions {
  /** The plugins that ship with Flowbench (the repository's `plugins/`). */
  builtinDir: string
  /** The workspace whose `plugins/` folder is searched. */
  workspaceRoot?: string
  /** Folders the user configured (each a folder of plugins, or one plugin); their code is trusted like built-ins. */
  extraDirs?: readonly string[]
  /**
   * Whether the workspace's own plugin code may run. The app and `flowbench serve`: only once the
   * user trusted the workspace. The command line: unless `--no-plugins`.
   */
  allowWorkspaceCode: boolean
  /** How a workspace plugin that may not run is reported: `untrusted` (default) or `disabled` (`--no-plugins`). */
  blockedAs?: 'untrusted' | 'disabled'
  /** Plugin names switched off (e.g. in the plugin manager); reported as `disabled`. */
  disabled?: readonly string[]
  /** Real time a plugin's entry may take to load. Default 10 000 ms. */
  importTimeoutMs?: number
}

/**
 * How a host asks for a workspace's plugins to be loaded somewhere else (a test run's worker
 * threads): the options of loadPluginsCached as plain JSON, so it can travel inside a task.
 * `allowWorkspaceCode` is the workspace's trust (the command line: unless `--no-plugins`).
 */
export interface PluginLoadSpec {
  builtinDir: string
  workspaceRoot?: string
  extraDirs?: string[]
  allowWorkspaceCode: boolean
  blockedAs?: 'untrusted' | 'disabled'
  disabled?: string[]
  /** Part of the cache key only: change it when plugin files changed so threads load them afresh. */
  revision?: string | number
}

export interface PluginSet {
  /** What the engine calls for integrations (`forFlow(flow.integrations)` for per-flow routing). */
  integrations: PluginIntegrations
  /** NLU plugins by id; a flow that names one in `settings.nlu` uses `nlu.select(id)`, any other the built-in NLU. */
  nlu: PluginNlu
  /** Generators by name, for response states' `generate` (the engine's GeneratorProvider). */
  generators: PluginGenerators
  /** Summarisers by id, for `settings.memory.summarizer` (the engine's SummarizerProvider). */
  summarizers: PluginSummarizers
  /** Every discovered plugin, loaded or not: built-in, then extra folders, then the workspace. */
  plugins: PluginStatus[]
}

const DEFAULT_IMPORT_TIMEOUT_MS = 10_000
/** Which plugin serves an id that several declare: the workspace's, then a configured folder's, then the built-in. */
const PRECEDENCE: Record<PluginSource, number> = { workspace: 0, extra: 1, builtin: 2 }

const SOURCE_LABEL: Record<PluginSource, string> = { builtin: 'built-in', workspace: 'workspace', extra: 'extra' }

interface Entry {
  status: PluginStatus
  manifest?: PluginManifest
}

function blockedMessage(name: string, state: PluginState, byName: boolean): string {
  if (byName) return `plugin "${name}" is disabled`
  return state === 'disabled'
    ? `plugin "${name}" is a workspace plugin and workspace plugins are disabled (--no-plugins)`
    : `plugin "${name}" is a workspace plugin and does not run until you trust this workspace`
}

/** Discovers, validates and loads plugins. Never throws for a broken plugin. */
export async function loadPlugins(options: LoadPluginsOptions): Promise<PluginSet> {
  const candidates = discoverPluginFolders(options)
  const entries: Entry[] = []
  const disabledNames = new Set(options.disabled ?? [])
  for (const c of candidates) {
    if (c.problem !== undefined) {
      entries.push({ status: { name: c.dir, version: '', source: c.source, dir: c.dir, integrations: [], nlu: [], status: 'error', error: c.problem } })
      continue
    }
    const read = readPluginManifest(c.dir)
    if (!read.ok) {
      const b = read.broken
      entries.push({
        status: {
          name: b.name,
          version: b.version,
          source: c.source,
          dir: c.dir,
          integrations: b.integrations,
          nlu: b.nlu,
          status: 'error',
          error: b.problem,
          ...(b.description !== undefined ? { description: b.description } : {}),
        },
      })
      continue
    }
    const m = read.manifest
    const status: PluginStatus = {
      name: m.name,
      version: m.version,
      source: c.source,
      dir: c.dir,
      integrations: m.integrations,
      nlu: m.nlu,
      ...(m.generators.length ? { generators: m.generators } : {}),
      ...(m.summarizers.length ? { summarizers: m.summarizers } : {}),
      status: 'loaded',
      ...(m.description !== undefined ? { description: m.description } : {}),
      ...(m.warnings.length ? { warnings: [...m.warnings] } : {}),
    }
    const byName = disabledNames.has(m.name)
    if (byName || (c.source === 'workspace' && !options.allowWorkspaceCode)) {
      status.status = byName ? 'disabled' : (options.blockedAs ?? 'untrusted')
      status.error = blockedMessage(m.name, status.status, byName)
    }
    entries.push({ status, manifest: m })
  }

  // Two plugins of one name in one place are a mistake: the later folder is not loaded.
  const names = new Map<string, Entry>()
  for (const e of entries) {
    if (e.status.status === 'error' && !e.manifest) continue
    const key = `${e.status.source}\u0000${e.status.name}`
    const first = names.get(key)
    if (first) {
      e.status.status = 'error'
      e.status.error = `plugin "${e.status.name}": another ${SOURCE_LABEL[e.status.source]} plugin has the same name (${first.status.dir})`
      delete e.manifest
    } else names.set(key, e)
  }

  const timeout = options.importTimeoutMs ?? DEFAULT_IMPORT_TIMEOUT_MS
  const loaded = await Promise.all(
    entries.map(async (e) => {
      if (!e.manifest || e.status.status !== 'loaded') return undefined
      const r = await loadPluginEntry(e.manifest, timeout)
      if (!r.ok) {
        e.status.status = 'error'
        e.status.error = r.problem
        return undefined
      }
      if (r.exports.warnings.length) e.status.warnings = [...(e.status.warnings ?? []), ...r.exports.warnings]
      return r.exports
    }),
  )

  const order = entries.map((e, i) => ({ e, i })).sort((a, b) => PRECEDENCE[a.e.status.source] - PRECEDENCE[b.e.status.source] || a.i - b.i)
  const served = new Map<string, ServedIntegration>()
  const shadowed: ServedIntegration[] = []
  const reasons = new Map<string, string>()
  const routable = new Map<string, RoutablePlugin>()
  const nluServed = new Map<string, ServedNlu>()
  const nluReasons = new Map<string, string>()
  const genServed = new Map<string, Served<GeneratorHandler>>()
  const genReasons = new Map<string, string>()
  const sumServed = new Map<string, Served<SummarizerHandler>>()
  const sumReasons = new Map<string, string>()
  for (const { e, i } of order) {
    const exports = loaded[i]
    const s = e.status
    if (!exports) {
      const why = s.error ?? `plugin "${s.name}" is not loaded`
      for (const id of s.integrations) if (!reasons.has(id)) reasons.set(id, `integration "${id}" cannot be called: ${why}`)
      for (const id of s.nlu) if (!nluReasons.has(id)) nluReasons.set(id, why)
      if (!reasons.has(s.name)) reasons.set(s.name, why)
      if (s.nlu.length && !nluReasons.has(s.name)) nluReasons.set(s.name, why)
      for (const name of s.generators ?? []) if (!genReasons.has(name)) genReasons.set(name, `generator "${name}" cannot run: ${why}`)
      for (const id of s.summarizers ?? []) if (!sumReasons.has(id)) sumReasons.set(id, `summarizer "${id}" cannot run: ${why}`)
      continue
    }
    for (const [name, handler] of exports.generators) {
      if (genServed.has(name)) s.warnings = [...(s.warnings ?? []), `generator "${name}" is also served by plugin "${genServed.get(name)!.plugin}", which takes precedence`]
      else genServed.set(name, { plugin: s.name, handler })
    }
    if (exports.summarizer) {
      const target = { plugin: s.name, handler: exports.summarizer }
      for (const id of [...(s.summarizers ?? []), s.name, shortName(s.name)]) if (!sumServed.has(id)) sumServed.set(id, target)
    }
    if (!routable.has(s.name)) routable.set(s.name, { name: s.name, integrations: s.integrations })
    for (const [id, { handler, defaults }] of exports.integrations) {
      const target: ServedIntegration = { id, plugin: s.name, handler, defaults }
      const first = served.get(id)
      if (first) {
        shadowed.push(target)
        s.warnings = [...(s.warnings ?? []), `integration "${id}" is also served by plugin "${first.plugin}", which takes precedence; name this plugin in integrations.${id}.plugin to use it`]
      } else served.set(id, target)
    }
    if (exports.nlu) {
      const target: ServedNlu = { plugin: s.name, handler: exports.nlu }
      for (const id of [...s.nlu, s.name, shortName(s.name)]) if (!nluServed.has(id)) nluServed.set(id, target)
    }
  }
  for (const id of served.keys()) reasons.delete(id)
  for (const id of nluServed.keys()) nluReasons.delete(id)
  for (const name of genServed.keys()) genReasons.delete(name)
  for (const id of sumServed.keys()) sumReasons.delete(id)

  const guards: GuardOptions = {
    ...(options.callTimeoutMs !== undefined ? { callTimeoutMs: options.callTimeoutMs } : {}),
    ...(options.nluTimeoutMs !== undefined ? { nluTimeoutMs: options.nluTimeoutMs } : {}),
  }
  return {
    integrations: new PluginIntegrations(served, shadowed, routable, reasons, guards),
    nlu: new PluginNlu(nluServed, nluReasons, guards),
    generators: new PluginGenerators(genServed, genReasons),
    summarizers: new PluginSummarizers(sumServed, sumReasons),
    plugins: entries.map((e) => e.status),
  }
}

/** Plugin sets by options, per thread: a worker loads its plugins once, not once per task. */
const cache = new Map<string, Promise<PluginSet>>()

/**
 * loadPlugins, memoised by its options in this thread (the runner's workers call it with the dirs
 * passed in each task). `revision` is part of the key only: hosts change it when plugin files
 * changed, so the next task loads them afresh (entries are re-imported by modification time).
 */
export function loadPluginsCached(options: LoadPluginsOptions & { revision?: string | number }): Promise<PluginSet> {
  const key = JSON.stringify({ ...options, extraDirs: options.extraDirs ?? [], disabled: options.disabled ?? [] })
  let pending = cache.get(key)
  if (!pending) {
    pending = loadPlugins(options)
    cache.set(key, pending)
  }
  return pending
}

/** One line per plugin problem, naming it: for a console, a log or a diagnostics panel. */
export function pluginProblems(plugins: readonly PluginStatus[]): string[] {
  return plugins.filter((p) => p.status === 'error').map((p) => p.error ?? `plugin "${p.name}" failed to load`)
}
