// @vitest-environment happy-dom
// The Test quality views over the fake client: the side bar lists flows with coverage, mutation
// score and fault findings and opens the views; the coverage-gaps view lists gaps, generates
// tests for the checked ones, saves them (opening the file, offering Overwrite on already_exists)
// and runs them; the mutation view follows progress events to a score and survivors, and a
// survivor opens the editor at its line; the graph shows a fault badge on integration states.
import { mount, type VueWrapper } from '@vue/test-utils'
import ELK from 'elkjs/lib/elk.bundled.js'
import { afterEach, describe, expect, it } from 'vitest'
import {
  ApiError,
  type FaultKindResult,
  type FaultStateResult,
  type FlowGaps,
  type FlowGraph as Graph,
  type GeneratedTests,
  type MutationReport,
  type QualityFlowSummary,
  type ScoreLine,
} from '../../../src-main/common/api'
import CoverageGapsView from '../../../src-renderer/src/features/quality/CoverageGapsView.vue'
import MutationView from '../../../src-renderer/src/features/quality/MutationView.vue'
import QualitySidebar from '../../../src-renderer/src/features/quality/QualitySidebar.vue'
import { faultBadge } from '../../../src-renderer/src/features/quality/format'
import FlowGraph from '../../../src-renderer/src/features/flow-graph/FlowGraph.vue'
import { ELK_PROVIDER } from '../../../src-renderer/src/features/flow-graph/elk-provider'
import { useEditorStore } from '../../../src-renderer/src/stores/editor'
import { useQualityStore } from '../../../src-renderer/src/stores/quality'
import { useUiStore } from '../../../src-renderer/src/stores/ui'
import { installFake, settle } from './fixtures'

let wrapper: VueWrapper | undefined
afterEach(() => {
  wrapper?.unmount()
  wrapper = undefined
  document.body.innerHTML = ''
})

const FLOW = 'flows/support.flow.yaml'
const flush = () => settle(30)

const SUMMARY: QualityFlowSummary[] = [
  {
    flow: FLOW,
    states: { covered: 9, total: 12, percent: 75 },
    transitions: { covered: 14, total: 20, percent: 70 },
    mutation: { score: 72.5, killed: 29, survived: 11, no_coverage: 0, total: 40, at: '2026-11-22T10:00:00.000Z' },
    faults: { states: 2, unhandled: 1 },
  },
  { flow: 'flows/deploy.flow.yaml', states: null, transitions: null, mutation: null, faults: null },
]

const GAPS: FlowGaps = {
  flow: FLOW,
  runId: '20261122-100000-abcd',
  ranAt: '2026-11-22T10:00:00.000Z',
  stale: false,
  states: { covered: 11, total: 12 },
  transitions: { covered: 18, total: 20 },
  gaps: [
    { kind: 'state', id: 'billing_info', state: 'billing_info', line: 80, column: 3, reason: 'no test entered this state' },
    { kind: 'transition', id: 'detect_intent -> billing_info [intent_match billing]', state: 'detect_intent', line: 101, column: 9, reason: 'tests enter detect_intent but none takes this transition' },
    { kind: 'transition', id: 'greeting -> idle_goodbye [timeout]', state: 'greeting', line: 90, column: 9, reason: 'tests enter greeting but none takes this transition' },
  ],
}

const GENERATED: GeneratedTests = {
  yaml: 'flow: ../flows/support.flow.yaml\ntests:\n  - name: reaches billing_info\n    steps:\n      - user: I have a billing question\n        expect: { state: billing_info }\n',
  tests: 1,
  file: 'tests/support.generated.test.yaml',
  covers: { states: ['billing_info'], transitions: ['detect_intent -> billing_info [intent_match billing]'] },
  unreachable: [],
}

describe('the Test quality side bar', () => {
  it('lists every flow with its coverage, mutation score and fault findings, and opens the views', async () => {
    installFake({ quality: { summary: async () => SUMMARY, faults: async () => ({}) } })
    wrapper = mount(QualitySidebar, { attachTo: document.body })
    await flush()
    const support = wrapper.find('[data-testid="quality-flow-support"]')
    expect(support.find('[data-testid="quality-state-coverage"]').text()).toContain('9/12')
    expect(support.find('[data-testid="quality-transition-coverage"]').text()).toContain('14/20')
    expect(support.find('[data-testid="quality-mutation-score"]').text()).toBe('72.5%')
    expect(support.find('[data-testid="quality-mutation-score"]').classes()).toContain('mid')
    expect(support.find('[data-testid="quality-faults"]').text()).toContain('1 unhandled fault')
    const deploy = wrapper.find('[data-testid="quality-flow-deploy"]')
    expect(deploy.text()).toContain('No test run of this version of the flow yet')
    expect(deploy.find('[data-testid="quality-mutation-score"]').exists()).toBe(false)

    const editor = useEditorStore()
    await support.find('[data-testid="quality-open-gaps"]').trigger('click')
    expect(editor.views.at(-1)).toMatchObject({ kind: 'coverage-gaps', key: FLOW, params: { flow: FLOW } })
    await support.find('[data-testid="quality-open-mutation"]').trigger('click')
    expect(editor.views.at(-1)).toMatchObject({ kind: 'mutation', key: FLOW, params: { flow: FLOW } })
  })

  it('runs the fault matrix and refreshes when it finishes; shows a failure to read as an error', async () => {
    let runs = 0
    const fake = installFake({ quality: { summary: async () => SUMMARY, faults: async () => ({}), runFaults: async () => `faults-${++runs}` } })
    wrapper = mount(QualitySidebar, { attachTo: document.body })
    await flush()
    const button = wrapper.find('[data-testid="quality-run-faults"]')
    await button.trigger('click')
    await flush()
    expect(runs).toBe(1)
    expect(button.text()).toContain('Running fault matrix')
    expect(button.attributes('disabled')).toBeDefined()
    fake.emit('faultsFinished', { runId: 'faults-1', matrix: { kinds: ['error', 'timeout', 'network', 'malformed'], runs: 24, tests: 6, states: [], unhandled: 0, problems: [] }, error: null })
    await flush()
    expect(button.text()).toContain('Run fault matrix')
    expect(wrapper.find('[data-testid="quality-fault-figures"]').text()).toContain('24 reruns')
    expect(fake.calls.filter((c) => c.method === 'quality.summary').length).toBeGreaterThanOrEqual(2)

    wrapper.unmount()
    installFake({ quality: { summary: async () => Promise.reject(new ApiError('internal', 'the history is locked')), faults: async () => ({}) } })
    wrapper = mount(QualitySidebar, { attachTo: document.body })
    await flush()
    expect(wrapper.find('[data-state="error"]').text()).toContain('the history is locked')
  })
})

describe('the coverage-gaps view', () => {
  function fakeGaps(existing = new Set<string>()) {
    const saved: Array<{ file: string; yaml: string; overwrite: boolean }> = []
    const generateCalls: unknown[] = []
    const fake = installFake({
      quality: {
        gaps: async () => GAPS,
        generate: async (_flow, only) => {
          generateCalls.push(only)
          return GENERATED
        },
        saveGenerated: async (_flow, yaml, file, overwrite) => {
          const target = file ?? GENERATED.file
          if (existing.has(target) && !overwrite) throw new ApiError('already_exists', `${target} already exists: choose another name or overwrite it`)
          saved.push({ file: target, yaml, overwrite: overwrite === true })
          existing.add(target)
          return { file: target }
        },
        summary: async () => SUMMARY,
      },
      workspace: { readFile: async (path: string) => ({ path, text: 'tests: []\n', mtimeMs: 1, kind: 'test' as const }) } as never,
      test: { run: async () => 'run-1' },
    })
    return { fake, saved, generateCalls }
  }

  it('lists the gaps with kind, line and reason; a gap opens the editor at its line and selects its state', async () => {
    fakeGaps()
    wrapper = mount(CoverageGapsView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    expect(wrapper.find('[data-testid="gaps-summary"]').text()).toContain('11/12')
    const items = wrapper.findAll('[data-testid="gap-item"]')
    expect(items.map((i) => i.attributes('data-gap'))).toEqual(GAPS.gaps.map((g) => g.id))
    expect(items[0]!.text()).toContain('line 80')
    expect(items[1]!.text()).toContain('tests enter detect_intent but none takes this transition')
    await items[1]!.find('[data-testid="gap-link"]').trigger('click')
    await flush()
    expect(useEditorStore().activePath).toBe(FLOW)
    expect(useEditorStore().reveal).toMatchObject({ path: FLOW, line: 101, column: 9 })
    expect(useUiStore().selectedState).toBe('detect_intent')
  })

  it('generates tests for the checked gaps only, shows the YAML, saves it (opening the file) and runs it', async () => {
    const { fake, saved, generateCalls } = fakeGaps()
    wrapper = mount(CoverageGapsView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    // Every gap starts checked; untick the timeout transition.
    await wrapper.findAll('[data-testid="gap-check"]')[2]!.setValue(false)
    await wrapper.find('[data-testid="gaps-generate"]').trigger('click')
    await flush()
    expect(generateCalls).toEqual([{ states: ['billing_info'], transitions: ['detect_intent -> billing_info [intent_match billing]'] }])
    expect(wrapper.find('[data-testid="gaps-yaml"]').text()).toBe(GENERATED.yaml.trim())
    expect(wrapper.find('[data-testid="gaps-run"]').exists()).toBe(false)

    await wrapper.find('[data-testid="gaps-save"]').trigger('click')
    await flush()
    expect(saved).toEqual([{ file: GENERATED.file, yaml: GENERATED.yaml, overwrite: false }])
    expect(wrapper.find('[data-testid="gaps-saved"]').text()).toContain(GENERATED.file)
    const editor = useEditorStore()
    expect(editor.documents.map((d) => d.path)).toContain(GENERATED.file)

    await wrapper.find('[data-testid="gaps-run"]').trigger('click')
    await flush()
    expect(fake.calls.find((c) => c.method === 'test.run')?.params).toEqual([{ files: [GENERATED.file] }])

    // The run's end refreshes the gaps.
    const before = fake.calls.filter((c) => c.method === 'quality.gaps').length
    fake.emit('testFinished', { runId: 'run-1', result: null, error: null } as never)
    await flush()
    expect(fake.calls.filter((c) => c.method === 'quality.gaps').length).toBe(before + 1)
  })

  it('never overwrites silently: already_exists shows the message and an Overwrite button that does', async () => {
    const { saved } = fakeGaps(new Set([GENERATED.file]))
    wrapper = mount(CoverageGapsView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    await wrapper.find('[data-testid="gaps-generate"]').trigger('click')
    await flush()
    await wrapper.find('[data-testid="gaps-save"]').trigger('click')
    await flush()
    expect(saved).toEqual([])
    expect(wrapper.find('[data-testid="gaps-error"]').text()).toContain('already exists')
    await wrapper.find('[data-testid="gaps-overwrite"]').trigger('click')
    await flush()
    expect(saved).toEqual([{ file: GENERATED.file, yaml: GENERATED.yaml, overwrite: true }])
    expect(wrapper.find('[data-testid="gaps-error"]').exists()).toBe(false)
  })

  it('says so when everything is covered, and shows a flow that cannot be read as an error', async () => {
    installFake({ quality: { gaps: async () => ({ ...GAPS, gaps: [], states: { covered: 12, total: 12 }, transitions: { covered: 20, total: 20 } }) } })
    wrapper = mount(CoverageGapsView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    expect(wrapper.text()).toContain('Everything is covered')
    expect(wrapper.find('[data-testid="gaps-generate"]').exists()).toBe(false)
    wrapper.unmount()
    installFake({ quality: { gaps: async () => Promise.reject(new ApiError('invalid_flow', 'flows/support.flow.yaml:3:1: bad indentation')) } })
    wrapper = mount(CoverageGapsView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    expect(wrapper.find('[data-state="error"]').text()).toContain('bad indentation')
  })
})

const line = (l: Partial<ScoreLine>): ScoreLine => ({ total: 0, killed: 0, survived: 0, no_coverage: 0, invalid: 0, equivalent: 0, score: 100, covered_score: 100, ...l })
const REPORT: MutationReport = {
  tool: 'flowbench',
  kind: 'mutation',
  started_at: '2026-11-22T10:00:00.000Z',
  duration_ms: 2400,
  seed: 1,
  operators: ['drop-transition', 'change-template'],
  workers: 2,
  tests: { total: 10, passed: 10 },
  summary: line({ total: 4, killed: 2, survived: 1, no_coverage: 1, score: 50, covered_score: 66.67 }),
  by_operator: { 'drop-transition': line({ total: 2, killed: 2, score: 100 }), 'change-template': line({ total: 2, survived: 1, no_coverage: 1, score: 0, covered_score: 0 }) },
  by_flow: { [FLOW]: line({ total: 4, killed: 2, survived: 1, no_coverage: 1, score: 50, covered_score: 66.67 }) },
  mutants: [
    { id: 1, operator: 'drop-transition', flow: FLOW, state: 'greeting', element: 'greeting -> detect [any_input]', description: 'dropped greeting -> detect', line: 20, column: 9, status: 'killed', killed_by: { file: 'tests/support.test.yaml', name: 'greets' }, tests_run: 1 },
    { id: 2, operator: 'drop-transition', flow: FLOW, state: 'detect', element: 'detect -> help', description: 'dropped detect -> help', line: 30, column: 9, status: 'killed', tests_run: 2 },
    { id: 3, operator: 'change-template', flow: FLOW, state: 'goodbye', element: 'goodbye', description: 'goodbye says something else', line: 44, column: 18, status: 'survived', tests_run: 3, hint: 'no test expects the reply of state goodbye: add `expect: { reply: "Bye." }`' },
    { id: 4, operator: 'change-template', flow: FLOW, state: 'idle', element: 'idle', description: 'idle says something else', line: 51, column: 18, status: 'no_coverage', tests_run: 0 },
  ],
  generated: 4,
  problems: [],
  cancelled: false,
}

describe('the mutation view', () => {
  it('follows progress events to a score, per-operator figures and survivors; a survivor opens its line', async () => {
    const requests: unknown[] = []
    const fake = installFake({
      quality: {
        lastMutation: async () => null,
        mutate: async (request) => {
          requests.push(request)
          return 'mutation-1'
        },
        summary: async () => SUMMARY,
      },
      workspace: { readFile: async (path: string) => ({ path, text: 'name: x\n', mtimeMs: 1, kind: 'flow' as const }) } as never,
    })
    wrapper = mount(MutationView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    expect(wrapper.text()).toContain('No mutation run yet')
    await wrapper.find('[data-testid="mutation-max"]').setValue('25')
    await wrapper.find('[data-testid="mutation-start"]').trigger('click')
    await flush()
    expect(requests).toEqual([{ flow: FLOW, maxMutants: 25 }])
    expect(wrapper.find('[data-testid="mutation-cancel"]').exists()).toBe(true)

    fake.emit('mutationProgress', { runId: 'mutation-1', flow: FLOW, done: 2, total: 4, killed: 1, survived: 1 })
    await flush()
    expect(wrapper.find('[data-testid="mutation-progress"]').text()).toContain('2/4 mutants · 1 killed · 1 survived')
    // Another run's progress is not this one's.
    fake.emit('mutationProgress', { runId: 'mutation-other', flow: FLOW, done: 9, total: 9, killed: 9, survived: 0 })
    await flush()
    expect(wrapper.find('[data-testid="mutation-progress"]').text()).toContain('2/4')

    fake.emit('mutationFinished', { runId: 'mutation-1', flow: FLOW, report: REPORT, error: null })
    await flush()
    expect(wrapper.attributes('data-state')).toBe('done')
    expect(wrapper.find('[data-testid="mutation-score"]').text()).toBe('50%')
    expect(wrapper.find('[data-testid="mutation-score"]').classes()).toContain('low')
    const ops = wrapper.findAll('[data-testid="mutation-operators"] tbody tr')
    expect(ops.map((r) => r.attributes('data-operator'))).toEqual(['drop-transition', 'change-template'])
    const survivors = wrapper.findAll('[data-testid="mutation-survivor"]')
    expect(survivors.map((s) => s.attributes('data-mutant'))).toEqual(['3', '4'])
    expect(survivors[0]!.text()).toContain('no test expects the reply of state goodbye')
    expect(survivors[1]!.text()).toContain('no test reaches it')

    await survivors[0]!.find('[data-testid="mutation-survivor-link"]').trigger('click')
    await flush()
    expect(useEditorStore().activePath).toBe(FLOW)
    expect(useEditorStore().reveal).toMatchObject({ path: FLOW, line: 44, column: 18 })
    expect(useUiStore().selectedState).toBe('goodbye')
  })

  it('cancels a run, and shows a failed start as an error', async () => {
    const cancelled: string[] = []
    installFake({
      quality: {
        lastMutation: async () => null,
        mutate: async () => 'mutation-9',
        cancelMutation: async (id) => {
          cancelled.push(id)
        },
      },
    })
    wrapper = mount(MutationView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    await wrapper.find('[data-testid="mutation-start"]').trigger('click')
    await flush()
    await wrapper.find('[data-testid="mutation-cancel"]').trigger('click')
    await flush()
    expect(cancelled).toEqual(['mutation-9'])

    wrapper.unmount()
    installFake({ quality: { lastMutation: async () => null, mutate: async () => Promise.reject(new ApiError('not_found', 'no test files under the workspace')) } })
    wrapper = mount(MutationView, { props: { params: { flow: FLOW } }, attachTo: document.body })
    await flush()
    await wrapper.find('[data-testid="mutation-start"]').trigger('click')
    await flush()
    expect(wrapper.find('[data-testid="mutation-error"]').text()).toContain('no test files under the workspace')
    expect(wrapper.find('[data-testid="mutation-start"]').exists()).toBe(true)
  })
})

const kind = (outcome: FaultKindResult['outcome'], extra: Partial<FaultKindResult> = {}): FaultKindResult => ({ outcome, handled_by: [], counts: { [outcome]: 1 }, errors: [], tests: 1, broken: [], ...extra })
const LOOKUP: FaultStateResult = {
  flow: FLOW,
  state: 'lookup',
  integration: 'crm',
  line: 12,
  column: 5,
  kinds: {
    error: kind('handled', { handled_by: ['lookup -> sorry [integration_error]'] }),
    timeout: kind('handled', { handled_by: ['lookup -> sorry [integration_error]'] }),
    network: kind('handled', { handled_by: ['lookup -> sorry [integration_error]'] }),
    malformed: kind('no_transition', { broken: [{ file: 'tests/a.test.yaml', name: 'finds it', status: 'error', message: 'no_transition' }] }),
  },
}

describe('fault-matrix badges in the graph', () => {
  it('summarises the kinds: handled count, the worst level, and a tooltip line per kind', () => {
    const badge = faultBadge([LOOKUP])!
    expect(badge.text).toBe('3/4 handled')
    expect(badge.level).toBe('bad')
    expect(badge.tooltip.split('\n')).toEqual([
      'Fault matrix: crm',
      'error → handled by lookup -> sorry [integration_error]',
      'timeout → handled by lookup -> sorry [integration_error]',
      'network → handled by lookup -> sorry [integration_error]',
      'malformed → no transition; 1 test break',
    ])
    const unnoticed = faultBadge([{ ...LOOKUP, kinds: { ...LOOKUP.kinds, malformed: kind('unnoticed') } }])!
    expect(unnoticed.level).toBe('warn')
    const notReached = faultBadge([{ ...LOOKUP, kinds: { ...LOOKUP.kinds, malformed: kind('not_reached') } }])!
    expect(notReached).toMatchObject({ text: '3/3 handled', level: 'ok' })
    expect(faultBadge([])).toBeNull()
  })

  it('draws a badge on the integration states of the shown flow only', async () => {
    installFake({})
    const graph: Graph = {
      name: 'Support',
      initial_state: 'ask',
      nodes: [
        { id: 'ask', type: 'response', description: null, line: 3, initial: true },
        { id: 'lookup', type: 'integration', description: null, line: 12, initial: false },
        { id: 'sorry', type: 'end', description: null, line: 20, initial: false },
      ],
      edges: [
        { from: 'ask', to: 'lookup', condition: 'any_input', value: null, priority: 100, key: 'ask -> lookup [any_input]', line: 6, resolved: true },
        { from: 'lookup', to: 'sorry', condition: 'integration_error', value: null, priority: 100, key: 'lookup -> sorry [integration_error]', line: 16, resolved: true },
      ],
    }
    const elk = new ELK()
    const quality = useQualityStore()
    wrapper = mount(FlowGraph, { props: { graph, identity: FLOW }, global: { provide: { [ELK_PROVIDER as symbol]: async () => elk } } })
    for (let i = 0; i < 500 && !wrapper.find('.node[data-state]').exists(); i++) await new Promise((r) => setTimeout(r, 10))
    expect(wrapper.find('[data-testid="graph-fault-badge"]').exists()).toBe(false)
    quality.faults = { [FLOW]: [LOOKUP], 'flows/other.flow.yaml': [{ ...LOOKUP, flow: 'flows/other.flow.yaml', state: 'ask' }] }
    await flush()
    const badges = wrapper.findAll('[data-testid="graph-fault-badge"]')
    expect(badges).toHaveLength(1)
    const badge = wrapper.find('.node[data-state="lookup"] [data-testid="graph-fault-badge"]')
    expect(badge.text()).toContain('3/4 handled')
    expect(badge.attributes('data-level')).toBe('bad')
    expect(badge.find('title').text()).toContain('malformed → no transition')
  })
})
