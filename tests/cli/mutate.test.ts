// `flowbench mutate`, spawned for real on a small fixture workspace: report, exit codes, --min-score.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFixture } from '../unit/mutate/fixture'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const fx = writeFixture()
afterAll(() => fx.dispose())

function flowbench(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: fx.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('flowbench mutate', () => {
  it('prints the score, per operator and survivors with file:line:col and hints; writes JSON and HTML', () => {
    const r = flowbench(['mutate', '--workers', '2', '--json', 'out/m.json', '--html', 'out/m.html'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Mutation score: \d+(\.\d+)?%/)
    expect(r.stdout).toMatch(/change-template\s+\d/)
    expect(r.stdout).toMatch(/flows\/orders\.flow\.yaml:\d+:\d+ \[change-template\]/)
    expect(r.stdout).toMatch(/→ no test expects the reply of state done/)
    const json = JSON.parse(readFileSync(join(fx.root, 'out/m.json'), 'utf8'))
    expect(json).toMatchObject({ tool: 'flowbench', kind: 'mutation', workers: 2 })
    expect(json.summary.total).toBe(json.mutants.length)
    expect(readFileSync(join(fx.root, 'out/m.html'), 'utf8')).toContain('Mutation report')
  })

  it('exits 1 below --min-score and 0 at or above it', () => {
    const low = flowbench(['mutate', '--workers', '1', '--min-score', '100'])
    expect(low.code).toBe(1)
    expect(low.stderr).toMatch(/below --min-score 100%/)
    expect(flowbench(['mutate', '--workers', '1', '--min-score', '0']).code).toBe(0)
  })

  it('--operators and --max-mutants narrow the run, the same for the same --seed', () => {
    const a = flowbench(['mutate', '--workers', '1', '--operators', 'drop-transition,change-template', '--max-mutants', '4', '--seed', '9', '--json', 'out/a.json'])
    const b = flowbench(['mutate', '--workers', '1', '--operators', 'drop-transition,change-template', '--max-mutants', '4', '--seed', '9', '--json', 'out/b.json'])
    expect(a.code).toBe(0)
    const ja = JSON.parse(readFileSync(join(fx.root, 'out/a.json'), 'utf8'))
    const jb = JSON.parse(readFileSync(join(fx.root, 'out/b.json'), 'utf8'))
    expect(ja.mutants).toHaveLength(4)
    expect(new Set(ja.mutants.map((m: { operator: string }) => m.operator))).toEqual(new Set(['drop-transition', 'change-template']).size === 2 ? expect.any(Set) : new Set())
    for (const m of ja.mutants) expect(['drop-transition', 'change-template']).toContain(m.operator)
    expect(ja.mutants.map((m: { description: string }) => m.description)).toEqual(jb.mutants.map((m: { description: string }) => m.description))
  })

  it('exits 2 with a clear message for bad input, no stack trace', () => {
    for (const args of [['--operators', 'nope'], ['--max-mutants', '0'], ['--min-score', '120'], ['no/such/dir']]) {
      const r = flowbench(['mutate', ...args])
      expect(r.code, args.join(' ')).toBe(2)
      expect(r.stderr).toMatch(/flowbench|error/i)
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
    }
    expect(flowbench(['mutate', '--operators', 'nope']).stderr).toMatch(/unknown operator "nope"/)
    expect(existsSync(join(fx.root, 'no'))).toBe(false)
  })
})
