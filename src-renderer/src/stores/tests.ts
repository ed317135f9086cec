// Owns the test explorer: the workspace's test files, runs (request, live progress, cancel),
// every test's latest result, coverage per flow, and the selected test.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import type {
  TestCaseResult,
  TestFileSummary,
  TestProgress,
  TestRunRequest,
  TestRunResult,
  TestStatus,
  TestSuiteResult,
} from '../../../src-main/common/api'
import { useApi } from '../api'
import { describeError } from './errors'

export type TestRowStatus = TestStatus | 'running' | 'queued' | 'idle'

export interface TestRef {
  file: string
  name: string
}

/** One row of the explorer's flattened tree (a file, a test, or one expansion of an `each` test). */
export type TestRow =
  | { kind: 'file'; key: string; file: TestFileSummary; status: TestRowStatus; expanded: boolean; counts: { passed: number; failed: number; total: number } }
  | { kind: 'test'; key: string; file: string; name: string; tags: string[]; line: number; status: TestRowStatus; depth: 1 | 2; result: TestCaseResult | null; expandable: boolean; expanded: boolean }

export const resultKey = (file: string, name: string): string => `${file}\u0000${name}`

/** Worst first: what a file or an `each` group shows when its tests differ. */
const SEVERITY: TestRowStatus[] = ['running', 'error', 'failed', 'queued', 'passed', 'skipped', 'idle']
export function worstStatus(statuses: TestRowStatus[]): TestRowStatus {
  let best = SEVERITY.length - 1
  for (const s of statuses) best = Math.min(best, SEVERITY.indexOf(s))
  return statuses.length ? SEVERITY[best]! : 'idle'
}

/** Results of an `each` test are named `name [i]`. */
export function belongsTo(testName: string, resultName: string): boolean {
  return resultName === testName || (resultName.startsWith(`${testName} [`) && /\[\d+\]$/.test(resultName))
}

export type StatusFilter = 'all' | 'failed' | 'passed' | 'skipped'

export const useTestsStore = defineStore('tests', () => {
  const api = useApi()
  const files = shallowRef<TestFileSummary[]>([])
  const status = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  const error = ref<string | null>(null)
  /** Latest result per test (`resultKey`), kept across runs so a partial run updates only its tests. */
  const results = shallowRef<Map<string, TestCaseResult>>(new Map())
  const suiteErrors = shallowRef<Map<string, string>>(new Map())
  const lastRun = shallowRef<TestRunResult | null>(null)
  const runId = ref<string | null>(null)
  const progress = ref<TestProgress | null>(null)
  const runError = ref<string | null>(null)
  /** Tests the current run will report on (shown as queued until their result arrives). */
  const pending = shallowRef<Set<string>>(new Set())
  const expanded = ref<Set<string>>(new Set())
  const selected = ref<TestRef | null>(null)
  const filterText = ref('')
  const statusFilter = ref<StatusFilter>('all')
  let subscribed = false

  const running = computed(() => runId.value !== null)

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('testProgress', onProgress)
    api.on('testFinished', ({ runId: id, result, error: failure }) => {
      if (id !== runId.value) return
      if (flushTimer) clearTimeout(flushTimer)
      flushProgress()
      runId.value = null
      pending.value = new Set()
      if (result) {
        lastRun.value = result
        absorb(result.suites)
      }
      if (failure) runError.value = failure.message
    })
    api.on('fileChanged', ({ changes }) => {
      if (changes.some((c) => /\.test\.(json|ya?ml)$/i.test(c.path))) void load()
    })
  }

  // Progress of a big run arrives thousands of times a second: results are buffered and
  // applied at most every 50 ms, so the tree re-renders a few times a second, not per test.
  let buffered: Array<{ file: string; test: TestCaseResult }> = []
  let flushTimer: ReturnType<typeof setTimeout> | null = null

  /** The newest progress counts, shown at the next flush (a render per test would make the UI stutter). */
  let latest: TestProgress | null = null

  function flushProgress(): void {
    flushTimer = null
    if (latest) {
      progress.value = latest
      latest = null
    }
    if (!buffered.length) return
    const next = new Map(results.value)
    const remaining = new Set(pending.value)
    for (const { file, test } of buffered) {
      next.set(resultKey(file, test.name), test)
      remaining.delete(resultKey(file, test.name))
      remaining.delete(resultKey(file, test.name.replace(/ \[\d+\]$/, '')))
    }
    buffered = []
    results.value = next
    pending.value = remaining
  }

  function onProgress(p: TestProgress): void {
    if (p.runId !== runId.value) return
    if (p.kind === 'test') {
      latest = p
      if (p.file && p.test) buffered.push({ file: p.file, test: p.test })
      flushTimer ??= setTimeout(flushProgress, 50)
    } else {
      latest = null
      progress.value = p
    }
    if (p.kind === 'suite' && p.suite) {
      flushProgress()
      absorb([p.suite])
    }
  }

  function absorb(suites: TestSuiteResult[]): void {
    const next = new Map(results.value)
    const errors = new Map(suiteErrors.value)
    for (const suite of suites) {
      // A suite's results replace what an earlier run said about the same expansions.
      for (const t of suite.tests) next.set(resultKey(suite.file, t.name), t)
      if (suite.error) errors.set(suite.file, suite.error)
      else errors.delete(suite.file)
    }
    results.value = next
    suiteErrors.value = errors
  }

  async function load(): Promise<void> {
    subscribe()
    if (status.value !== 'ready') status.value = 'loading'
    error.value = null
    try {
      const [list, last] = await Promise.all([api.test.list(), lastRun.value ? Promise.resolve(lastRun.value) : api.test.lastResult()])
      files.value = list
      if (last && !lastRun.value) {
        lastRun.value = last
        absorb(last.suites)
      }
      if (expanded.value.size === 0) expanded.value = new Set(list.map((f) => f.file))
      status.value = 'ready'
    } catch (err) {
      error.value = describeError(err)
      status.value = 'error'
    }
  }

  /** Results grouped by test (an `each` test's expansions under their base name): O(1) lookups for 10,000-row trees. */
  const resultIndex = computed(() => {
    const index = new Map<string, TestCaseResult[]>()
    for (const [key, r] of results.value) {
      const file = key.slice(0, key.indexOf('\u0000'))
      const base = r.name.replace(/ \[\d+\]$/, '')
      for (const name of base === r.name ? [r.name] : [r.name, base]) {
        const k = resultKey(file, name)
        const list = index.get(k)
        if (list) list.push(r)
        else index.set(k, [r])
      }
    }
    return index
  })

  function resultsFor(file: string, testName: string): TestCaseResult[] {
    return resultIndex.value.get(resultKey(file, testName)) ?? []
  }

  function statusOf(file: string, name: string): TestRowStatus {
    const key = resultKey(file, name)
    if (pending.value.has(key)) return 'queued'
    return results.value.get(key)?.status ?? 'idle'
  }

  /** The tests a request will run, marked queued so the tree shows progress as results arrive. */
  function markPending(request: TestRunRequest): void {
    const keys = new Set<string>()
    const failedOnly = request.failedOnly === true
    for (const f of files.value) {
      if (request.files && !request.files.includes(f.file)) continue
      for (const t of f.tests) {
        if (request.tests && !request.tests.some((r) => r.file === f.file && r.name === t.name)) continue
        if (failedOnly && !resultsFor(f.file, t.name).some((r) => r.status === 'failed' || r.status === 'error')) continue
        keys.add(resultKey(f.file, t.name))
      }
    }
    pending.value = keys
  }

  async function run(request: TestRunRequest): Promise<void> {
    if (running.value) return
    subscribe()
    runError.value = null
    progress.value = null
    markPending(request)
    try {
      runId.value = await api.test.run(request)
    } catch (err) {
      pending.value = new Set()
      runError.value = describeError(err)
    }
  }

  const runAll = () => run({})
  const runFile = (file: string) => run({ files: [file] })
  const runTest = (file: string, name: string) => run({ tests: [{ file, name }] })
  const runFailed = () => run({ failedOnly: true })

  async function cancel(): Promise<void> {
    if (!runId.value) return
    try {
      await api.test.cancel(runId.value)
    } catch (err) {
      runError.value = describeError(err)
    }
  }

  const hasFailures = computed(() => [...results.value.values()].some((r) => r.status === 'failed' || r.status === 'error'))

  function toggle(file: string): void {
    const next = new Set(expanded.value)
    if (next.has(file)) next.delete(file)
    else next.add(file)
    expanded.value = next
  }

  function matchesFilter(file: TestFileSummary, name: string, tags: string[], st: TestRowStatus): boolean {
    const q = filterText.value.trim().toLowerCase()
    if (q) {
      const hay = `${file.file} ${name} ${tags.map((t) => `#${t}`).join(' ')}`.toLowerCase()
      if (!q.split(/\s+/).every((w) => hay.includes(w))) return false
    }
    switch (statusFilter.value) {
      case 'failed':
        return st === 'failed' || st === 'error'
      case 'passed':
        return st === 'passed'
      case 'skipped':
        return st === 'skipped'
      default:
        return true
    }
  }

  /** The tree flattened for the virtualised list; recomputed only when its inputs change. */
  const rows = computed<TestRow[]>(() => {
    const out: TestRow[] = []
    const filtering = filterText.value.trim() !== '' || statusFilter.value !== 'all'
    for (const f of files.value) {
      const testRows: TestRow[] = []
      const statuses: TestRowStatus[] = []
      let passed = 0
      let failed = 0
      for (const t of f.tests) {
        const expansions = resultsFor(f.file, t.name).filter((r) => r.name !== t.name)
        const own = statusOf(f.file, t.name)
        const st: TestRowStatus = own === 'queued' ? 'queued' : expansions.length ? worstStatus(expansions.map((r) => r.status)) : own
        statuses.push(st)
        if (st === 'passed') passed++
        if (st === 'failed' || st === 'error') failed++
        if (!matchesFilter(f, t.name, t.tags, st)) continue
        const key = resultKey(f.file, t.name)
        const open = expanded.value.has(key)
        testRows.push({
          kind: 'test',
          key,
          file: f.file,
          name: t.name,
          tags: t.tags,
          line: t.line,
          status: t.skip && st === 'idle' ? 'skipped' : st,
          depth: 1,
          result: results.value.get(key) ?? null,
          expandable: expansions.length > 0,
          expanded: open,
        })
        if (open) {
          for (const r of expansions) {
            testRows.push({
              kind: 'test', key: resultKey(f.file, r.name), file: f.file, name: r.name, tags: t.tags, line: t.line,
              status: r.status, depth: 2, result: r, expandable: false, expanded: false,
            })
          }
        }
      }
      if (filtering && testRows.length === 0) continue
      const suiteError = suiteErrors.value.has(f.file) || f.problem ? 'error' : null
      const isOpen = expanded.value.has(f.file)
      out.push({
        kind: 'file',
        key: f.file,
        file: f,
        // A file whose tests are still queued is shown as running, not by its first result.
        status: suiteError ?? (statuses.includes('queued') ? 'running' : worstStatus(statuses)),
        expanded: isOpen,
        counts: { passed, failed, total: f.tests.length },
      })
      if (isOpen) out.push(...testRows)
    }
    return out
  })

  const selectedResult = computed(() => (selected.value ? results.value.get(resultKey(selected.value.file, selected.value.name)) ?? null : null))
  const selectedFile = computed(() => (selected.value ? files.value.find((f) => f.file === selected.value!.file) ?? null : null))

  /** States and transitions the selected test went through, for the graph. */
  const selectedPath = computed(() => {
    const r = selectedResult.value
    if (!r?.transcript) return null
    const states = new Set<string>()
    const transitions = new Set<string>()
    for (const turn of r.transcript) {
      for (const s of turn.path) states.add(s)
      for (const k of turn.transitions ?? []) transitions.add(k)
    }
    return { flow: selectedFile.value?.flow ?? null, states, transitions }
  })

  function select(ref: TestRef | null): void {
    selected.value = ref
  }

  return {
    files,
    status,
    error,
    results,
    suiteErrors,
    lastRun,
    runId,
    running,
    progress,
    runError,
    expanded,
    selected,
    selectedResult,
    selectedFile,
    selectedPath,
    filterText,
    statusFilter,
    rows,
    hasFailures,
    load,
    run,
    runAll,
    runFile,
    runTest,
    runFailed,
    cancel,
    toggle,
    select,
    statusOf,
  }
})
