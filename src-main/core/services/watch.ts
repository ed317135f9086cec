// Notices files changed on disk (by Flowbench or any other program) and reports them in
// debounced batches. fs.watch (recursive) only says "something happened near X", so every batch
// is settled by diffing two listings of the workspace: cheap for workspaces of flows and tests,
// and exact about created / changed / deleted whatever the platform reports.
import { watch, type FSWatcher } from 'node:fs'
import type { FileChangeKind, WorkspaceFile } from '../../common/api'
import { isInSkippedDir, listWorkspaceFiles } from './files'

export interface FileChange { path: string; kind: FileChangeKind }

export interface WorkspaceWatcher {
  /** Which mechanism is in use, for diagnostics. */
  readonly mode: 'native' | 'polling'
  /** Settles any pending batch now (tests and writes use it to avoid waiting for the debounce). */
  flush(): Promise<void>
  close(): void
}

/** What a watcher looks at: the files it diffs, and which paths fs.watch reports may concern them. */
export interface WatchScope {
  list(root: string): Promise<WorkspaceFile[]>
  /** `path` is relative to the root, as fs.watch reports it (platform separators). */
  concerns(path: string): boolean
}

/** The workspace's files as the explorer lists them (dependencies, builds and dot-folders left out). */
export const WORKSPACE_SCOPE: WatchScope = { list: listWorkspaceFiles, concerns: (path) => !isInSkippedDir(path) }

export interface WatchOptions {
  debounceMs?: number
  /** Polling interval when recursive fs.watch is unavailable. */
  pollMs?: number
  /** Forces polling (tests of the fallback). */
  forcePolling?: boolean
}

function diff(before: Map<string, WorkspaceFile>, after: Map<string, WorkspaceFile>): FileChange[] {
  const changes: FileChange[] = []
  for (const [path, file] of after) {
    const old = before.get(path)
    if (!old) changes.push({ path, kind: 'created' })
    else if (old.mtimeMs !== file.mtimeMs || old.size !== file.size) changes.push({ path, kind: 'changed' })
  }
  for (const path of before.keys()) if (!after.has(path)) changes.push({ path, kind: 'deleted' })
  return changes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
}

const byPath = (files: WorkspaceFile[]) => new Map(files.map((f) => [f.path, f]))

export async function watchWorkspace(
  root: string,
  onChanges: (changes: FileChange[]) => void,
  options: WatchOptions = {},
  scope: WatchScope = WORKSPACE_SCOPE,
): Promise<WorkspaceWatcher> {
  const debounceMs = options.debounceMs ?? 60
  const pollMs = options.pollMs ?? 1000
  let known = byPath(await scope.list(root))
  let timer: NodeJS.Timeout | null = null
  let closed = false
  // Scans run one at a time, so two overlapping batches never report the same change twice.
  let scanning: Promise<void> = Promise.resolve()

  const scan = (): Promise<void> => {
    scanning = scanning.then(async () => {
      if (closed) return
      const now = byPath(await scope.list(root))
      const changes = diff(known, now)
      known = now
      if (changes.length && !closed) onChanges(changes)
    }).catch(() => {
      // A failed scan (root briefly unreadable) is retried by the next event or poll.
    })
    return scanning
  }

  const schedule = (): void => {
    if (closed) return
    if (timer) clearTimeout(timer)
    timer = setTimeout(() => {
      timer = null
      void scan()
    }, debounceMs)
  }

  let watcher: FSWatcher | null = null
  let poller: NodeJS.Timeout | null = null
  if (!options.forcePolling) {
    try {
      watcher = watch(root, { recursive: true, persistent: false }, (_event, filename) => {
        // Churn in node_modules or .git (installs, commits) is not the user's files changing.
        if (filename && !scope.concerns(filename.toString())) return
        schedule()
      })
      watcher.on('error', () => {
        // The root itself went away or the platform gave up: fall back to polling.
        watcher?.close()
        watcher = null
        startPolling()
      })
    } catch {
      watcher = null
    }
  }
  function startPolling(): void {
    if (closed || poller) return
    poller = setInterval(() => void scan(), pollMs)
    poller.unref()
  }
  if (!watcher) startPolling()

  return {
    get mode() {
      return watcher ? 'native' : 'polling'
    },
    async flush() {
      if (timer) {
        clearTimeout(timer)
        timer = null
      }
      await scan()
    },
    close() {
      closed = true
      if (timer) clearTimeout(timer)
      watcher?.close()
      if (poller) clearInterval(poller)
    },
  }
}
