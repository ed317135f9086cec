// Imports a plugin's entry and checks that it exports what its manifest declares. A broken
// entry (it throws while loading, never finishes loading, or misses a declared export) is a
// problem naming the plugin; it never stops the other plugins from loading.
import { statSync } from 'node:fs'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { checkResilienceDefaults, type GeneratorHandler, type IntegrationHandler, type NluHandler, type ResilienceDefaults, type SummarizerHandler } from '../../common/plugin-api'
import type { PluginManifest } from './manifest'

/** What a loaded plugin serves: only what its manifest declares, with validated defaults. */
export interface PluginExports {
  integrations: Map<string, { handler: IntegrationHandler; defaults: ResilienceDefaults | undefined }>
  nlu: NluHandler | undefined
  generators: Map<string, GeneratorHandler>
  summarizer: SummarizerHandler | undefined
  warnings: string[]
}

export type EntryResult = { ok: true; exports: PluginExports } | { ok: false; problem: string }

function message(err: unknown): string {
  if (err instanceof Error) return err.message
  return String(err)
}

/**
 * The module's file URL with its modification time as a query: an edited plugin is imported
 * afresh by a long-running host instead of coming back from the module cache.
 */
function entryUrl(entry: string): string {
  const url = pathToFileURL(entry)
  try {
    const s = statSync(entry)
    url.searchParams.set('v', `${Math.trunc(s.mtimeMs)}-${s.size}`)
  } catch {
    // The import below reports the missing file.
  }
  return url.href
}

// `@vite-ignore`: the URL is only known at run time, and a bundler must leave this import alone
// so plugin code loads exactly as Node loads it.
const nativeImport = (url: string): Promise<Record<string, unknown>> => import(/* @vite-ignore */ url)

function withTimeout<T>(pending: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    // Not unref'd: an entry stuck in a top-level await holds no handle of its own, and the
    // process must not exit before this reports it.
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms)
    pending.then(
      (v) => {
        clearTimeout(timer)
        resolve(v)
      },
      (e: unknown) => {
        clearTimeout(timer)
        reject(e)
      },
    )
  })
}

/** The plugin definition a module exports: `export default definePlugin(...)`, CommonJS `module.exports`, or named exports. */
function definitionOf(mod: Record<string, unknown>): Record<string, unknown> | undefined {
  let def = mod['default']
  // CommonJS compiled from ESM: module.exports = { __esModule: true, default: {...} }.
  if (def !== null && typeof def === 'object' && (def as { __esModule?: unknown }).__esModule === true && 'default' in def) {
    def = (def as { default: unknown }).default
  }
  const parts = ['integrations', 'nlu', 'generators', 'summarizer']
  if (def !== null && typeof def === 'object' && parts.some((k) => k in def)) return def as Record<string, unknown>
  if (parts.some((k) => k in mod)) return { integrations: mod['integrations'], nlu: mod['nlu'], generators: mod['generators'], summarizer: mod['summarizer'] }
  return undefined
}

export async function loadPluginEntry(manifest: PluginManifest, importTimeoutMs: number): Promise<EntryResult> {
  const who = `plugin "${manifest.name}"`
  let mod: Record<string, unknown>
  try {
    // A CommonJS entry is cached by file name, whatever the URL's query: forget it so an edited
    // one is evaluated again.
    delete createRequire(manifest.entry).cache[manifest.entry]
    mod = await withTimeout(nativeImport(entryUrl(manifest.entry)), importTimeoutMs, `loading ${manifest.entryName}`)
  } catch (err) {
    return { ok: false, problem: `${who}: its entry ${manifest.entryName} failed to load: ${message(err)}` }
  }
  const def = definitionOf(mod)
  if (def === undefined) {
    return { ok: false, problem: `${who}: its entry ${manifest.entryName} exports no plugin; write \`export default definePlugin({ integrations: { ... } })\`` }
  }
  const warnings: string[] = []
  const integrations = new Map<string, { handler: IntegrationHandler; defaults: ResilienceDefaults | undefined }>()
  const exported = def['integrations']
  if (exported !== undefined && (exported === null || typeof exported !== 'object' || Array.isArray(exported))) {
    return { ok: false, problem: `${who}: the entry's "integrations" export must be an object of handlers keyed by integration id` }
  }
  const table = (exported ?? {}) as Record<string, unknown>
  for (const id of manifest.integrations) {
    if (!Object.prototype.hasOwnProperty.call(table, id)) {
      const has = Object.keys(table)
      return {
        ok: false,
        problem: `${who}: package.json declares integration "${id}" but the entry ${manifest.entryName} does not export it (it exports ${has.length ? has.map((k) => `"${k}"`).join(', ') : 'no integrations'})`,
      }
    }
    const handler = table[id] as Partial<IntegrationHandler> | null
    if (handler === null || typeof handler !== 'object' || typeof handler.call !== 'function') {
      return { ok: false, problem: `${who}: integration "${id}" must be an object with a call(req, ctx) function` }
    }
    const defaults = checkResilienceDefaults(handler.defaults)
    if (!defaults.ok) return { ok: false, problem: `${who}: integration "${id}": ${defaults.problem}` }
    integrations.set(id, { handler: handler as IntegrationHandler, defaults: defaults.value })
  }
  for (const id of Object.keys(table)) {
    if (!manifest.integrations.includes(id)) warnings.push(`exports integration "${id}", which package.json does not declare under flowbench.integrations, so it is not used`)
  }
  let nlu: NluHandler | undefined
  const exportedNlu = def['nlu'] as Partial<NluHandler> | null | undefined
  if (manifest.nlu.length > 0) {
    if (exportedNlu === null || typeof exportedNlu !== 'object' || typeof exportedNlu.classify !== 'function') {
      return { ok: false, problem: `${who}: package.json declares nlu ${manifest.nlu.map((n) => `"${n}"`).join(', ')} but the entry ${manifest.entryName} exports no nlu with a classify(text, ctx) function` }
    }
    nlu = exportedNlu as NluHandler
  } else if (exportedNlu !== undefined && exportedNlu !== null) {
    warnings.push('exports an nlu, which package.json does not declare under flowbench.nlu, so it is not used')
  }
  const generators = new Map<string, GeneratorHandler>()
  const exportedGenerators = def['generators']
  if (exportedGenerators !== undefined && (exportedGenerators === null || typeof exportedGenerators !== 'object' || Array.isArray(exportedGenerators))) {
    return { ok: false, problem: `${who}: the entry's "generators" export must be an object of generators keyed by name` }
  }
  const genTable = (exportedGenerators ?? {}) as Record<string, unknown>
  for (const name of manifest.generators) {
    const g = Object.prototype.hasOwnProperty.call(genTable, name) ? (genTable[name] as Partial<GeneratorHandler> | null) : undefined
    if (g === undefined || g === null || typeof g !== 'object' || typeof g.generate !== 'function') {
      return { ok: false, problem: `${who}: package.json declares generator "${name}" but the entry ${manifest.entryName} exports no generators.${name} with a generate(req, ctx) async generator` }
    }
    generators.set(name, g as GeneratorHandler)
  }
  for (const name of Object.keys(genTable)) {
    if (!manifest.generators.includes(name)) warnings.push(`exports generator "${name}", which package.json does not declare under flowbench.generators, so it is not used`)
  }
  let summarizer: SummarizerHandler | undefined
  const exportedSummarizer = def['summarizer'] as Partial<SummarizerHandler> | null | undefined
  if (manifest.summarizers.length > 0) {
    if (exportedSummarizer === null || typeof exportedSummarizer !== 'object' || typeof exportedSummarizer.summarize !== 'function') {
      return { ok: false, problem: `${who}: package.json declares summarizers ${manifest.summarizers.map((n) => `"${n}"`).join(', ')} but the entry ${manifest.entryName} exports no summarizer with a summarize(turns, options, ctx) function` }
    }
    summarizer = exportedSummarizer as SummarizerHandler
  } else if (exportedSummarizer !== undefined && exportedSummarizer !== null) {
    warnings.push('exports a summarizer, which package.json does not declare under flowbench.summarizers, so it is not used')
  }
  return { ok: true, exports: { integrations, nlu, generators, summarizer, warnings } }
}
