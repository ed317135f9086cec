// The core's `bot` service: starts the bot server for the open workspace on 127.0.0.1, pushes
// request traces as batched `botTrace` events and status changes as `botStatus`, lists sessions
// and their context, reloads flows when a flow file changes, stops (and stops with another workspace).
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { ApiError, type BotTrace } from '../../../src-main/common/api'
import { nextEvent, openCore, tempWorkspace, type TempWorkspace } from '../services/helpers'
import { FIXTURE_WS } from './helpers'

const ECHO = readFileSync(join(FIXTURE_WS, 'flows/echo.flow.yaml'), 'utf8')

let ws: TempWorkspace | undefined
let dispose: (() => Promise<void>) | undefined
afterEach(async () => {
  await dispose?.()
  ws?.cleanup()
  ws = undefined
  dispose = undefined
})

async function core() {
  ws = tempWorkspace({ 'flows/echo.flow.yaml': ECHO })
  const c = await openCore(ws)
  dispose = () => c.dispose()
  return c
}

describe('the bot service', () => {
  it('starts, answers HTTP, batches traces into botTrace events, lists sessions and their context, stops', async () => {
    const c = await core()
    expect(await c.api.bot.status()).toMatchObject({ running: false })
    const started = nextEvent(c, 'botStatus', (s) => s.running)
    const status = await c.api.bot.start({ apiKey: 'service-key-0123456789' })
    await started
    expect(status).toMatchObject({ running: true, url: expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+$/), apiKey: 'service-key-0123456789', flows: 1 })
    expect(await c.api.bot.start()).toEqual(status) // already running: the same server

    const headers = { 'X-API-Key': 'service-key-0123456789', 'Content-Type': 'application/json' }
    const created = (await (await fetch(`${status.url}/v1/sessions`, { method: 'POST', headers, body: '{"flow":"echo"}' })).json()) as { session_id: string }
    await fetch(`${status.url}/v1/sessions/${created.session_id}/messages`, { method: 'POST', headers, body: '{"text":"hello"}' })
    await fetch(`${status.url}/v1/health`)
    // Pushed in batches (at most 10 a second), in order.
    const pushed = (): BotTrace[] => c.events.flatMap((m) => (m.event === 'botTrace' ? (m.payload as { traces: BotTrace[] }).traces : []))
    await vi.waitFor(() => expect(pushed()).toHaveLength(3), { timeout: 5000 })
    expect(pushed().map((t) => t.status)).toEqual([201, 200, 200])
    expect(await c.api.bot.traces()).toHaveLength(3)

    const sessions = await c.api.bot.sessions()
    expect(sessions).toEqual([expect.objectContaining({ session_id: created.session_id, flow: 'echo', state: 'echo', turns: 1 })])
    expect(await c.api.bot.session(created.session_id)).toMatchObject({ context: { state: 'echo', turn: 1 } })
    await expect(c.api.bot.session('nope')).rejects.toBeInstanceOf(ApiError)

    await c.api.bot.clearTraces()
    expect(await c.api.bot.traces()).toEqual([])
    expect(await c.api.bot.stop()).toMatchObject({ running: false })
    await expect(fetch(`${status.url}/v1/health`)).rejects.toThrow()
  })

  it('refuses a short key and an impossible port, and says why a start failed', async () => {
    const c = await core()
    await expect(c.api.bot.start({ apiKey: 'short' })).rejects.toThrow(/at least 16 characters/)
    await expect(c.api.bot.start({ port: 70000 })).rejects.toThrow(/0 to 65535/)
    const first = await c.api.bot.start()
    await c.api.bot.stop()
    // Another core holds the port: this one explains.
    const blocker = await c.api.bot.start({ port: first.port! })
    const ws2 = tempWorkspace({ 'flows/echo.flow.yaml': ECHO })
    const other = await openCore(ws2)
    try {
      await expect(other.api.bot.start({ port: blocker.port! })).rejects.toThrow(/already in use/)
      expect((await other.api.bot.status()).error).toMatch(/already in use/)
    } finally {
      await other.dispose()
      ws2.cleanup()
    }
  })

  it('serves a flow added to the workspace once the watcher reports it', async () => {
    const c = await core()
    await c.api.bot.start()
    const reloaded = nextEvent(c, 'botStatus', (s) => s.flows === 2, 8000)
    await c.api.workspace.createFile('flows/second.flow.yaml', ECHO.replace('name: Echo', 'name: Second'))
    expect((await reloaded).flows).toBe(2)
  })
})
