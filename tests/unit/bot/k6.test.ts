// `flowbench load --export k6`: the script parses as an ES module, its options are what the
// scenario says (evaluated with stub k6 modules), and it RUNS: a small stand-in for the k6 API
// (synchronous http, check, sleep, metrics, __ENV) executes its default function against a real
// `flowbench api` server. k6's http calls are synchronous: the stand-in makes them so by handing
// each request to a worker thread and blocking on Atomics.wait until it has the answer.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { Worker } from 'node:worker_threads'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import vm from 'node:vm'
import * as acorn from 'acorn'
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest'
import { exportK6 } from '../../../src-main/core/bot/k6'
import { loadScenarioFile } from '../../../src-main/core/load'
import { REPO, SAMPLES } from './helpers'

const BIN = join(REPO, 'bin/flowbench.mjs')

const FETCHER = `
const { parentPort } = require('node:worker_threads')
parentPort.on('message', async ({ req, sab }) => {
  const flag = new Int32Array(sab, 0, 2)
  const bytes = new Uint8Array(sab, 8)
  let out
  try {
    const res = await fetch(req.url, { method: req.method, headers: req.headers, ...(req.body != null ? { body: req.body } : {}) })
    out = JSON.stringify({ status: res.status, body: await res.text() })
  } catch (err) {
    out = JSON.stringify({ status: 0, body: String(err) })
  }
  const encoded = new TextEncoder().encode(out)
  bytes.set(encoded.subarray(0, bytes.length))
  flag[1] = Math.min(encoded.length, bytes.length)
  Atomics.store(flag, 0, 1)
  Atomics.notify(flag, 0)
})`

/** Synchronous HTTP for the k6 stand-in. */
class SyncHttp {
  private readonly worker = new Worker(FETCHER, { eval: true })
  private readonly sab = new SharedArrayBuffer(8 + 4 * 1024 * 1024)

  request(req: { method: string; url: string; body: string | null; headers: Record<string, string> }): { status: number; body: string } {
    const flag = new Int32Array(this.sab, 0, 2)
    Atomics.store(flag, 0, 0)
    this.worker.postMessage({ req, sab: this.sab })
    if (Atomics.wait(flag, 0, 0, 30_000) === 'timed-out') throw new Error(`no answer to ${req.method} ${req.url} within 30 s`)
    return JSON.parse(new TextDecoder().decode(new Uint8Array(this.sab, 8, flag[1]).slice())) as { status: number; body: string }
  }

  close(): Promise<number> {
    return this.worker.terminate()
  }
}
const SCENARIO = join(SAMPLES, 'load/support.load.yaml')

interface Program {
  options: any
  run: () => void
}

/**
 * The script as a plain script over stub k6 modules: its three imports become bindings to the
 * stand-in, `export const options` and `export default function` plain declarations. Anything
 * else the module imports or exports fails the test (the stand-in would not be faithful).
 */
function instantiate(source: string, k6: Record<string, unknown>): Program {
  const ast = acorn.parse(source, { ecmaVersion: 'latest', sourceType: 'module' }) as any
  const edits: Array<{ start: number; end: number; text: string }> = []
  const modules: string[] = []
  for (const node of ast.body) {
    if (node.type === 'ImportDeclaration') {
      modules.push(node.source.value)
      const names = node.specifiers.map((s: any) => (s.type === 'ImportDefaultSpecifier' ? `${s.local.name} = __k6[${JSON.stringify(node.source.value)}].default` : `${s.local.name} = __k6[${JSON.stringify(node.source.value)}].${s.imported.name}`))
      edits.push({ start: node.start, end: node.end, text: `const ${names.join(', ')};` })
    } else if (node.type === 'ExportNamedDeclaration') {
      edits.push({ start: node.start, end: node.declaration.start, text: '' })
    } else if (node.type === 'ExportDefaultDeclaration') {
      expect(node.declaration.type).toBe('FunctionDeclaration')
      edits.push({ start: node.start, end: node.declaration.start, text: '' })
      edits.push({ start: node.declaration.start, end: node.declaration.start + 'function'.length, text: 'function __default' })
    }
  }
  expect(modules.sort()).toEqual(['k6', 'k6/http', 'k6/metrics'])
  let text = source
  for (const e of edits.sort((a, b) => b.start - a.start)) text = text.slice(0, e.start) + e.text + text.slice(e.end)
  const context = vm.createContext({ __k6: k6, __ENV: k6.__ENV, JSON, Object, Math: k6.Math ?? Math, console })
  return vm.runInContext(`${text}\n;({ options, run: __default })`, context) as Program
}

/** Stub k6 modules that only record (enough to evaluate the options). */
function inertK6(): Record<string, unknown> {
  class Metric {
    add() {}
  }
  return { k6: { check: () => true, sleep: () => {} }, 'k6/http': { default: {} }, 'k6/metrics': { Rate: Metric, Trend: Metric }, __ENV: {} }
}

describe('k6 export', () => {
  let script: string
  let warnings: string[]
  beforeAll(async () => {
    ;({ script, warnings } = exportK6(await loadScenarioFile(SCENARIO)))
  })

  it('is an ES module node can parse', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbench-k6-'))
    try {
      const file = join(dir, 'script.mjs')
      writeFileSync(file, script)
      const r = spawnSync(process.execPath, ['--check', file], { encoding: 'utf8' })
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    expect(script).toMatch(/^import http from 'k6\/http'$/m)
    expect(script).toMatch(/^import \{ check, sleep \} from 'k6'$/m)
  })

  it('maps the profile to a k6 scenario and the thresholds k6 can measure', () => {
    const { options } = instantiate(script, inertK6())
    expect(options.scenarios).toEqual({
      support: { executor: 'constant-arrival-rate', rate: 50, timeUnit: '1s', duration: '10s', preAllocatedVUs: 50, maxVUs: expect.any(Number), gracefulStop: '30s' },
    })
    expect(options.thresholds).toEqual({
      'http_req_duration{name:turn}': ['p(95)<500', 'p(99)<1000'],
      turn_errors: ['rate<0.02'],
      'http_reqs{name:turn}': ['rate>100'],
    })
  })

  it('says what it cannot map, in the script and as warnings', () => {
    expect(warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining('service_time_p95{state=detect_intent}'),
        expect.stringContaining('dropped_rate'),
        expect.stringContaining('mocks of create_ticket, crm_lookup'),
      ]),
    )
    for (const w of warnings) expect(script).toContain(`//  - ${w}`)
  })

  it('maps the other executors with their stages', async () => {
    const base = await loadScenarioFile(SCENARIO)
    const ramp = { ...base, plan: { ...base.plan, profile: { ...base.plan.profile, executor: 'ramping-vus' as const, start_vus: 2, stages: [{ target: 10, duration_ms: 30_000 }, { target: 0, duration_ms: 1500 }] } } }
    expect(instantiate(exportK6(ramp).script, inertK6()).options.scenarios.support).toEqual({
      executor: 'ramping-vus', startVUs: 2, stages: [{ duration: '30s', target: 10 }, { duration: '1500ms', target: 0 }], gracefulRampDown: '30s', gracefulStop: '30s',
    })
    const rate = { ...base, plan: { ...base.plan, profile: { ...base.plan.profile, executor: 'ramping-arrival-rate' as const, start_rate: 5, stages: [{ target: 40, duration_ms: 60_000 }] } } }
    expect(instantiate(exportK6(rate).script, inertK6()).options.scenarios.support).toMatchObject({ executor: 'ramping-arrival-rate', startRate: 5, timeUnit: '1s', stages: [{ duration: '60s', target: 40 }] })
    const vus = { ...base, plan: { ...base.plan, profile: { ...base.plan.profile, executor: 'constant-vus' as const, vus: 7 } } }
    expect(instantiate(exportK6(vus).script, inertK6()).options.scenarios.support).toEqual({ executor: 'constant-vus', vus: 7, duration: '10s', gracefulStop: '30s' })
  })
})

describe('k6 export, run against `flowbench api` by a k6 stand-in', () => {
  let child: ChildProcess
  let baseUrl = ''
  let apiKey = ''
  beforeAll(async () => {
    child = spawn(process.execPath, [BIN, 'api', SAMPLES, '--port', '0', '--rate-limit', '0', '--no-plugins'], { stdio: ['ignore', 'pipe', 'pipe'] })
    const line = await new Promise<string>((resolve, reject) => {
      const rl = createInterface({ input: child.stdout! })
      rl.once('line', resolve)
      child.once('exit', (code) => reject(new Error(`flowbench api exited with ${code}`)))
    })
    const m = /^Bot API available at (\S+) \(API key: (\S+)\)$/.exec(line)
    expect(m, line).not.toBeNull()
    baseUrl = m![1]!
    apiKey = m![2]!
  })
  afterAll(() => {
    child.kill('SIGINT')
  })

  it('runs the default function: sessions are created, every step is answered, every check passes', async () => {
    const { script } = exportK6(await loadScenarioFile(SCENARIO))
    const http = new SyncHttp()
    onTestFinished(() => void http.close())
    const requests: Array<{ method: string; url: string; status: number; name: string }> = []
    const checks = new Map<string, { passes: number; fails: number }>()
    const metrics = new Map<string, number[]>()
    let slept = 0
    let seed = 7
    const seeded = Object.create(Math) as Math
    seeded.random = () => ((seed = (seed * 16807) % 2147483647) - 1) / 2147483646
    const call = (method: string, url: string, body: string | null, params?: { headers?: Record<string, string>; tags?: { name?: string } }) => {
      const { status, body: text } = http.request({ method, url, body, headers: params?.headers ?? {} })
      requests.push({ method, url, status, name: params?.tags?.name ?? '' })
      return {
        status,
        body: text,
        json(path?: string) {
          let v: any = JSON.parse(text)
          for (const k of path ? path.split('.') : []) v = v?.[k]
          return v
        },
      }
    }
    class Metric {
      constructor(private readonly name: string) {}
      add(v: number | boolean) {
        const list = metrics.get(this.name) ?? []
        list.push(Number(v))
        metrics.set(this.name, list)
      }
    }
    const program = instantiate(script, {
      'k6/http': { default: { post: (u: string, b: string, p: any) => call('POST', u, b, p), del: (u: string, b: string | null, p: any) => call('DELETE', u, b, p) } },
      k6: {
        check(res: unknown, sets: Record<string, (r: unknown) => boolean>) {
          let all = true
          for (const [name, fn] of Object.entries(sets)) {
            const ok = fn(res)
            const c = checks.get(name) ?? { passes: 0, fails: 0 }
            if (ok) c.passes++
            else c.fails++
            checks.set(name, c)
            all &&= ok
          }
          return all
        },
        sleep(s: number) {
          slept += s
        },
      },
      'k6/metrics': { Rate: Metric, Trend: Metric },
      __ENV: { BASE_URL: baseUrl, API_KEY: apiKey },
      Math: seeded,
    })
    const iterations = 12
    for (let i = 0; i < iterations; i++) program.run()

    const sessions = requests.filter((r) => r.name === 'session')
    expect(sessions).toHaveLength(iterations)
    expect(sessions.every((r) => r.status === 201 && r.url === `${baseUrl}/v1/sessions`)).toBe(true)
    const turns = requests.filter((r) => r.name === 'turn')
    expect(turns.length).toBeGreaterThanOrEqual(iterations)
    expect(turns.every((r) => r.status === 200 && /\/v1\/sessions\/[\w-]+\/messages$/.test(r.url))).toBe(true)
    expect(requests.filter((r) => r.name === 'end').every((r) => r.method === 'DELETE' && r.status === 200)).toBe(true)
    expect(checks.get('session created')).toEqual({ passes: iterations, fails: 0 })
    expect(checks.get('turn answered')).toEqual({ passes: turns.length, fails: 0 })
    expect(checks.get('turn without errors')!.fails).toBe(0)
    expect(metrics.get('engine_time')).toHaveLength(turns.length)
    expect(metrics.get('turn_errors')!.every((v) => v === 0)).toBe(true)
    expect(slept).toBe(0) // the sample scenario has no think time
  }, 120_000)
})

describe('flowbench load --export k6 (the command)', () => {
  it('writes the script to stdout or --out, names what it cannot map on stderr, and refuses other formats', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbench-k6-cli-'))
    try {
      const toStdout = spawnSync(process.execPath, [BIN, 'load', SCENARIO, '--export', 'k6', '--duration', '30s'], { encoding: 'utf8', timeout: 60_000 })
      expect(toStdout.status).toBe(0)
      expect(toStdout.stdout).toMatch(/^\/\/ k6 load test exported by `flowbench load --export k6`/)
      expect(instantiate(toStdout.stdout, inertK6()).options.scenarios.support.duration).toBe('30s')
      expect(toStdout.stderr).toMatch(/warning: not in the k6 script: threshold dropped_rate/)
      const out = join(dir, 'script.js')
      const toFile = spawnSync(process.execPath, [BIN, 'load', SCENARIO, '--export', 'k6', '--out', out], { encoding: 'utf8', timeout: 60_000 })
      expect(toFile.status).toBe(0)
      expect(toFile.stdout).toBe('')
      expect(readFileSync(out, 'utf8')).toContain("import http from 'k6/http'")
      const bad = spawnSync(process.execPath, [BIN, 'load', SCENARIO, '--export', 'jmeter'], { encoding: 'utf8', timeout: 60_000 })
      expect(bad.status).toBe(2)
      expect(bad.stderr).toMatch(/--export takes k6/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
