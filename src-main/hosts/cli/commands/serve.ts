// `flowbench serve [WORKSPACE]`: the workbench in a browser, over the same core as the desktop app.
// Prints one line, `Flowbench available at <url>`, and runs until interrupted.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import { findPackageRoot, flowbenchHome } from '../../server/home'
import { UsageError } from '../exit'
import { botAvailableLine, configuredApiKey, parsePortOption } from './api'
import type { SetExitCode } from './index'

interface ServeOptions {
  port: string
  api?: boolean
  apiPort: string
  apiKey?: string
  allowOrigin?: string[]
}

const collectOrigins = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

function parsePort(value: string): number {
  const port = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`--port must be a number from 0 to 65535 (0 picks a free port), got "${value}"`)
  }
  return port
}

/**
 * The built renderer. In a checkout where it has not been built yet, it is built once with the
 * project's own electron-vite (its progress goes to stderr: stdout carries only the URL line).
 */
function rendererDir(packageRoot: string): string {
  const dir = join(packageRoot, 'out', 'renderer')
  if (existsSync(join(dir, 'index.html'))) return dir
  const builder = join(packageRoot, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js')
  if (existsSync(builder)) {
    process.stderr.write('flowbench: the workbench UI has not been built yet; building it now (once)…\n')
    const built = spawnSync(process.execPath, [builder, 'build'], { cwd: packageRoot, stdio: ['ignore', 2, 2] })
    if (built.status === 0 && existsSync(join(dir, 'index.html'))) return dir
  }
  throw new UsageError(`the workbench UI is not built (${dir} is missing): run \`npm run build\` in ${packageRoot}`)
}

export function registerServe(program: Command, setExitCode: SetExitCode): void {
  program
    .command('serve')
    .description('serve the workbench UI for a workspace to a browser on 127.0.0.1')
    .argument('[workspace]', 'the workspace folder (default: the current folder)')
    .option('--port <n>', 'port to listen on (0 = any free port)', '0')
    .option('--api', 'also start the bot HTTP API for the workspace (its own port; see `flowbench api`)')
    .option('--api-port <n>', 'port of the bot API with --api (0 = any free port)', '0')
    .option('--api-key <key>', 'the bot API key with --api (default: $FLOWBENCH_API_KEY, else a random one, printed)')
    .option('--allow-origin <url>', 'a browser origin allowed to call the bot API (repeatable)', collectOrigins)
    .action(async (workspace: string | undefined, options: ServeOptions) => {
      const port = parsePort(options.port)
      const apiPort = options.api ? parsePortOption(options.apiPort, '--api-port') : 0
      const apiKey = options.api ? configuredApiKey(options.apiKey) : undefined
      const folder = resolve(workspace ?? process.cwd())
      if (!existsSync(folder)) throw new UsageError(`${folder} does not exist`)
      if (!statSync(folder).isDirectory()) throw new UsageError(`${folder} is not a folder: give the workspace folder`)
      const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
      if (!packageRoot) throw new UsageError('cannot find the Flowbench installation folder (package.json)')
      const dir = rendererDir(packageRoot)

      // Loaded on use: the core and the server are the heaviest modules, and other commands must start fast.
      const [{ createCore }, { availableLine, startWorkbenchServer }] = await Promise.all([import('../../../core/services'), import('../../server')])
      // The built-in plugins ship with the package; the workspace's own run once the user trusts it.
      const core = await createCore({
        home: flowbenchHome(),
        plugins: { builtinDir: join(packageRoot, 'plugins') },
        ...(process.env.FLOWBENCH_CHROMIUM ? { chromium: process.env.FLOWBENCH_CHROMIUM } : {}),
      })
      if (core.store.recoveredFrom) {
        process.stderr.write(`flowbench: the app-state file could not be read; it was moved to ${core.store.recoveredFrom}\n`)
      }
      for (const notice of core.history.notices()) {
        process.stderr.write(`flowbench: ${notice.message}${notice.backup ? ` (moved to ${notice.backup})` : ''}\n`)
      }
      await core.api.workspace.open(folder)
      const server = await startWorkbenchServer({ core, rendererDir: dir, port }).catch(async (err: NodeJS.ErrnoException) => {
        await core.dispose()
        if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use: pick another with --port, or 0 for any free port`)
        if (err.code === 'EACCES') throw new UsageError(`port ${port} cannot be used without more privileges: pick one above 1023`)
        throw err
      })
      process.stdout.write(`${availableLine(server.url)}\n`)
      if (options.api) {
        // The bot API runs in the core, like the workbench's Server activity starts it, so the
        // workbench shows its traces and sessions.
        const bot = await core.api.bot.start({ port: apiPort, ...(apiKey ? { apiKey } : {}), allowOrigins: options.allowOrigin ?? [] }).catch(async (err: Error) => {
          await server.close()
          await core.dispose()
          throw new UsageError(err.message)
        })
        process.stdout.write(`${botAvailableLine(bot.url ?? '', bot.apiKey ?? '')}\n`)
      }

      // The handlers stay installed while shutting down: Ctrl-C under `npm start` reaches this
      // process twice (from the terminal and from the launcher), and the second must not kill it.
      await new Promise<void>((resolveStop) => {
        process.on('SIGINT', () => resolveStop())
        process.on('SIGTERM', () => resolveStop())
      })
      await server.close()
      await core.dispose()
      setExitCode(0)
    })
}
