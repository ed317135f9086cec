// The plugin service and trust: an untrusted workspace's plugins are listed from their manifests
// and their code never runs; trusting loads them for the simulator and test runs, revoking stops
// that at the next turn or run; plugins switched off are not used; broken ones say what is wrong.
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import type { PluginStatus, TestRunResult } from '../../../src-main/common/api'
import { nextEvent, openCore, tempWorkspace, type TempWorkspace } from './helpers'

const FIXTURE = join(__dirname, '../../fixtures/services/plugin-trust')
const BUILTIN = join(__dirname, '../../fixtures/plugins/builtin')
/** What the fixture plugin's module top level writes when (and only when) its code runs. */
const MARKER = 'plugin-code-ran.txt'
const FLOW = 'flows/lookup.flow.yaml'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

async function core(options: { home?: string } = {}) {
  if (!options.home) {
    ws = tempWorkspace()
    cpSync(FIXTURE, ws.root, { recursive: true })
  }
  const c = await openCore({ ...ws, home: options.home ?? ws.home }, { plugins: { builtinDir: BUILTIN } })
  cores.push(c)
  return c
}

const codeRan = () => existsSync(join(ws.root, MARKER))
const byName = (list: PluginStatus[], name: string) => list.find((p) => p.name === name)

/** One simulator exchange on the lookup flow: what the bot answered. */
async function ask(c: Awaited<ReturnType<typeof core>>, mocks?: object) {
  const session = await c.api.simulator.start({ flow: FLOW, ...(mocks ? { mocks } : {}) })
  const turn = await c.api.simulator.send(session.session, { type: 'message', text: 'what is the answer?' })
  return { session: session.session, turn: turn.result }
}

async function runTests(c: Awaited<ReturnType<typeof core>>): Promise<TestRunResult> {
  const done = nextEvent(c, 'testFinished', () => true, 15_000)
  await c.api.test.run({})
  const finished = await done
  expect(finished.error).toBeNull()
  return finished.result!
}

describe('plugins of an untrusted workspace', () => {
  it('are listed from their manifests as untrusted, and their code never runs', async () => {
    const c = await core()
    expect((await c.api.workspace.info())?.trusted).toBe(false)
    const list = await c.api.plugin.list()
    expect(list.map((p) => [p.source, p.name, p.status])).toEqual([
      ['builtin', 'flowbench-plugin-echo', 'loaded'],
      ['workspace', 'flowbench-plugin-broken', 'error'],
      ['workspace', 'flowbench-plugin-marker', 'untrusted'],
    ])
    expect(byName(list, 'flowbench-plugin-marker')).toMatchObject({
      version: '0.3.0',
      description: "Answers marker_lookup; leaves a file behind the moment its code runs.",
      integrations: ['marker_lookup'],
      nlu: [],
      error: 'plugin "flowbench-plugin-marker" is a workspace plugin and does not run until you trust this workspace',
    })

    // Neither the simulator nor a test run calls it: the integration fails, saying why.
    const { turn } = await ask(c)
    expect(turn.state).toBe('unavailable')
    expect(turn.integration_calls[0]).toMatchObject({ id: 'marker_lookup', success: false, error: 'no_provider' })
    expect(turn.integration_calls[0]!.message).toContain('does not run until you trust this workspace')
    const run = await runTests(c)
    expect(run.summary.passed).toBe(0)

    expect(codeRan()).toBe(false)
  })

  it('shows a broken manifest with what is wrong, and the others keep working', async () => {
    const c = await core()
    await c.api.workspace.setTrust(true)
    const list = await c.api.plugin.list()
    expect(byName(list, 'flowbench-plugin-broken')).toMatchObject({
      status: 'error',
      source: 'workspace',
      error: 'plugin "flowbench-plugin-broken": flowbench.integrations must be a list of ids, got "crm_lookup"',
    })
    expect(byName(list, 'flowbench-plugin-marker')?.status).toBe('loaded')
  })
})

describe('trust', () => {
  it('loads the workspace plugins once granted: the simulator answers unmocked integrations from them, and test runs use them', async () => {
    const c = await core()
    const changed = nextEvent(c, 'pluginsChanged', (p) => p.reason === 'trust')
    await c.api.workspace.setTrust(true)
    await changed
    expect(codeRan()).toBe(false)

    const marker = byName(await c.api.plugin.list(), 'flowbench-plugin-marker')
    expect(marker).toMatchObject({ status: 'loaded', integrations: ['marker_lookup'] })
    expect(marker).not.toHaveProperty('error')
    expect(codeRan()).toBe(true)

    const { turn } = await ask(c)
    expect(turn.replies.map((r) => r.text)).toEqual(['The plugin says: forty-two'])
    expect(turn.integration_calls[0]).toMatchObject({ id: 'marker_lookup', success: true, data: { answer: 'forty-two' } })

    const run = await runTests(c)
    expect(run.summary).toMatchObject({ total: 1, passed: 1 })
  })

  it('lets a mock replace the plugin for its id, as in tests', async () => {
    const c = await core()
    await c.api.workspace.setTrust(true)
    const { turn } = await ask(c, { integrations: { marker_lookup: { respond: { data: { answer: 'mocked' } } } } })
    expect(turn.replies.map((r) => r.text)).toEqual(['The plugin says: mocked'])
  })

  it('stops using them once revoked: the next turn of an open session, new sessions and test runs', async () => {
    const c = await core()
    await c.api.workspace.setTrust(true)
    const { session, turn } = await ask(c)
    expect(turn.state).toBe('answered')

    const revoked = nextEvent(c, 'pluginsChanged', (p) => p.reason === 'trust')
    await c.api.workspace.setTrust(false)
    const { revision } = await revoked
    expect(revision).toBeGreaterThan(1)
    expect(byName(await c.api.plugin.list(), 'flowbench-plugin-marker')?.status).toBe('untrusted')

    const next = await c.api.simulator.send(session, { type: 'message', text: 'and now?' })
    expect(next.result.state).toBe('unavailable')
    expect(next.result.integration_calls[0]!.message).toContain('does not run until you trust this workspace')
    expect((await ask(c)).turn.state).toBe('unavailable')
    expect((await runTests(c)).summary.passed).toBe(0)
  })

  it('is remembered: a new core on the same app state finds the workspace trusted', async () => {
    const first = await core()
    await first.api.workspace.setTrust(true)
    await first.dispose()
    const second = await core({ home: ws.home })
    expect((await second.api.workspace.info())?.trusted).toBe(true)
    expect(byName(await second.api.plugin.list(), 'flowbench-plugin-marker')?.status).toBe('loaded')
  })
})

describe('switching plugins on and off', () => {
  it('lists a switched-off plugin as disabled, stops using it, and remembers the choice per workspace', async () => {
    const c = await core()
    await c.api.workspace.setTrust(true)
    const changed = nextEvent(c, 'pluginsChanged', (p) => p.reason === 'enabled')
    const list = await c.api.plugin.setEnabled('flowbench-plugin-marker', false)
    await changed
    expect(byName(list, 'flowbench-plugin-marker')).toMatchObject({ status: 'disabled', error: 'plugin "flowbench-plugin-marker" is disabled' })
    const { turn } = await ask(c)
    expect(turn.state).toBe('unavailable')
    expect(turn.integration_calls[0]!.message).toContain('is disabled')
    expect((await runTests(c)).summary.passed).toBe(0)

    await c.dispose()
    const again = await core({ home: ws.home })
    expect(byName(await again.api.plugin.list(), 'flowbench-plugin-marker')?.status).toBe('disabled')
    expect(byName(await again.api.plugin.setEnabled('flowbench-plugin-marker', true), 'flowbench-plugin-marker')?.status).toBe('loaded')
    expect((await ask(again)).turn.state).toBe('answered')
  })

  it('switches off built-in plugins and broken ones too', async () => {
    const c = await core()
    const list = await c.api.plugin.setEnabled('flowbench-plugin-echo', false)
    expect(byName(list, 'flowbench-plugin-echo')?.status).toBe('disabled')
    const broken = byName(await c.api.plugin.setEnabled('flowbench-plugin-broken', false), 'flowbench-plugin-broken')
    // The user's choice is the status; what is wrong with it is still said.
    expect(broken).toMatchObject({ status: 'disabled', error: expect.stringContaining('must be a list of ids') })
  })

  it('refuses names it does not know and arguments of the wrong type', async () => {
    const c = await core()
    await expect(c.api.plugin.setEnabled('flowbench-plugin-nope', false)).rejects.toMatchObject({ code: 'not_found', message: 'no plugin named "flowbench-plugin-nope" in this workspace' })
    await expect(c.api.plugin.setEnabled('flowbench-plugin-echo', 'no' as unknown as boolean)).rejects.toMatchObject({ code: 'bad_request' })
  })
})

describe('plugin files changing', () => {
  it('loads a rebuilt plugin afresh after a change under plugins/, and on reload', async () => {
    const c = await core()
    await c.api.workspace.setTrust(true)
    expect((await ask(c)).turn.replies[0]!.text).toBe('The plugin says: forty-two')

    const entry = join(ws.root, 'plugins/marker/index.js')
    const changed = nextEvent(c, 'pluginsChanged', (p) => p.reason === 'files')
    writeFileSync(entry, readFileSync(entry, 'utf8').replace("'forty-two'", "'forty-three, rebuilt'"))
    await changed
    expect((await ask(c)).turn.replies[0]!.text).toBe('The plugin says: forty-three, rebuilt')

    const reloaded = nextEvent(c, 'pluginsChanged', (p) => p.reason === 'reload')
    expect(byName(await c.api.plugin.reload(), 'flowbench-plugin-marker')?.status).toBe('loaded')
    await reloaded
  })
})

describe('without a workspace', () => {
  it('says a workspace must be opened first', async () => {
    ws = tempWorkspace()
    const { createCore } = await import('../../../src-main/core/services')
    const c = await createCore({ home: ws.home, plugins: { builtinDir: BUILTIN } })
    cores.push(c)
    await expect(c.api.plugin.list()).rejects.toMatchObject({ code: 'no_workspace' })
    await expect(c.api.plugin.reload()).rejects.toMatchObject({ code: 'no_workspace' })
  })
})
