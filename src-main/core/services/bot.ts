// The `bot` service (see src-main/common/api-bot.ts): the bot server for the open workspace,
// inside the core process (the desktop app and `flowbench serve` alike), on 127.0.0.1. Its flows
// reload when flow files change; its plugins are the workspace's as its trust allows (asked per
// new session). Requests are pushed to the workbench as `botTrace` batches, at most 10 a second.
import { ApiError } from '../../common/api'
import type { BotService, BotStartOptions, BotStatus, BotTrace } from '../../common/api-bot'
import { createBotServer, type BotServer } from '../bot'
import type { FeatureService, ServiceContext } from './context'

export const BOT_HOST = '127.0.0.1'
/** Traces pushed per batch at most: a burst beyond it is still in `traces()`. */
const MAX_BATCH = 200
const BATCH_MS = 100
const RELOAD_DEBOUNCE_MS = 150

export function createBotService(ctx: ServiceContext): FeatureService<BotService> {
  let server: BotServer | null = null
  let starting: Promise<BotStatus> | null = null
  let startedAt: number | undefined
  let lastError: string | undefined
  let batch: BotTrace[] = []
  let batchTimer: NodeJS.Timeout | null = null
  let statusTimer: NodeJS.Timeout | null = null
  let reloadTimer: NodeJS.Timeout | null = null

  const status = (): BotStatus => {
    if (!server) return { running: false, allowOrigins: [], flows: 0, problems: [], sessions: 0, ...(lastError ? { error: lastError } : {}) }
    const flows = server.flows()
    return {
      running: true,
      ...(server.url ? { url: server.url } : {}),
      ...(server.port !== undefined ? { port: server.port } : {}),
      apiKey: server.apiKey,
      allowOrigins: [...server.allowOrigins],
      flows: flows.count,
      problems: flows.problems,
      sessions: server.sessions().length,
      ...(startedAt !== undefined ? { startedAt } : {}),
    }
  }

  const emitStatus = (): void => ctx.events.emit('botStatus', status())
  /** Session counts change with every new conversation: announce them at most 10 times a second. */
  const statusSoon = (): void => {
    statusTimer ??= setTimeout(() => {
      statusTimer = null
      emitStatus()
    }, BATCH_MS)
  }

  const onTrace = (trace: BotTrace): void => {
    batch.push(trace)
    if (batch.length > MAX_BATCH) batch.shift()
    batchTimer ??= setTimeout(() => {
      batchTimer = null
      const traces = batch
      batch = []
      ctx.events.emit('botTrace', { traces })
    }, BATCH_MS)
  }

  const stop = async (): Promise<void> => {
    const s = server
    server = null
    startedAt = undefined
    if (s) await s.close()
  }

  ctx.workspace.onOpen(() => {
    // Another workspace: its flows are not the ones served.
    if (server) void stop().then(emitStatus)
  })
  const unsubscribe = ctx.events.subscribe((message) => {
    if (message.event !== 'fileChanged' || !server) return
    if (!message.payload.changes.some((c) => /\.flow\.(json|ya?ml)$/i.test(c.path))) return
    if (reloadTimer) clearTimeout(reloadTimer)
    reloadTimer = setTimeout(() => {
      reloadTimer = null
      void server?.reloadFlows().then(emitStatus, () => undefined)
    }, RELOAD_DEBOUNCE_MS)
  })

  const service: BotService = {
    status: () => Promise.resolve(status()),
    start(options?: BotStartOptions) {
      if (server) return Promise.resolve(status())
      if (starting) return starting
      const opts = options ?? {}
      const port = opts.port ?? 0
      if (!Number.isInteger(port) || port < 0 || port > 65535) return Promise.reject(new ApiError('bad_request', `the port must be a whole number from 0 to 65535 (0 picks a free one), got ${String(port)}`))
      if (opts.apiKey !== undefined && (typeof opts.apiKey !== 'string' || opts.apiKey.trim().length < 16)) {
        return Promise.reject(new ApiError('bad_request', 'an API key must be at least 16 characters (leave it empty to generate one)'))
      }
      const root = ctx.workspace.current().root
      starting = (async () => {
        let created: BotServer | null = null
        try {
          created = await createBotServer({
            root,
            ...(opts.apiKey ? { apiKey: opts.apiKey.trim() } : {}),
            allowOrigins: opts.allowOrigins ?? [],
            plugins: () => ctx.plugins(),
            onTrace,
            onSessions: statusSoon,
          })
          await created.listen(port, BOT_HOST)
        } catch (err) {
          await created?.close()
          const code = (err as NodeJS.ErrnoException).code
          lastError =
            code === 'EADDRINUSE' ? `port ${port} is already in use: pick another, or 0 for any free port`
            : code === 'EACCES' ? `port ${port} cannot be used without more privileges: pick one above 1023`
            : err instanceof Error ? err.message.split('\n')[0]! : String(err)
          throw new ApiError('bad_request', `the bot server could not start: ${lastError}`)
        }
        lastError = undefined
        server = created
        startedAt = Date.now()
        const s = status()
        ctx.events.emit('botStatus', s)
        return s
      })().finally(() => {
        starting = null
      })
      return starting
    },
    async stop() {
      await stop()
      const s = status()
      ctx.events.emit('botStatus', s)
      return s
    },
    traces: () => Promise.resolve(server ? server.traces() : []),
    sessions: () => Promise.resolve(server ? server.sessions() : []),
    session(id: string) {
      if (typeof id !== 'string') return Promise.reject(new ApiError('bad_request', 'the session id must be a string'))
      const context = server?.sessionContext(id)
      if (!context) return Promise.reject(new ApiError('not_found', `there is no live bot session ${id}`))
      return Promise.resolve(context as unknown as Record<string, unknown>)
    },
    clearTraces() {
      server?.clearTraces()
      return Promise.resolve()
    },
  }

  return {
    service,
    async dispose() {
      unsubscribe()
      for (const t of [batchTimer, statusTimer, reloadTimer]) if (t) clearTimeout(t)
      await stop()
    },
  }
}
