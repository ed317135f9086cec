// Plugins under the real engine: failures land on the turn as integration errors, the plugin's
// resilience defaults apply unless the flow overrides them, an open breaker does not call the
// plugin, and the built-in http plugin's secrets stay out of turn results.
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { PluginLog } from '../../../src-main/common/plugin-api'
import { compileFlow, Engine, FakeClock } from '../../../src-main/core/engine'
import { loadPlugins, type PluginSet } from '../../../src-main/core/plugins'

const FIXTURES = join(__dirname, '../../fixtures/plugins')
const REPO_PLUGINS = join(__dirname, '../../../plugins')

let set: PluginSet
beforeAll(async () => {
  set = await loadPlugins({ builtinDir: join(FIXTURES, 'builtin'), workspaceRoot: join(FIXTURES, 'workspace'), allowWorkspaceCode: true, disabled: ['workspace-echo'] })
})

function callingFlow(
  integrationId: string,
  integrations: FlowDocument['integrations'] = {},
  mapping: Record<string, string> = {},
  request: Record<string, unknown> = { question: '{input}' },
): FlowDocument {
  return {
    name: 'plugin calls',
    initial_state: 'ask',
    integrations,
    states: {
      ask: { type: 'response', config: { response_templates: { default: 'Ask me.' } }, transitions: [{ condition: 'any_input', target_state: 'call' }] },
      call: {
        type: 'integration',
        config: { integration_id: integrationId, endpoint: '/customers/42', request_mapping: request, response_mapping: mapping },
        transitions: [
          { condition: 'integration_success', target_state: 'done' },
          { condition: 'integration_error', target_state: 'failed' },
        ],
      },
      done: { type: 'response', config: { response_templates: { default: 'Done.' } }, transitions: [{ condition: 'any_input', target_state: 'call' }] },
      failed: { type: 'response', config: { response_templates: { default: 'That did not work.' } }, transitions: [{ condition: 'any_input', target_state: 'call' }] },
    },
  } as FlowDocument
}

function run(doc: FlowDocument, logLines: string[] = []) {
  const log: PluginLog = {
    debug: (m) => void logLines.push(m),
    info: (m) => void logLines.push(m),
    warn: (m) => void logLines.push(m),
    error: (m) => void logLines.push(m),
  }
  const engine = new Engine(compileFlow(doc), { integrations: set.integrations.forFlow(doc.integrations), log })
  return engine.createConversation({ clock: new FakeClock(Date.UTC(2026, 0, 1)) })
}

describe('plugins under the engine', () => {
  it.each([
    ['throws', 'exception'],
    ['garbage', 'malformed_response'],
    ['cyclic_data', 'malformed_response'],
    ['hangs', 'timeout'],
  ])('a plugin that %s gives the turn an integration failure (%s), handled by integration_error', async (id, code) => {
    const conv = run(callingFlow(id, { [id]: { timeout_ms: 500 } }))
    await conv.start()
    const started = Date.now()
    const turn = await conv.send({ type: 'message', text: 'go' })
    expect(turn.path).toEqual(['call', 'failed'])
    expect(turn.errors).toEqual([])
    expect(turn.integration_calls).toMatchObject([{ id, success: false, error: code }])
    expect(turn.integration_calls[0]!.message).toBeTruthy()
    // The engine's timeout runs on the conversation's fake clock: nothing really waits.
    expect(Date.now() - started).toBeLessThan(1000)
  })

  it("applies the plugin's defaults (2 retries), and the flow's section wins over them", async () => {
    const ok = run(callingFlow('echo'))
    await ok.start()
    expect((await ok.send({ type: 'message', text: 'x' })).integration_calls[0]).toMatchObject({ success: true, attempts: 1 })

    const lines: string[] = []
    const flaky = run(callingFlow('echo', {}, {}, { status: 503 }), lines)
    await flaky.start()
    const turn = await flaky.send({ type: 'message', text: 'x' })
    expect(turn.integration_calls[0]).toMatchObject({ success: false, attempts: 3, error: 'http_503' })
    expect(lines.filter((l) => l.includes('echoing'))).toHaveLength(3)

    const overridden = run(callingFlow('echo', { echo: { retries: 0 } }, {}, { status: 503 }))
    await overridden.start()
    expect((await overridden.send({ type: 'message', text: 'x' })).integration_calls[0]).toMatchObject({ attempts: 1 })
  })

  it("opens the plugin's default circuit breaker; while open, calls fail fast and the plugin is not called", async () => {
    const lines: string[] = []
    const failing = callingFlow('echo', {}, {}, { status: 500 })
    const conv = run(failing, lines)
    await conv.start()
    const first = await conv.send({ type: 'message', text: 'x' })
    expect(first.integration_calls[0]).toMatchObject({ attempts: 3, error: 'http_500' })
    const calledBefore = lines.filter((l) => l.includes('echoing')).length
    const second = await conv.send({ type: 'message', text: 'again' })
    expect(second.integration_calls[0]).toMatchObject({ success: false, error: 'circuit_open' })
    expect(second.path).toEqual(['call', 'failed'])
    expect(lines.filter((l) => l.includes('echoing')).length).toBe(calledBefore)
    expect(calledBefore).toBe(3)
  })
})

describe('the built-in http plugin under the engine', () => {
  const SECRET = 'tok-4c1d-9e8f-secret-value'
  let server: Server
  let base: string
  let http: PluginSet
  beforeAll(async () => {
    server = createServer((req, res) => {
      res.writeHead(req.headers['authorization'] === `Bearer ${SECRET}` ? 200 : 401, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ tier: 'gold', seen_authorization: req.headers['authorization'] ?? null, url: req.url }))
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api`
    process.env.FB_ENGINE_TEST_CRM_TOKEN = SECRET
    http = await loadPlugins({ builtinDir: REPO_PLUGINS, allowWorkspaceCode: false })
  })
  afterAll(async () => {
    delete process.env.FB_ENGINE_TEST_CRM_TOKEN
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })

  it('serves an integration routed to it with plugin: http, and no secret reaches the turn result', async () => {
    expect(http.plugins.find((p) => p.name === 'flowbench-plugin-http')).toMatchObject({ status: 'loaded', source: 'builtin', integrations: ['http'] })
    const doc = callingFlow(
      'crm_lookup',
      { crm_lookup: { plugin: 'http', base_url: base, headers: { Authorization: 'Bearer ${env:FB_ENGINE_TEST_CRM_TOKEN}' } } } as FlowDocument['integrations'],
      { tier: 'tier', auth: 'seen_authorization' },
    )
    // The real clock: a real server answers in real time.
    const engine = new Engine(compileFlow(doc), { integrations: http.integrations.forFlow(doc.integrations) })
    const conv = engine.createConversation({})
    await conv.start()
    const turn = await conv.send({ type: 'message', text: 'what tier is customer 42?' })
    expect(turn.path).toEqual(['call', 'done'])
    expect(turn.variables).toMatchObject({ tier: 'gold', auth: 'Bearer [redacted]' })
    expect(turn.integration_calls[0]).toMatchObject({ success: true, status_code: 200, data: { url: '/api/customers/42?question=what+tier+is+customer+42%3F' } })
    expect(JSON.stringify(turn)).not.toContain(SECRET)
  })
})
