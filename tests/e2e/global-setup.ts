// Starts `flowbench serve` once for the whole E2E run, on a fresh copy of the sample workspace
// and an empty app-state folder, and shares its URL with the specs (env + a JSON file).
import { spawn, type ChildProcess } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { SERVER_FILE, type E2eServer } from './server-info'
import { waitForUrl } from './serve-url'

const root = resolve(__dirname, '../..')


export default async function globalSetup(): Promise<() => Promise<void>> {
  if (!existsSync(join(root, 'out', 'renderer', 'index.html'))) {
    throw new Error('The workbench UI is not built (out/renderer/index.html is missing): run `npx electron-vite build` first.')
  }
  if (!existsSync(join(root, 'out', 'cli', 'main.mjs'))) {
    throw new Error('The CLI is not built (out/cli/main.mjs is missing): run `npm run build:cli` first.')
  }
  const base = mkdtempSync(join(tmpdir(), 'flowbench-e2e-'))
  const workspace = join(base, 'workspace')
  const home = join(base, 'home')
  cpSync(join(root, 'resources', 'samples'), workspace, { recursive: true })
  mkdirSync(home)

  const child = spawn(process.execPath, [join(root, 'bin', 'flowbench.mjs'), 'serve', workspace, '--port', '0'], {
    cwd: root,
    env: { ...process.env, FLOWBENCH_HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  const url = await waitForUrl(child, 60_000)
  const info: E2eServer = { url, workspace, home }
  mkdirSync(join(root, 'test-results'), { recursive: true })
  writeFileSync(join(root, SERVER_FILE), JSON.stringify(info, null, 2))
  process.env.FLOWBENCH_E2E_URL = url
  process.env.FLOWBENCH_E2E_WORKSPACE = workspace
  process.env.FLOWBENCH_E2E_HOME = home

  return async () => {
    child.kill('SIGTERM')
    await new Promise((r) => {
      const t = setTimeout(() => {
        child.kill('SIGKILL')
        r(undefined)
      }, 5000)
      child.once('exit', () => {
        clearTimeout(t)
        r(undefined)
      })
    })
    rmSync(base, { recursive: true, force: true })
    rmSync(join(root, SERVER_FILE), { force: true })
  }
}
