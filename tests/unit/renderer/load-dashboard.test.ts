// @vitest-environment happy-dom
// The performance dashboard over the fake client: the Load side bar (scenarios, recent runs,
// "New load test"), the dashboard of a scenario fed live `loadProgress` events (charts created
// once and their datasets growing in place, counters, thresholds so far), Stop, the verdict and
// report after `loadFinished`, and a window opened mid-run resuming the live view.
import { mount, type VueWrapper } from '@vue/test-utils'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { LoadScenarioInfo } from '../../../src-main/common/api-load'
import type { RunRecord } from '../../../src-main/common/api-history'
import type { LiveSnapshot, LoadResult, TimelineEntry } from '../../../src-main/common/load-result'
import { installFake, memoryWorkspace, settle } from './fixtures'

// chart.js needs a real canvas; this stand-in records what the dashboard gives it.
const charts = vi.hoisted(() => ({ instances: [] as Array<{ data: { labels: number[]; datasets: Array<{ label: string; data: number[] }> }; updates: number; destroyed: boolean }> }))
vi.mock('chart.js', () => {
  class Chart {
    static register(): void {}
    data: { labels: number[]; datasets: Array<{ label: string; data: number[] }> }
    updates = 0
    destroyed = false
    constructor(_ctx: unknown, config: { data: Chart['data'] }) {
      this.data = config.data
      charts.instances.push(this)
    }
    update(): void {
      this.updates++
    }
    destroy(): void {
      this.destroyed = true
    }
  }
  const part = class {}
  return { Chart, CategoryScale: part, LinearScale: part, LineController: part, LineElement: part, PointElement: part, Filler: part, Tooltip: part, Legend: part }
})

const { default: LoadView } = await import('../../../src-renderer/src/features/load/LoadView.vue')
const { default: LoadSidebar } = await import('../../../src-renderer/src/features/load/LoadSidebar.vue')
const { scenarioText } = await import('../../../src-renderer/src/stores/load')
const { useWorkspaceStore } = await import('../../../src-renderer/src/stores/workspace')
const { useEditorStore } = await import('../../../src-renderer/src/stores/editor')

const PROFILE = { executor: 'constant-arrival-rate' as const, rate: 50, stages: [], duration_ms: 10_000, arrivals: 'uniform' as const, graceful_stop_ms: 30_000, warmup_ms: 1000 }
const SUPPORT: LoadScenarioInfo = {
  path: 'load/support.load.yaml',
  name: null,
  flow: 'flows/support.flow.yaml',
  executor: 'constant-arrival-rate',
  duration_ms: 10_000,
  profile: PROFILE,
  thresholds: [{ name: 'turn_latency_p95', condition: '< 500ms', abort_on_fail: false }],
  scripts: 4,
  problems: [],
  warnings: [],
}
const BROKEN: LoadScenarioInfo = { ...SUPPORT, path: 'load/broken.load.yaml', executor: null, duration_ms: null, profile: null, thresholds: [], scripts: 0, problems: [{ line: 7, column: 9, message: 'profile.rate: rate must be a number' }] }

function second(t: number, turns = 200): TimelineEntry {
  return {
    t_s: t, turns, errors: t === 2 ? 3 : 0, conversations_started: 50, conversations_completed: 48, dropped: 0,
    p50_ms: 0.4, p90_ms: 10, p95_ms: 40, p99_ms: 120 + t, max_ms: 300, service_p99_ms: 0.3, harness_lag_p99_ms: 0.1, target: 50,
    rss_mb: 110 + t, heap_mb: 30, loop_delay_p99_ms: 1, worker_utilization: 0.2, harness_share: 0.1,
  }
}

function snapshot(elapsed: number, seconds: TimelineEntry[], passed = true): LiveSnapshot {
  return {
    elapsed_s: elapsed, duration_s: 10, progress: elapsed / 10, phase: 'running', turns: 200 * elapsed, conversations: 50 * elapsed, in_flight: 12, dropped: 0,
    errors: elapsed >= 3 ? 3 : 0, error_rate: 0.005, turns_per_s: 200, target: 50, target_unit: 'conv/s', p50_ms: 0.4, p95_ms: 40, p99_ms: 121, rss_mb: 111, heap_mb: 30,
    thresholds: [{ name: 'turn_latency_p95', condition: '< 500ms', value: 40, unit: 'ms', passed }], seconds,
  }
}

const lat = { p50: 0.4, p90: 10, p95: 40, p99: 121, p999: 250, max: 300 }
function result(bottleneck: boolean): LoadResult {
  return {
    tool: 'flowbench', kind: 'load', version: '0.1.0', scenario: 'load/support.load.yaml', started_at: '2026-11-22T10:00:00.000Z', duration_ms: 10_200,
    environment: { node: 'v20.20.2', cpus: 2, cpu_model: 'Test CPU', platform: 'linux-x64', workers: 1, seed: 1, commit: 'abc1234', flowbench: '0.1.0' },
    profile: PROFILE,
    totals: { turns: 2000, conversations: 500, errors: 3, dropped: 0, completed_conversations: 500, interrupted: 0, error_turns: 3, intent_fallbacks: 10, start_errors: 0 },
    throughput: { turns_per_s: 196.1, conversations_per_s: 49 },
    turn_latency_ms: lat, service_time_ms: lat, queue_wait_ms: lat, harness_lag_ms: lat, conversation_duration_ms: lat, integration_latency_ms: lat,
    errors_by_code: { integration_failed: 3 },
    thresholds: [{ name: 'turn_latency_p95', condition: '< 500ms', value: 40, unit: 'ms', passed: true }],
    passed: true,
    timeline: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((t) => second(t)),
    by_state: { detect_intent: { turns: 500, errors: 0, p50_ms: 0.3, p90_ms: 1, p95_ms: 2, p99_ms: 5, max_ms: 9, service_p50_ms: 0.1, service_p99_ms: 0.3 } },
    by_integration: { crm_lookup: { calls: 300, failures: 3, errors: { '503': 3 }, turns: 300, call_p50_ms: 40, call_p99_ms: 240, turn_p50_ms: 41, turn_p99_ms: 250 } },
    by_flow: {},
    memory: { peak_rss_mb: 121, peak_heap_mb: 35 },
    event_loop: { worker_delay_p99_ms: 1.2, worker_delay_max_ms: 4 },
    load_generator: { bottleneck, reasons: bottleneck ? ['turns started 46 ms late at p99 for reasons of the load generator\'s own (harness lag)'] : [], harness_lag_p99_ms: 0.1, dispatch_late_max_ms: 0, main_utilization: 0.1, worker_utilization: 0.2, harness_share: 0.1 },
    warnings: [],
    histograms: { turn_latency: '', service_time: '', queue_wait: '', harness_lag: '', conversation_duration: '', by_state: {} },
  }
}

const RECORD: RunRecord = {
  id: '20261122-100000-a1b2', kind: 'load', workspace: '/ws', workspaceName: 'ws', startedAt: '2026-11-22T10:00:00.000Z', durationMs: 10_200, outcome: 'passed', flows: [], tags: [], label: null, baseline: false,
  environment: { flowbench: '0.1.0', node: 'v20.20.2', platform: 'linux-x64', cpus: 2, commit: null, host: 'workbench' },
  load: { scenario: 'load/support.load.yaml', name: null, turns: 2000, conversations: 500, errors: 3, throughput: 196.1, p50Ms: 0.4, p95Ms: 40, p99Ms: 121, thresholdsPassed: true },
}

interface Core {
  active: { runId: string; snapshots: LiveSnapshot[] } | null
  started: unknown[]
  stopped: string[]
}

function install(core: Core = { active: null, started: [], stopped: [] }) {
  const ws = memoryWorkspace({ 'flows/support.flow.yaml': 'name: support', 'load/support.load.yaml': 'flow: ../flows/support.flow.yaml' })
  const fake = installFake({
    workspace: ws.handlers,
    load: {
      scenarios: async () => [BROKEN, SUPPORT],
      start: async (request: unknown) => {
        core.started.push(request)
        core.active = { runId: 'run-1', snapshots: [] }
        return 'run-1'
      },
      active: async () => (core.active ? { runId: core.active.runId, scenario: SUPPORT.path, startedAt: '2026-11-22T10:00:00.000Z', profile: { ...PROFILE, duration_ms: 5000 }, stopping: false, snapshots: core.active.snapshots } : null),
      stop: async (runId: string) => {
        core.stopped.push(runId)
      },
      runs: async () => [],
    },
    history: { list: async () => [RECORD] },
  })
  return { fake, core, ws }
}

let wrapper: VueWrapper | null = null
beforeEach(() => {
  charts.instances.length = 0
  HTMLCanvasElement.prototype.getContext = (() => ({})) as unknown as HTMLCanvasElement['getContext']
})
afterEach(() => {
  wrapper?.unmount()
  wrapper = null
  document.body.innerHTML = ''
})

async function mountView(): Promise<VueWrapper> {
  wrapper = mount(LoadView, { props: { params: { scenario: SUPPORT.path } }, attachTo: document.body })
  await settle(30)
  return wrapper
}

const points = (w: VueWrapper, id: string) => Number(w.get(`[data-testid="load-chart-${id}"]`).attributes('data-points'))
const chartOf = (label: string) => charts.instances.find((c) => !c.destroyed && c.data.datasets[0]?.label === label)!

describe('the load dashboard', () => {
  it('shows what the scenario offers and checks, and starts a run with the overrides given', async () => {
    const { core } = install()
    const w = await mountView()
    expect(w.get('[data-testid="load-summary"]').text()).toContain('constant-arrival-rate · 50 conversations/s · 10s')
    expect(w.get('[data-testid="load-threshold-defs"]').text()).toContain('turn_latency_p95 < 500ms')
    await w.get('[data-testid="load-override-rate"]').setValue('abc')
    expect(w.get('[data-testid="load-form-error"]').text()).toBe('Rate must be a number above 0')
    expect(w.get('[data-testid="load-start"]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid="load-override-rate"]').setValue('20')
    await w.get('[data-testid="load-override-duration"]').setValue('5')
    await w.get('[data-testid="load-override-workers"]').setValue('1')
    await w.get('[data-testid="load-start"]').trigger('submit')
    await settle(30)
    expect(core.started).toEqual([{ scenario: SUPPORT.path, overrides: { rate: 20, duration_ms: 5000, workers: 1 } }])
    expect(w.get('[data-testid="load-view"]').attributes('data-state')).toBe('running')
    expect(w.find('[data-testid="load-stop"]').exists()).toBe(true)
  })

  it('draws each second as it arrives: four charts created once, their datasets growing in place', async () => {
    const { fake } = install()
    const w = await mountView()
    await w.get('[data-testid="load-start"]').trigger('submit')
    await settle(30)
    expect(charts.instances).toHaveLength(4)
    expect(points(w, 'throughput')).toBe(0)

    fake.emit('loadProgress', { runId: 'run-1', snapshot: snapshot(1.1, [second(0)]) })
    await settle(10)
    fake.emit('loadProgress', { runId: 'run-1', snapshot: snapshot(2.1, [second(1, 240)]) })
    await settle(10)
    fake.emit('loadProgress', { runId: 'run-1', snapshot: snapshot(3.1, [second(2, 230)], false) })
    await settle(10)

    expect(charts.instances).toHaveLength(4)
    const throughput = chartOf('turns/s')
    expect(throughput.data.labels).toEqual([0, 1, 2])
    expect(throughput.data.datasets.map((d) => d.label)).toEqual(['turns/s', 'conversations started/s', 'target (conv/s)'])
    expect(throughput.data.datasets[0]!.data).toEqual([200, 240, 230])
    expect(throughput.updates).toBe(3)
    expect(chartOf('p50').data.datasets[2]!.data).toEqual([120, 121, 122])
    expect(chartOf('turn errors').data.datasets[0]!.data).toEqual([0, 0, 3])
    expect(chartOf('RSS (process)').data.datasets[0]!.data).toEqual([110, 111, 112])
    for (const id of ['throughput', 'latency', 'errors', 'memory']) expect(points(w, id)).toBe(3)

    expect(w.get('[data-testid="load-counter-elapsed"]').text()).toContain('3.1s / 10s')
    expect(w.get('[data-testid="load-counter-turns"]').text()).toContain('620')
    expect(w.get('[data-testid="load-counter-errors"]').classes()).toEqual(['stat-card'])
    expect(w.get('[data-testid="load-counter-errors"] .v').classes()).toContain('bad')
    expect(w.get('[data-testid="load-progress"]').attributes('aria-valuenow')).toBe('31')
    const threshold = w.get('[data-testid="load-thresholds"] [data-threshold="turn_latency_p95"]')
    expect(threshold.attributes('data-passed')).toBe('false')
    expect(threshold.text()).toContain('missed so far')
  })

  it('stops the run, then shows the verdict, the report and the way to the history', async () => {
    const { fake, core } = install()
    const w = await mountView()
    await w.get('[data-testid="load-start"]').trigger('submit')
    await settle(30)
    fake.emit('loadProgress', { runId: 'run-1', snapshot: snapshot(1.1, [second(0)]) })
    await w.get('[data-testid="load-stop"]').trigger('click')
    await settle(10)
    expect(core.stopped).toEqual(['run-1'])
    expect(w.get('[data-testid="load-stop"]').text()).toBe('Stopping…')

    fake.emit('loadFinished', { runId: 'run-1', result: result(true), recordId: RECORD.id, error: null })
    await settle(30)
    expect(w.get('[data-testid="load-view"]').attributes('data-state')).toBe('finished')
    expect(w.get('[data-testid="load-report-verdict"]').attributes('data-verdict')).toBe('passed')
    // The load generator's own bottleneck is shown loudly, above the verdict.
    expect(w.get('[data-testid="load-generator-warning"]').text()).toContain('The load generator itself was the bottleneck')
    expect(w.get('[data-testid="load-report-states"]').text()).toContain('detect_intent')
    expect(w.get('[data-testid="load-report-integrations"]').text()).toContain('crm_lookup')
    expect(w.get('[data-testid="load-report-environment"]').text()).toContain('commit abc1234')
    expect(points(w, 'throughput')).toBe(10)
    expect(w.find('[data-testid="export-run"]').exists()).toBe(true)
    await w.get('[data-testid="load-open-history"]').trigger('click')
    expect(useEditorStore().views.map((v) => [v.kind, v.params])).toContainEqual(['run', { id: RECORD.id }])
  })

  it('a window opened during a run picks it up with every second so far', async () => {
    install({ active: { runId: 'run-9', snapshots: [snapshot(1.1, [second(0)]), snapshot(2.1, [second(1)])] }, started: [], stopped: [] })
    const w = await mountView()
    expect(w.get('[data-testid="load-view"]').attributes('data-state')).toBe('running')
    expect(points(w, 'latency')).toBe(2)
    expect(chartOf('turns/s').data.labels).toEqual([0, 1])
  })
})

describe('the Load side bar', () => {
  it('lists scenarios and recent runs; a scenario opens its dashboard, a run the run view', async () => {
    install()
    await useWorkspaceStore().init()
    wrapper = mount(LoadSidebar, { attachTo: document.body })
    await settle(30)
    const rows = wrapper.findAll('[data-testid="load-scenarios"] button')
    expect(rows.map((r) => r.attributes('data-scenario'))).toEqual([BROKEN.path, SUPPORT.path])
    expect(rows[0]!.text()).toContain('1 problem')
    expect(rows[1]!.text()).toContain('50/s · 10s')
    await rows[1]!.trigger('click')
    expect(useEditorStore().views.map((v) => [v.kind, v.params])).toContainEqual(['load', { scenario: SUPPORT.path }])
    const run = wrapper.get(`[data-testid="load-recent"] [data-run-id="${RECORD.id}"]`)
    expect(run.text()).toContain('196/s · p99 121 ms')
    await run.trigger('click')
    expect(useEditorStore().views.map((v) => [v.kind, v.params])).toContainEqual(['run', { id: RECORD.id }])
  })

  it('"New load test" writes load/<name>.load.yaml from the form and opens it', async () => {
    const { fake, ws } = install()
    await useWorkspaceStore().init()
    wrapper = mount(LoadSidebar, { attachTo: document.body })
    await settle(30)
    await wrapper.get('[data-testid="load-new"]').trigger('click')
    await settle()
    const name = document.querySelector<HTMLInputElement>('[data-testid="load-new-name"]')!
    name.value = 'Support at peak'
    name.dispatchEvent(new Event('input'))
    await settle()
    document.querySelector<HTMLButtonElement>('[data-testid="load-new-create"]')!.click()
    await settle(30)
    const created = fake.calls.find((c) => c.method === 'workspace.createFile')!
    expect(created.params[0]).toBe('load/support-at-peak.load.yaml')
    expect(ws.files.get('load/support-at-peak.load.yaml')!.text).toBe(
      scenarioText({ name: 'Support at peak', flow: 'flows/support.flow.yaml', executor: 'constant-arrival-rate', amount: 10, durationS: 30, p95Ms: 100, errorRatePct: 1 }),
    )
    expect(useEditorStore().activePath).toBe('load/support-at-peak.load.yaml')
  })
})

describe('a new scenario file', () => {
  it('is a scenario the loader reads: flow relative to load/, the profile and thresholds asked for', () => {
    const text = scenarioText({ name: 'VUs', flow: 'flows/a.flow.yaml', executor: 'constant-vus', amount: 5, durationS: 20, p95Ms: null, errorRatePct: 0.5 })
    expect(text).toContain('flow: ../flows/a.flow.yaml')
    expect(text).toContain('executor: constant-vus')
    expect(text).toMatch(/vus: 5 /)
    expect(text).toContain('duration: 20s')
    expect(text).toContain('error_rate: "< 0.5%"')
    expect(text).not.toContain('turn_latency_p95')
  })
})
