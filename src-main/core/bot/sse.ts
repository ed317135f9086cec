// Server-Sent Events for one session: every event gets the next id and goes to the session's open
// streams and to a bounded replay buffer, so a client that reconnects with `Last-Event-ID` gets
// what it missed (or a `reset` when that is older than the buffer). Each client has a bounded
// send buffer: once the socket stops taking data (`write()` returned false) frames wait for
// 'drain'; a client whose backlog passes the limit is dropped with a final `dropped` event.
import type { ServerResponse } from 'node:http'
import type { SseEvent } from '../../common/bot-schema'

export interface SseLimits {
  /** Events kept per session for resuming (default 256). */
  replay: number
  /** Bytes a client may have waiting (ours plus the socket's) before it is dropped (default 1 MiB). */
  clientBufferBytes: number
  /** Comment lines that keep proxies from closing an idle stream (default 15 s). */
  heartbeatMs: number
}

export const SSE_DEFAULTS: SseLimits = { replay: 256, clientBufferBytes: 1024 * 1024, heartbeatMs: 15_000 }

interface Stored {
  id: number
  frame: string
}

const HEARTBEAT = ': heartbeat\n\n'
const DROPPED = `data: ${JSON.stringify({ type: 'dropped', reason: 'slow_client' } satisfies SseEvent)}\n\n`
/** A dropped client whose socket does not take the final frame is cut after this long. */
const DROP_GRACE_MS = 1000

class SseClient {
  private readonly queue: string[] = []
  private queued = 0
  private waiting = false
  private closed = false
  private readonly heartbeat: NodeJS.Timeout
  /** The most bytes this client ever had waiting (tests check the bound). */
  peakBuffered = 0

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: SseLimits,
    private readonly onClose: (client: SseClient) => void,
  ) {
    this.heartbeat = setInterval(() => this.send(HEARTBEAT), limits.heartbeatMs)
    this.heartbeat.unref()
    res.on('close', () => this.closedByPeer())
  }

  get open(): boolean {
    return !this.closed
  }

  /** Bytes waiting for this client: our queue and what the socket holds. */
  get buffered(): number {
    return this.queued + this.res.writableLength
  }

  send(frame: string): void {
    if (this.closed) return
    if (this.waiting) {
      this.queue.push(frame)
      this.queued += frame.length
    } else if (!this.res.write(frame)) {
      this.waiting = true
      this.res.once('drain', () => this.flush())
    }
    const buffered = this.buffered
    if (buffered > this.peakBuffered) this.peakBuffered = buffered
    if (buffered > this.limits.clientBufferBytes) this.drop()
  }

  /** Ends the stream after the frames already sent. */
  end(): void {
    if (this.closed) return
    this.stop()
    this.res.end()
  }

  private flush(): void {
    this.waiting = false
    while (!this.closed && this.queue.length > 0) {
      const frame = this.queue.shift()!
      this.queued -= frame.length
      if (!this.res.write(frame)) {
        this.waiting = true
        this.res.once('drain', () => this.flush())
        return
      }
    }
  }

  /** Too slow: forget the backlog, say so if the socket still takes it, and cut the connection. */
  private drop(): void {
    this.queue.length = 0
    this.queued = 0
    this.stop()
    this.res.end(DROPPED)
    setTimeout(() => this.res.destroy(), DROP_GRACE_MS).unref()
  }

  private stop(): void {
    this.closed = true
    clearInterval(this.heartbeat)
    this.onClose(this)
  }

  private closedByPeer(): void {
    if (this.closed) return
    this.queue.length = 0
    this.queued = 0
    this.stop()
  }
}

export class SessionStream {
  private seq = 0
  private readonly replay: Stored[] = []
  private readonly clients = new Set<SseClient>()
  private endFrame: string | null = null

  constructor(private readonly limits: SseLimits = SSE_DEFAULTS) {}

  get clientCount(): number {
    return this.clients.size
  }

  /** The id of the last event published. */
  get lastId(): number {
    return this.seq
  }

  /** Bytes waiting over all clients, and the largest any client ever had. */
  stats(): { buffered: number; peak: number; replay: number } {
    let buffered = 0
    let peak = 0
    for (const c of this.clients) {
      buffered += c.buffered
      peak = Math.max(peak, c.peakBuffered)
    }
    return { buffered, peak, replay: this.replay.length }
  }

  publish(event: SseEvent): void {
    if (this.endFrame !== null) return
    const id = ++this.seq
    const frame = `id: ${id}\ndata: ${JSON.stringify(event)}\n\n`
    this.replay.push({ id, frame })
    if (this.replay.length > this.limits.replay) this.replay.shift()
    for (const c of [...this.clients]) c.send(frame)
  }

  /** Publishes `end` and closes every stream; later clients get the replay and the end at once. */
  end(reason: string): void {
    if (this.endFrame !== null) return
    this.publish({ type: 'end', reason })
    this.endFrame = this.replay[this.replay.length - 1]!.frame
    for (const c of [...this.clients]) c.end()
  }

  /** Opens a stream on `res`, replaying what came after `lastEventId`. */
  attach(res: ServerResponse, lastEventId: string | undefined, headers: Record<string, string>): void {
    res.writeHead(200, {
      ...headers,
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-store',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    })
    res.socket?.setNoDelay(true)
    const client = new SseClient(res, this.limits, (c) => this.clients.delete(c))
    client.send('retry: 2000\n\n')
    let replayed = false
    if (lastEventId !== undefined && lastEventId.trim() !== '') {
      const last = Number(lastEventId)
      const oldest = this.replay.length > 0 ? this.replay[0]!.id : this.seq + 1
      if (!Number.isInteger(last) || last < 0 || last > this.seq || last < oldest - 1) {
        // Older than the buffer (or from another server): the client must refetch the context.
        client.send(`id: ${this.seq}\ndata: ${JSON.stringify({ type: 'reset', reason: 'Last-Event-ID is older than the replay buffer; fetch the session context again' } satisfies SseEvent)}\n\n`)
      } else {
        replayed = true
        for (const s of this.replay) if (s.id > last && client.open) client.send(s.frame)
      }
    }
    if (!client.open) return
    if (this.endFrame !== null) {
      // A replay ends with the end event already; anyone else is told the session is over.
      if (!replayed) client.send(this.endFrame)
      client.end()
      return
    }
    this.clients.add(client)
  }
}
