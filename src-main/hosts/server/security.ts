// The checks that keep `flowbench serve` private to the person who started it: the access token
// (compared in constant time), the Host header (no DNS rebinding) and the Origin of WebSockets.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'

export function createToken(): string {
  return randomBytes(24).toString('base64url')
}

/** Constant-time comparison; hashing first makes both sides the same length whatever was sent. */
export function tokenMatches(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length === 0) return false
  const a = createHash('sha256').update(expected).digest()
  const b = createHash('sha256').update(given).digest()
  return timingSafeEqual(a, b)
}

/** The hosts a browser on this machine uses to reach the server. */
export function allowedHosts(port: number): Set<string> {
  return new Set([`127.0.0.1:${port}`, `localhost:${port}`])
}

/** A WebSocket must come from a page this server served: same scheme, host and port. */
export function originAllowed(origin: string | undefined, port: number): boolean {
  if (!origin) return false
  return origin === `http://127.0.0.1:${port}` || origin === `http://localhost:${port}`
}

/**
 * The page's Content-Security-Policy: only our own scripts, Monaco's blob workers, inline styles
 * (Vue and Monaco set them), and the API socket on this very port.
 */
export function contentSecurityPolicy(port: number): string {
  return [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "worker-src 'self' blob:",
    "font-src 'self' data:",
    "img-src 'self' data:",
    `connect-src 'self' ws://127.0.0.1:${port} ws://localhost:${port}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ')
}
