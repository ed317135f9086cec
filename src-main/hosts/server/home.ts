// Where a host finds things on this machine: the app-state folder ($FLOWBENCH_HOME or the OS's
// per-user application-data folder) and the Flowbench package (for the built renderer).
import { existsSync, readFileSync } from 'node:fs'
import { homedir, platform } from 'node:os'
import { dirname, join } from 'node:path'

/**
 * $FLOWBENCH_HOME, else the folder Electron's `app.getPath('userData')` names for this package,
 * so the desktop app and `flowbench serve` share recent workspaces and trust decisions.
 */
export function flowbenchHome(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FLOWBENCH_HOME) return env.FLOWBENCH_HOME
  const home = homedir()
  switch (platform()) {
    case 'win32':
      return join(env.APPDATA || join(home, 'AppData', 'Roaming'), 'flowbench')
    case 'darwin':
      return join(home, 'Library', 'Application Support', 'flowbench')
    default:
      return join(env.XDG_CONFIG_HOME || join(home, '.config'), 'flowbench')
  }
}

/** The nearest folder above `start` whose package.json is Flowbench's (bundles live in out/…). */
export function findPackageRoot(start: string): string | null {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: unknown }).name === 'flowbench') return dir
      } catch {
        // A damaged package.json further down is not ours; keep looking up.
      }
    }
    if (dirname(dir) === dir) return null
  }
}
