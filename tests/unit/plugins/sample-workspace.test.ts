// The sample workspace's example plugin: discovered and loaded from resources/samples/plugins,
// conformant, its committed build matching its source, and serving the ops copilot flow end to end.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { compileFlow, Engine, FakeClock } from '../../../src-main/core/engine'
import { loadFlowFile } from '../../../src-main/core/flow/load'
import { loadPlugins } from '../../../src-main/core/plugins'
import { assertPluginFolder } from '../../../src-main/core/plugins/conformance'

const REPO = join(__dirname, '../../..')
const SAMPLES = join(REPO, 'resources/samples')
const PLUGIN_DIR = join(SAMPLES, 'plugins/metrics-translator')

const temps: string[] = []
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

describe('the sample workspace plugin', () => {
  it('is discovered as a workspace plugin and runs once the workspace is trusted', async () => {
    const untrusted = await loadPlugins({ builtinDir: join(REPO, 'plugins'), workspaceRoot: SAMPLES, allowWorkspaceCode: false })
    expect(untrusted.plugins.find((p) => p.source === 'workspace')).toMatchObject({ name: 'flowbench-plugin-metrics-translator', status: 'untrusted', integrations: ['metrics_query'] })

    const set = await loadPlugins({ builtinDir: join(REPO, 'plugins'), workspaceRoot: SAMPLES, allowWorkspaceCode: true })
    expect(set.plugins.map((p) => [p.source, p.name, p.status])).toEqual([
      ['builtin', 'flowbench-plugin-http', 'loaded'],
      ['workspace', 'flowbench-plugin-metrics-translator', 'loaded'],
    ])
    expect(set.integrations.defaults('metrics_query')).toEqual({ timeout_ms: 5000, retries: 1, backoff_ms: 200 })
  })

  it('passes the conformance kit as the host loads it', async () => {
    await assertPluginFolder(PLUGIN_DIR, { requests: { metrics_query: { params: { service: 'auth-service', metric: 'cpu', range: '1h' } } } })
  })

  it('ships a build that matches its source', () => {
    const out = mkdtempSync(join(tmpdir(), 'fb-sample-build-'))
    temps.push(out)
    const r = spawnSync(process.execPath, [join(PLUGIN_DIR, 'build.mjs'), join(out, 'index.js')], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(readFileSync(join(out, 'index.js'), 'utf8'), 'dist/index.js is stale: run `npm run build` in resources/samples/plugins/metrics-translator').toBe(
      readFileSync(join(PLUGIN_DIR, 'dist/index.js'), 'utf8'),
    )
  })

  it('answers the ops copilot flow with a PromQL query and data the flow maps', async () => {
    const set = await loadPlugins({ builtinDir: join(REPO, 'plugins'), workspaceRoot: SAMPLES, allowWorkspaceCode: true })
    const { document } = await loadFlowFile(join(SAMPLES, 'flows/metrics.flow.yaml'))
    const engine = new Engine(compileFlow(document), { integrations: set.integrations.forFlow(document.integrations) })
    const conv = engine.createConversation({ clock: new FakeClock(Date.UTC(2026, 10, 22, 10)) })
    await conv.start()
    const turn = await conv.send({ type: 'message', text: 'show me CPU usage for auth-service over the last hour' })
    expect(turn.state).toBe('show_metrics')
    expect(turn.integration_calls).toMatchObject([{ id: 'metrics_query', success: true, request: { service: 'auth-service', metric: 'cpu', range: '1h' } }])
    expect((turn.integration_calls[0]!.data as { query: string }).query).toBe('rate(cpu_usage{service="auth-service"}[1h])')
    expect(turn.variables).toMatchObject({ metric_label: 'CPU usage', unit: '%', alert_threshold: 90 })
    expect(turn.replies[0]!.text).toMatch(/^CPU usage for auth-service, last 1h: \d+% now, peak \d+%, average \d+%\.$/)
  })
})
