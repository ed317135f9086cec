// `flowbench test`, spawned for real (bin/flowbench.mjs over the CLI the test set-up builds)
// against the fixture workspaces in tests/fixtures/runner.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const BASIC = join(REPO, 'tests/fixtures/runner/basic')
const MIXED = join(REPO, 'tests/fixtures/runner/mixed')
const out = mkdtempSync(join(tmpdir(), 'flowbench-test-cmd-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

function flowbench(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** No stack trace: no "    at fn (file:line:col)" frames and no Node error banners. */
function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
  expect(text).not.toMatch(/node:internal|Error: .*\n\s+at /)
}

const readJson = (file: string) => JSON.parse(readFileSync(file, 'utf8')) as Record<string, any>

describe('flowbench test: exit codes', () => {
  it('0 when every test passes; the workspace tests are the default paths', () => {
    const r = flowbench(['test'], BASIC)
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('3 passed, 0 failed, 0 errored, 0 skipped (3 total)')
    expect(r.stdout).toContain('Coverage')
    expectNoStack(r.stderr)
  })

  it('1 when a test fails; an unparsable file is an errored suite with file:line:col and the other files still run', () => {
    const report = join(out, 'mixed.json')
    const r = flowbench(['test', MIXED, '--reporter', 'console', '--reporter', `json=${report}`])
    expect(r.code).toBe(1)
    expectNoStack(r.stdout)
    expectNoStack(r.stderr)
    const json = readJson(report)
    expect(json.summary).toEqual({ total: 4, passed: 2, failed: 1, errors: 1, skipped: 0 })
    const broken = json.suites.find((s: { file: string }) => s.file === 'tests/b-broken.test.yaml')
    expect(broken.error).toMatch(/^tests\/b-broken\.test\.yaml:\d+:\d+ /)
    expect(broken.tests[0].status).toBe('error')
    const failing = json.suites.find((s: { file: string }) => s.file === 'tests/c-failing.test.yaml')
    expect(failing.tests.map((t: { status: string }) => t.status)).toEqual(['failed', 'passed'])
    expect(failing.tests[0].failures.map((f: { field: string }) => f.field)).toEqual(['state', 'reply'])
    expect(failing.tests[0].failures[0]).toMatchObject({ step: 0, input: 'what is the weather', expected: 'help_response', actual: 'fallback_response' })
    // The console report names the file, line and column of the failing step.
    expect(r.stdout).toContain('tests/c-failing.test.yaml:6:9')
    expect(r.stdout).toMatch(/tests\/b-broken\.test\.yaml:\d+:\d+/)
  })

  it.each([
    [['test', 'no/such/folder'], /no such file or folder/],
    [['test', '--no-such-option'], /unknown option/],
    [['test', BASIC, '--shard', '3/2'], /--shard 3\/2/],
    [['test', BASIC, '--shard', 'half'], /--shard/],
    [['test', BASIC, '--workers', '0'], /--workers/],
    [['test', BASIC, '--repeat', 'often'], /--repeat/],
    [['test', BASIC, '--min-state-coverage', '120'], /--min-state-coverage/],
    [['test', BASIC, '--min-transition-coverage', 'most'], /--min-transition-coverage/],
    [['test', BASIC, '--grep', '('], /--grep/],
    [['test', BASIC, '--reporter', 'xml'], /unknown reporter "xml"/],
  ])('2 for bad usage: %j', (args, message) => {
    const r = flowbench(args as string[])
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(message)
    expectNoStack(r.stderr)
  })
})

describe('flowbench test: reports', () => {
  it('json to stdout is the contract, paths relative to the workspace root', () => {
    const r = flowbench(['test', join(BASIC, 'tests'), '--reporter', 'json'])
    expect(r.code).toBe(0)
    const json = JSON.parse(r.stdout) as Record<string, any>
    expect(json).toMatchObject({ tool: 'flowbench', version: '0.1.0', summary: { total: 3, passed: 3, failed: 0, errors: 0, skipped: 0 } })
    expect(json.suites[0]).toMatchObject({ file: 'tests/support.test.yaml', flow: 'flows/support.flow.yaml' })
    expect(json.suites[0].tests[0]).toMatchObject({ name: 'greets and helps', status: 'passed', failures: [], tags: ['smoke'] })
    expect(json.coverage['flows/support.flow.yaml']).toEqual({
      states: { covered: 4, total: 4, uncovered: [] },
      transitions: { covered: 4, total: 5, uncovered: ['fallback_response -> goodbye [any_input]'] },
    })
  })

  it('junit and html files, next to a console report', () => {
    const junit = join(out, 'deep/junit.xml')
    const html = join(out, 'report.html')
    const r = flowbench(['test', MIXED, '--reporter', `junit=${junit}`, '--reporter', `html=${html}`, '--reporter', 'console'])
    expect(r.code).toBe(1)
    const xml = readFileSync(junit, 'utf8')
    expect(XMLValidator.validate(xml)).toBe(true)
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '' }).parse(xml) as Record<string, any>
    expect(parsed.testsuites).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '0' })
    const page = readFileSync(html, 'utf8')
    expect(page).toContain('expects the wrong state')
    expect(page).not.toMatch(/https?:\/\//)
    expect(r.stdout).toContain('1 failed')
  })

  it('the same results with --workers 1 and --workers 2', () => {
    const a = join(out, 'w1.json')
    const b = join(out, 'w2.json')
    expect(flowbench(['test', MIXED, '--workers', '1', '--reporter', `json=${a}`]).code).toBe(1)
    expect(flowbench(['test', MIXED, '--workers', '2', '--reporter', `json=${b}`]).code).toBe(1)
    const strip = (j: Record<string, any>) => JSON.stringify(j, (k, v: unknown) => (['duration_ms', 'duration_us', 'started_at', 'workers'].includes(k) ? undefined : v))
    expect(strip(readJson(b))).toBe(strip(readJson(a)))
  })
})

describe('flowbench test: selection and gates', () => {
  it('--grep and --tag skip the others (still exit 0)', () => {
    const file = join(out, 'tag.json')
    expect(flowbench(['test', BASIC, '--tag', 'smoke', '--reporter', `json=${file}`]).code).toBe(0)
    expect(readJson(file).summary).toEqual({ total: 3, passed: 1, failed: 0, errors: 0, skipped: 2 })
    expect(flowbench(['test', BASIC, '--grep', '^says', '--reporter', `json=${file}`]).code).toBe(0)
    expect(readJson(file).suites[0].tests.map((t: { status: string }) => t.status)).toEqual(['skipped', 'passed', 'skipped'])
  })

  it('--shard 1/2 and 2/2 run every test once between them', () => {
    const names = [1, 2].map((i) => {
      const file = join(out, `shard${i}.json`)
      expect(flowbench(['test', BASIC, '--shard', `${i}/2`, '--reporter', `json=${file}`]).code).toBe(0)
      return readJson(file).suites.flatMap((s: { tests: Array<{ name: string }> }) => s.tests.map((t) => t.name))
    })
    expect(names).toEqual([['greets and helps'], ['says goodbye', 'falls back then helps']])
  })

  it('coverage gates: a missed minimum exits 1, P as 80 or 80%', () => {
    expect(flowbench(['test', BASIC, '--min-transition-coverage', '80%', '--min-state-coverage', '100']).code).toBe(0)
    const missed = flowbench(['test', BASIC, '--min-transition-coverage', '90'])
    expect(missed.code).toBe(1)
    expect(missed.stdout).toContain('missed')
  })

  it('--repeat gives each test a stability; --bail skips what follows a failure', () => {
    const file = join(out, 'repeat.json')
    expect(flowbench(['test', BASIC, '--repeat', '3', '--reporter', `json=${file}`]).code).toBe(0)
    const json = readJson(file)
    expect(json.summary.total).toBe(3)
    expect(json.suites[0].tests[0].stability).toEqual({ runs: 3, passed: 3, failed: 0, errors: 0, flaky: false, score: 1 })
    const bail = join(out, 'bail.json')
    expect(flowbench(['test', MIXED, '--bail', '--reporter', `json=${bail}`]).code).toBe(1)
    const b = readJson(bail)
    expect(b.bailed).toBe(true)
    // a-good passes, b-broken is the first failure: the failing suite's tests are skipped.
    expect(b.suites[2].tests.map((t: { status: string }) => t.status)).toEqual(['skipped', 'skipped'])
  })

  it('no test files under the path: a message and exit 1', () => {
    const r = flowbench(['test', join(BASIC, 'flows')])
    expect(r.code).toBe(1)
    expect(r.stderr).toContain('no test files')
    expect(existsSync(BIN)).toBe(true)
  })
})
