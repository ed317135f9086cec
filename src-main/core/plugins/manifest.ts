// Reads and validates a plugin's package.json (its `flowbench` field) without running any of its
// code, so a workspace's plugins can be listed, and their problems shown, before it is trusted.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { basename, extname, isAbsolute, relative, resolve, sep } from 'node:path'
import { PLUGIN_API_VERSION } from '../../common/plugin-api'

/** A valid manifest: what the plugin contributes and where its entry is. */
export interface PluginManifest {
  name: string
  version: string
  description?: string
  dir: string
  /** Absolute path of the JavaScript entry (`main`, default index.js). */
  entry: string
  /** `main` as written, for messages. */
  entryName: string
  apiVersion: number
  integrations: string[]
  nlu: string[]
  /** Generator names the entry's `generators` export serves. */
  generators: string[]
  /** Summariser ids a flow's settings.memory.summarizer may name. */
  summarizers: string[]
  warnings: string[]
}

/** What could be read of a broken manifest, and what is wrong with it (the message names the plugin). */
export interface ManifestProblem {
  name: string
  version: string
  description?: string
  integrations: string[]
  nlu: string[]
  problem: string
}

export type ManifestResult = { ok: true; manifest: PluginManifest } | { ok: false; broken: ManifestProblem }

const ENTRY_EXTENSIONS = new Set(['.js', '.mjs', '.cjs'])
const KNOWN_FIELDS = new Set(['apiVersion', 'integrations', 'nlu', 'generators', 'summarizers'])
// Integration ids are the keys flows use in `integration_id` and `integrations:`; no whitespace.
const ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.:/-]*$/

/** `Unexpected token } in JSON at position 42` → `line 3, column 5`, so the author can find it. */
function jsonErrorWhere(text: string, message: string): string {
  if (/line \d+/i.test(message)) return message
  const m = /position (\d+)/.exec(message)
  if (!m) return message
  const before = text.slice(0, Number(m[1]))
  const line = before.split('\n').length
  const column = before.length - before.lastIndexOf('\n')
  return `${message.replace(/\s*in JSON at position \d+.*$/, '')} at line ${line}, column ${column}`
}

function describe(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  return typeof value === 'object' ? 'an object' : JSON.stringify(value) ?? typeof value
}

function idList(field: string, value: unknown): { ids: string[]; problem?: string } {
  if (value === undefined) return { ids: [] }
  if (!Array.isArray(value)) return { ids: [], problem: `flowbench.${field} must be a list of ids, got ${describe(value)}` }
  const ids: string[] = []
  for (const [i, id] of value.entries()) {
    if (typeof id !== 'string' || !ID_PATTERN.test(id)) {
      return { ids, problem: `flowbench.${field}[${i}] must be an id (letters, digits, _ . : / -, no spaces), got ${describe(id)}` }
    }
    if (ids.includes(id)) return { ids, problem: `flowbench.${field} lists "${id}" twice` }
    ids.push(id)
  }
  return { ids }
}

/** Reads `<dir>/package.json`. Never throws: every problem is a ManifestProblem naming the plugin. */
export function readPluginManifest(dir: string): ManifestResult {
  const folder = basename(dir)
  const fail = (problem: string, partial: Partial<ManifestProblem> = {}): ManifestResult => {
    const name = partial.name ?? folder
    return {
      ok: false,
      broken: { version: '', integrations: [], nlu: [], ...partial, name, problem: `plugin "${name}": ${problem}` },
    }
  }
  const file = resolve(dir, 'package.json')
  if (!existsSync(file)) return fail('no package.json in the plugin folder; a plugin declares itself in package.json under "flowbench"')
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (err) {
    return fail(`package.json cannot be read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`)
  }
  let pkg: unknown
  try {
    pkg = JSON.parse(text.replace(/^\uFEFF/, ''))
  } catch (err) {
    return fail(`package.json is not valid JSON: ${jsonErrorWhere(text, (err as Error).message)}`)
  }
  if (pkg === null || typeof pkg !== 'object' || Array.isArray(pkg)) return fail(`package.json must hold an object, got ${describe(pkg)}`)
  const p = pkg as Record<string, unknown>

  const rawName = p['name']
  const version = typeof p['version'] === 'string' ? p['version'] : ''
  const description = typeof p['description'] === 'string' ? p['description'] : undefined
  const base: Partial<ManifestProblem> = { version, ...(description !== undefined ? { description } : {}) }
  if (typeof rawName !== 'string' || rawName.trim() === '') return fail('package.json has no "name"', base)
  const name = rawName.trim()
  base.name = name
  if (p['version'] !== undefined && typeof p['version'] !== 'string') return fail(`package.json "version" must be a string, got ${describe(p['version'])}`, base)

  const fb = p['flowbench']
  if (fb === undefined) {
    return fail('package.json has no "flowbench" field, so it declares nothing; add "flowbench": { "apiVersion": 1, "integrations": ["<id>"] }', base)
  }
  if (fb === null || typeof fb !== 'object' || Array.isArray(fb)) return fail(`the "flowbench" field must be an object, got ${describe(fb)}`, base)
  const f = fb as Record<string, unknown>

  const integrations = idList('integrations', f['integrations'])
  const nlu = idList('nlu', f['nlu'])
  const generators = idList('generators', f['generators'])
  const summarizers = idList('summarizers', f['summarizers'])
  base.integrations = integrations.ids
  base.nlu = nlu.ids
  const apiVersion = f['apiVersion']
  if (apiVersion === undefined) return fail(`flowbench.apiVersion is missing; this Flowbench runs plugins written for apiVersion ${PLUGIN_API_VERSION}`, base)
  if (apiVersion !== PLUGIN_API_VERSION) {
    return fail(`flowbench.apiVersion ${describe(apiVersion)} is not supported; this Flowbench runs plugins written for apiVersion ${PLUGIN_API_VERSION}`, base)
  }
  if (integrations.problem) return fail(integrations.problem, base)
  if (nlu.problem) return fail(nlu.problem, base)
  if (generators.problem) return fail(generators.problem, base)
  if (summarizers.problem) return fail(summarizers.problem, base)
  if (integrations.ids.length === 0 && nlu.ids.length === 0 && generators.ids.length === 0 && summarizers.ids.length === 0) {
    return fail('flowbench declares no integrations and no nlu, so the plugin contributes nothing', base)
  }

  const main = p['main'] ?? 'index.js'
  if (typeof main !== 'string' || main.trim() === '') return fail(`package.json "main" must be the path of the plugin's JavaScript entry, got ${describe(main)}`, base)
  const entry = resolve(dir, main)
  const inside = relative(resolve(dir), entry)
  if (isAbsolute(main) || inside.startsWith('..') || inside.split(sep)[0] === '..') return fail(`the entry "${main}" lies outside the plugin folder`, base)
  if (!ENTRY_EXTENSIONS.has(extname(entry))) {
    return fail(`the entry "${main}" is not JavaScript (.js, .mjs or .cjs); a plugin written in TypeScript ships its build (e.g. "main": "dist/index.js")`, base)
  }
  if (!existsSync(entry) || !statSync(entry).isFile()) return fail(`the entry "${main}" does not exist; build the plugin (e.g. npm run build), since a plugin ships its JavaScript`, base)

  const warnings = Object.keys(f)
    .filter((k) => !KNOWN_FIELDS.has(k))
    .map((k) => `flowbench.${k} is not a field of apiVersion ${PLUGIN_API_VERSION} and is ignored`)
  return {
    ok: true,
    manifest: {
      name,
      version,
      ...(description !== undefined ? { description } : {}),
      dir: resolve(dir),
      entry,
      entryName: main,
      apiVersion,
      integrations: integrations.ids,
      nlu: nlu.ids,
      generators: generators.ids,
      summarizers: summarizers.ids,
      warnings,
    },
  }
}

/** Whether a folder is itself a plugin (its package.json has a `flowbench` field), rather than a folder of plugins. */
export function isPluginFolder(dir: string): boolean {
  try {
    const pkg = JSON.parse(readFileSync(resolve(dir, 'package.json'), 'utf8')) as unknown
    return pkg !== null && typeof pkg === 'object' && 'flowbench' in pkg
  } catch {
    return false
  }
}
