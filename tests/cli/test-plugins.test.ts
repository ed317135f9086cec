// `flowbench test` and `flowbench run` with a workspace's plugins, spawned for real against
// tests/fixtures/plugin-workspace: the plugins serve what tests do not mock, --no-plugins turns
// the workspace's own off, --plugin-dir adds folders, broken plugins are named once on stderr.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const WORKSPACE = join(REPO, 'tests/fixtures/plugin-workspace')
const out = mkdtempSync(join(tmpdir(), 'flowbench-test-plugins-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

function flowbench(args: string[], options: { cwd?: string; input?: string } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: options.cwd ?? REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    timeout: 60_000,
    ...(options.input !== undefined ? { input: options.input } : {}),
  })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(text).not.toMatch(/node:internal|Error: .*\n\s+at /)
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>

/** file › name → status. */
function outcomes(report: Record<string, any>): Record<string, string> {
  const result: Record<string, string> = {}
  for (const s of report.suites) for (const t of s.tests) result[`${s.file} › ${t.name}`] = t.status
  return result
}

const FUTURE_WARNING = 'flowbench: warning: plugin "flowbench-plugin-fixture-future": flowbench.apiVersion 2 is not supported; this Flowbench runs plugins written for apiVersion 1'
const NOT_CRASHING = ['tests/account.test.yaml', 'tests/flaky.test.yaml', 'tests/nlu.test.yaml'].map((f) => join(WORKSPACE, f))

describe('flowbench test with plugins', () => {
  it("runs the workspace's plugins for what tests do not mock; a broken plugin is named once on stderr", () => {
    const report = join(out, 'plugins.json')
    const r = flowbench(['test', ...NOT_CRASHING, '--reporter', 'console', '--reporter', `json=${report}`])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('5 passed, 0 failed, 0 errored, 0 skipped (5 total)')
    expect(r.stderr.split('\n').filter((l) => l.startsWith('flowbench: warning:'))).toEqual([FUTURE_WARNING])
    const json = readJson(report)
    expect(json.summary).toEqual({ total: 5, passed: 5, failed: 0, errors: 0, skipped: 0 })
    expect(json.plugins).toEqual([
      { name: 'flowbench-plugin-fixture-future', source: 'workspace', status: 'error', error: FUTURE_WARNING.replace('flowbench: warning: ', '') },
    ])
    expectNoStack(r.stderr)
  })

  it('a plugin that kills its thread errors its test; the run goes on and exits 1', () => {
    const report = join(out, 'all.json')
    const r = flowbench(['test', '--reporter', `json=${report}`], { cwd: WORKSPACE })
    expect(r.code).toBe(1)
    const json = readJson(report)
    expect(json.summary).toEqual({ total: 10, passed: 8, failed: 0, errors: 2, skipped: 0 })
    expect(outcomes(json)).toMatchObject({
      'tests/crash/crash.test.yaml › before the crashes': 'passed',
      'tests/crash/crash.test.yaml › a plugin that exits its thread': 'error',
      'tests/crash/crash.test.yaml › between the crashes': 'passed',
      'tests/crash/crash.test.yaml › a plugin that throws from a timer': 'error',
      'tests/crash/crash.test.yaml › after the crashes': 'passed',
    })
    // Without a console report on a stream the warning still reaches stderr, once.
    expect(r.stderr.split('\n').filter((l) => l.startsWith('flowbench: warning:'))).toEqual([FUTURE_WARNING])
    expectNoStack(r.stderr)
  })

  it('--no-plugins: the unmocked tests error with a message naming the integration and why', () => {
    const r = flowbench(['test', ...NOT_CRASHING, '--no-plugins'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('2 passed, 0 failed, 3 errored, 0 skipped (5 total)')
    expect(r.stdout).toContain(
      'integration "crm_lookup" has no mock in mocks.integrations and its plugin cannot run: plugin "flowbench-plugin-fixture-crm" is a workspace plugin and workspace plugins are disabled (--no-plugins)',
    )
    expect(r.stdout).toContain('settings.nlu names "fixture_nlu", which cannot run')
    expectNoStack(r.stdout)
    expectNoStack(r.stderr)
  })

  it('--plugin-dir adds a folder of plugins (it runs even with --no-plugins); one that does not exist is bad usage', () => {
    const r = flowbench(['test', join(WORKSPACE, 'tests/account.test.yaml'), '--no-plugins', '--plugin-dir', join(WORKSPACE, 'plugins/crm')])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('2 passed, 0 failed, 0 errored, 0 skipped (2 total)')
    const missing = flowbench(['test', WORKSPACE, '--plugin-dir', join(out, 'nowhere')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain(`--plugin-dir ${join(out, 'nowhere')} does not exist`)
    expectNoStack(missing.stderr)
  })
})

describe('flowbench run with plugins', () => {
  it('with piped stdin, the plugin answers the integration the flow calls', () => {
    const r = flowbench(['run', 'flows/account.flow.yaml'], { cwd: WORKSPACE, input: 'customer 42\n' })
    expect(r.code).toBe(0)
    expect(r.stdout.split('\n').filter(Boolean)).toEqual([
      'bot> Hello! Tell me anything and I will look up your account.',
      '[greeting]',
      'bot> Your tier is platinum.',
      '[show_tier]',
    ])
    expect(r.stderr).toContain(FUTURE_WARNING)
  })

  it('the flow\'s NLU plugin classifies the input', () => {
    const r = flowbench(['run', join(WORKSPACE, 'flows/nlu.flow.yaml')], { input: 'which tier am I on?\n' })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('bot> Here is your account.\n[account]')
  })

  it('--no-plugins: the call fails with the reason and the flow takes its error branch', () => {
    const r = flowbench(['run', 'flows/account.flow.yaml', '--no-plugins', '--json'], { cwd: WORKSPACE, input: 'customer 42\n' })
    expect(r.code).toBe(0)
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as Record<string, any>
    expect(last.state).toBe('crm_down')
    expect(last.integration_calls[0]).toMatchObject({
      id: 'crm_lookup',
      success: false,
      error: 'no_provider',
      message: 'integration "crm_lookup" cannot be called: plugin "flowbench-plugin-fixture-crm" is a workspace plugin and workspace plugins are disabled (--no-plugins)',
    })
  })

  it('--mocks: a mock replaces the plugin for its id', () => {
    const mocks = join(out, 'copper.mocks.yaml')
    writeFileSync(mocks, 'mocks:\n  integrations:\n    crm_lookup:\n      - respond: { data: { tier: copper } }\n')
    const r = flowbench(['run', 'flows/account.flow.yaml', '--mocks', mocks], { cwd: WORKSPACE, input: 'customer 42\n' })
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('bot> Your tier is copper.')
  })
})
