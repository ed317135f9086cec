// Load runs pass the plugins' generators to the engine: a flow whose response state `generate`s
// its reply with a plugin generator loads the plugins even though nothing needs an integration
// plugin, and its turns succeed under load. Real pool, a short run, no timing assertions.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runLoadTest } from '../../../src-main/core/load/run'
import { loadScenarioFile } from '../../../src-main/core/load/scenario'
import { pluginExtensions, unmockedIntegrations } from '../../../src-main/core/load/plugins'
import { loadWorkspace } from './fixtures'

const ws = loadWorkspace({
  'flows/story.flow.yaml': `name: story
initial_state: ask
states:
  ask:
    type: response
    config: { response_templates: { default: "What shall I tell?" } }
    transitions: [{ condition: any_input, target_state: tell }]
  tell:
    type: response
    config: { generate: { generator: story, prompt: "a time {input}" } }
    transitions: [{ condition: any_input, target_state: tell }]
`,
  'load/story.load.yaml': `flow: ../flows/story.flow.yaml
conversations:
  - steps: ["there", "again"]
profile: { executor: constant-arrival-rate, rate: 30, duration: 1s, warmup: 0, workers: 2 }
thresholds:
  error_rate: "== 0%"
`,
  'plugins/story/package.json': JSON.stringify({ name: 'flowbench-plugin-story', version: '1.0.0', type: 'module', main: 'index.js', flowbench: { apiVersion: 1, generators: ['story'] } }),
  'plugins/story/index.js': `export default { generators: { story: { async *generate(req, ctx) { for (const w of ('Once upon ' + req.prompt).split(/(?<= )/)) { await ctx.clock.sleep(1, ctx.signal); yield w } } } } }`,
})
afterAll(() => ws.cleanup())

describe('plugin generators under load', () => {
  it('a `generate` response state served by a plugin generator: every turn succeeds', async () => {
    const scenario = await loadScenarioFile(join(ws.root, 'load/story.load.yaml'))
    expect(unmockedIntegrations(scenario.plan)).toEqual([])
    expect(pluginExtensions(scenario.plan)).toEqual({ generators: ['story'], summarizers: [] })
    const result = await runLoadTest({ ...scenario, plan: { ...scenario.plan, plugins: { builtinDir: '', workspaceRoot: ws.root, allowWorkspaceCode: true, blockedAs: 'untrusted' } } })
    expect(result.totals).toMatchObject({ conversations: 30, completed_conversations: 30, turns: 60, error_turns: 0 })
    expect(result.errors_by_code).toEqual({})
    expect(result.by_state['tell']!.turns).toBe(60)
    expect(result.passed).toBe(true)
  }, 30_000)

  it('without trust the generator cannot run: the turns error and say so', async () => {
    const scenario = await loadScenarioFile(join(ws.root, 'load/story.load.yaml'))
    const result = await runLoadTest({ ...scenario, plan: { ...scenario.plan, plugins: { builtinDir: '', workspaceRoot: ws.root, allowWorkspaceCode: false, blockedAs: 'untrusted' } } })
    expect(result.totals.turns).toBe(60)
    expect(result.errors_by_code['generation_failed']).toBe(60)
    expect(result.passed).toBe(false)
  }, 30_000)
})
