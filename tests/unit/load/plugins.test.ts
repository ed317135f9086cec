// Plugins under load, through the real worker pool (the built out/cli/load-worker.mjs): an
// integration the scenario does not mock goes to the workspace's plugin (loaded once per worker),
// its calls are measured as the integration's latency, and a plugin that fails only errors the
// turns that call it. Short real runs; no timing assertions.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { PluginLoadSpec } from '../../../src-main/core/plugins'
import { runLoadTest } from '../../../src-main/core/load/run'
import { loadScenarioFile, noMockWarning } from '../../../src-main/core/load/scenario'
import { unmockedIntegrations } from '../../../src-main/core/load/plugins'
import { CRASH_FLOW, CRASH_SCENARIO, METRICS_SCENARIO, loadWorkspace } from './fixtures'

const ws = loadWorkspace({ 'load/metrics.load.yaml': METRICS_SCENARIO, 'flows/crash.flow.yaml': CRASH_FLOW, 'load/crash.load.yaml': CRASH_SCENARIO }, { crashingPlugin: true })
afterAll(() => ws.cleanup())

const spec = (allowWorkspaceCode: boolean): PluginLoadSpec => ({ builtinDir: '', workspaceRoot: ws.root, allowWorkspaceCode, blockedAs: allowWorkspaceCode ? 'untrusted' : 'disabled' })

describe('plugins under load', () => {
  it("answers what the scenario does not mock with the workspace's plugin, and says so", async () => {
    const scenario = await loadScenarioFile(join(ws.root, 'load/metrics.load.yaml'))
    expect(unmockedIntegrations(scenario.plan)).toEqual(['metrics_query'])
    expect(scenario.warnings).toEqual([noMockWarning('metrics_query')])
    const result = await runLoadTest({ ...scenario, plan: { ...scenario.plan, plugins: spec(true) } })
    expect(result.totals.turns).toBeGreaterThan(0)
    expect(result.totals.errors).toBe(0)
    expect(result.passed).toBe(true)
    const calls = result.by_integration['metrics_query']!
    expect(calls.calls).toBeGreaterThan(0)
    expect(calls.failures).toBe(0)
    // The plugin's time is the integration's, so it is in the turn's latency.
    expect(calls.turn_p99_ms).toBeGreaterThanOrEqual(calls.call_p50_ms)
    expect(result.warnings).toContain('integration "metrics_query" has no mock: plugin "flowbench-plugin-metrics-translator" answers it, and its real latency counts in turn latency')
    expect(result.warnings).not.toContain(noMockWarning('metrics_query'))
  }, 30_000)

  it('without trust the plugin does not run: its calls fail and the warning stays', async () => {
    const scenario = await loadScenarioFile(join(ws.root, 'load/metrics.load.yaml'))
    const result = await runLoadTest({ ...scenario, plan: { ...scenario.plan, plugins: spec(false) } })
    expect(result.by_integration['metrics_query']!.failures).toBe(result.by_integration['metrics_query']!.calls)
    expect(result.by_integration['metrics_query']!.calls).toBeGreaterThan(0)
    expect(result.warnings).toContain(noMockWarning('metrics_query'))
  }, 30_000)

  it('a plugin that throws, rejects or answers garbage errors only the turns that call it', async () => {
    const scenario = await loadScenarioFile(join(ws.root, 'load/crash.load.yaml'))
    const result = await runLoadTest({ ...scenario, plan: { ...scenario.plan, plugins: spec(true) } })
    const broken = result.by_integration['broken_backend']!
    const fine = result.by_integration['fine_backend']!
    expect(broken.calls).toBeGreaterThan(0)
    expect(broken.failures).toBe(broken.calls)
    expect(fine.calls).toBeGreaterThan(0)
    expect(fine.failures).toBe(0)
    expect(result.totals.error_turns).toBe(broken.turns)
    expect(result.totals.completed_conversations).toBe(result.totals.conversations)
    expect(result.aborted).toBeUndefined()
  }, 30_000)
})
