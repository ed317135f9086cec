// The bot server's gatekeeping: the API key (constant-time), allowed browser origins (CORS) and a
// per-key token-bucket rate limit.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

/** A new random API key (32 bytes, base64url), prefixed so it is recognisable in a config file. */
export function createApiKey(): string {
  return `fb_${randomBytes(32).toString('base64url')}`
}

/** Constant-time comparison; hashing first makes both sides the same length whatever was sent. */
export function keyMatches(expected: string, given: string | undefined): boolean {
  if (given === undefined || given.length === 0) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

/** The key a request carries: `Authorization: Bearer <key>`, `X-API-Key: <key>`, or (stream route only) `?key=`. */
export function presentedKey(req: IncomingMessage, url: URL, queryAllowed: boolean): string | undefined {
  const auth = req.headers.authorization
  if (typeof auth === 'string') {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth)
    if (m) return m[1]
  }
  const header = req.headers['x-api-key']
  if (typeof header === 'string' && header.length > 0) return header.trim()
  if (queryAllowed) return url.searchParams.get('key') ?? undefined
  return undefined
}

/** An origin as browsers send it: scheme://host[:port], no path. Throws a message for anything else. */
export function normaliseOrigin(value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new Error(`"${value}" is not an origin: give scheme, host and port, e.g. http://localhost:3000`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error(`"${value}" is not an http(s) origin`)
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) throw new Error(`"${value}" has a path: an origin is only scheme, host and port (e.g. ${url.origin})`)
  return url.origin
}

export const CORS_ALLOWED_HEADERS = 'Authorization, X-API-Key, Content-Type, Last-Event-ID'
export const CORS_ALLOWED_METHODS = 'GET, POST, DELETE, OPTIONS'
export const CORS_EXPOSED_HEADERS = 'Retry-After'

export interface RateLimit {
  /** Requests per second refilled (0: no limit). */
  rate: number
  /** Bucket size (requests that may come at once). */
  burst: number
}

interface Bucket {
  tokens: number
  at: number
}

/** Token buckets per API key. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>()

  constructor(
    private readonly limit: RateLimit,
    private readonly now: () => number,
  ) {}

  /** 0 when the request may go ahead; else the seconds to wait before the next one would. */
  take(key: string): number {
    const { rate, burst } = this.limit
    if (!(rate > 0)) return 0
    const t = this.now()
    let b = this.buckets.get(key)
    if (!b) {
      // Few keys exist (one per server, usually): the map stays tiny.
      b = { tokens: burst, at: t }
      this.buckets.set(key, b)
    }
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * rate)
    b.at = t
    if (b.tokens >= 1) {
      b.tokens -= 1
      return 0
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / rate))
  }
}
