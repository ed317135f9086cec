// @vitest-environment happy-dom
// The bot server view over the fake client: requests newest first with status colours, live
// botTrace batches, status and session filters, the detail pane with bodies, clearing, and the
// sessions tab with a session's context and memory.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import ServerView from '../../../src-renderer/src/features/server/ServerView.vue'
import { MAX_TRACES, useBotStore } from '../../../src-renderer/src/stores/bot'
import { installFake, settle } from './fixtures'
import { memoryBot, trace } from './server-fixtures'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const SESSION = { session_id: 's-1', flow: 'support', state: 'collect_contact', turns: 2, ended: false, created_at: 0, last_active_at: 0, expires_at: Date.UTC(2026, 10, 22, 10), streams: 1 }

async function mountView(bot = memoryBot({ running: true, traces: [trace(1, { path: '/v1/sessions', status: 201 }), trace(2), trace(3, { status: 404, error: 'session_not_found', session: 's-2', turn: undefined })], sessions: [SESSION] })) {
  const fake = installFake({ bot: bot.handlers })
  wrapper = mount(ServerView, { props: { params: {} }, attachTo: document.body })
  await settle(20)
  return { fake, bot, w: wrapper }
}

const rows = (w: VueWrapper) => w.findAll('[data-testid="bot-trace-row"]')

describe('the bot server view: requests', () => {
  it('lists requests newest first with method, path, coloured status, session, state and duration', async () => {
    const { w } = await mountView()
    expect(rows(w).map((r) => r.attributes('data-status'))).toEqual(['404', '200', '201'])
    const first = rows(w)[0]!
    expect(first.find('.status').classes()).toContain('s4xx')
    expect(rows(w)[1]!.find('.status').classes()).toContain('s2xx')
    expect(rows(w)[1]!.text()).toContain('POST')
    expect(rows(w)[1]!.text()).toContain('collect_contact')
    expect(rows(w)[1]!.text()).toContain('1.3 ms')
    expect(rows(w)[1]!.text()).toContain('s-1')
  })

  it('adds botTrace batches live, on top', async () => {
    const { w, fake } = await mountView()
    fake.emit('botTrace', { traces: [trace(4, { path: '/v1/health', method: 'GET', session: undefined, turn: undefined }), trace(5, { status: 500, error: 'internal' })] })
    await settle()
    expect(rows(w).map((r) => r.attributes('data-status'))).toEqual(['500', '200', '404', '200', '201'])
    expect(rows(w)[0]!.find('.status').classes()).toContain('s5xx')
    // The batch already loaded is not added twice.
    fake.emit('botTrace', { traces: [trace(5, { status: 500 })] })
    await settle()
    expect(rows(w)).toHaveLength(5)
  })

  it('filters by status class and by session', async () => {
    const { w } = await mountView()
    await w.find('[data-testid="bot-filter-status"]').setValue('4xx')
    expect(rows(w).map((r) => r.attributes('data-status'))).toEqual(['404'])
    await w.find('[data-testid="bot-filter-status"]').setValue('all')
    await w.find('[data-testid="bot-filter-session"]').setValue('s-1')
    expect(rows(w).map((r) => r.attributes('data-status'))).toEqual(['200', '201'])
    expect(w.find('[data-testid="bot-trace-count"]').text()).toBe('2 of 3')
    await w.find('[data-testid="bot-filter-status"]').setValue('5xx')
    expect(w.text()).toContain('No request matches the filters')
  })

  it('shows a request\'s bodies, turn and timing when selected; its session opens the sessions tab', async () => {
    const { w } = await mountView()
    expect(w.find('[data-testid="bot-trace-detail"]').text()).toContain('Select a request')
    await rows(w)[1]!.trigger('click')
    const detail = w.find('[data-testid="bot-trace-detail"]')
    expect(detail.find('[data-testid="bot-trace-request"]').text()).toBe('{\n  "text": "hi"\n}')
    expect(detail.find('[data-testid="bot-trace-response"]').text()).toContain('"state": "collect_contact"')
    expect(detail.text()).toContain('engine 0.5 ms')
    expect(detail.text()).toContain('intent report_issue')
    await detail.find('[data-testid="bot-trace-session"]').trigger('click')
    await settle(20)
    expect(w.find('[data-testid="bot-session-state"]').text()).toBe('collect_contact')
  })

  it('clears the list (and the core\'s buffer)', async () => {
    const { w, bot, fake } = await mountView()
    await w.find('[data-testid="bot-clear"]').trigger('click')
    await settle()
    expect(rows(w)).toHaveLength(0)
    expect(bot.traces).toHaveLength(0)
    expect(fake.calls.map((c) => c.method)).toContain('bot.clearTraces')
    expect(w.text()).toContain('No requests yet')
  })

  it('keeps at most MAX_TRACES requests', async () => {
    const { fake } = await mountView()
    fake.emit('botTrace', { traces: Array.from({ length: MAX_TRACES + 50 }, (_, i) => trace(10 + i)) })
    await settle()
    const store = useBotStore()
    expect(store.traces).toHaveLength(MAX_TRACES)
    expect(store.traces[0]!.id).toBe(10 + MAX_TRACES + 49)
  })

  it('says the server is not running when it is not', async () => {
    const { w } = await mountView(memoryBot())
    expect(w.text()).toContain('The bot server is not running')
    expect(w.text()).toContain('stopped')
  })
})

describe('the bot server view: sessions', () => {
  it('lists live sessions and shows one\'s context with slots and memory', async () => {
    const { w } = await mountView()
    await w.find('[data-testid="bot-tab-sessions"]').trigger('click')
    const row = w.find('[data-testid="bot-session-row"]')
    expect(row.text()).toContain('support')
    expect(row.text()).toContain('2 turns')
    await row.trigger('click')
    await settle(20)
    const detail = w.find('[data-testid="bot-session-detail"]')
    expect(detail.text()).toContain('Dana')
    expect(detail.find('[data-testid="bot-session-memory"]').text()).toContain('42')
    expect(detail.find('[data-testid="bot-session-memory"]').text()).toContain('yes (1×, 3 turns summarised)')
  })

  it('says when a session is gone', async () => {
    const bot = memoryBot({ running: true, sessions: [{ ...SESSION, session_id: 's-9' }] })
    const { w } = await mountView(bot)
    bot.sessions.length = 0
    await w.find('[data-testid="bot-tab-sessions"]').trigger('click')
    await w.find('[data-testid="bot-session-row"]').trigger('click')
    await settle(20)
    expect(w.find('[data-testid="bot-session-detail"]').text()).toContain('there is no live bot session s-9')
  })
})
