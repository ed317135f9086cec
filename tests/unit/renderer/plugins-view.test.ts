// @vitest-environment happy-dom
// The Plugins view over the fake client: trust state and its buttons, each plugin's status,
// contributions and problem, the enable switch, and the loading / empty / error states.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type PluginStatus, type WorkspaceInfo } from '../../../src-main/common/api'
import PluginsView from '../../../src-renderer/src/features/plugins/PluginsView.vue'
import WorkbenchLayout from '../../../src-renderer/src/layout/WorkbenchLayout.vue'
import { pluginLabel } from '../../../src-renderer/src/stores/plugins'
import { useWorkspaceStore } from '../../../src-renderer/src/stores/workspace'
import { installFake, memoryWorkspace, settle } from './fixtures'

const HTTP: PluginStatus = {
  name: 'flowbench-plugin-http',
  version: '1.0.0',
  source: 'builtin',
  dir: '/opt/flowbench/plugins/http',
  integrations: ['http'],
  nlu: [],
  status: 'loaded',
  description: 'A generic REST integration.',
}
const METRICS: PluginStatus = {
  name: 'flowbench-plugin-metrics-translator',
  version: '1.0.0',
  source: 'workspace',
  dir: '/ws/plugins/metrics-translator',
  integrations: ['metrics_query'],
  nlu: ['metrics_nlu'],
  generators: ['explain_metric'],
  status: 'untrusted',
  error: 'plugin "flowbench-plugin-metrics-translator" is a workspace plugin and does not run until you trust this workspace',
}
const BROKEN: PluginStatus = {
  name: 'flowbench-plugin-future',
  version: '3.0.0',
  source: 'workspace',
  dir: '/ws/plugins/future',
  integrations: ['future_api'],
  nlu: [],
  status: 'error',
  error: 'plugin "flowbench-plugin-future": flowbench.apiVersion 2 is not supported; this Flowbench runs plugins written for apiVersion 1',
}

/** A core in miniature: trust and switched-off names decide each plugin's status, as the real one does. */
function pluginCore(initial: PluginStatus[], trusted = false) {
  const state = { trusted, disabled: new Set<string>() }
  const info = (): WorkspaceInfo => ({ root: '/ws', name: 'ws', trusted: state.trusted, settings: null })
  const list = (): PluginStatus[] =>
    initial.map((p) => {
      if (state.disabled.has(p.name)) return { ...p, status: 'disabled', error: `plugin "${p.name}" is disabled` }
      if (p.source === 'workspace' && p.status === 'untrusted' && state.trusted) {
        const { error: _e, ...rest } = p
        return { ...rest, status: 'loaded' }
      }
      return p
    })
  const ws = memoryWorkspace({ 'flows/a.flow.yaml': 'x' })
  const fake = installFake({
    workspace: {
      ...ws.handlers,
      info: async () => info(),
      setTrust: async (t: boolean) => {
        state.trusted = t
        return info()
      },
    },
    plugin: {
      list: async () => list(),
      setEnabled: async (name: string, enabled: boolean) => {
        if (enabled) state.disabled.delete(name)
        else state.disabled.add(name)
        return list()
      },
      reload: async () => list(),
    },
    test: { list: async () => [], lastResult: async () => null },
  })
  return { fake, state }
}

let wrapper: VueWrapper | null = null
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
})

async function mountView(): Promise<VueWrapper> {
  await useWorkspaceStore().init()
  wrapper = mount(PluginsView, { attachTo: document.body })
  await settle(20)
  return wrapper
}

const card = (w: VueWrapper, name: string) => w.get(`[data-testid="plugin"][data-plugin="${name}"]`)

describe('the Plugins view', () => {
  it('explains restricted mode and lists workspace plugins as untrusted, with what they contribute', async () => {
    pluginCore([HTTP, METRICS])
    const w = await mountView()
    const trust = w.get('[data-testid="plugins-trust"]')
    expect(trust.attributes('data-trusted')).toBe('false')
    expect(trust.text()).toContain('Restricted mode')
    expect(trust.text()).toContain('none of them has run')
    expect(trust.text()).toContain('your decision is remembered for this folder')
    expect(w.find('[data-testid="plugins-trust-button"]').text()).toBe('Trust this workspace')

    // What the workspace brings comes first, what ships with Flowbench last.
    expect(w.findAll('.group-title').map((g) => g.findAll('span').map((x) => x.text()))).toEqual([
      ['Workspace', '1'],
      ['Built-in', '1'],
    ])
    const metrics = card(w, METRICS.name)
    expect(metrics.attributes('data-status')).toBe('untrusted')
    expect(metrics.get('.name').text()).toBe('metrics-translator')
    expect(metrics.text()).toContain('v1.0.0')
    expect(metrics.text()).toContain('workspace')
    expect(metrics.get('[data-testid="plugin-status"]').text()).toBe('Untrusted')
    expect(metrics.findAll('[data-testid="plugin-integration"]').map((c) => c.text())).toEqual(['metrics_query'])
    expect(metrics.get('.chip.nlu').text()).toBe('metrics_nlu')
    expect(metrics.findAll('[data-testid="plugin-generator"]').map((c) => c.text())).toEqual(['explain_metric'])
    expect(metrics.find('[data-testid="plugin-summarizer"]').exists()).toBe(false)
    expect(metrics.get('[data-testid="plugin-dir"]').text()).toBe('plugins/metrics-translator')
    // Untrusted is a state the trust box explains, not a problem.
    expect(metrics.find('[data-testid="plugin-error"]').exists()).toBe(false)

    const http = card(w, HTTP.name)
    expect(http.get('[data-testid="plugin-status"]').text()).toBe('Loaded')
    expect(http.text()).toContain('built-in')
    expect(http.text()).toContain('A generic REST integration.')
    expect(http.find('[data-testid="plugin-dir"]').exists()).toBe(false)
  })

  it('trusts the workspace, then shows its plugins loaded, and revokes trust again', async () => {
    const { fake } = pluginCore([HTTP, METRICS])
    const w = await mountView()
    await w.get('[data-testid="plugins-trust-button"]').trigger('click')
    await settle()
    expect(fake.calls.filter((c) => c.method === 'workspace.setTrust').map((c) => c.params)).toEqual([[true]])
    // The core announces the change; the view asks for the list again.
    fake.emit('pluginsChanged', { reason: 'trust', revision: 2 })
    await settle(20)
    expect(w.get('[data-testid="plugins-trust"]').text()).toContain('Trusted workspace')
    expect(w.get('[data-testid="plugins-trust-text"]').text()).toContain('Revoke trust to stop them')
    expect(card(w, METRICS.name).attributes('data-status')).toBe('loaded')

    await w.get('[data-testid="plugins-revoke-button"]').trigger('click')
    fake.emit('pluginsChanged', { reason: 'trust', revision: 3 })
    await settle(20)
    expect(card(w, METRICS.name).attributes('data-status')).toBe('untrusted')
    expect(w.find('[data-testid="plugins-trust-button"]').exists()).toBe(true)
  })

  it('shows what is wrong with a broken plugin, in full', async () => {
    pluginCore([HTTP, BROKEN], true)
    const w = await mountView()
    const broken = card(w, BROKEN.name)
    expect(broken.attributes('data-status')).toBe('error')
    expect(broken.get('[data-testid="plugin-status"]').text()).toBe('Error')
    expect(broken.get('[data-testid="plugin-error"]').text()).toBe(BROKEN.error)
  })

  it('switches a plugin off and on with its switch', async () => {
    const { fake } = pluginCore([HTTP, METRICS], true)
    const w = await mountView()
    const toggle = () => card(w, HTTP.name).get('[data-testid="plugin-toggle"]')
    expect(toggle().attributes('role')).toBe('switch')
    expect(toggle().attributes('aria-checked')).toBe('true')
    expect(toggle().attributes('aria-label')).toBe('Disable http in this workspace')

    await toggle().trigger('click')
    await settle(20)
    expect(fake.calls.filter((c) => c.method === 'plugin.setEnabled').map((c) => c.params)).toEqual([[HTTP.name, false]])
    expect(card(w, HTTP.name).attributes('data-status')).toBe('disabled')
    expect(toggle().attributes('aria-checked')).toBe('false')
    // "is disabled" says nothing the badge does not.
    expect(card(w, HTTP.name).find('[data-testid="plugin-error"]').exists()).toBe(false)

    await toggle().trigger('click')
    await settle(20)
    expect(card(w, HTTP.name).attributes('data-status')).toBe('loaded')
  })

  it('says when switching fails, and keeps the list', async () => {
    installFake({
      workspace: memoryWorkspace({}).handlers,
      plugin: {
        list: async () => [HTTP],
        setEnabled: async () => {
          throw new ApiError('not_found', 'no plugin named "flowbench-plugin-http" in this workspace')
        },
      },
    })
    const w = await mountView()
    await card(w, HTTP.name).get('[data-testid="plugin-toggle"]').trigger('click')
    await settle(20)
    expect(w.get('.op-error').text()).toContain('no plugin named "flowbench-plugin-http" in this workspace')
    expect(w.findAll('[data-testid="plugin"]')).toHaveLength(1)
    expect(card(w, HTTP.name).get('[data-testid="plugin-toggle"]').attributes('aria-checked')).toBe('true')
  })

  it('moves between the switches with the arrow keys', async () => {
    pluginCore([HTTP, METRICS, BROKEN])
    const w = await mountView()
    const switches = w.findAll('[role="switch"]')
    expect(switches).toHaveLength(3)
    const list = w.get('.groups')
    await list.trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(switches[0]!.element)
    await list.trigger('keydown', { key: 'ArrowDown' })
    expect(document.activeElement).toBe(switches[1]!.element)
    await list.trigger('keydown', { key: 'End' })
    expect(document.activeElement).toBe(switches[2]!.element)
    await list.trigger('keydown', { key: 'Home' })
    expect(document.activeElement).toBe(switches[0]!.element)
  })

  it('invites adding a plugin when the workspace has none of its own', async () => {
    pluginCore([HTTP])
    const w = await mountView()
    expect(w.get('[data-testid="plugins-workspace-empty"]').text()).toContain('flowbench plugin new <name>')
  })

  it('has a designed empty state', async () => {
    pluginCore([])
    const w = await mountView()
    expect(w.get('[data-state="empty"]').text()).toContain('No plugins')
  })

  it('says why the list could not be loaded, and tries again', async () => {
    let fail = true
    const ws = memoryWorkspace({})
    installFake({
      workspace: ws.handlers,
      plugin: {
        list: async () => {
          if (fail) throw new ApiError('internal', 'the plugins folder could not be read')
          return [HTTP]
        },
      },
    })
    const w = await mountView()
    const error = w.get('[data-state="error"]')
    expect(error.text()).toContain('The plugins could not be listed')
    expect(error.text()).toContain('the plugins folder could not be read')
    fail = false
    await error.get('button').trigger('click')
    await settle(20)
    expect(w.findAll('[data-testid="plugin"]')).toHaveLength(1)
  })

  it('reloads on request', async () => {
    const { fake } = pluginCore([HTTP])
    const w = await mountView()
    await w.get('[data-testid="plugins-reload"]').trigger('click')
    await settle(20)
    expect(fake.calls.some((c) => c.method === 'plugin.reload')).toBe(true)
  })
})

describe('the activity bar', () => {
  it('opens the Plugins view from its button and with Alt+9', async () => {
    pluginCore([HTTP, METRICS])
    wrapper = mount(WorkbenchLayout, { global: { stubs: { EditorArea: { template: '<div />' } } }, attachTo: document.body })
    await settle(30)
    expect(wrapper.find('[data-testid="plugins-view"]').exists()).toBe(false)
    window.dispatchEvent(new KeyboardEvent('keydown', { key: '9', code: 'Digit9', altKey: true }))
    await settle(20)
    expect(wrapper.find('[data-testid="plugins-view"]').exists()).toBe(true)
    expect(wrapper.get('[data-testid="activity-plugins"]').attributes('aria-pressed')).toBe('true')

    await wrapper.get('[data-testid="activity-explorer"]').trigger('click')
    expect(wrapper.find('[data-testid="plugins-view"]').exists()).toBe(false)
    await wrapper.get('[data-testid="activity-plugins"]').trigger('click')
    await settle(20)
    expect(wrapper.findAll('[data-testid="plugin"]')).toHaveLength(2)
  })

  it('labels plugins by their short name', () => {
    expect(pluginLabel('flowbench-plugin-http')).toBe('http')
    expect(pluginLabel('@acme/flowbench-plugin-crm')).toBe('crm')
    expect(pluginLabel('my-own')).toBe('my-own')
  })
})
