// The `bot` service of the typed API: the local bot server (HTTP API and SSE over the engine) and its request traces.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

/** One HTTP request to the bot server, as the workbench shows it (bodies truncated, the API key redacted). */
export interface BotTrace {
  /** Increasing per server. */
  id: number
  /** Epoch ms when the request arrived. */
  at: number
  method: string
  /** The path with its query; a `key=` parameter is shown as `key=***`. */
  path: string
  status: number
  /** The error code of an error answer. */
  error?: string
  session?: string
  flow?: string
  /** Turn summary of a message, event or session start. */
  turn?: { state: string; intent: string | null; replies: number; ended: boolean }
  /** From the request arriving to the answer being written (for a stream: until it was opened). */
  duration_ms: number
  /** The engine's own time, for requests that ran a turn. */
  engine_ms?: number
  /** At most 4 KB each, the API key replaced by `***`. */
  request_body?: string
  response_body?: string
}

export interface BotSessionInfo {
  session_id: string
  flow: string
  state: string
  turns: number
  ended: boolean
  created_at: number
  last_active_at: number
  expires_at: number
  /** Open SSE streams. */
  streams: number
}

export interface BotStatus {
  running: boolean
  /** `http://127.0.0.1:PORT` while running. */
  url?: string
  port?: number
  /** The key every request needs (the workbench shows it masked). */
  apiKey?: string
  allowOrigins: string[]
  /** Flows served, and files that do not load. */
  flows: number
  problems: Array<{ file: string; message: string }>
  sessions: number
  /** When the server was started (epoch ms). */
  startedAt?: number
  /** Why the last start failed (port in use…). */
  error?: string
}

export interface BotStartOptions {
  /** 0 or absent: any free port. */
  port?: number
  /** Absent: a new random key. */
  apiKey?: string
  allowOrigins?: string[]
}

/** A session's context as the workbench shows it (the same object GET /v1/sessions/{id} answers). */
export type BotSessionContext = { [key: string]: unknown }

export interface BotService {
  status(): Promise<BotStatus>
  /** Starts the bot server for the open workspace (its plugins as the workspace's trust allows). Already running: its status. */
  start(options?: BotStartOptions): Promise<BotStatus>
  stop(): Promise<BotStatus>
  /** The most recent requests, oldest first (a bounded buffer). */
  traces(): Promise<BotTrace[]>
  sessions(): Promise<BotSessionInfo[]>
  /** A live session's context; `not_found` once it is gone. */
  session(id: string): Promise<BotSessionContext>
  clearTraces(): Promise<void>
}

export const BOT_METHODS = {
  status: 0,
  start: 1,
  stop: 0,
  traces: 0,
  sessions: 0,
  session: 1,
  clearTraces: 0,
} as const satisfies { [M in keyof BotService]: number }

export interface BotEvents {
  /** New requests since the last batch (at most 10 batches a second). */
  botTrace: { traces: BotTrace[] }
  botStatus: BotStatus
}

export const BOT_EVENTS = { botTrace: true, botStatus: true } as const satisfies { [E in keyof BotEvents]: true }
