// The session stream (SSE): live chunks and replies, resuming with Last-Event-ID, reset beyond the
// replay buffer, heartbeats, ends, and a slow client that is back-pressured and then dropped.
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { KEY, REPO, SseReader, startServer, type Running } from './helpers'

let running: Running | undefined
const readers: SseReader[] = []
afterEach(async () => {
  for (const r of readers.splice(0)) r.close()
  await running?.server.close()
  running = undefined
})

async function start(options: Parameters<typeof startServer>[0] = {}): Promise<Running> {
  running = await startServer(options)
  return running
}

async function open(url: string, id: string, headers: Record<string, string> = { Authorization: `Bearer ${KEY}` }, options: { paused?: boolean } = {}): Promise<SseReader> {
  const reader = await SseReader.open(url, `/v1/sessions/${id}/stream`, headers, options)
  readers.push(reader)
  return reader
}

const types = (r: SseReader) => r.messages.map((m) => m.data.type as string)

describe('bot server: SSE stream', () => {
  it('streams each turn as chunk, reply and turn events with increasing ids', async () => {
    const { url, call } = await start()
    const id = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const stream = await open(url, id)
    expect(stream.status).toBe(200)
    expect(stream.res.headers['content-type']).toBe('text/event-stream; charset=utf-8')
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'hello' })
    await stream.until((m) => m.some((x) => x.data.type === 'turn'))
    expect(stream.messages.map((m) => m.data)).toEqual([
      { type: 'chunk', turn: 1, index: 0, state: 'echo', text: 'You said: hello' },
      { type: 'reply', turn: 1, index: 0, state: 'echo', text: 'You said: hello' },
      { type: 'turn', turn: 1, state: 'echo', intent: null, replies: 1, ended: false, errors: [] },
    ])
    // The start turn (before we connected) took ids 1..3.
    expect(stream.messages.map((m) => m.id)).toEqual(['4', '5', '6'])
  })

  it('accepts the key as ?key= (EventSource cannot send headers) and refuses the stream without one', async () => {
    const { url, call } = await start()
    const id = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const viaQuery = await SseReader.open(url, `/v1/sessions/${id}/stream?key=${encodeURIComponent(KEY)}`)
    readers.push(viaQuery)
    expect(viaQuery.status).toBe(200)
    const none = await fetch(`${url}/v1/sessions/${id}/stream`)
    expect(none.status).toBe(401)
  })

  it('a client reconnecting with Last-Event-ID gets every event it missed, once, in order', async () => {
    const { url, call } = await start()
    const id = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const first = await open(url, id)
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'one' })
    await first.until((m) => m.length === 3)
    const lastSeen = first.messages[1]!.id! // drop the connection mid-turn: after the reply, before the turn event
    first.close()
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'two' })
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'three' })
    const second = await open(url, id, { Authorization: `Bearer ${KEY}`, 'Last-Event-ID': lastSeen })
    await second.until((m) => m.filter((x) => x.data.type === 'turn').length === 3)
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'four' })
    await second.until((m) => m.filter((x) => x.data.type === 'turn').length === 4)
    const ids = second.messages.map((m) => Number(m.id))
    expect(ids[0]).toBe(Number(lastSeen) + 1)
    expect(ids).toEqual(ids.map((_, i) => ids[0]! + i)) // contiguous: no loss, no duplicate
    const replies = [...first.messages.slice(0, 2), ...second.messages].filter((m) => m.data.type === 'reply').map((m) => m.data.text)
    expect(replies).toEqual(['You said: one', 'You said: two', 'You said: three', 'You said: four'])
  })

  it('resuming from an id older than the replay buffer gets a reset event, then live events', async () => {
    const { url, call } = await start({ limits: { sse: { replay: 4 } } })
    const id = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    for (const text of ['a', 'b', 'c']) await call('POST', `/v1/sessions/${id}/messages`, { text })
    const stream = await open(url, id, { Authorization: `Bearer ${KEY}`, 'Last-Event-ID': '1' })
    await stream.until((m) => m.length >= 1)
    expect(stream.messages[0]!.data).toMatchObject({ type: 'reset' })
    expect(stream.messages[0]!.id).toBe('12')
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'd' })
    await stream.until((m) => m.some((x) => x.data.type === 'turn'))
    expect(types(stream)).toEqual(['reset', 'chunk', 'reply', 'turn'])
  })

  it('sends heartbeat comments on an idle stream', async () => {
    const { url, call } = await start({ limits: { sse: { heartbeatMs: 30 } } })
    const id = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const stream = await open(url, id)
    await new Promise((r) => setTimeout(r, 200))
    expect(stream.comments).toBeGreaterThanOrEqual(2)
  })

  it('approvals appear as event frames; the end of the conversation ends the stream', async () => {
    const { url, call } = await start()
    const id = (await call('POST', '/v1/sessions', { flow: 'approve' })).body.session_id
    const stream = await open(url, id)
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'go' })
    await call('POST', `/v1/sessions/${id}/events`, { type: 'approve' })
    await stream.until(() => stream.ended)
    expect(types(stream)).toEqual(['turn', 'event', 'chunk', 'reply', 'turn', 'end'])
    expect(stream.messages[1]!.data).toEqual({ type: 'event', turn: 2, event: 'approve', task: 'sign_off' })
    expect(stream.messages.at(-1)!.data).toEqual({ type: 'end', reason: 'conversation_ended' })
    // A late client of an ended session hears the end at once.
    const late = await open(url, id)
    await late.until(() => late.ended)
    expect(types(late)).toEqual(['end'])
  })

  it('deleting the session and closing the server end open streams with a reason', async () => {
    const { url, call, server } = await start()
    const a = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const b = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const sa = await open(url, a)
    const sb = await open(url, b)
    await call('DELETE', `/v1/sessions/${a}`)
    await sa.until(() => sa.ended)
    expect(sa.messages.at(-1)!.data).toEqual({ type: 'end', reason: 'deleted' })
    await server.close()
    running = undefined
    await sb.until(() => sb.ended)
    expect(sb.messages.at(-1)!.data).toEqual({ type: 'end', reason: 'shutdown' })
  })

  it('a client that never reads is back-pressured, then dropped; its buffer stays bounded and others are unaffected', async () => {
    const limit = 128 * 1024
    const { url, call, server } = await start({ limits: { sse: { clientBufferBytes: limit }, rate: 0 } })
    const id = (await call('POST', '/v1/sessions', { flow: 'echo' })).body.session_id
    const slow = await open(url, id, { Authorization: `Bearer ${KEY}` }, { paused: true })
    const fast = await open(url, id)
    const text = 'x'.repeat(9000)
    let turns = 0
    // Each turn sends ~18 KB to each client; the socket's own buffers fill first, then ours.
    while (server.streamStats(id)!.clients === 2 && turns < 3000) {
      await call('POST', `/v1/sessions/${id}/messages`, { text })
      turns++
    }
    const stats = server.streamStats(id)!
    expect(stats.clients).toBe(1) // the slow one is gone
    const frame = 2 * (text.length + 200)
    expect(stats.peak).toBeLessThanOrEqual(limit + frame)
    expect(stats.buffered).toBeLessThan(limit)
    // The reader that keeps up got every turn.
    await fast.until((m) => m.filter((x) => x.data.type === 'turn').length === turns)
    // The dropped client's connection is closed by the server (after a grace period for the final event).
    slow.res.socket.resume()
    slow.res.resume()
    await new Promise<void>((resolve) => {
      if (slow.res.socket.destroyed) resolve()
      else slow.res.socket.once('close', () => resolve())
    })
    // The server keeps working for everyone else.
    await call('POST', `/v1/sessions/${id}/messages`, { text: 'still here' })
    await fast.until((m) => m.some((x) => x.data.type === 'reply' && x.data.text === 'You said: still here'))
  }, 60_000)
})

describe('bot server: streamed replies and memory (a generator plugin)', () => {
  it('sends a generated reply chunk by chunk as it is produced, then the reply; the context shows memory', async () => {
    const { loadPluginsCached } = await import('../../../src-main/core/plugins')
    const root = join(REPO, 'tests/unit/bot/fixtures/stream-ws')
    const plugins = () => loadPluginsCached({ builtinDir: '', workspaceRoot: root, allowWorkspaceCode: true })
    const { url, call } = await start({ root, plugins })
    const id = (await call('POST', '/v1/sessions', { flow: 'chat' })).body.session_id
    const stream = await open(url, id)
    const turn = await call('POST', `/v1/sessions/${id}/messages`, { text: 'the weather' })
    expect(turn.status).toBe(200)
    expect(turn.body.replies).toEqual([
      { text: 'On it:', state: 'answer' },
      { text: 'Thinking about the weather', state: 'answer', chunks: 3 },
    ])
    await stream.until((m) => m.some((x) => x.data.type === 'turn'))
    expect(stream.messages.map((m) => m.data)).toEqual([
      { type: 'chunk', turn: 1, index: 0, state: 'answer', text: 'Thinking' },
      { type: 'chunk', turn: 1, index: 1, state: 'answer', text: ' about ' },
      { type: 'chunk', turn: 1, index: 2, state: 'answer', text: 'the weather' },
      { type: 'chunk', turn: 1, index: 3, state: 'answer', text: 'On it:' },
      { type: 'reply', turn: 1, index: 0, state: 'answer', text: 'On it:' },
      { type: 'reply', turn: 1, index: 1, state: 'answer', text: 'Thinking about the weather' },
      { type: 'turn', turn: 1, state: 'answer', intent: null, replies: 2, ended: false, errors: [] },
    ])
    for (const text of ['one', 'two', 'three']) await call('POST', `/v1/sessions/${id}/messages`, { text })
    const ctx = await call('GET', `/v1/sessions/${id}`)
    expect(ctx.body.context.memory).toMatchObject({ token_count: expect.any(Number), compressions: expect.any(Number) })
    expect(ctx.body.context.memory.turns.length).toBeGreaterThan(0)
  })
})
