// `flowbench compare A B`, spawned for real: two runs of a fixture workspace, the second after a
// flow change that breaks a test and loses coverage; result files and stored runs; exit codes 0/1/2.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const tmp = mkdtempSync(join(tmpdir(), 'flowbench-compare-'))
const ws = join(tmp, 'ws')
const home = join(tmp, 'home')
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function flowbench(args: string[], cwd = ws) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FLOWBENCH_HOME: home }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}

const A = join(tmp, 'a.json')
const B = join(tmp, 'b.json')
const LOAD = join(REPO, 'tests/fixtures/reports/load-result.json')

beforeAll(() => {
  cpSync(join(REPO, 'tests/fixtures/runner/basic'), ws, { recursive: true })
  expect(flowbench(['test', '--transcripts', 'all', '--reporter', `json=${A}`]).code).toBe(0)
  // The goodbye reply changes (a test breaks) and "bye" no longer leads to goodbye (coverage drops).
  const flow = join(ws, 'flows/support.flow.yaml')
  writeFileSync(flow, readFileSync(flow, 'utf8').replace('default: "Goodbye!"', 'default: "See you!"'))
  expect(flowbench(['test', '--transcripts', 'all', '--reporter', `json=${B}`]).code).toBe(1)
}, 120_000)

describe('flowbench compare', () => {
  it('exit 1 on a regression: names the newly failing test and the changed reply', () => {
    const r = flowbench(['compare', A, B])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Newly failing (1)')
    expect(r.stdout).toContain('tests/support.test.yaml › says goodbye  [passed → failed]')
    expect(r.stdout).toContain('before: "Goodbye!"')
    expect(r.stdout).toContain('after:  "See you!"')
    expect(r.stdout).toMatch(/REGRESSION: 1 test newly failing/)
    expectNoStack(r.stderr)
  })

  it('exit 0 the other way round (a fix is no regression), and for a run against itself', () => {
    const back = flowbench(['compare', B, A])
    expect(back.code).toBe(0)
    expect(back.stdout).toContain('Newly passing (1)')
    expect(back.stdout).toContain('No regression.')
    expect(flowbench(['compare', A, A]).code).toBe(0)
  })

  it('--json is machine-readable; --md is Markdown for a pull request', () => {
    const json = flowbench(['compare', A, B, '--json'])
    expect(json.code).toBe(1)
    const c = JSON.parse(json.stdout)
    expect(c).toMatchObject({ kind: 'test', regression: true, reasons: ['1 test newly failing'] })
    expect(c.newlyFailing.map((t: { name: string }) => t.name)).toEqual(['says goodbye'])
    expect(c.changedReplies[0]).toMatchObject({ name: 'says goodbye', before: ['Goodbye!'], after: ['See you!'] })
    const md = flowbench(['compare', A, B, '--md'])
    expect(md.code).toBe(1)
    expect(md.stdout).toMatch(/^## Flowbench comparison: ❌ regression/)
    expect(md.stdout).toContain('### Newly failing (1)')
  })

  it('compares stored runs: latest against its predecessor by id prefix, and baseline when there is none', () => {
    const list = flowbench(['compare', 'latest', 'latest', '--json'])
    expect(list.code).toBe(0)
    const latest = JSON.parse(list.stdout).base.id as string
    expect(latest).toMatch(/^\d{8}-\d{6}-[0-9a-f]{4}$/)
    const noBaseline = flowbench(['compare', 'baseline', 'latest'])
    expect(noBaseline.code).toBe(2)
    expect(noBaseline.stderr).toMatch(/has no baseline test run/)
    expect(flowbench(['compare', A, latest.slice(0, 17)]).code).toBe(1)
  })

  it('compares two load results with the load tester\'s deltas', () => {
    const r = flowbench(['compare', LOAD, LOAD])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('turn_latency_p99')
    expect(r.stdout).toContain('within noise')
  })

  it('exit 2 for a missing file, a JSON syntax error (file, line, column), an unknown run and mixed kinds', () => {
    const missing = flowbench(['compare', A, join(tmp, 'nope.json')])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('nope.json: no such file')
    const broken = join(tmp, 'broken.json')
    writeFileSync(broken, '{\n  "summary": {},\n  "suites": [,]\n}\n')
    const syntax = flowbench(['compare', A, broken])
    expect(syntax.code).toBe(2)
    expect(syntax.stderr).toMatch(/broken\.json:3:14: not valid JSON: unexpected "," where a value belongs/)
    const unknown = flowbench(['compare', A, 'zz-no-such-run'])
    expect(unknown.code).toBe(2)
    expect(unknown.stderr).toContain('there is no run "zz-no-such-run" in the history')
    const mixed = flowbench(['compare', A, LOAD])
    expect(mixed.code).toBe(2)
    expect(mixed.stderr).toMatch(/cannot compare a test run .* with a load run/)
    const notResult = flowbench(['compare', A, join(ws, 'flowbench.json')])
    expect(notResult.code).toBe(2)
    expect(notResult.stderr).toContain('is not a Flowbench result')
    for (const r of [missing, syntax, unknown, mixed, notResult]) expectNoStack(r.stderr)
    expect(flowbench(['compare', A]).code).toBe(2)
    expect(flowbench(['compare', A, B, '--json', '--md']).code).toBe(2)
  })
})
