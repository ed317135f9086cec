// The built-in `http` integration: one REST call per integration call. The URL is the
// integration's base_url joined with the state's endpoint; request_mapping's object becomes the
// JSON body (or the query string for GET, HEAD and DELETE); JSON answers become `data`, and the
// HTTP status is the status_code. Header values may name secrets as ${env:NAME}: they are read
// from the environment at call time and never appear in anything this plugin returns or logs.
import { definePlugin, type CallContext, type IntegrationRequest, type IntegrationResponse } from 'flowbench/plugin'

/** What a flow may set in `integrations.<id>` for this plugin (besides the engine's resilience keys). */
export interface HttpConfig {
  /** Prefix of every endpoint, e.g. https://crm.internal/api/v2. */
  base_url?: string
  /** Extra request headers; values may contain ${env:NAME}. */
  headers?: Record<string, string>
  /** Extra query parameters added to every call; values may contain ${env:NAME}. */
  query?: Record<string, string | number | boolean>
  /** Largest response body read, in bytes (default 10 MiB). */
  max_response_bytes?: number
}

const DEFAULT_MAX_RESPONSE_BYTES = 10 * 1024 * 1024
const QUERY_METHODS = new Set(['GET', 'HEAD', 'DELETE'])
const SECRET = /\$\{env:([A-Za-z_][A-Za-z0-9_]*)\}/g
const REDACTED = '[redacted]'
// Shorter values would be replaced inside unrelated text; no real credential is this short.
const MIN_REDACTED_LENGTH = 4

/** A failure with one of the engine's error codes (network, malformed_response). */
class HttpCallError extends Error {
  override name = 'HttpCallError'
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message)
  }
}

/** The secret values one call resolved, and how to scrub them from any text or data. */
class Secrets {
  private readonly values: string[] = []

  /** Replaces each ${env:NAME} with the variable's value; a missing variable is an error naming it. */
  resolve(text: string, where: string): string {
    return text.replace(SECRET, (_match, name: string) => {
      const value = process.env[name]
      if (value === undefined || value === '') throw new Error(`${where} uses \${env:${name}}, but the environment variable ${name} is not set`)
      if (value.length >= MIN_REDACTED_LENGTH && !this.values.includes(value)) this.values.push(value)
      return value
    })
  }

  scrub(text: string): string {
    let out = text
    for (const v of this.values) out = out.split(v).join(REDACTED)
    for (const v of this.values) {
      const encoded = encodeURIComponent(v)
      if (encoded !== v) out = out.split(encoded).join(REDACTED)
    }
    return out
  }

  /** A copy of JSON data with every secret removed from strings and keys. */
  scrubData(value: unknown): unknown {
    if (this.values.length === 0) return value
    if (typeof value === 'string') return this.scrub(value)
    if (Array.isArray(value)) return value.map((v) => this.scrubData(v))
    if (value !== null && typeof value === 'object') {
      const out: Record<string, unknown> = {}
      for (const [k, v] of Object.entries(value)) out[this.scrub(k)] = this.scrubData(v)
      return out
    }
    return value
  }
}

function configOf(req: IntegrationRequest): HttpConfig {
  const c = (req.config ?? {}) as Record<string, unknown>
  const out: HttpConfig = {}
  if (c['base_url'] !== undefined) {
    if (typeof c['base_url'] !== 'string') throw new Error('base_url must be a string (e.g. https://api.example.com/v1)')
    out.base_url = c['base_url']
  }
  for (const key of ['headers', 'query'] as const) {
    const v = c[key]
    if (v === undefined) continue
    if (v === null || typeof v !== 'object' || Array.isArray(v)) throw new Error(`${key} must be an object of names to values`)
    if (key === 'headers') out.headers = v as Record<string, string>
    else out.query = v as Record<string, string | number | boolean>
  }
  const max = c['max_response_bytes']
  if (max !== undefined) {
    if (typeof max !== 'number' || !(max > 0)) throw new Error('max_response_bytes must be a positive number')
    out.max_response_bytes = max
  }
  return out
}

/** base_url + endpoint with exactly one slash between them; an absolute endpoint stands alone. */
export function joinUrl(baseUrl: string | undefined, endpoint: string | undefined): string {
  const ep = (endpoint ?? '').trim()
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ep)) return ep
  if (baseUrl === undefined || baseUrl.trim() === '') {
    throw new Error(ep ? `the endpoint "${ep}" is relative and the integration has no base_url` : 'the integration has no base_url and the state no endpoint')
  }
  const base = baseUrl.trim()
  if (ep === '') return base
  return `${base.replace(/\/+$/, '')}/${ep.replace(/^\/+/, '')}`
}

function appendQuery(url: URL, params: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(params)) {
    if (value === undefined || value === null) continue
    const values = Array.isArray(value) ? value : [value]
    for (const v of values) url.searchParams.append(key, typeof v === 'object' ? JSON.stringify(v) : String(v))
  }
}

/** Reads the body, refusing to buffer more than `limit` bytes. */
async function readBody(res: Response, limit: number): Promise<string> {
  const declared = Number(res.headers.get('content-length'))
  if (Number.isFinite(declared) && declared > limit) {
    await res.body?.cancel()
    throw new Error(`the response is ${declared} bytes, more than max_response_bytes (${limit})`)
  }
  if (!res.body) return ''
  const reader = res.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > limit) {
      await reader.cancel()
      throw new Error(`the response is more than max_response_bytes (${limit}) bytes`)
    }
    chunks.push(value)
  }
  const all = new Uint8Array(size)
  let at = 0
  for (const c of chunks) {
    all.set(c, at)
    at += c.byteLength
  }
  return new TextDecoder().decode(all)
}

function isJsonType(contentType: string): boolean {
  return /^application\/(?:[\w.+-]+\+)?json\b/i.test(contentType.trim()) || /^text\/json\b/i.test(contentType.trim())
}

/** A network failure's most telling code (ECONNREFUSED, ENOTFOUND, …). */
function networkDetail(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown; message?: unknown } } | null)?.cause
  if (cause && typeof cause.code === 'string') return cause.code
  if (cause && typeof cause.message === 'string') return cause.message
  return err instanceof Error ? err.message : String(err)
}

export async function callHttp(req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
  const secrets = new Secrets()
  const config = configOf(req)
  const method = (req.method || 'GET').toUpperCase()
  if (!/^[A-Z]+$/.test(method)) throw new Error(`"${req.method}" is not an HTTP method`)

  let url: URL
  try {
    const base = config.base_url === undefined ? undefined : secrets.resolve(config.base_url, 'base_url')
    url = new URL(joinUrl(base, req.endpoint))
  } catch (err) {
    throw new Error(secrets.scrub(err instanceof Error ? err.message : String(err)))
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`only http and https URLs can be called, not ${url.protocol}`)
  for (const [key, value] of Object.entries(config.query ?? {})) url.searchParams.append(key, secrets.resolve(String(value), `query.${key}`))

  const headers: Record<string, string> = { accept: 'application/json' }
  let body: string | undefined
  const params = req.params ?? {}
  if (QUERY_METHODS.has(method)) appendQuery(url, params)
  else {
    body = JSON.stringify(params)
    headers['content-type'] = 'application/json'
  }
  for (const [name, value] of Object.entries(config.headers ?? {})) {
    if (typeof value !== 'string' && typeof value !== 'number') throw new Error(`headers.${name} must be a string`)
    headers[name.toLowerCase()] = secrets.resolve(String(value), `headers.${name}`)
  }

  const shownUrl = secrets.scrub(url.href)
  const started = performance.now()
  let res: Response
  try {
    res = await fetch(url, { method, headers, ...(body !== undefined ? { body } : {}), signal: ctx.signal, redirect: 'follow' })
  } catch (err) {
    // An abort is the engine's timeout (or a cancelled run): hand its reason back untouched.
    if (ctx.signal.aborted) throw ctx.signal.reason
    throw new HttpCallError('network', secrets.scrub(`cannot reach ${shownUrl}: ${networkDetail(err)}`))
  }

  let text: string
  try {
    text = method === 'HEAD' ? '' : await readBody(res, config.max_response_bytes ?? DEFAULT_MAX_RESPONSE_BYTES)
  } catch (err) {
    if (ctx.signal.aborted) throw ctx.signal.reason
    throw new HttpCallError('network', secrets.scrub(`${method} ${shownUrl}: reading the response failed: ${err instanceof Error ? err.message : String(err)}`))
  }
  const ok = res.status >= 200 && res.status <= 299
  ctx.log.debug(`${method} ${shownUrl} -> ${res.status} in ${Math.round(performance.now() - started)} ms`)

  const contentType = res.headers.get('content-type') ?? ''
  let data: unknown
  let bodyProblem: string | undefined
  if (text.trim() !== '') {
    if (isJsonType(contentType) || contentType === '') {
      try {
        data = JSON.parse(text)
      } catch (err) {
        if (isJsonType(contentType)) bodyProblem = `the body is not valid JSON (${err instanceof Error ? err.message : String(err)})`
        else data = text
      }
    } else data = text
  }
  if (bodyProblem !== undefined) {
    if (ok) throw new HttpCallError('malformed_response', secrets.scrub(`${method} ${shownUrl} answered ${res.status} but ${bodyProblem}`))
    return { status_code: res.status, error: secrets.scrub(`HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}; ${bodyProblem}`) }
  }
  const out: IntegrationResponse = { status_code: res.status }
  if (data !== undefined) out.data = secrets.scrubData(data)
  if (!ok) out.error = `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ''}`
  return out
}

export default definePlugin({
  integrations: {
    http: {
      call: callHttp,
      // A REST backend that keeps failing should not slow every conversation down: after five
      // failures in a row calls fail fast for 30 s. Retries stay opt-in (POSTs may not be idempotent).
      defaults: { timeout_ms: 10_000, circuit_breaker: { threshold: 5, cooldown_ms: 30_000 } },
    },
  },
})
