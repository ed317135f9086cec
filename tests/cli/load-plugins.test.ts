// `flowbench load` with the workspace's plugins, spawned for real on a copy of the sample
// workspace: the metrics-translator plugin answers metrics_query (which the scenario does not
// mock), --no-plugins turns it off (its calls fail and the warning says why), a plugin that
// fails only errors the turns that call it, and each run is recorded in the run history unless
// --no-history. Runs of 1.5 s.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { CRASH_FLOW, CRASH_SCENARIO, METRICS_SCENARIO, loadWorkspace } from '../unit/load/fixtures'

const REPO = join(__dirname, '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const ws = loadWorkspace({ 'load/metrics.load.yaml': METRICS_SCENARIO, 'flows/crash.flow.yaml': CRASH_FLOW, 'load/crash.load.yaml': CRASH_SCENARIO }, { crashingPlugin: true })
afterAll(() => ws.cleanup())

function flowbench(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ws.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FLOWBENCH_HOME: ws.home }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const readJson = (file: string) => JSON.parse(readFileSync(join(ws.root, file), 'utf8')) as Record<string, any>

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}

/** Load runs recorded in the history at $FLOWBENCH_HOME (one payload file per run). */
function recordedRuns(): string[] {
  const dir = join(ws.home, 'history')
  if (!existsSync(dir)) return []
  const out: string[] = []
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name))
      else if (/^\d{8}-\d{6}-[0-9a-f]+\.json$/.test(e.name)) out.push(e.name)
    }
  }
  walk(dir)
  return out
}

describe('flowbench load with plugins', () => {
  it("runs the workspace's plugin for an integration the scenario does not mock, and records the run", () => {
    const before = recordedRuns().length
    const r = flowbench(['load', 'load/metrics.load.yaml', '--json', 'metrics.json', '--quiet'])
    expect(r.stderr).not.toContain('has no mock in mocks.integrations')
    expect(r.code, r.stderr).toBe(0)
    const json = readJson('metrics.json')
    expect(json.by_integration.metrics_query.calls).toBeGreaterThan(0)
    expect(json.by_integration.metrics_query.failures).toBe(0)
    expect(json.totals.errors).toBe(0)
    expect(json.warnings).toContain('integration "metrics_query" has no mock: plugin "flowbench-plugin-metrics-translator" answers it, and its real latency counts in turn latency')
    expect(r.stdout).toContain('plugin "flowbench-plugin-metrics-translator" answers it')
    expect(recordedRuns().length).toBe(before + 1)
    expectNoStack(r.stderr)
  }, 60_000)

  it('--no-plugins: the calls fail (the flow takes its error branch) and the warning says so; --no-history records nothing', () => {
    const before = recordedRuns().length
    const r = flowbench(['load', 'load/metrics.load.yaml', '--json', 'off.json', '--quiet', '--no-plugins', '--no-history'])
    expect(r.code, r.stderr).toBe(0)
    const json = readJson('off.json')
    expect(json.by_integration.metrics_query.calls).toBeGreaterThan(0)
    expect(json.by_integration.metrics_query.failures).toBe(json.by_integration.metrics_query.calls)
    expect(r.stdout).toContain('warning: integration "metrics_query" has no mock in mocks.integrations: its calls fail (no_provider)')
    expect(recordedRuns().length).toBe(before)
    expectNoStack(r.stderr)
  }, 60_000)

  it('a plugin that throws, rejects or answers garbage errors only its own turns; the run ends normally', () => {
    const r = flowbench(['load', 'load/crash.load.yaml', '--json', 'crash.json', '--quiet', '--no-history'])
    expect(r.code, r.stderr).toBe(0)
    const json = readJson('crash.json')
    expect(json.by_integration.broken_backend.failures).toBe(json.by_integration.broken_backend.calls)
    expect(json.by_integration.fine_backend.failures).toBe(0)
    expect(json.totals.error_turns).toBe(json.by_integration.broken_backend.turns)
    expect(json.totals.completed_conversations).toBe(json.totals.conversations)
    expectNoStack(r.stderr)
  }, 60_000)

  it('--plugin-dir that is not a folder is bad usage (exit 2)', () => {
    const r = flowbench(['load', 'load/metrics.load.yaml', '--plugin-dir', 'nowhere'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--plugin-dir nowhere does not exist')
    expectNoStack(r.stderr)
  })
})
