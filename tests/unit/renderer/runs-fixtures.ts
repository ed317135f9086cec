// A run history in memory behind the fake client, filtering like the core does, for the run
// history component tests.
import { ApiError, type RunFilter, type RunRecord, type StoredRun, type StoreNotice, type TestRunResult } from '../../../src-main/common/api'
import type { FakeHandlers } from '../../../src-renderer/src/api'

export function record(id: string, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    kind: 'test',
    workspace: '/ws',
    workspaceName: 'ws',
    startedAt: new Date(Date.now() - 2 * 3600_000).toISOString(),
    durationMs: 840,
    outcome: 'passed',
    flows: [{ path: 'flows/support.flow.yaml', hash: '0123456789abcdef' }],
    tags: ['smoke'],
    label: null,
    baseline: false,
    environment: { flowbench: '0.1.0', node: 'v20.20.2', platform: 'linux-x64', cpus: 4, commit: 'a1b2c3d4e5f6', host: 'workbench' },
    test: { total: 3, passed: 3, failed: 0, errors: 0, skipped: 0, statePercent: 80, transitionPercent: 70 },
    ...overrides,
  }
}

export function testResult(runId: string): TestRunResult {
  return {
    runId,
    started_at: '2026-11-22T10:00:00.000Z',
    duration_ms: 840,
    cancelled: false,
    summary: { total: 2, passed: 1, failed: 1, errors: 0, skipped: 0 },
    suites: [
      {
        file: 'tests/support.test.yaml',
        flow: 'flows/support.flow.yaml',
        name: 'support',
        duration_ms: 20,
        tests: [
          { name: 'greets', status: 'passed', duration_ms: 3, failures: [], tags: ['smoke'] },
          {
            name: 'helps',
            status: 'failed',
            duration_ms: 4,
            tags: [],
            failures: [{ step: 1, input: 'I need help', field: 'state', expected: 'help_response', actual: 'not_understood', message: 'expected state help_response, got not_understood' }],
            transcript: [
              { step: null, turn: 0, event: 'start', input: null, state: 'greeting', path: ['greeting'], replies: [{ text: 'Hello! How can I help you today?' }], errors: [], intent: null } as never,
              { step: 1, turn: 1, event: 'message', input: 'I need help', state: 'not_understood', path: ['listen', 'not_understood'], replies: [{ text: 'Sorry, I did not get that.' }], errors: [], intent: null } as never,
            ],
          },
        ],
      },
    ],
    coverage: { 'flows/support.flow.yaml': { states: { covered: 3, total: 5, uncovered: ['help_response', 'goodbye'] }, transitions: { covered: 2, total: 5, uncovered: ['listen -> goodbye [intent_match bye]'] } } },
  }
}

function matches(r: RunRecord, f: RunFilter): boolean {
  if (f.workspace !== undefined && r.workspace !== f.workspace) return false
  if (f.kind && r.kind !== f.kind) return false
  if (f.outcome && r.outcome !== f.outcome) return false
  if (f.flow && !r.flows.some((x) => x.path === f.flow)) return false
  if (f.tag && !r.tags.includes(f.tag)) return false
  if (f.since && r.startedAt < f.since) return false
  if (f.baseline !== undefined && r.baseline !== f.baseline) return false
  return true
}

export function memoryHistory(initial: RunRecord[], notices: StoreNotice[] = []) {
  let runs = [...initial]
  const handlers: FakeHandlers['history'] = {
    list: async (filter: RunFilter = {}) => {
      const out = runs.filter((r) => matches(r, filter)).sort((a, b) => (a.startedAt < b.startedAt ? 1 : -1))
      return filter.limit !== undefined ? out.slice(0, filter.limit) : out
    },
    get: async (id: string): Promise<StoredRun> => {
      const r = runs.find((x) => x.id === id)
      if (!r) throw new ApiError('run_not_found', `there is no run ${id} in the history`)
      return r.kind === 'test' ? { record: r, test: testResult(id) } : { record: r }
    },
    setBaseline: async (id: string, on: boolean) => {
      const target = runs.find((x) => x.id === id)!
      runs = runs.map((r) => (r.id === id ? { ...r, baseline: on } : on && r.kind === target.kind ? { ...r, baseline: false } : r))
      return runs.find((x) => x.id === id)!
    },
    setLabel: async (id: string, label: string | null) => {
      runs = runs.map((r) => (r.id === id ? { ...r, label } : r))
      return runs.find((x) => x.id === id)!
    },
    delete: async (ids: string[]) => {
      const before = runs.length
      runs = runs.filter((r) => !ids.includes(r.id))
      return before - runs.length
    },
    notices: async () => notices,
  }
  return { handlers, runs: () => runs, add: (r: RunRecord) => (runs = [...runs, r]) }
}
