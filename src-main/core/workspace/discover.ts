// Where a workspace starts and which of its files are flows, tests and load scenarios.
import { existsSync, statSync } from 'node:fs'
import { readdir } from 'node:fs/promises'
import { dirname, join, relative, resolve, sep } from 'node:path'

export type WorkspaceFileKind = 'flow' | 'test' | 'load' | 'dataset'

const KIND_PATTERNS: Array<[WorkspaceFileKind, RegExp]> = [
  ['flow', /\.flow\.(json|ya?ml)$/i],
  ['test', /\.test\.(json|ya?ml)$/i],
  ['load', /\.load\.(json|ya?ml)$/i],
  ['dataset', /\.nlu\.(ya?ml|csv)$/i],
]

const SKIPPED_DIRS = new Set(['node_modules', '.git', 'dist', 'out', '.flowbench'])

export function fileKind(path: string): WorkspaceFileKind | undefined {
  for (const [kind, re] of KIND_PATTERNS) if (re.test(path)) return kind
  return undefined
}

/**
 * The workspace root for a path (spec/workspace.md): the nearest ancestor holding
 * `flowbench.json`; else the parent of the nearest `flows/` or `tests/` folder; else the
 * folder given (the file's folder for a file).
 */
export function findWorkspaceRoot(path: string): string {
  const start = resolve(path)
  const startDir = existsSync(start) && statSync(start).isFile() ? dirname(start) : start
  for (let dir = startDir; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'flowbench.json'))) return dir
    if (dirname(dir) === dir) break
  }
  for (let dir = startDir; ; dir = dirname(dir)) {
    const name = dir.split(sep).pop()
    if (name === 'flows' || name === 'tests') return dirname(dir)
    if (dirname(dir) === dir) break
  }
  return startDir
}

/** Path relative to the workspace root, with forward slashes (as reports print it). */
export function workspaceRelative(root: string, file: string): string {
  return relative(root, file).split(sep).join('/')
}

/** Every file of a kind under the given paths (files are taken as given), sorted, without duplicates. */
export async function findFiles(paths: string[], kind: WorkspaceFileKind): Promise<string[]> {
  const found = new Set<string>()
  const walk = async (dir: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true })
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIPPED_DIRS.has(e.name) && !e.name.startsWith('.')) await walk(join(dir, e.name))
      } else if (fileKind(e.name) === kind) found.add(join(dir, e.name))
    }
  }
  for (const p of paths) {
    const abs = resolve(p)
    if (statSync(abs).isDirectory()) await walk(abs)
    else found.add(abs)
  }
  return [...found].sort()
}

/** Paths that do not exist, for a clear exit-2 message before anything runs. */
export function missingPaths(paths: string[]): string[] {
  return paths.filter((p) => !existsSync(resolve(p)))
}
