// `flowbench test --changed [REF]`, spawned for real on a git repository made here from the
// sample workspace: exactly the tests whose recorded paths touch what changed run, plus new or
// edited test files; with no previous run everything runs; a REF that does not exist exits 2.
import { execFileSync, spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const work = mkdtempSync(join(tmpdir(), 'flowbench-changed-'))
const WS = join(work, 'ws')
const HOME = join(work, 'home')
cpSync(join(REPO, 'resources/samples'), WS, { recursive: true })
const git = (...args: string[]) => execFileSync('git', args, { cwd: WS, encoding: 'utf8' })
git('init', '-q')
git('add', '-A')
git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'samples')
afterAll(() => rmSync(work, { recursive: true, force: true }))

function flowbench(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: WS, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FLOWBENCH_HOME: HOME }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

type Report = { suites: Array<{ file: string; tests: Array<{ name: string; path?: { states: string[]; transitions: string[] } }> }> }
const read = (file: string): Report => JSON.parse(readFileSync(join(work, file), 'utf8'))
const ran = (r: Report) => r.suites.flatMap((s) => s.tests.map((t) => `${s.file} › ${t.name}`)).sort()

function editFile(path: string, from: string, to: string): () => void {
  const abs = join(WS, path)
  const original = readFileSync(abs, 'utf8')
  expect(original).toContain(from)
  writeFileSync(abs, original.replace(from, to))
  return () => writeFileSync(abs, original)
}

describe('flowbench test --changed', () => {
  it('with no previous run, runs everything and says so', () => {
    const r = flowbench(['test', '--changed', 'HEAD', '--reporter', 'console', '--reporter', `json=${join(work, 'first.json')}`])
    expect(r.code, r.stderr).toBe(0)
    expect(r.stdout).toMatch(/^Changed {3}all 71 tests: no recorded paths \(no previous run of this workspace\), so everything runs$/m)
    const first = read('first.json')
    expect(ran(first)).toHaveLength(71)
    // The report records each test's path (what later --changed runs match against).
    expect(first.suites[0]!.tests[0]!.path!.states.length).toBeGreaterThan(0)
  })

  it('after a recorded run, runs exactly the tests whose path enters the edited state (git: since HEAD)', () => {
    const restore = editFile('flows/support.flow.yaml', 'Thanks for contacting Acme support. Have a great day!', 'Bye for now!')
    try {
      const expected = read('first.json').suites.filter((s) => s.file === 'tests/support.test.yaml')
        .flatMap((s) => s.tests.filter((t) => t.path!.states.includes('goodbye')).map((t) => `${s.file} › ${t.name}`)).sort()
      expect(expected.length).toBeGreaterThan(0)
      const r = flowbench(['test', '--changed', 'HEAD', '--reporter', 'console', '--reporter', `json=${join(work, 'changed.json')}`])
      expect(r.stdout).toContain(`Changed   ${expected.length} of 71 tests: 1 state changed in flows/support.flow.yaml since HEAD`)
      expect(ran(read('changed.json'))).toEqual(expected)
    } finally {
      restore()
    }
  })

  it('adds every test of a new test file; a transition retargeted selects the tests that took it', () => {
    cpSync(join(WS, 'tests/deploy.test.yaml'), join(WS, 'tests/copy.test.yaml'))
    const restore = editFile('flows/metrics.flow.yaml', `      - condition: intent_match
        condition_value: capabilities
        target_state: capabilities`, `      - condition: intent_match
        condition_value: capabilities
        target_state: not_understood`)
    try {
      const first = read('first.json')
      const copies = first.suites.find((s) => s.file === 'tests/deploy.test.yaml')!.tests.map((t) => `tests/copy.test.yaml › ${t.name}`)
      const touching = first.suites.filter((s) => s.file === 'tests/metrics.test.yaml')
        .flatMap((s) => s.tests.filter((t) => t.path!.states.includes('understand')).map((t) => `${s.file} › ${t.name}`))
      const r = flowbench(['test', '--changed', 'HEAD', '--reporter', `json=${join(work, 'new.json')}`])
      expect(r.stderr).toMatch(/Changed {3}\d+ of \d+ tests: 1 state and 2 transitions changed in flows\/metrics\.flow\.yaml; \d+ tests in new or edited test files since HEAD/)
      expect(ran(read('new.json'))).toEqual([...copies, ...touching].sort())
    } finally {
      restore()
      rmSync(join(WS, 'tests/copy.test.yaml'))
    }
  })

  it('--changed-report takes the recorded paths from a JSON report; without REF it compares with that run', () => {
    const restore = editFile('flows/deploy.flow.yaml', 'Happy shipping!', 'Bye.')
    try {
      const r = flowbench(['test', '--changed', '--changed-report', join(work, 'first.json'), '--reporter', `json=${join(work, 'since.json')}`])
      expect(r.stderr).toMatch(/Changed {3}\d+ of 71 tests: 1 state changed in flows\/deploy\.flow\.yaml since the run in first\.json/)
      const expected = read('first.json').suites.filter((s) => s.file === 'tests/deploy.test.yaml')
        .flatMap((s) => s.tests.filter((t) => t.path!.states.includes('done')).map((t) => `${s.file} › ${t.name}`)).sort()
      expect(ran(read('since.json'))).toEqual(expected)
    } finally {
      restore()
    }
  })

  it('nothing changed: runs nothing, says so, exit 0', () => {
    const r = flowbench(['test', '--changed', 'HEAD'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('Changed   0 of 71 tests: nothing the tests touch changed since HEAD')
  })

  it('a REF that does not exist, or a report that is not one, exits 2 with a clear message', () => {
    const r = flowbench(['test', '--changed', 'no-such-branch'])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('--changed no-such-branch: no such commit')
    expect(r.stderr).not.toMatch(/^\s+at /m)
    writeFileSync(join(work, 'bogus.json'), '{"a":1}')
    const bad = flowbench(['test', '--changed', 'HEAD', '--changed-report', join(work, 'bogus.json')])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toContain('is not a Flowbench test report')
  })
})
