// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import TestExplorer from '../../../src-renderer/src/features/tests/TestExplorer.vue'
import FailureView from '../../../src-renderer/src/features/tests/FailureView.vue'
import { useTestsStore } from '../../../src-renderer/src/stores/tests'
import { installFake, settle, testFiles } from './fixtures'

describe('TestExplorer', () => {
  it('renders only the visible rows of 10,000 tests', async () => {
    installFake({ test: { list: async () => testFiles(100, 100), lastResult: async () => null } })
    const wrapper = mount(TestExplorer)
    await useTestsStore().load()
    await settle()
    const rendered = wrapper.findAll('[data-testid="test-row"], [data-testid="test-file-row"]')
    expect(useTestsStore().rows).toHaveLength(10_100)
    expect(rendered.length).toBeGreaterThan(10)
    expect(rendered.length).toBeLessThan(80)
    expect(wrapper.text()).toContain('10000 tests · not run yet')
  })

  it('is driven by the keyboard: move to the first test, run it, show its result', async () => {
    const fake = installFake({ test: { list: async () => testFiles(1, 3), lastResult: async () => null, run: async () => 'r1' } })
    const wrapper = mount(TestExplorer)
    const tests = useTestsStore()
    await tests.load()
    await settle()
    const tree = wrapper.get('[role="listbox"]')
    await tree.trigger('keydown', { key: 'ArrowDown' })
    await tree.trigger('keydown', { key: 'ArrowDown' })
    await tree.trigger('keydown', { key: 'r' })
    await settle()
    expect(fake.calls.find((c) => c.method === 'test.run')?.params).toEqual([{ tests: [{ file: 'tests/suite-000.test.yaml', name: 'case 0' }] }])
    await tree.trigger('keydown', { key: 'Enter' })
    expect(tests.selected).toEqual({ file: 'tests/suite-000.test.yaml', name: 'case 0' })
  })

  it('shows a designed empty state when the workspace has no tests', async () => {
    installFake({ test: { list: async () => [], lastResult: async () => null } })
    const wrapper = mount(TestExplorer)
    await useTestsStore().load()
    await settle()
    expect(wrapper.get('[data-state="empty"]').text()).toContain('No test files')
  })

  it('shows why tests could not be listed', async () => {
    installFake({ test: { list: async () => { throw new Error('tests/a.test.yaml:3:1 bad indentation') }, lastResult: async () => null } })
    const wrapper = mount(TestExplorer)
    await useTestsStore().load()
    await settle()
    expect(wrapper.get('[data-state="error"]').text()).toContain('bad indentation')
  })
})

describe('FailureView', () => {
  it('shows step, input and a word diff of expected vs actual text', () => {
    const wrapper = mount(FailureView, {
      props: {
        failure: { step: 2, input: 'I need help', field: 'reply', expected: { contains: 'here to help you' }, actual: 'I am here to assist you', message: 'no reply matched' },
        canShowState: true,
      },
    })
    expect(wrapper.text()).toContain('Step 2')
    expect(wrapper.text()).toContain('“I need help”')
    expect(wrapper.text()).toContain('(contains)')
    expect(wrapper.findAll('.removed').map((e) => e.text())).toEqual(['help'])
    expect(wrapper.findAll('.added').map((e) => e.text())).toEqual(['I am', 'assist'])
  })

  it('asks to jump to the step and to the state', async () => {
    const wrapper = mount(FailureView, { props: { failure: { step: 1, input: null, field: 'state', expected: 'a', actual: 'b', message: '' }, canShowState: true } })
    await wrapper.get('[data-testid="goto-step"]').trigger('click')
    await wrapper.get('[data-testid="show-state"]').trigger('click')
    expect(wrapper.emitted('gotoStep')).toEqual([[1]])
    expect(wrapper.emitted('showState')).toHaveLength(1)
  })
})
