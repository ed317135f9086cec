// @vitest-environment happy-dom
// The Run history side bar over the fake client: rows with outcome, time, figures, baseline star
// and label; filters sent to the core; live updates on historyChanged; multi-select delete with
// confirmation; the store's recovery notice, dismissible; empty and error states.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type RunFilter } from '../../../src-main/common/api'
import RunsSidebar from '../../../src-renderer/src/features/runs/RunsSidebar.vue'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { relativeTime, sinceOf } from '../../../src-renderer/src/stores/history'
import { installFake, settle } from './fixtures'
import { memoryHistory, record } from './runs-fixtures'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const A = record('20261122-080000-aaaa', { label: 'before the refactor', baseline: true })
const B = record('20261122-090000-bbbb', { startedAt: new Date(Date.now() - 5 * 60_000).toISOString(), outcome: 'failed', tags: ['help'], test: { total: 3, passed: 1, failed: 2, errors: 0, skipped: 0, statePercent: 60, transitionPercent: 40 } })
const L = record('20261122-070000-cccc', {
  kind: 'load',
  startedAt: new Date(Date.now() - 3 * 86_400_000).toISOString(),
  tags: [],
  environment: { ...A.environment, host: 'cli' },
  load: { scenario: 'load/support.load.yaml', name: null, turns: 1000, conversations: 100, errors: 0, throughput: 2150.4, p50Ms: 0.4, p95Ms: 1.2, p99Ms: 3.1, thresholdsPassed: true },
})
delete (L as { test?: unknown }).test

async function mountSidebar(history = memoryHistory([A, B, L])) {
  const fake = installFake({ history: history.handlers })
  wrapper = mount(RunsSidebar, { attachTo: document.body })
  await settle(20)
  return { fake, history, w: wrapper }
}

const rows = (w: VueWrapper) => w.findAll('[data-testid="runs-row"]')

describe('the run list', () => {
  it('shows every run newest first with outcome, relative time, figures, baseline star, label and flows', async () => {
    const { w } = await mountSidebar()
    expect(rows(w).map((r) => r.attributes('data-run-id'))).toEqual([B.id, A.id, L.id])
    const [b, a, l] = rows(w)
    expect(b!.attributes('data-outcome')).toBe('failed')
    expect(b!.text()).toContain('5 min ago')
    expect(b!.text()).toContain('1/3 passed · 2 failed')
    expect(a!.find('[data-testid="runs-row-baseline"]').exists()).toBe(true)
    expect(b!.find('[data-testid="runs-row-baseline"]').exists()).toBe(false)
    expect(a!.find('[data-testid="runs-row-label"]').text()).toBe('before the refactor')
    expect(a!.text()).toContain('support.flow.yaml')
    expect(l!.text()).toContain('p99 3.10 ms · 2,150 turns/s')
    expect(l!.text()).toContain('CLI')
    expect(a!.find('.when').attributes('title')).toBe(new Date(A.startedAt).toLocaleString())
  })

  it('sends each filter to the core and offers the flows and tags it has seen', async () => {
    const { fake, w } = await mountSidebar()
    const lastFilter = () => fake.calls.filter((c) => c.method === 'history.list').map((c) => c.params[0] as RunFilter | undefined).filter((f) => f && Object.keys(f).length).at(-1)
    expect(w.find('[data-testid="runs-filter-tag"]').findAll('option').map((o) => o.text())).toEqual(['Any tag', '#help', '#smoke'])
    expect(w.find('[data-testid="runs-filter-flow"]').findAll('option').map((o) => o.text())).toEqual(['Any flow', 'flows/support.flow.yaml'])

    await w.find('[data-testid="runs-filter-kind"]').setValue('load')
    await settle()
    expect(rows(w).map((r) => r.attributes('data-run-id'))).toEqual([L.id])
    expect(lastFilter()).toEqual({ kind: 'load' })
    await w.find('[data-testid="runs-filter-kind"]').setValue('')
    await w.find('[data-testid="runs-filter-outcome"]').setValue('failed')
    await settle()
    expect(rows(w).map((r) => r.attributes('data-run-id'))).toEqual([B.id])
    await w.find('[data-testid="runs-filter-outcome"]').setValue('')
    await w.find('[data-testid="runs-filter-tag"]').setValue('smoke')
    await settle()
    expect(rows(w).map((r) => r.attributes('data-run-id'))).toEqual([A.id])
    await w.find('[data-testid="runs-filter-tag"]').setValue('')
    await w.find('[data-testid="runs-filter-date"]').setValue('today')
    await settle()
    expect(lastFilter()?.since).toBeDefined()
    expect(rows(w).map((r) => r.attributes('data-run-id'))).not.toContain(L.id)

    await w.find('[data-testid="runs-filter-kind"]').setValue('load')
    await settle()
    expect(w.text()).toContain('No runs match the filters')
    await w.find('[data-testid="runs-clear-filters"]').trigger('click')
    await settle()
    expect(rows(w)).toHaveLength(3)
  })

  it('opens a run as a view tab', async () => {
    const { w } = await mountSidebar()
    await rows(w)[1]!.trigger('click')
    const editor = useEditorStore()
    expect(editor.views.map((v) => [v.kind, v.key, v.params])).toEqual([['run', A.id, { id: A.id }]])
  })

  it('follows historyChanged: a run recorded elsewhere appears without a reload', async () => {
    const { fake, history, w } = await mountSidebar()
    const C = record('20261122-100000-dddd', { startedAt: new Date().toISOString() })
    history.add(C)
    fake.emit('historyChanged', { reason: 'added', ids: [C.id] })
    await settle()
    expect(rows(w)[0]!.attributes('data-run-id')).toBe(C.id)
    expect(rows(w)[0]!.text()).toContain('just now')
  })
})

describe('deleting runs', () => {
  it('deletes the checked runs after a confirmation, and not before', async () => {
    const { fake, history, w } = await mountSidebar()
    await rows(w)[0]!.find('[data-testid="runs-row-select"]').setValue(true)
    await rows(w)[2]!.find('[data-testid="runs-row-select"]').setValue(true)
    expect(w.find('[data-testid="runs-selection"]').text()).toContain('2 selected')
    await w.find('[data-testid="runs-delete"]').trigger('click')
    await settle()
    expect(document.body.textContent).toContain('Delete 2 runs?')
    expect(fake.calls.some((c) => c.method === 'history.delete')).toBe(false)
    ;(document.querySelector('[data-testid="runs-delete-confirm"]') as HTMLButtonElement).click()
    await settle()
    expect(fake.calls.find((c) => c.method === 'history.delete')?.params).toEqual([[B.id, L.id]])
    expect(history.runs().map((r) => r.id)).toEqual([A.id])
    expect(rows(w).map((r) => r.attributes('data-run-id'))).toEqual([A.id])
    expect(w.find('[data-testid="runs-selection"]').exists()).toBe(false)
  })
})

describe('states and notices', () => {
  it('says when nothing is recorded yet, and when the history cannot be read', async () => {
    const empty = await mountSidebar(memoryHistory([]))
    expect(empty.w.text()).toContain('No runs recorded yet')
    wrapper!.unmount()
    installFake({ history: { list: async () => Promise.reject(new ApiError('internal', 'history/index.json is locked')), notices: async () => [] } })
    wrapper = mount(RunsSidebar, { attachTo: document.body })
    await settle(20)
    expect(wrapper.text()).toContain('The run history could not be read')
    expect(wrapper.text()).toContain('history/index.json is locked')
  })

  it('shows what the store recovered from once, until dismissed', async () => {
    const notice = { kind: 'corrupt-index' as const, message: 'The run history index could not be read; it was moved aside and rebuilt from 3 run files.', file: '/h/history/index.json', backup: '/h/history/index.json.corrupt-1', at: '2026-11-22T10:00:00.000Z' }
    const { w } = await mountSidebar(memoryHistory([A], [notice]))
    const shown = w.find('[data-testid="runs-notice"]')
    expect(shown.text()).toContain('rebuilt from 3 run files')
    expect(shown.text()).toContain('/h/history/index.json.corrupt-1')
    await w.find('[data-testid="runs-notice-dismiss"]').trigger('click')
    expect(w.find('[data-testid="runs-notice"]').exists()).toBe(false)
  })
})

describe('time helpers', () => {
  it('relative times and date ranges', () => {
    const now = new Date('2026-11-22T12:00:00.000Z')
    expect(relativeTime('2026-11-22T11:59:40.000Z', now)).toBe('just now')
    expect(relativeTime('2026-11-22T10:00:00.000Z', now)).toBe('2 h ago')
    expect(relativeTime('2026-11-19T12:00:00.000Z', now)).toBe('3 d ago')
    expect(sinceOf('all', now)).toBeUndefined()
    expect(sinceOf('7d', now)).toBe('2026-11-15T12:00:00.000Z')
    expect(Date.parse(sinceOf('today', now)!)).toBeLessThanOrEqual(now.getTime())
  })
})
