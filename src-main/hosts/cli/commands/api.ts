// `flowbench api [WORKSPACE]`: the workspace's flows as a headless bot server (HTTP API + SSE,
// docs/bot-server.md), for chat front ends, test scripts, CI and load tools. Prints one line
// `Bot API available at <url> (API key: <key>)` and runs until interrupted; Ctrl-C ends every
// session (SSE streams get an `end` event) and exits 0.
import { existsSync, statSync } from 'node:fs'
import { isIP } from 'node:net'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { BotServer } from '../../../core/bot'
import type { PluginSet } from '../../../core/plugins'
import { UsageError } from '../exit'
import { addPluginOptions, pluginSpec, type PluginCommandOptions } from '../plugins'
import type { SetExitCode } from './index'

export const DEFAULT_API_PORT = 8787
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1'])

interface ApiOptions extends PluginCommandOptions {
  port: string
  host: string
  apiKey?: string
  allowOrigin?: string[]
  rateLimit?: string
  maxSessions?: string
  sessionTtl?: string
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

export function parsePortOption(value: string, option = '--port'): number {
  const port = Number(value)
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UsageError(`${option} must be a number from 0 to 65535 (0 picks a free port), got "${value}"`)
  }
  return port
}

/** `--rate-limit 50` (burst twice that), `50/200` (rate/burst) or `0` (off). */
export function parseRateLimit(value: string): { rate: number; burst: number } {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/\s*(\d+))?\s*$/.exec(value)
  if (!m) throw new UsageError(`--rate-limit takes requests per second, optionally with a burst: "50", "50/100", or "0" for no limit; got "${value}"`)
  const rate = Number(m[1])
  const burst = m[2] !== undefined ? Number(m[2]) : Math.max(1, Math.ceil(rate * 2))
  if (rate > 0 && burst < 1) throw new UsageError('--rate-limit: the burst must be at least 1')
  return { rate, burst }
}

function wholeNumber(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < 1) throw new UsageError(`${option} must be a whole number of at least 1, got "${value}"`)
  return n
}

/** The API key: --api-key, else FLOWBENCH_API_KEY, else none (the server generates one). */
export function configuredApiKey(option: string | undefined): string | undefined {
  const key = option ?? process.env.FLOWBENCH_API_KEY
  if (key === undefined || key === '') return undefined
  if (key.trim().length < 16) throw new UsageError(`${option !== undefined ? '--api-key' : 'FLOWBENCH_API_KEY'} must be at least 16 characters (leave it out to have one generated)`)
  return key.trim()
}

export function botAvailableLine(url: string, key: string): string {
  return `Bot API available at ${url} (API key: ${key})`
}

export function registerApi(program: Command, setExitCode: SetExitCode): void {
  const api = program
    .command('api')
    .description('serve the workspace\'s flows as a bot HTTP API (sessions, messages, SSE) on 127.0.0.1, behind an API key')
    .argument('[workspace]', 'the workspace folder (default: the current folder)')
    .option('--port <n>', `port to listen on (0 = any free port)`, String(DEFAULT_API_PORT))
    .option('--host <address>', 'address to listen on (another than 127.0.0.1 exposes the engine to the network)', '127.0.0.1')
    .option('--api-key <key>', 'the key clients must send (default: $FLOWBENCH_API_KEY, else a random one, printed)')
    .option('--allow-origin <url>', 'a browser origin allowed to call the API (CORS), e.g. http://localhost:3000 (repeatable)', collect)
    .option('--rate-limit <r>', 'requests per second per key, optionally /burst: "50/100" (default), "0" for no limit')
    .option('--max-sessions <n>', 'live sessions at once; the least recently used is closed beyond it (default 10000)')
    .option('--session-ttl <s>', 'seconds an unused session lives when its flow sets no settings.session_ttl_seconds (default 1800)')
  addPluginOptions(api).action(async (workspace: string | undefined, options: ApiOptions) => {
    const port = parsePortOption(options.port)
    const host = options.host.trim()
    if (!LOOPBACK.has(host) && isIP(host) === 0) throw new UsageError(`--host must be an IP address such as 127.0.0.1 or 0.0.0.0, got "${options.host}"`)
    const folder = resolve(workspace ?? process.cwd())
    if (!existsSync(folder)) throw new UsageError(`${folder} does not exist`)
    if (!statSync(folder).isDirectory()) throw new UsageError(`${folder} is not a folder: give the workspace folder`)
    const apiKey = configuredApiKey(options.apiKey)
    const { normaliseOrigin, createBotServer } = await import('../../../core/bot')
    const allowOrigins = (options.allowOrigin ?? []).map((o) => {
      try {
        return normaliseOrigin(o)
      } catch (err) {
        throw new UsageError(`--allow-origin ${(err as Error).message}`)
      }
    })
    const rate = options.rateLimit !== undefined ? parseRateLimit(options.rateLimit) : undefined
    const maxSessions = wholeNumber(options.maxSessions, '--max-sessions')
    const ttl = wholeNumber(options.sessionTtl, '--session-ttl')
    const spec = pluginSpec(folder, options)

    const { loadPluginsCached, pluginProblems } = await import('../../../core/plugins')
    let loaded: Promise<PluginSet> | undefined
    const plugins = (): Promise<PluginSet> => {
      loaded ??= loadPluginsCached(spec).then((set) => {
        for (const line of pluginProblems(set.plugins)) process.stderr.write(`flowbench: warning: ${line}\n`)
        return set
      })
      return loaded
    }
    const server: BotServer = await createBotServer({
      root: folder,
      ...(apiKey ? { apiKey } : {}),
      allowOrigins,
      plugins,
      limits: { ...(rate ?? {}), ...(maxSessions ? { maxSessions } : {}), ...(ttl ? { sessionTtlSeconds: ttl } : {}) },
    })
    const flows = server.flows()
    for (const p of flows.problems) process.stderr.write(`flowbench: warning: not served: ${p.message}\n`)
    if (flows.count === 0) process.stderr.write(`flowbench: warning: ${folder} has no flow that loads (*.flow.yaml); /v1/ready answers 503\n`)
    if (!LOOPBACK.has(host)) process.stderr.write(`flowbench: warning: listening on ${host}: other machines can reach the engine (the API key still guards it)\n`)
    const address = await server.listen(port, host).catch(async (err: NodeJS.ErrnoException) => {
      await server.close()
      if (err.code === 'EADDRINUSE') throw new UsageError(`port ${port} is already in use: pick another with --port, or 0 for any free port`)
      if (err.code === 'EACCES') throw new UsageError(`port ${port} cannot be used without more privileges: pick one above 1023`)
      if (err.code === 'EADDRNOTAVAIL') throw new UsageError(`--host ${host} is not an address of this machine`)
      throw err
    })
    process.stdout.write(`${botAvailableLine(address.url, server.apiKey)}\n`)
    process.stderr.write(`flowbench: serving ${flows.count} flow${flows.count === 1 ? '' : 's'} of ${folder}; Ctrl-C stops\n`)

    await new Promise<void>((resolveStop) => {
      process.on('SIGINT', () => resolveStop())
      process.on('SIGTERM', () => resolveStop())
    })
    await server.close()
    setExitCode(0)
  })
}
