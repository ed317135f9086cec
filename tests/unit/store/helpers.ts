// Shared pieces of the store tests: temp homes and workspaces, test reports and load results
// shaped like the runner's, and the store bundled to plain JS for child processes.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { build } from 'esbuild'
import type { LoadResult } from '../../../src-main/common/load-result'
import type { TestRunReport, TestCaseReport } from '../../../src-main/core/runner/model'

export const REPO = join(__dirname, '../../..')
export const FIXTURES = join(REPO, 'tests/fixtures/store')

export interface TempDirs {
  home: string
  workspace: string
  cleanup(): void
}

export function tempDirs(files: Record<string, string> = { 'flows/a.flow.yaml': 'name: a\n', 'flows/b.flow.yaml': 'name: b\n' }): TempDirs {
  const base = mkdtempSync(join(tmpdir(), 'fb-store-'))
  const home = join(base, 'home')
  const workspace = join(base, 'ws')
  mkdirSync(workspace, { recursive: true })
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(workspace, path)), { recursive: true })
    writeFileSync(join(workspace, path), text)
  }
  return { home, workspace, cleanup: () => rmSync(base, { recursive: true, force: true }) }
}

export function testCase(name: string, status: TestCaseReport['status'] = 'passed', tags: string[] = []): TestCaseReport {
  return {
    name,
    status,
    duration_ms: 2,
    failures: status === 'failed' ? [{ step: 1, input: 'hi', field: 'state', expected: 'a', actual: 'b', message: 'state was b, expected a' }] : [],
    tags,
    transcript: [{ step: null, state: 'greeting', messages: ['Hello'] } as never],
  }
}

export function testReport(overrides: Partial<TestRunReport> = {}, workspace = '/ws'): TestRunReport {
  return {
    tool: 'flowbench',
    version: '0.1.0',
    started_at: '2026-11-22T10:00:00.000Z',
    duration_ms: 1234,
    summary: { total: 2, passed: 1, failed: 1, errors: 0, skipped: 0 },
    suites: [{ file: 'tests/a.test.yaml', flow: 'flows/a.flow.yaml', name: 'a', duration_ms: 5, tests: [testCase('greets', 'passed', ['smoke']), testCase('helps', 'failed', ['help'])] }],
    coverage: { 'flows/a.flow.yaml': { states: { covered: 1, total: 2, uncovered: ['bye'] }, transitions: { covered: 1, total: 4, uncovered: ['a -> b [always]'] } } },
    coverage_total: { states: { covered: 1, total: 2, percent: 50 }, transitions: { covered: 1, total: 4, percent: 25 } },
    workspace,
    files: 1,
    workers: 1,
    repeat: 1,
    gates: [],
    bailed: false,
    cancelled: false,
    ...overrides,
  }
}

const pct = (p50: number) => ({ p50, p90: p50 * 2, p95: p50 * 3, p99: p50 * 4, p999: p50 * 5, max: p50 * 6 })

export function loadResult(overrides: Partial<LoadResult> = {}): LoadResult {
  return {
    tool: 'flowbench',
    kind: 'load',
    version: '0.1.0',
    scenario: 'load/a.load.yaml',
    started_at: '2026-11-22T11:00:00.000Z',
    duration_ms: 10_000,
    environment: { node: 'v20.20.2', cpus: 2, cpu_model: 'x', platform: 'linux', workers: 2, seed: 42, commit: null, flowbench: '0.1.0' },
    profile: { executor: 'constant-arrival-rate', rate: 10, stages: [], duration_ms: 10_000, arrivals: 'uniform', graceful_stop_ms: 1000, warmup_ms: 0 },
    totals: { turns: 1000, conversations: 100, errors: 2, dropped: 0, completed_conversations: 100, interrupted: 0, error_turns: 2, intent_fallbacks: 0, start_errors: 0 },
    throughput: { turns_per_s: 100, conversations_per_s: 10 },
    turn_latency_ms: pct(1),
    service_time_ms: pct(0.1),
    queue_wait_ms: pct(0),
    harness_lag_ms: pct(0),
    conversation_duration_ms: pct(10),
    integration_latency_ms: pct(0),
    errors_by_code: { timeout: 2 },
    thresholds: [{ name: 'turn_latency_p95', condition: '< 5ms', value: 3, unit: 'ms', passed: true }],
    passed: true,
    timeline: [],
    by_state: {},
    by_integration: {},
    by_flow: { 'flows/a.flow.yaml': { turns: 1000, conversations: 100, p50_ms: 1, p99_ms: 4 } },
    memory: { peak_rss_mb: 100, peak_heap_mb: 50 },
    event_loop: { worker_delay_p99_ms: 1, worker_delay_max_ms: 2 },
    load_generator: { bottleneck: false, reasons: [], harness_lag_p99_ms: 0, dispatch_late_max_ms: 0, main_utilization: 0.1, worker_utilization: 0.5, harness_share: 0.1 },
    warnings: [],
    histograms: { turn_latency: 'HISTFAAAA', service_time: '', queue_wait: '', harness_lag: '', conversation_duration: '', by_state: {} },
    ...overrides,
  }
}

/** The store bundled into one ESM file that child processes import (dependencies included). */
export async function bundleStore(dir: string): Promise<string> {
  const outfile = join(dir, 'store.mjs')
  await build({
    stdin: {
      contents: `export * from './src-main/core/store/index.ts'\nexport * from './src-main/core/store/history.ts'\nexport { withFileLock } from './src-main/core/store/lock.ts'\n`,
      resolveDir: REPO,
      loader: 'ts',
    },
    bundle: true,
    format: 'esm',
    platform: 'node',
    outfile,
    logLevel: 'silent',
    // proper-lockfile is CommonJS and requires Node built-ins.
    banner: { js: "import { createRequire as __fbRequire } from 'node:module'; const require = __fbRequire(import.meta.url);" },
  })
  return outfile
}
