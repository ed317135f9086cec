// `npm start`: the desktop app where Electron's binary is installed; otherwise the same workbench
// in a browser (`flowbench serve`) on the sample workspace. Builds whatever is missing or stale
// first, and runs until Ctrl-C. Never requires `electron` (that would start a download).
import { spawn, spawnSync } from 'node:child_process'
import { accessSync, constants, cpSync, existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import { homedir, platform } from 'node:os'
import { dirname, join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const samples = join(root, 'resources', 'samples')
const passThrough = process.argv.slice(2)

/** The Electron executable named by node_modules/electron/path.txt, when it was really downloaded. */
function electronBinary() {
  const pkg = join(root, 'node_modules', 'electron')
  const pathFile = join(pkg, 'path.txt')
  if (!existsSync(pathFile)) return null
  const relative = readFileSync(pathFile, 'utf8').trim()
  if (!relative) return null
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH || join(pkg, 'dist')
  const binary = join(dist, relative)
  return existsSync(binary) ? binary : null
}

/** Newest modification time of any file under the folders (0 when none exist). */
function newestSource(dirs) {
  let newest = 0
  const walk = (dir) => {
    let entries
    try {
      entries = readdirSync(dir, { withFileTypes: true })
    } catch {
      return
    }
    for (const e of entries) {
      if (e.name === 'node_modules' || e.name.startsWith('.')) continue
      const path = join(dir, e.name)
      if (e.isDirectory()) walk(path)
      else newest = Math.max(newest, statSync(path).mtimeMs)
    }
  }
  for (const dir of dirs) walk(join(root, dir))
  return newest
}

/** True when any output is missing or older than the newest of its sources. */
function stale(outputs, sourceDirs) {
  const newest = newestSource(sourceDirs)
  return outputs.some((out) => !existsSync(join(root, out)) || statSync(join(root, out)).mtimeMs < newest)
}

function step(label, args) {
  process.stdout.write(`${label}…\n`)
  const result = spawnSync(process.execPath, args, { cwd: root, stdio: 'inherit' })
  if (result.status !== 0) {
    process.stderr.write(`npm start: ${label.toLowerCase()} failed (see above).\n`)
    process.exit(result.status ?? 1)
  }
}

function buildWhatIsMissing() {
  if (stale(['out/cli/main.mjs'], ['src-main'])) step('Building the command line', ['scripts/build-cli.mjs'])
  const app = ['out/main/index.js', 'out/preload/index.js', 'out/renderer/index.html']
  if (stale(app, ['src-main', 'src-renderer'])) {
    step('Building the workbench', [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'])
  }
}

/** The app-state folder, as the hosts compute it ($FLOWBENCH_HOME, else the OS's per-user folder). */
function flowbenchHome() {
  if (process.env.FLOWBENCH_HOME) return process.env.FLOWBENCH_HOME
  const home = homedir()
  if (platform() === 'win32') return join(process.env.APPDATA || join(home, 'AppData', 'Roaming'), 'flowbench')
  if (platform() === 'darwin') return join(home, 'Library', 'Application Support', 'flowbench')
  return join(process.env.XDG_CONFIG_HOME || join(home, '.config'), 'flowbench')
}

/** The samples themselves, or a writable copy of them when this installation is read-only. */
function sampleWorkspace() {
  try {
    accessSync(samples, constants.W_OK)
    return samples
  } catch {
    const copy = join(flowbenchHome(), 'samples')
    if (!existsSync(copy)) {
      cpSync(samples, copy, { recursive: true })
      process.stdout.write(`The sample workspace is read-only here; opened a copy at ${copy}\n`)
    }
    return copy
  }
}

/** Runs a child until it ends, forwarding Ctrl-C / termination to it; exits with its code. */
function supervise(child) {
  const forward = (signal) => () => child.kill(signal)
  process.on('SIGINT', forward('SIGINT'))
  process.on('SIGTERM', forward('SIGTERM'))
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))
  child.on('error', (err) => {
    process.stderr.write(`npm start: could not start ${child.spawnfile}: ${err.message}\n`)
    process.exit(1)
  })
}

if (!existsSync(samples)) {
  process.stderr.write(`npm start: the sample workspace is missing (${samples}).\n`)
  process.exit(2)
}
const electron = electronBinary()
if (!electron) {
  process.stdout.write(
    'Electron is not installed on this machine (its binary could not be downloaded); starting the browser workbench instead.\n',
  )
}
buildWhatIsMissing()
const workspace = sampleWorkspace()

if (electron) {
  supervise(spawn(electron, [root, `--workspace=${workspace}`, ...passThrough], { cwd: root, stdio: 'inherit' }))
} else {
  const serve = spawn(process.execPath, [join(root, 'bin', 'flowbench.mjs'), 'serve', workspace, ...passThrough], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
  })
  createInterface({ input: serve.stdout }).on('line', (line) => {
    process.stdout.write(`${line}\n`)
    if (line.startsWith('Flowbench available at ')) {
      process.stdout.write('Open that address in a browser. Press Ctrl-C to stop.\n')
    }
  })
  supervise(serve)
}
