// Where plugins are: the folders of a plugins folder (built-in, a workspace's `plugins/`, a
// configured extra folder), or a configured folder that is itself one plugin.
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { PluginSource } from '../../common/plugin-api'
import { isPluginFolder } from './manifest'

export interface PluginCandidate {
  dir: string
  source: PluginSource
  /** Set for a configured folder that cannot be searched: reported instead of silently ignored. */
  problem?: string
}

const SKIPPED = new Set(['node_modules'])

/** Plugin folders under `dir`, sorted by name; `dir` itself when it is a plugin. */
export function pluginFoldersIn(dir: string, source: PluginSource): PluginCandidate[] {
  const root = resolve(dir)
  if (isPluginFolder(root)) return [{ dir: root, source }]
  let names: string[]
  try {
    names = readdirSync(root, { withFileTypes: true })
      .filter((e) => (e.isDirectory() || (e.isSymbolicLink() && isDirectory(join(root, e.name)))) && !e.name.startsWith('.') && !SKIPPED.has(e.name))
      .map((e) => e.name)
  } catch {
    return []
  }
  return names.sort().map((name) => ({ dir: join(root, name), source }))
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}

export interface DiscoveryInput {
  builtinDir: string
  workspaceRoot?: string | undefined
  extraDirs?: readonly string[] | undefined
}

/** Every candidate, built-in first, then extra folders, then the workspace's (the listing order). */
export function discoverPluginFolders(input: DiscoveryInput): PluginCandidate[] {
  const candidates: PluginCandidate[] = []
  const seen = new Set<string>()
  const add = (list: PluginCandidate[]): void => {
    for (const c of list) {
      if (seen.has(c.dir)) continue
      seen.add(c.dir)
      candidates.push(c)
    }
  }
  if (isDirectory(input.builtinDir)) add(pluginFoldersIn(input.builtinDir, 'builtin'))
  for (const extra of input.extraDirs ?? []) {
    const dir = resolve(extra)
    if (!existsSync(dir)) add([{ dir, source: 'extra', problem: `the plugin folder ${dir} does not exist` }])
    else if (!isDirectory(dir)) add([{ dir, source: 'extra', problem: `the plugin folder ${dir} is not a folder` }])
    else add(pluginFoldersIn(dir, 'extra'))
  }
  if (input.workspaceRoot !== undefined) {
    const dir = join(resolve(input.workspaceRoot), 'plugins')
    if (isDirectory(dir)) add(pluginFoldersIn(dir, 'workspace'))
  }
  return candidates
}
