// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { TestCaseResult, TestRunResult } from '../../../src-main/common/api'
import { useTestsStore, worstStatus } from '../../../src-renderer/src/stores/tests'
import { installFake, settle, testFiles } from './fixtures'

const passed = (name: string): TestCaseResult => ({ name, status: 'passed', duration_ms: 3, failures: [], tags: [] })
const failed = (name: string): TestCaseResult => ({
  name,
  status: 'failed',
  duration_ms: 4,
  tags: [],
  failures: [{ step: 1, input: 'hi', field: 'reply', expected: 'Hello', actual: 'Hi', message: 'reply did not match' }],
})

function runResult(runId: string, overrides: Partial<TestRunResult> = {}): TestRunResult {
  return {
    runId,
    started_at: '2026-01-01T00:00:00.000Z',
    duration_ms: 12,
    cancelled: false,
    summary: { total: 2, passed: 1, failed: 1, errors: 0, skipped: 0 },
    suites: [],
    coverage: {},
    ...overrides,
  }
}

describe('tests store', () => {
  afterEach(() => vi.useRealTimers())

  it('lists files and tests as a tree, and marks a run\'s tests queued until they report', async () => {
    vi.useFakeTimers()
    const fake = installFake({ test: { list: async () => testFiles(2, 2), lastResult: async () => null, run: async () => 'run-1' } })
    const tests = useTestsStore()
    await tests.load()
    expect(tests.rows.map((r) => r.kind)).toEqual(['file', 'test', 'test', 'file', 'test', 'test'])

    await tests.runFile('tests/suite-000.test.yaml')
    expect(tests.running).toBe(true)
    expect(tests.rows.filter((r) => r.kind === 'test' && r.status === 'queued')).toHaveLength(2)

    fake.emit('testProgress', { runId: 'run-1', kind: 'test', total: 2, done: 1, passed: 0, failed: 1, errors: 0, skipped: 0, file: 'tests/suite-000.test.yaml', test: failed('case 0') })
    vi.advanceTimersByTime(60)
    expect(tests.statusOf('tests/suite-000.test.yaml', 'case 0')).toBe('failed')
    expect(tests.statusOf('tests/suite-000.test.yaml', 'case 1')).toBe('queued')
    expect(tests.rows[0]!.status).toBe('running')

    fake.emit('testFinished', {
      runId: 'run-1',
      result: runResult('run-1', { suites: [{ file: 'tests/suite-000.test.yaml', flow: null, name: 's', duration_ms: 5, tests: [failed('case 0'), passed('case 1')] }] }),
      error: null,
    })
    expect(tests.running).toBe(false)
    expect(tests.rows[0]!.status).toBe('failed')
    expect(tests.hasFailures).toBe(true)
  })

  it('groups the expansions of an `each` test under it', async () => {
    installFake({
      test: {
        list: async () => [{ file: 't.test.yaml', flow: 'f.flow.yaml', name: 't', problem: null, tests: [{ name: 'greets', tags: [], skip: false, line: 3 }] }],
        lastResult: async () => runResult('r0', { suites: [{ file: 't.test.yaml', flow: 'f.flow.yaml', name: 't', duration_ms: 5, tests: [passed('greets [0]'), failed('greets [1]')] }] }),
      },
    })
    const tests = useTestsStore()
    await tests.load()
    const row = tests.rows[1]!
    expect(row.kind === 'test' && row.expandable).toBe(true)
    expect(row.status).toBe('failed')
    tests.toggle(row.key)
    expect(tests.rows.map((r) => (r.kind === 'test' ? r.name : r.key))).toEqual(['t.test.yaml', 'greets', 'greets [0]', 'greets [1]'])
  })

  it('filters by text, tag and status', async () => {
    installFake({ test: { list: async () => testFiles(1, 4), lastResult: async () => runResult('r', { suites: [{ file: 'tests/suite-000.test.yaml', flow: null, name: 's', duration_ms: 5, tests: [passed('case 0'), failed('case 1')] }] }) } })
    const tests = useTestsStore()
    await tests.load()
    tests.filterText = '#smoke'
    expect(tests.rows.filter((r) => r.kind === 'test').map((r) => (r.kind === 'test' ? r.name : ''))).toEqual(['case 1', 'case 3'])
    tests.filterText = ''
    tests.statusFilter = 'failed'
    expect(tests.rows.filter((r) => r.kind === 'test')).toHaveLength(1)
  })

  it('flattens 10,000 tests quickly and applies a burst of progress in batches', async () => {
    vi.useFakeTimers()
    const fake = installFake({ test: { list: async () => testFiles(100, 100), lastResult: async () => null, run: async () => 'big' } })
    const tests = useTestsStore()
    await tests.load()
    const started = performance.now()
    expect(tests.rows).toHaveLength(10_100)
    expect(performance.now() - started).toBeLessThan(1000)

    await tests.runAll()
    const t0 = performance.now()
    for (let f = 0; f < 100; f++) {
      for (let t = 0; t < 100; t++) {
        fake.emit('testProgress', {
          runId: 'big', kind: 'test', total: 10_000, done: f * 100 + t + 1, passed: f * 100 + t + 1, failed: 0, errors: 0, skipped: 0,
          file: `tests/suite-${String(f).padStart(3, '0')}.test.yaml`, test: passed(`case ${t}`),
        })
      }
    }
    vi.advanceTimersByTime(60)
    expect(tests.rows.filter((r) => r.status === 'passed')).toHaveLength(10_100)
    expect(performance.now() - t0).toBeLessThan(3000)
  })

  it('reports a run that could not start', async () => {
    installFake({ test: { list: async () => testFiles(1, 1), lastResult: async () => null, run: async () => { throw new Error('pool unavailable') } } })
    const tests = useTestsStore()
    await tests.load()
    await tests.runAll()
    await settle()
    expect(tests.runError).toBe('pool unavailable')
    expect(tests.rows.some((r) => r.status === 'queued')).toBe(false)
  })

  it('orders statuses worst first', () => {
    expect(worstStatus(['passed', 'failed', 'skipped'])).toBe('failed')
    expect(worstStatus(['passed', 'error'])).toBe('error')
    expect(worstStatus([])).toBe('idle')
  })
})
