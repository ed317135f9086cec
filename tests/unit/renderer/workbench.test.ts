// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import WorkbenchLayout from '../../../src-renderer/src/layout/WorkbenchLayout.vue'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { installFake, memoryWorkspace, settle } from './fixtures'

const stubs = { EditorArea: { template: '<div class="editor-area-stub" />' } }

describe('Workbench', () => {
  it('marks itself loaded once the workspace is open and lists its files by kind', async () => {
    const ws = memoryWorkspace({ 'flows/support.flow.yaml': 'x', 'tests/support.test.yaml': 'y', 'flowbench.json': '{}' })
    installFake({ workspace: ws.handlers, test: { list: async () => [], lastResult: async () => null } })
    const wrapper = mount(WorkbenchLayout, { global: { stubs }, attachTo: document.body })
    await settle(30)
    expect(wrapper.get('.workbench').attributes('data-app-state')).toBe('loaded')
    const files = wrapper.findAll('[data-testid="explorer-file"]').map((f) => f.attributes('data-path'))
    expect(files).toEqual(['flows/support.flow.yaml', 'tests/support.test.yaml', 'flowbench.json'])
    expect(wrapper.text()).toContain('Flows')
    expect(wrapper.text()).toContain('Plugins')
    wrapper.unmount()
  })

  it('shows an unsaved marker next to a file with edits', async () => {
    const ws = memoryWorkspace({ 'flows/support.flow.yaml': 'x' })
    installFake({ workspace: ws.handlers, flow: { diagnostics: async () => [], graph: async () => ({ name: null, initial_state: null, nodes: [], edges: [] }) }, test: { list: async () => [], lastResult: async () => null } })
    const wrapper = mount(WorkbenchLayout, { global: { stubs }, attachTo: document.body })
    await settle(30)
    const editor = useEditorStore()
    await editor.open('flows/support.flow.yaml')
    editor.setText('flows/support.flow.yaml', 'changed')
    await settle()
    expect(wrapper.find('[data-path="flows/support.flow.yaml"] .dirty').exists()).toBe(true)
    wrapper.unmount()
  })

  it('offers to open a workspace when none is open', async () => {
    installFake({ workspace: { info: async () => null, recent: async () => [{ root: '/home/me/bots', name: 'bots', openedAt: '2026-03-01T10:00:00.000Z' }] } })
    const wrapper = mount(WorkbenchLayout, { global: { stubs } })
    await settle(30)
    expect(wrapper.get('.workbench').attributes('data-app-state')).toBe('no-workspace')
    expect(wrapper.get('[data-testid="welcome"]').text()).toContain('/home/me/bots')
    wrapper.unmount()
  })

  it('explains a workspace that cannot be loaded, with a way to retry', async () => {
    installFake({ workspace: { info: async () => { throw new Error('permission denied: /srv/flows') }, recent: async () => [] } })
    const wrapper = mount(WorkbenchLayout, { global: { stubs } })
    await settle(30)
    expect(wrapper.get('.workbench').attributes('data-app-state')).toBe('error')
    expect(wrapper.get('[role="alert"]').text()).toContain('permission denied: /srv/flows')
    expect(wrapper.get('[role="alert"] button').text()).toBe('Try again')
    wrapper.unmount()
  })
})
