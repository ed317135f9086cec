// The bot server: the engine for one workspace over HTTP (docs/bot-server.md). A Node `http`
// request handler (mountable on any server) plus `listen()`: JSON in and out, bodies validated
// against the TypeBox schemas of common/bot-schema.ts, errors as `{ error: { code, message,
// details? } }`, always behind an API key, CORS closed unless origins are allowed, body size,
// rate and session limits, and a trace of every request in a bounded ring buffer.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv'
import type { BotSessionInfo, BotTrace } from '../../common/api-bot'
import {
  BOT_API_VERSION,
  CreateSessionRequestSchema,
  EventRequestSchema,
  MessageRequestSchema,
  botOpenApiDocument,
  type BotErrorCode,
  type CreateSessionRequest,
  type EventRequest,
  type MessageRequest,
  type SessionContext,
  type TurnResponse,
} from '../../common/bot-schema'
import type { ConversationEvent, ReplyChunk, TurnResult } from '../../common/turn'
import type { Conversation } from '../engine'
import { FlowCatalog, flowDetail, flowSummary, type BotFlow, type BotPlugins } from './flows'
import { CORS_ALLOWED_HEADERS, CORS_ALLOWED_METHODS, CORS_EXPOSED_HEADERS, RateLimiter, createApiKey, keyMatches, normaliseOrigin, presentedKey } from './guard'
import { SessionStore, type BotSession } from './sessions'
import { SSE_DEFAULTS, type SseLimits } from './sse'

export interface BotLimits {
  /** Largest request body (default 64 KiB). */
  bodyBytes: number
  /** Requests per second per API key, refilled continuously (default 50; 0 turns the limit off). */
  rate: number
  /** Requests a key may make at once (default 100). */
  burst: number
  /** Live sessions at once; beyond it the least recently used is closed (default 10 000). */
  maxSessions: number
  /** TTL of a session of a flow without `settings.session_ttl_seconds` (default 1800 s). */
  sessionTtlSeconds: number
  /** Requests kept for the workbench (default 500). */
  traceBuffer: number
  sse: SseLimits
}

export const BOT_LIMITS: BotLimits = {
  bodyBytes: 64 * 1024,
  rate: 50,
  burst: 100,
  maxSessions: 10_000,
  sessionTtlSeconds: 1800,
  traceBuffer: 500,
  sse: SSE_DEFAULTS,
}

export interface BotServerOptions {
  /** The workspace whose flows are served. */
  root: string
  /** Absent: a random key is generated (and the host prints it). */
  apiKey?: string
  /** Browser origins allowed to call (CORS); none by default. */
  allowOrigins?: readonly string[]
  /** The plugins flows may call (none when absent). */
  plugins?: BotPlugins
  limits?: Partial<Omit<BotLimits, 'sse'>> & { sse?: Partial<SseLimits> }
  /** Epoch ms for session TTL and traces (tests inject a fake). Default Date.now. */
  now?: () => number
  /** Told about every request as soon as it is answered. */
  onTrace?: (trace: BotTrace) => void
  /** Told when sessions come and go. */
  onSessions?: () => void
}

export interface BotServer {
  readonly apiKey: string
  readonly allowOrigins: readonly string[]
  readonly limits: BotLimits
  /** Set by listen(): `http://HOST:PORT`. */
  readonly url: string | undefined
  readonly port: number | undefined
  /** The request handler (every route is under /v1). */
  handle(req: IncomingMessage, res: ServerResponse): void
  listen(port: number, host: string): Promise<{ url: string; port: number }>
  /** Ends every session (streams get `end` with reason "shutdown") and stops listening. */
  close(): Promise<void>
  reloadFlows(): Promise<void>
  flows(): { count: number; problems: Array<{ file: string; message: string }> }
  traces(): BotTrace[]
  clearTraces(): void
  sessions(): BotSessionInfo[]
  sessionContext(id: string): SessionContext | undefined
  /** SSE buffer figures of a session (tests check they stay bounded). */
  streamStats(id: string): { clients: number; buffered: number; peak: number; replay: number } | undefined
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: BotErrorCode,
    message: string,
    readonly details?: Array<{ path: string; message: string }>,
    readonly headers: Record<string, string> = {},
  ) {
    super(message)
  }
}

/** What a handler answers: a status and a JSON body, or `null` when it wrote the response itself (SSE). */
type Answer = { status: number; body: unknown } | null

interface RequestInfo {
  req: IncomingMessage
  res: ServerResponse
  url: URL
  params: string[]
  cors: Record<string, string>
  trace: BotTrace
  t0: number
}

interface Route {
  pattern: RegExp
  methods: Partial<Record<'GET' | 'POST' | 'DELETE', (r: RequestInfo) => Promise<Answer> | Answer>>
  /** No key needed (health, readiness, the OpenAPI document). */
  open?: boolean
  /** `?key=` accepted (EventSource cannot set headers). */
  queryKey?: boolean
}

const TRACE_BODY_CHARS = 4096
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;.*)?$/i
const SWEEP_MS = 30_000


function truncate(text: string): string {
  return text.length > TRACE_BODY_CHARS ? `${text.slice(0, TRACE_BODY_CHARS)}… (${text.length} characters)` : text
}

function iso(ms: number): string {
  return new Date(ms).toISOString()
}

function detailsOf(errors: ErrorObject[] | null | undefined): Array<{ path: string; message: string }> {
  return (errors ?? []).map((e) => {
    const path = e.instancePath === '' ? '/' : e.instancePath
    if (e.keyword === 'additionalProperties') return { path, message: `unknown property "${String((e.params as { additionalProperty?: unknown }).additionalProperty)}"` }
    if (e.keyword === 'required') return { path, message: `"${String((e.params as { missingProperty?: unknown }).missingProperty)}" is required` }
    return { path, message: e.message ?? e.keyword }
  })
}

export async function createBotServer(options: BotServerOptions): Promise<BotServer> {
  const limits: BotLimits = { ...BOT_LIMITS, ...stripUndefined(options.limits ?? {}), sse: { ...SSE_DEFAULTS, ...stripUndefined(options.limits?.sse ?? {}) } }
  const now = options.now ?? Date.now
  const apiKey = options.apiKey ?? createApiKey()
  const allowOrigins = (options.allowOrigins ?? []).map(normaliseOrigin)
  const allowed = new Set(allowOrigins)
  const catalog = new FlowCatalog(options.root, options.plugins ?? (() => Promise.resolve(undefined)))
  await catalog.reload()
  const sessions = new SessionStore(limits.maxSessions, now, limits.sse, () => options.onSessions?.())
  const limiter = new RateLimiter({ rate: limits.rate, burst: limits.burst }, now)
  const startedAt = performance.now()
  const traceBuffer: BotTrace[] = []
  let traceSeq = 0
  let server: Server | null = null
  let address: { url: string; port: number } | undefined
  const sweeper = setInterval(() => sessions.sweep(), SWEEP_MS)
  sweeper.unref()

  const ajv = new Ajv({ allErrors: true, strict: false })
  const validators = {
    session: ajv.compile(CreateSessionRequestSchema) as ValidateFunction<CreateSessionRequest>,
    message: ajv.compile(MessageRequestSchema) as ValidateFunction<MessageRequest>,
    event: ajv.compile(EventRequestSchema) as ValidateFunction<EventRequest>,
  }
  let openApiText: string | undefined

  const redact = (text: string): string => (apiKey.length > 0 ? text.split(apiKey).join('***') : text)
  const ttlOf = (flow: BotFlow): number => (flow.compiled.ttlMs ?? limits.sessionTtlSeconds * 1000)

  // ---- request bodies ---------------------------------------------------------------

  const readJson = async <T>(r: RequestInfo, validate: ValidateFunction<T>): Promise<T> => {
    const type = r.req.headers['content-type']
    if (typeof type !== 'string' || !JSON_TYPE.test(type)) {
      throw new HttpError(415, 'unsupported_media_type', `send the body as JSON with "Content-Type: application/json"${type ? ` (got "${type}")` : ''}`)
    }
    const declared = Number(r.req.headers['content-length'])
    if (Number.isFinite(declared) && declared > limits.bodyBytes) throw tooLarge()
    const chunks: Buffer[] = []
    let size = 0
    await new Promise<void>((resolve, reject) => {
      r.req.on('data', (chunk: Buffer) => {
        size += chunk.length
        if (size > limits.bodyBytes) {
          r.req.removeAllListeners('data')
          r.req.resume()
          reject(tooLarge())
          return
        }
        chunks.push(chunk)
      })
      r.req.on('end', () => resolve())
      r.req.on('error', reject)
    })
    const text = Buffer.concat(chunks).toString('utf8')
    r.trace.request_body = truncate(redact(text))
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch (err) {
      throw new HttpError(400, 'invalid_json', `the body is not valid JSON: ${(err as Error).message}`)
    }
    if (!validate(value)) throw new HttpError(400, 'validation_failed', 'the body does not have the expected shape (see details and /v1/openapi.json)', detailsOf(validate.errors))
    return value
  }

  const tooLarge = () => new HttpError(413, 'payload_too_large', `the body is larger than ${limits.bodyBytes} bytes`, undefined, { Connection: 'close' })

  // ---- sessions -----------------------------------------------------------------------

  const sessionOf = (r: RequestInfo): BotSession => {
    const id = r.params[0]!
    r.trace.session = id
    const found = sessions.get(id)
    if ('gone' in found) {
      throw found.gone === 'session_expired'
        ? new HttpError(404, 'session_expired', `session ${id} expired after its time to live without activity; start a new one`)
        : new HttpError(404, 'session_not_found', `there is no session ${id}`)
    }
    r.trace.flow = found.session.flow.id
    return found.session
  }

  /**
   * Runs one turn of a session (turns of a session run one after another), streaming it to the
   * session's SSE clients: chunks of a generated reply as they arrive, then each reply (a reply
   * nobody streamed goes out as one chunk first, so a client can always render chunks), then the
   * turn. Chunk `index` counts the turn's chunks; reply `index` counts its replies.
   */
  const runTurn = (session: BotSession, turnNo: number, go: (onChunk: (c: ReplyChunk) => void) => Promise<TurnResult>): Promise<TurnResult> => {
    let chunks = 0
    const onChunk = (c: ReplyChunk) => {
      chunks = Math.max(chunks, c.index + 1)
      session.stream.publish({ type: 'chunk', turn: turnNo, index: c.index, state: c.state, text: c.text })
    }
    return go(onChunk).then((result) => {
      session.turns = result.turn
      result.replies.forEach((reply, index) => {
        if (!reply.chunks) session.stream.publish({ type: 'chunk', turn: result.turn, index: chunks++, state: reply.state, text: reply.text })
        session.stream.publish({ type: 'reply', turn: result.turn, index, state: reply.state, text: reply.text })
      })
      session.stream.publish({ type: 'turn', turn: result.turn, state: result.state, intent: result.intent, replies: result.replies.length, ended: result.ended, errors: result.errors.map((e) => e.code) })
      if (result.ended) session.stream.end('conversation_ended')
      return result
    })
  }

  const turnResponse = (r: RequestInfo, session: BotSession, result: TurnResult): TurnResponse => {
    const engineMs = result.duration_us / 1000
    r.trace.engine_ms = engineMs
    r.trace.turn = { state: result.state, intent: result.intent, replies: result.replies.length, ended: result.ended }
    return {
      session_id: session.id,
      turn: result.turn,
      event: result.event,
      input: result.input,
      replies: result.replies,
      state: result.state,
      path: result.path,
      intent: result.intent,
      confidence: result.confidence,
      entities: result.entities,
      slots: result.slots,
      variables: result.variables,
      missing_slots: result.missing_slots,
      ...(result.workflow ? { workflow: result.workflow } : {}),
      ended: result.ended,
      ...(result.handoff ? { handoff: result.handoff } : {}),
      errors: result.errors,
      warnings: result.warnings,
      timing: { engine_ms: round(engineMs), total_ms: round(performance.now() - r.t0) },
    }
  }

  const queued = new WeakMap<BotSession, Promise<unknown>>()
  const serial = <T>(session: BotSession, work: () => Promise<T>): Promise<T> => {
    const before = queued.get(session) ?? Promise.resolve()
    const next = before.then(work, work)
    queued.set(session, next.catch(() => undefined))
    return next
  }

  const sendEvent = (session: BotSession, event: ConversationEvent): Promise<TurnResult> =>
    serial(session, () => {
      if (session.conversation.ended) throw new HttpError(409, 'session_ended', `the conversation of session ${session.id} has ended; start a new session`)
      const conv = session.conversation
      return runTurn(session, conv.context().turn + 1, (onChunk) => conv.send(event, { onChunk }))
    })

  const contextOf = (session: BotSession): SessionContext => {
    const ctx = session.conversation.context()
    const memory = ctx.memory
    return {
      session_id: session.id,
      flow: session.flow.id,
      created_at: iso(session.createdAt),
      last_active_at: iso(session.lastActive),
      expires_at: iso(sessions.expiresAt(session)),
      turns: session.turns,
      context: {
        state: ctx.state,
        turn: ctx.turn,
        ended: ctx.ended,
        ...(ctx.user_id !== undefined ? { user_id: ctx.user_id } : {}),
        ...(ctx.tenant_id !== undefined ? { tenant_id: ctx.tenant_id } : {}),
        user_profile: { ...ctx.user_profile },
        slots: { ...ctx.slots },
        variables: { ...ctx.variables },
        intent: ctx.intent,
        confidence: ctx.confidence,
        entities: { ...ctx.entities },
        integration_results: { ...ctx.integration_results },
        ...(ctx.workflow ? { workflow: ctx.workflow } : {}),
        ...(ctx.handoff ? { handoff: ctx.handoff } : {}),
        ...(ctx.history ? { history: [...ctx.history] } : {}),
        ...(memory !== undefined ? { memory: JSON.parse(JSON.stringify(memory)) as NonNullable<SessionContext['context']['memory']> } : {}),
      },
    }
  }

  // ---- routes ---------------------------------------------------------------------------

  const routes: Route[] = [
    {
      pattern: /^\/v1\/health$/,
      open: true,
      methods: { GET: () => ({ status: 200, body: { status: 'ok', uptime_s: round((performance.now() - startedAt) / 1000), version: BOT_API_VERSION } }) },
    },
    {
      pattern: /^\/v1\/ready$/,
      open: true,
      methods: {
        GET: () => {
          const count = catalog.list().length
          return { status: count > 0 ? 200 : 503, body: { ready: count > 0, flows: count, sessions: sessions.size, problems: catalog.problems().length } }
        },
      },
    },
    {
      pattern: /^\/v1\/openapi\.json$/,
      open: true,
      methods: { GET: () => ({ status: 200, body: JSON.parse((openApiText ??= JSON.stringify(botOpenApiDocument()))) as unknown }) },
    },
    {
      pattern: /^\/v1\/flows$/,
      methods: { GET: () => ({ status: 200, body: { flows: catalog.list().map((f) => flowSummary(f, ttlOf(f) / 1000)), problems: [...catalog.problems()] } }) },
    },
    {
      pattern: /^\/v1\/flows\/(.+)$/,
      methods: {
        GET: (r) => {
          const flow = catalog.find(r.params[0]!)
          if (!flow) throw new HttpError(404, 'flow_not_found', `there is no flow "${r.params[0]}" (GET /v1/flows lists them)`)
          r.trace.flow = flow.id
          return { status: 200, body: flowDetail(flow) }
        },
      },
    },
    {
      pattern: /^\/v1\/sessions$/,
      methods: {
        POST: async (r) => {
          const body = await readJson(r, validators.session)
          const flow = catalog.find(body.flow)
          if (!flow) throw new HttpError(404, 'flow_not_found', `there is no flow "${body.flow}" (GET /v1/flows lists them)`)
          r.trace.flow = flow.id
          const engine = await catalog.engine(flow)
          const session = sessions.create(
            flow,
            (id): Conversation =>
              engine.createConversation({
                conversation_id: id,
                ...(body.user_id !== undefined ? { user_id: body.user_id } : {}),
                ...(body.tenant_id !== undefined ? { tenant_id: body.tenant_id } : {}),
                ...(body.user_profile ? { user_profile: body.user_profile } : {}),
                ...(body.slots ? { slots: { ...body.slots } } : {}),
                ...(body.variables ? { variables: { ...body.variables } } : {}),
              }),
            ttlOf(flow),
          )
          r.trace.session = session.id
          options.onSessions?.()
          const conv = session.conversation
          const result = await serial(session, () => runTurn(session, 0, (onChunk) => conv.start({ onChunk })))
          return {
            status: 201,
            body: {
              session_id: session.id,
              flow: flow.id,
              created_at: iso(session.createdAt),
              expires_at: iso(sessions.expiresAt(session)),
              stream_url: `/v1/sessions/${session.id}/stream`,
              turn: turnResponse(r, session, result),
            },
          }
        },
      },
    },
    {
      pattern: /^\/v1\/sessions\/([^/]+)$/,
      methods: {
        GET: (r) => ({ status: 200, body: contextOf(sessionOf(r)) }),
        DELETE: (r) => {
          const session = sessionOf(r)
          sessions.delete(session.id)
          return { status: 200, body: { session_id: session.id, deleted: true } }
        },
      },
    },
    {
      pattern: /^\/v1\/sessions\/([^/]+)\/messages$/,
      methods: {
        POST: async (r) => {
          const session = sessionOf(r)
          const body = await readJson(r, validators.message)
          const result = await sendEvent(session, { type: 'message', text: body.text })
          return { status: 200, body: turnResponse(r, session, result) }
        },
      },
    },
    {
      pattern: /^\/v1\/sessions\/([^/]+)\/events$/,
      methods: {
        POST: async (r) => {
          const session = sessionOf(r)
          const body = await readJson(r, validators.event)
          const result = await serial(session, async () => {
            const ctx = session.conversation.context()
            const waiting = ctx.workflow?.state === 'waiting_approval' ? ctx.workflow.waiting_task : undefined
            if (ctx.ended) throw new HttpError(409, 'session_ended', `the conversation of session ${session.id} has ended; start a new session`)
            if (waiting === undefined) throw new HttpError(409, 'no_pending_approval', `session ${session.id} is not waiting for an approval (state "${ctx.state}")`)
            if (body.task !== undefined && body.task !== waiting) throw new HttpError(409, 'no_pending_approval', `session ${session.id} waits for the approval of task "${waiting}", not "${body.task}"`)
            session.stream.publish({ type: 'event', turn: ctx.turn + 1, event: body.type, task: waiting })
            const conv = session.conversation
            return runTurn(session, ctx.turn + 1, (onChunk) => conv.send({ type: body.type }, { onChunk }))
          })
          return { status: 200, body: turnResponse(r, session, result) }
        },
      },
    },
    {
      pattern: /^\/v1\/sessions\/([^/]+)\/stream$/,
      queryKey: true,
      methods: {
        GET: (r) => {
          const session = sessionOf(r)
          const header = r.req.headers['last-event-id']
          const last = typeof header === 'string' ? header : (r.url.searchParams.get('last_event_id') ?? undefined)
          session.stream.attach(r.res, last, r.cors)
          return null
        },
      },
    },
  ]

  // ---- the handler ------------------------------------------------------------------------

  const emitTrace = (trace: BotTrace): void => {
    traceBuffer.push(trace)
    if (traceBuffer.length > limits.traceBuffer) traceBuffer.shift()
    try {
      options.onTrace?.(trace)
    } catch {
      // A trace listener's failure never breaks a request.
    }
  }

  const send = (r: RequestInfo, status: number, body: unknown, extra: Record<string, string> = {}): void => {
    const text = JSON.stringify(body)
    r.trace.status = status
    r.trace.response_body = truncate(redact(text))
    if (status >= 400) r.trace.error = (body as { error?: { code?: string } }).error?.code ?? 'error'
    if (!r.res.headersSent) {
      r.res.writeHead(status, {
        'Content-Type': 'application/json; charset=utf-8',
        'Cache-Control': 'no-store',
        'X-Content-Type-Options': 'nosniff',
        'Content-Length': String(Buffer.byteLength(text)),
        ...r.cors,
        ...extra,
      })
      r.res.end(text)
    } else r.res.end()
  }

  const fail = (r: RequestInfo, err: HttpError): void => {
    send(r, err.status, { error: { code: err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } }, err.headers)
  }

  const handleRequest = async (r: RequestInfo): Promise<void> => {
    const origin = r.req.headers.origin
    if (origin !== undefined) {
      if (!allowed.has(origin)) throw new HttpError(403, 'origin_not_allowed', `requests from ${origin} are not allowed (start the server with --allow-origin ${origin})`)
      r.cors['Access-Control-Allow-Origin'] = origin
      r.cors['Access-Control-Expose-Headers'] = CORS_EXPOSED_HEADERS
      r.cors['Vary'] = 'Origin'
    }
    const path = r.url.pathname
    let route: Route | undefined
    for (const candidate of routes) {
      const m = candidate.pattern.exec(path)
      if (m) {
        route = candidate
        try {
          r.params = m.slice(1).map((p) => decodeURIComponent(p))
        } catch {
          throw new HttpError(404, 'not_found', `no route matches ${path}`)
        }
        break
      }
    }
    if (!route) throw new HttpError(404, 'not_found', `no route matches ${r.req.method ?? ''} ${path} (see /v1/openapi.json)`)
    const allow = [...Object.keys(route.methods), 'OPTIONS'].join(', ')
    if (r.req.method === 'OPTIONS') {
      // A CORS preflight (the origin was checked above); no key is needed for it.
      r.trace.status = 204
      r.res.writeHead(204, {
        ...r.cors,
        Allow: allow,
        ...(origin !== undefined ? { 'Access-Control-Allow-Methods': CORS_ALLOWED_METHODS, 'Access-Control-Allow-Headers': CORS_ALLOWED_HEADERS, 'Access-Control-Max-Age': '600' } : {}),
      })
      r.res.end()
      return
    }
    const handler = route.methods[r.req.method as 'GET' | 'POST' | 'DELETE']
    if (!handler) throw new HttpError(405, 'method_not_allowed', `${r.req.method ?? ''} is not allowed on ${path} (allowed: ${allow})`, undefined, { Allow: allow })
    if (!route.open) {
      const key = presentedKey(r.req, r.url, route.queryKey === true)
      if (!keyMatches(apiKey, key)) {
        throw new HttpError(401, 'unauthorized', key === undefined ? 'an API key is required: send "Authorization: Bearer <key>" or "X-API-Key: <key>"' : 'the API key is not valid', undefined, { 'WWW-Authenticate': 'Bearer' })
      }
      const wait = limiter.take(apiKey)
      if (wait > 0) throw new HttpError(429, 'rate_limited', `too many requests: at most ${limits.rate} a second (bursts of ${limits.burst}); retry in ${wait} s`, undefined, { 'Retry-After': String(wait) })
    }
    const answer = await handler(r)
    if (answer === null) {
      r.trace.status = 200
      return
    }
    send(r, answer.status, answer.body)
  }

  const handle = (req: IncomingMessage, res: ServerResponse): void => {
    const t0 = performance.now()
    let url: URL
    try {
      url = new URL(req.url ?? '/', 'http://bot.invalid')
    } catch {
      url = new URL('http://bot.invalid/')
    }
    const shownPath = url.searchParams.has('key') ? `${url.pathname}?${redactQuery(url)}` : `${url.pathname}${url.search}`
    const trace: BotTrace = { id: ++traceSeq, at: now(), method: req.method ?? '', path: shownPath, status: 0, duration_ms: 0 }
    const r: RequestInfo = { req, res, url, params: [], cors: {}, trace, t0 }
    handleRequest(r)
      .catch((err: unknown) => {
        if (err instanceof HttpError) fail(r, err)
        else fail(r, new HttpError(500, 'internal', `the request could not be answered: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`))
      })
      .finally(() => {
        trace.duration_ms = round(performance.now() - t0)
        emitTrace(trace)
      })
  }

  return {
    apiKey,
    allowOrigins,
    limits,
    get url() {
      return address?.url
    },
    get port() {
      return address?.port
    },
    handle,
    async listen(port, host) {
      const s = createServer(handle)
      s.keepAliveTimeout = 10_000
      await new Promise<void>((resolve, reject) => {
        s.once('error', reject)
        s.listen(port, host, () => {
          s.off('error', reject)
          resolve()
        })
      })
      server = s
      const a = s.address()
      const actual = typeof a === 'object' && a ? a.port : port
      address = { url: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, port: actual }
      return address
    },
    async close() {
      clearInterval(sweeper)
      sessions.closeAll('shutdown')
      const s = server
      server = null
      if (!s) return
      await new Promise<void>((resolve) => {
        s.close(() => resolve())
        s.closeIdleConnections()
        // Streams just got their end event; anything still open after a moment is cut.
        setTimeout(() => s.closeAllConnections(), 200).unref()
      })
    },
    reloadFlows: () => catalog.reload(),
    flows: () => ({ count: catalog.list().length, problems: [...catalog.problems()] }),
    traces: () => [...traceBuffer],
    clearTraces: () => {
      traceBuffer.length = 0
    },
    sessions: () =>
      sessions.all().map((s) => ({
        session_id: s.id,
        flow: s.flow.id,
        state: s.conversation.state,
        turns: s.turns,
        ended: s.conversation.ended,
        created_at: s.createdAt,
        last_active_at: s.lastActive,
        expires_at: sessions.expiresAt(s),
        streams: s.stream.clientCount,
      })),
    sessionContext(id) {
      const found = sessions.get(id, false)
      return 'session' in found ? contextOf(found.session) : undefined
    },
    streamStats(id) {
      const found = sessions.get(id, false)
      return 'session' in found ? { clients: found.session.stream.clientCount, ...found.session.stream.stats() } : undefined
    },
  }
}

function redactQuery(url: URL): string {
  const q = new URLSearchParams(url.searchParams)
  q.set('key', '***')
  return q.toString()
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] !== undefined) out[k] = o[k]
  return out
}
