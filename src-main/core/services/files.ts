// What the workspace holds: a sorted listing of its files with their kinds, shared by the
// explorer and the file watcher (which diffs two listings).
import { readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import type { WorkspaceFile, WorkspaceFileKind } from '../../common/api'
import { fileKind } from '../workspace/discover'
import { toWorkspacePath } from './paths'

/** Folders never listed or watched: dependencies, builds, VCS data and dot-folders. */
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'out', 'coverage'])

export function isSkippedDir(name: string): boolean {
  return SKIPPED_DIRS.has(name) || name.startsWith('.')
}

/** True when a workspace-relative path lies inside a skipped folder. */
export function isInSkippedDir(path: string): boolean {
  const parts = path.split(/[\\/]/)
  return parts.slice(0, -1).some(isSkippedDir)
}

export function workspaceFileKind(path: string): WorkspaceFileKind {
  const kind = fileKind(path)
  if (kind) return kind
  if (path === 'flowbench.json') return 'settings'
  if (path.startsWith('plugins/')) return 'plugin'
  if (path.startsWith('datasets/')) return 'dataset'
  return 'other'
}

/** Every file under the root (skipped folders aside), sorted by path. Files that vanish mid-scan are left out. */
export function listWorkspaceFiles(root: string): Promise<WorkspaceFile[]> {
  return listFiles(root, root, isSkippedDir)
}

/** Folders under plugins/ whose changes do not change what a plugin is: its dependencies and dot-folders. */
const isSkippedPluginDir = (name: string): boolean => name === 'node_modules' || name.startsWith('.')

/**
 * The files under the workspace's `plugins/`, builds included (a plugin runs its `dist/`), so a
 * rebuilt plugin is noticed. Paths are workspace-relative.
 */
export function listPluginFiles(root: string): Promise<WorkspaceFile[]> {
  return listFiles(root, join(root, 'plugins'), isSkippedPluginDir)
}

/** True when a root-relative path (platform separators) is a plugin file whose change matters. */
export function concernsPlugins(path: string): boolean {
  const parts = path.split(/[\\/]/)
  return parts[0] === 'plugins' && !parts.slice(1, -1).some(isSkippedPluginDir)
}

async function listFiles(root: string, from: string, skipDir: (name: string) => boolean): Promise<WorkspaceFile[]> {
  const out: WorkspaceFile[] = []
  const walk = async (dir: string): Promise<void> => {
    let entries
    try {
      entries = await readdir(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      const abs = join(dir, e.name)
      if (e.isDirectory()) {
        if (!skipDir(e.name)) await walk(abs)
      } else if (e.isFile()) {
        try {
          const st = await stat(abs)
          const path = toWorkspacePath(root, abs)
          out.push({ path, kind: workspaceFileKind(path), size: st.size, mtimeMs: Math.floor(st.mtimeMs) })
        } catch {
          // Deleted between readdir and stat: the next listing will not have it either.
        }
      }
    }
  }
  await walk(from)
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}
