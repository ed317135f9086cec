// @vitest-environment happy-dom
// The Server side bar over the fake client: start with port, key and origins (and the error when
// the core refuses), the running server's URL, masked key with show and copy, origins, curl
// example, live status from botStatus, stop.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it, vi } from 'vitest'
import ServerSidebar from '../../../src-renderer/src/features/server/ServerSidebar.vue'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { curlExample, maskKey, parseOrigins, statusClass } from '../../../src-renderer/src/stores/bot'
import { installFake, settle } from './fixtures'
import { KEY, memoryBot } from './server-fixtures'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

async function mountSidebar(bot = memoryBot()) {
  const fake = installFake({ bot: bot.handlers })
  wrapper = mount(ServerSidebar, { attachTo: document.body })
  await settle(20)
  return { fake, bot, w: wrapper }
}

const tid = (w: VueWrapper, id: string) => w.find(`[data-testid="${id}"]`)

describe('the Server side bar', () => {
  it('starts the server with the port, key and origins typed, then shows URL, masked key and origins, and opens the view', async () => {
    const { w, bot, fake } = await mountSidebar()
    expect(tid(w, 'bot-stopped').exists()).toBe(true)
    await tid(w, 'bot-port').setValue('8799')
    await tid(w, 'bot-key-input').setValue('my-key-0123456789abcdef')
    await tid(w, 'bot-origins').setValue('http://localhost:3000\nhttp://localhost:5173')
    await tid(w, 'bot-start').trigger('click')
    await settle(20)
    expect(bot.options()).toEqual({ port: 8799, apiKey: 'my-key-0123456789abcdef', allowOrigins: ['http://localhost:3000', 'http://localhost:5173'] })
    expect(tid(w, 'bot-url').text()).toBe('http://127.0.0.1:8799')
    expect(tid(w, 'bot-key').text()).toBe(maskKey('my-key-0123456789abcdef'))
    expect(tid(w, 'bot-key').text()).not.toContain('0123456789')
    expect(w.text()).toContain('http://localhost:5173')
    expect(tid(w, 'bot-flow-count').text()).toBe('3 flows')
    expect(useEditorStore().views.map((v) => v.kind)).toEqual(['server'])
    expect(fake.calls.map((c) => c.method)).toContain('bot.start')
  })

  it('shows the key on request, copies it, and masks it in the curl example until shown', async () => {
    const writeText = vi.fn(async () => undefined)
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true })
    const { w } = await mountSidebar(memoryBot({ running: true }))
    expect(tid(w, 'bot-key').attributes('data-masked')).toBe('true')
    expect(tid(w, 'bot-curl').text()).toContain('$FLOWBENCH_API_KEY')
    expect(tid(w, 'bot-curl').text()).not.toContain(KEY)
    await tid(w, 'bot-key-toggle').trigger('click')
    expect(tid(w, 'bot-key').text()).toBe(KEY)
    expect(tid(w, 'bot-curl').text()).toContain(`Authorization: Bearer ${KEY}`)
    await tid(w, 'bot-key-copy').trigger('click')
    await settle()
    expect(writeText).toHaveBeenCalledWith(KEY)
    expect(tid(w, 'bot-key-copy').text()).toBe('Copied')
    expect(tid(w, 'bot-origins-none').text()).toMatch(/CORS closed/)
  })

  it('says why the server did not start', async () => {
    const { w } = await mountSidebar()
    await tid(w, 'bot-port').setValue('80')
    await tid(w, 'bot-start').trigger('click')
    await settle(20)
    expect(tid(w, 'bot-error').text()).toMatch(/port 80 cannot be used/)
    expect(tid(w, 'bot-stopped').exists()).toBe(true)
    await tid(w, 'bot-port').setValue('http')
    await tid(w, 'bot-start').trigger('click')
    expect(tid(w, 'bot-error').text()).toMatch(/The port is a number/)
  })

  it('follows botStatus events and stops', async () => {
    const { w, fake } = await mountSidebar(memoryBot({ running: true }))
    fake.emit('botStatus', { running: true, url: 'http://127.0.0.1:41234', port: 41234, apiKey: KEY, allowOrigins: [], flows: 3, problems: [], sessions: 5, startedAt: 1 })
    await settle()
    expect(tid(w, 'bot-session-count').text()).toBe('5 sessions')
    await tid(w, 'bot-stop').trigger('click')
    await settle(20)
    expect(tid(w, 'bot-stopped').exists()).toBe(true)
  })
})

describe('bot store helpers', () => {
  it('classifies statuses, masks keys, splits origins, writes curl', () => {
    expect([200, 201, 304, 404, 429, 500].map(statusClass)).toEqual(['2xx', '2xx', '3xx', '4xx', '4xx', '5xx'])
    expect(maskKey('fb_abcdefghijklmnop')).toBe('fb_a••••••••••••mnop')
    expect(maskKey('short')).toBe('•••••')
    expect(parseOrigins(' http://a.test, http://b.test\n\n')).toEqual(['http://a.test', 'http://b.test'])
    expect(curlExample('http://127.0.0.1:1', 'K', 'support')).toContain(`-d '{"flow": "support"}'`)
  })
})
