// Tests and plugins (spec/plugins.md): what a test does not mock goes to the plugin serving it,
// a mock replaces the plugin for its id, a plugin's failure is an integration failure the flow
// handles, a plugin that kills its thread costs only its test, and plugins load only when a
// test needs one. Against tests/fixtures/plugin-workspace, in this thread and on real workers.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { PluginLoadSpec } from '../../../src-main/core/plugins'
import { FlowCache, runTestBatch, type BatchOptions } from '../../../src-main/core/runner/batch'
import type { TestRunReport } from '../../../src-main/core/runner/model'
import { planSuite } from '../../../src-main/core/runner/plan'
import { flowPluginInfo, needsPlugins } from '../../../src-main/core/runner/plugins'
import { runTests, type TestRunOptions } from '../../../src-main/core/runner/service'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const WORKSPACE = join(REPO, 'tests/fixtures/plugin-workspace')
const THROWS_ON_LOAD = join(REPO, 'tests/fixtures/plugins/workspace/plugins/throws-on-load')

const spec = (extra: Partial<PluginLoadSpec> = {}): PluginLoadSpec => ({
  builtinDir: join(REPO, 'plugins'),
  workspaceRoot: WORKSPACE,
  allowWorkspaceCode: true,
  blockedAs: 'disabled',
  ...extra,
})
const noPlugins = (): PluginLoadSpec => spec({ allowWorkspaceCode: false })

let logs: string
beforeEach(() => {
  logs = mkdtempSync(join(tmpdir(), 'flowbench-plugin-runs-'))
  // Read by the fixture plugin (in whichever thread it runs: workers copy the environment when they start).
  process.env.FLOWBENCH_FIXTURE_CALL_LOG = join(logs, 'calls.log')
  process.env.FLOWBENCH_FIXTURE_LOAD_LOG = join(logs, 'loads.log')
})
afterEach(() => {
  delete process.env.FLOWBENCH_FIXTURE_CALL_LOG
  delete process.env.FLOWBENCH_FIXTURE_LOAD_LOG
  rmSync(logs, { recursive: true, force: true })
})

const lines = (file: string): string[] => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [])
const calls = () => lines(join(logs, 'calls.log'))
const loads = () => lines(join(logs, 'loads.log'))

function run(paths: string[], options: Partial<TestRunOptions> = {}, runner: { inlineBelow?: number } = {}): Promise<TestRunReport> {
  return runTests({ root: WORKSPACE, paths: paths.map((p) => join(WORKSPACE, p)), ...options }, runner)
}

/** file › name → status, and the errors of errored tests. */
function outcomes(report: TestRunReport): Record<string, string> {
  const out: Record<string, string> = {}
  for (const s of report.suites) for (const t of s.tests) out[`${s.file} › ${t.name}`] = t.status
  return out
}

function errorOf(report: TestRunReport, name: string): string | undefined {
  for (const s of report.suites) for (const t of s.tests) if (t.name === name) return t.error
  return undefined
}

const FUTURE = {
  name: 'flowbench-plugin-fixture-future',
  source: 'workspace',
  status: 'error',
  error: 'plugin "flowbench-plugin-fixture-future": flowbench.apiVersion 2 is not supported; this Flowbench runs plugins written for apiVersion 1',
}

describe('which tests need plugins', () => {
  const flow = (file: string) => parse(readFileSync(join(WORKSPACE, 'flows', file), 'utf8')) as FlowDocument
  const plan = (tests: unknown[]) => planSuite({ flow: 'x', tests } as never, 0, 'f', 0)

  it('a test that calls an integration it does not mock, or needs the NLU plugin for an input without a snapshot', () => {
    const account = flowPluginInfo(flow('account.flow.yaml'))
    expect(account).toEqual({ integrations: ['crm_lookup'], nlu: undefined, generators: [], summarizer: undefined })
    const [unmocked, mocked] = plan([
      { name: 'a', steps: [{ user: 'x' }] },
      { name: 'b', mocks: { integrations: { crm_lookup: { respond: { data: {} } } } }, steps: [{ user: 'x' }] },
    ])
    expect(needsPlugins(account, unmocked!)).toBe(true)
    expect(needsPlugins(account, mocked!)).toBe(false)

    const nlu = flowPluginInfo(flow('nlu.flow.yaml'))
    expect(nlu).toEqual({ integrations: [], nlu: 'fixture_nlu', generators: [], summarizer: undefined })
    const [plain, snapshotted, strict] = plan([
      { name: 'a', steps: [{ user: 'x' }] },
      { name: 'b', mocks: { nlu: { x: { intent: 'account' } } }, steps: [{ user: 'x' }] },
      { name: 'c', mocks: { nlu_strict: true }, steps: [{ user: 'x' }] },
    ])
    expect(needsPlugins(nlu, plain!)).toBe(true)
    expect(needsPlugins(nlu, snapshotted!)).toBe(false)
    expect(needsPlugins(nlu, strict!)).toBe(false)

    const crash = flowPluginInfo(flow('crash.flow.yaml'))
    expect([...crash.integrations].sort()).toEqual(['crash_async', 'crash_exit'])
  })
})

describe('runTestBatch with plugins (the code path of the calling thread and of the workers)', () => {
  const options: BatchOptions = { repeat: 1, bail: false, transcripts: 'failures', testTimeoutMs: 10_000 }
  const account = parse(readFileSync(join(WORKSPACE, 'flows/account.flow.yaml'), 'utf8')) as FlowDocument
  const tests = () =>
    planSuite(
      {
        flow: 'x',
        tests: [
          { name: 'plugin', steps: [{ user: 'customer 1', expect: { reply: 'Your tier is platinum.' } }] },
          { name: 'mock', mocks: { integrations: { crm_lookup: { respond: { data: { tier: 'bronze' } } } } }, steps: [{ user: 'customer 2', expect: { reply: 'Your tier is bronze.' } }] },
        ],
      } as never,
      0,
      'account',
      0,
    ).map((t, i) => ({ ...t, index: i }))

  it('answers unmocked calls from the plugin, mocked ones from the mock, and reports broken plugins with the batch', async () => {
    const result = await runTestBatch({ flows: { account }, tests: tests(), options, plugins: spec({ revision: 'in-thread' }) }, new FlowCache())
    expect(result.outcomes.map((o) => [o.status, o.error])).toEqual([['passed', undefined], ['passed', undefined]])
    expect(calls()).toEqual(['crm_lookup test-0'])
    expect(result.plugins).toEqual([FUTURE])
  })

  it('without a plugin spec nothing is loaded and an unmocked integration is an error, as before', async () => {
    const result = await runTestBatch({ flows: { account }, tests: tests(), options }, new FlowCache())
    expect(result.outcomes.map((o) => o.status)).toEqual(['error', 'passed'])
    expect(result.outcomes[0]!.error).toBe('integration "crm_lookup" has no mock in mocks.integrations and no plugin serves it')
    expect(result.plugins).toBeUndefined()
    expect(calls()).toEqual([])
  })
})

describe('test runs with plugins', () => {
  it('a test without a mock calls the plugin and passes; a test with a mock never calls it', async () => {
    const report = await run(['tests/account.test.yaml'], { plugins: spec() })
    expect(outcomes(report)).toEqual({
      'tests/account.test.yaml › without a mock the plugin answers': 'passed',
      'tests/account.test.yaml › a mock replaces the plugin': 'passed',
    })
    // Conversation ids are test-<position in the run>: only the first test reached the plugin.
    expect(calls()).toEqual(['crm_lookup test-0'])
  })

  it('a plugin that throws is an integration error: the flow takes its integration_error branch', async () => {
    const report = await run(['tests/flaky.test.yaml'], { plugins: spec(), transcripts: 'all' })
    expect(report.summary).toMatchObject({ passed: 1, errors: 0, failed: 0 })
    const turn = report.suites[0]!.tests[0]!.transcript!.at(-1)!
    expect(turn.integration_calls[0]).toMatchObject({ id: 'flaky_api', success: false, error: 'exception', attempts: 2 })
    expect(turn.integration_calls[0]!.message).toContain('plugin "flowbench-plugin-fixture-crm" failed on "flaky_api": the backend exploded')
    // retries: 1 in the flow: two attempts.
    expect(calls()).toEqual(['flaky_api test-0', 'flaky_api test-0'])
  })

  it("the flow's NLU plugin answers inputs without a snapshot; a snapshot wins", async () => {
    const report = await run(['tests/nlu.test.yaml'], { plugins: spec() })
    expect(report.summary).toMatchObject({ total: 2, passed: 2 })
  })

  it('--no-plugins: an unmocked integration or NLU is a test error saying why; mocked tests still pass', async () => {
    const report = await run(['tests/account.test.yaml', 'tests/nlu.test.yaml'], { plugins: noPlugins() })
    expect(outcomes(report)).toEqual({
      'tests/account.test.yaml › without a mock the plugin answers': 'error',
      'tests/account.test.yaml › a mock replaces the plugin': 'passed',
      'tests/nlu.test.yaml › the NLU plugin understands what the built-in NLU does not': 'error',
      'tests/nlu.test.yaml › a snapshot wins over the NLU plugin': 'passed',
    })
    expect(errorOf(report, 'without a mock the plugin answers')).toBe(
      'integration "crm_lookup" has no mock in mocks.integrations and its plugin cannot run: plugin "flowbench-plugin-fixture-crm" is a workspace plugin and workspace plugins are disabled (--no-plugins)',
    )
    expect(errorOf(report, 'the NLU plugin understands what the built-in NLU does not')).toBe(
      'settings.nlu names "fixture_nlu", which cannot run (plugin "flowbench-plugin-fixture-crm" is a workspace plugin and workspace plugins are disabled (--no-plugins)), and mocks.nlu has no snapshot for "which tier am I on?"',
    )
    expect(calls()).toEqual([])
    expect(loads()).toEqual([])
  })

  it('a run whose tests mock everything loads no plugin (and so has none to report)', async () => {
    const report = await run(['tests/account.test.yaml'], { plugins: spec(), grep: 'a mock replaces' })
    expect(report.summary).toMatchObject({ passed: 1, skipped: 1 })
    expect(loads()).toEqual([])
    expect(report.plugins).toBeUndefined()
  })

  it('a plugin whose entry fails to load is reported once per run, however many threads loaded it', async () => {
    const report = await run(['tests/account.test.yaml', 'tests/flaky.test.yaml'], { plugins: spec({ extraDirs: [THROWS_ON_LOAD] }), workers: 2 }, { inlineBelow: 0 })
    expect(report.workers).toBe(2)
    expect(report.summary).toMatchObject({ total: 3, passed: 3 })
    // In the loader's order: built-in, extra folders, the workspace.
    expect(report.plugins!.map((p) => p.name)).toEqual(['flowbench-plugin-explodes', 'flowbench-plugin-fixture-future'])
    expect(report.plugins![0]).toMatchObject({ source: 'extra', status: 'error' })
    expect(report.plugins![0]!.error).toContain('failed to load')
  })

  it('without a plugins option the runner behaves as before: unmocked integrations are errors, nothing is reported', async () => {
    const report = await run(['tests/account.test.yaml'])
    expect(errorOf(report, 'without a mock the plugin answers')).toBe('integration "crm_lookup" has no mock in mocks.integrations and no plugin serves it')
    expect(report.plugins).toBeUndefined()
    expect(loads()).toEqual([])
  })
})

describe('plugins on worker threads', () => {
  const EXPECTED = {
    'tests/account.test.yaml › without a mock the plugin answers': 'passed',
    'tests/account.test.yaml › a mock replaces the plugin': 'passed',
    'tests/crash/crash.test.yaml › before the crashes': 'passed',
    'tests/crash/crash.test.yaml › a plugin that exits its thread': 'error',
    'tests/crash/crash.test.yaml › between the crashes': 'passed',
    'tests/crash/crash.test.yaml › a plugin that throws from a timer': 'error',
    'tests/crash/crash.test.yaml › after the crashes': 'passed',
    'tests/flaky.test.yaml › a plugin that throws takes the integration_error branch': 'passed',
    'tests/nlu.test.yaml › the NLU plugin understands what the built-in NLU does not': 'passed',
    'tests/nlu.test.yaml › a snapshot wins over the NLU plugin': 'passed',
  }

  it('through the pool with 2 workers: the same outcomes; a plugin that kills its thread errors only its test', async () => {
    const report = await run(['tests'], { plugins: spec(), workers: 2 }, { inlineBelow: 0 })
    expect(report.workers).toBe(2)
    expect(outcomes(report)).toEqual(EXPECTED)
    expect(errorOf(report, 'a plugin that exits its thread')).toContain('the worker thread running this test stopped unexpectedly')
    expect(errorOf(report, 'a plugin that throws from a timer')).toContain('crash_async: thrown from a timer')
    expect(report.plugins).toEqual([FUTURE])
  })

  it('a run small enough for this thread still runs the tests that need plugins on a worker thread', async () => {
    const report = await run(['tests'], { plugins: spec() })
    expect(report.workers).toBe(1)
    expect(outcomes(report)).toEqual(EXPECTED)
    // This thread never imported plugin code: every load was on a worker.
    expect(loads().length).toBeGreaterThan(0)
    expect(loads().every((l) => l !== 'loaded in thread 0')).toBe(true)
    // Several tasks (and a replaced thread) reported the broken plugin: the run names it once.
    expect(report.plugins).toEqual([FUTURE])
  })

  it('--no-plugins on the pool: the same errors as in this thread', async () => {
    const pooled = await run(['tests/account.test.yaml', 'tests/nlu.test.yaml'], { plugins: noPlugins(), workers: 2 }, { inlineBelow: 0 })
    const inline = await run(['tests/account.test.yaml', 'tests/nlu.test.yaml'], { plugins: noPlugins(), workers: 1 })
    expect(outcomes(pooled)).toEqual(outcomes(inline))
    expect(errorOf(pooled, 'without a mock the plugin answers')).toBe(errorOf(inline, 'without a mock the plugin answers'))
  })
})
