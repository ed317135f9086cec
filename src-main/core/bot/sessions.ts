// The bot server's sessions: a conversation each, with its flow, stream and activity times. At
// most `max` live at once (the least recently used is closed beyond it); one unused for its
// flow's `settings.session_ttl_seconds` (else the server's default) expires. The ids of sessions
// that expired are remembered (boundedly), so a late request hears `session_expired`, not `not found`.
import { randomUUID } from 'node:crypto'
import type { Conversation } from '../engine'
import type { BotFlow } from './flows'
import { SessionStream, type SseLimits } from './sse'

export interface BotSession {
  id: string
  flow: BotFlow
  conversation: Conversation
  stream: SessionStream
  createdAt: number
  lastActive: number
  ttlMs: number
  turns: number
}

export type SessionLookup = { session: BotSession } | { gone: 'session_not_found' | 'session_expired' }

/** Expired ids remembered for the `session_expired` answer. */
const TOMBSTONES = 4096

export class SessionStore {
  /** In least-recently-used order (a Map keeps insertion order; a touch re-inserts). */
  private readonly live = new Map<string, BotSession>()
  private readonly expired = new Set<string>()

  constructor(
    private readonly max: number,
    private readonly now: () => number,
    private readonly sse: SseLimits,
    /** Told about every session that ends here (expired, evicted, deleted, closed). */
    private readonly onEnd: (session: BotSession, reason: string) => void = () => {},
  ) {}

  get size(): number {
    return this.live.size
  }

  all(): BotSession[] {
    return [...this.live.values()]
  }

  create(flow: BotFlow, conversation: (id: string) => Conversation, ttlMs: number): BotSession {
    const id = randomUUID()
    const t = this.now()
    const session: BotSession = { id, flow, conversation: conversation(id), stream: new SessionStream(this.sse), createdAt: t, lastActive: t, ttlMs, turns: 0 }
    this.sweep()
    while (this.live.size >= this.max) {
      const oldest = this.live.values().next().value as BotSession
      this.remove(oldest, 'evicted')
    }
    this.live.set(id, session)
    return session
  }

  /** The session, touched (it moves to the back of the eviction order and its TTL restarts). */
  get(id: string, touch = true): SessionLookup {
    const s = this.live.get(id)
    if (!s) return { gone: this.expired.has(id) ? 'session_expired' : 'session_not_found' }
    const t = this.now()
    if (this.isExpired(s, t)) {
      this.expire(s)
      return { gone: 'session_expired' }
    }
    if (touch) {
      s.lastActive = t
      this.live.delete(id)
      this.live.set(id, s)
    }
    return { session: s }
  }

  expiresAt(s: BotSession): number {
    return s.lastActive + s.ttlMs
  }

  delete(id: string): boolean {
    const s = this.live.get(id)
    if (!s) return false
    this.remove(s, 'deleted')
    return true
  }

  /** Expires every session past its TTL (run on a timer and before each new session). */
  sweep(): void {
    const t = this.now()
    for (const s of [...this.live.values()]) if (this.isExpired(s, t)) this.expire(s)
  }

  closeAll(reason: string): void {
    for (const s of [...this.live.values()]) this.remove(s, reason)
  }

  private isExpired(s: BotSession, t: number): boolean {
    return t - s.lastActive >= s.ttlMs
  }

  private expire(s: BotSession): void {
    this.remove(s, 'expired')
    this.expired.add(s.id)
    if (this.expired.size > TOMBSTONES) this.expired.delete(this.expired.values().next().value as string)
  }

  private remove(s: BotSession, reason: string): void {
    this.live.delete(s.id)
    s.stream.end(reason)
    this.onEnd(s, reason)
  }
}
