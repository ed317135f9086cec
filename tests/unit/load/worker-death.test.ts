// A worker thread that dies under `flowbench load` (a plugin that calls process.exit, or throws
// from a timer outside any call) is replaced and the run goes on: the conversations it had in
// flight count as interrupted with a worker_crashed turn error, a warning names the death, and
// turns keep coming after it. Workers that keep dying stop the run with a clear error, no hang.
// Real pool (the built out/cli/load-worker.mjs), short runs, no timing assertions.
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { PluginLoadSpec } from '../../../src-main/core/plugins'
import { runLoadTest, WORKER_CRASHED } from '../../../src-main/core/load/run'
import { loadScenarioFile } from '../../../src-main/core/load/scenario'
import type { LoadResult } from '../../../src-main/core/load/result'
import { loadWorkspace, type LoadWorkspace } from './fixtures'

const FLOW = `name: fragile
initial_state: greeting
states:
  greeting:
    type: response
    config: { response_templates: { default: Hello } }
    transitions:
      - condition: any_input
        target_state: call
  call:
    type: integration
    config: { integration_id: fragile_backend }
    transitions:
      - { condition: integration_success, target_state: done }
  done:
    type: response
    config: { response_templates: { default: Done. } }
    transitions:
      - { condition: any_input, target_state: greeting }
`

const SCENARIO = `flow: ../flows/fragile.flow.yaml
think_time: 150ms
conversations:
  - steps: ["hi", "again"]
profile: { executor: constant-arrival-rate, rate: 60, duration: 2s, warmup: 0, workers: 2 }
`

/** A workspace whose plugin serves fragile_backend with `call` as the handler's body (and `top` at module level). */
function fragileWorkspace(call: string, top = ''): LoadWorkspace {
  return loadWorkspace({
    'flows/fragile.flow.yaml': FLOW,
    'load/fragile.load.yaml': SCENARIO,
    'plugins/fragile/package.json': JSON.stringify({
      name: 'flowbench-plugin-fragile',
      version: '1.0.0',
      type: 'module',
      main: 'index.js',
      flowbench: { apiVersion: 1, integrations: ['fragile_backend'] },
    }),
    'plugins/fragile/index.js': `import { existsSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
${top}
// The first thread whose 20th call this is dies (the marker file keeps it to one death per run).
const marker = fileURLToPath(new URL('./died', import.meta.url))
const once = () => !existsSync(marker) && (writeFileSync(marker, ''), true)
let n = 0
export default {
  integrations: {
    fragile_backend: {
      call() {
        n++
        ${call}
        return Promise.resolve({ status_code: 200, data: { ok: true } })
      },
    },
  },
}
`,
  })
}

const spec = (ws: LoadWorkspace): PluginLoadSpec => ({ builtinDir: '', workspaceRoot: ws.root, allowWorkspaceCode: true, blockedAs: 'untrusted' })

async function runFragile(ws: LoadWorkspace): Promise<LoadResult> {
  const scenario = await loadScenarioFile(join(ws.root, 'load/fragile.load.yaml'))
  return runLoadTest({ ...scenario, plan: { ...scenario.plan, plugins: spec(ws) } })
}

/** The death warning, and the second the worker died in. */
function death(result: LoadResult): { warning: string; second: number } {
  const warning = result.warnings.find((w) => w.includes('died during the run'))
  expect(warning, result.warnings.join('\n')).toBeDefined()
  const at = /at (\d+(?:\.\d+)?) s/.exec(warning!)
  expect(at).not.toBeNull()
  return { warning: warning!, second: Math.floor(Number(at![1])) }
}

function expectRunWentOn(result: LoadResult, second: number): void {
  const crashed = result.errors_by_code[WORKER_CRASHED] ?? 0
  // The conversation whose call killed the thread was in flight at least.
  expect(crashed).toBeGreaterThan(0)
  expect(result.totals.interrupted).toBe(crashed)
  expect(result.aborted).toBeUndefined()
  // Every conversation that was not lost with the worker finished.
  expect(result.totals.completed_conversations + result.totals.interrupted).toBe(result.totals.conversations)
  // Throughput goes on after the death (the live worker, then the replacement).
  const after = result.timeline.filter((e) => e.t_s > second)
  expect(after.reduce((a, e) => a + e.turns, 0)).toBeGreaterThan(0)
  // The other turns succeeded: the only errors are the lost conversations'.
  expect(result.totals.error_turns).toBe(crashed)
}

describe('a load worker that dies', () => {
  const spaces: LoadWorkspace[] = []
  afterAll(() => spaces.forEach((ws) => ws.cleanup()))

  it('process.exit(1) on its 20th plugin call: replaced, the run completes, the death is counted and named', async () => {
    const ws = fragileWorkspace(`if (n === 20 && once()) process.exit(1)`)
    spaces.push(ws)
    const result = await runFragile(ws)
    const { warning, second } = death(result)
    expect(warning).toMatch(/^1 load worker died during the run \(worker [01] exited with code 1 at /)
    expect(warning).toContain('is lost')
    expect(warning).toContain('1 replacement joined the run')
    expectRunWentOn(result, second)
    expect(result.by_integration['fragile_backend']!.failures).toBe(0)
  }, 30_000)

  it('an error thrown from a setTimeout in the plugin (outside any call): the same', async () => {
    const ws = fragileWorkspace(`if (n === 20 && once()) setTimeout(() => { throw new Error('the backend timer exploded') }, 0)`)
    spaces.push(ws)
    const result = await runFragile(ws)
    const { warning, second } = death(result)
    expect(warning).toMatch(/worker [01] threw Error: the backend timer exploded at /)
    expectRunWentOn(result, second)
  }, 30_000)

  it('every call kills its worker: the run stops with a clear error instead of looping', async () => {
    const ws = fragileWorkspace(`process.exit(2)`)
    spaces.push(ws)
    await expect(runFragile(ws)).rejects.toThrow(/the load workers keep dying \(4 deaths within 10 s; the last: worker [01] exited with code 2\)/)
  }, 20_000)

  it('a plugin that kills its worker as it loads: the run never starts, and says why', async () => {
    const ws = fragileWorkspace('', 'process.exit(3)')
    spaces.push(ws)
    await expect(runFragile(ws)).rejects.toThrow(/the load workers keep dying \(4 deaths within 10 s; the last: worker [01] exited with code 3\)/)
  }, 20_000)
})
