// Plugins load and run inside a worker thread, as the runner's workers load them from the dirs
// passed in a task: the loader is bundled as it ships and driven from a real Worker.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import { build } from 'esbuild'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = join(__dirname, '../../..')
let dir: string

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'fb-plugins-worker-'))
  await build({ entryPoints: [join(REPO, 'src-main/core/plugins/index.ts')], bundle: true, format: 'esm', platform: 'node', outfile: join(dir, 'plugins.mjs'), logLevel: 'silent' })
  writeFileSync(
    join(dir, 'worker.mjs'),
    `import { parentPort, workerData } from 'node:worker_threads'
import { loadPluginsCached } from './plugins.mjs'
const log = { debug() {}, info() {}, warn() {}, error() {} }
const ctx = { signal: new AbortController().signal, clock: { now: () => 0, sleep: async () => {} }, log, integrationId: 'x', conversationId: 'w' }
const outcome = (p) => p.then((r) => ({ ok: r }), (e) => ({ failed: { name: e.name, code: e.code, message: e.message } }))
const first = await loadPluginsCached(workerData.options)
const again = await loadPluginsCached(workerData.options)
parentPort.postMessage({
  cached: first === again,
  statuses: first.plugins.map((p) => [p.name, p.status]),
  metrics: await outcome(first.integrations.call('metrics_query', { method: 'POST', params: { question: 'show me CPU usage for auth-service over the last hour' }, config: {} }, ctx)),
  throws: await outcome(first.integrations.call('throws', { method: 'GET', params: {}, config: {} }, ctx)),
  hangs: await outcome(first.integrations.call('hangs', { method: 'GET', params: {}, config: {} }, ctx)),
})
`,
  )
})

afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

describe('plugins in a worker thread', () => {
  it('load once per thread and turn misbehaviour into failures without harming the thread', async () => {
    const options = {
      builtinDir: join(REPO, 'plugins'),
      extraDirs: [join(REPO, 'resources/samples/plugins'), join(REPO, 'tests/fixtures/plugins/workspace/plugins/misbehaving')],
      allowWorkspaceCode: false,
      callTimeoutMs: 100,
    }
    const worker = new Worker(join(dir, 'worker.mjs'), { workerData: { options } })
    const message = await new Promise<Record<string, any>>((resolve, reject) => {
      worker.once('message', resolve)
      worker.once('error', reject)
    })
    await worker.terminate()
    expect(message.cached).toBe(true)
    expect(message.statuses).toEqual([
      ['flowbench-plugin-http', 'loaded'],
      ['flowbench-plugin-metrics-translator', 'loaded'],
      ['flowbench-plugin-misbehaving', 'loaded'],
    ])
    expect(message.metrics.ok.data.query).toBe('rate(cpu_usage{service="auth-service"}[1h])')
    expect(message.throws.failed).toMatchObject({ name: 'IntegrationError', code: 'exception' })
    expect(message.hangs.failed).toMatchObject({ name: 'IntegrationError', code: 'timeout' })
  })
})
