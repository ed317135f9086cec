// `flowbench lint` through the real command: exit codes, the JSON contract, workspace-relative
// paths and clean stderr (no stack traces).
import { describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

const repo = join(__dirname, '../..')
const fixtures = join(repo, 'tests/fixtures/lint')
const bin = join(repo, 'bin/flowbench.mjs')

function flowbench(args: string[], cwd: string) {
  const r = spawnSync(process.execPath, [bin, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FLOWBENCH_DEBUG: '' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** A stack frame line, as Node prints them. */
const STACK_FRAME = /^\s+at /m

interface LintReport {
  files: Array<{ file: string; findings: Array<Record<string, unknown>> }>
}

describe('flowbench lint', () => {
  it('exits 0 and reports no problems for a clean workspace (the default: the current folder\'s workspace)', () => {
    const r = flowbench(['lint'], join(fixtures, 'clean'))
    expect(r.stderr).toBe('')
    expect(r.stdout.trim()).toBe('no problems in 1 flow file')
    expect(r.code).toBe(0)
  })

  it('finds the workspace of the current folder from a subfolder', () => {
    const r = flowbench(['lint', '--format', 'json'], join(fixtures, 'clean/flows'))
    expect(r.code).toBe(0)
    expect((JSON.parse(r.stdout) as LintReport).files.map((f) => f.file)).toEqual(['flows/support.flow.yaml'])
  })

  it('exits 1 on errors and prints file:line:col severity rule message, grouped, with a summary', () => {
    const r = flowbench(['lint'], join(fixtures, 'errors'))
    expect(r.code).toBe(1)
    expect(r.stdout).toBe(
      'flows/pizza.flow.yaml:4:29 error invalid-regex intents.order[1]: invalid regular expression "/pizz?a(/": Unterminated group\n' +
      'flows/pizza.flow.yaml:14:7 error unknown-target states.order.transitions[1].target_state: unknown state "payment"\n' +
      '\n' +
      '2 errors, 0 warnings in 1 of 2 flow files\n',
    )
    expect(r.stderr).toBe('')
  })

  it('prints exactly the JSON contract, with paths relative to the workspace root', () => {
    const r = flowbench(['lint', '--format', 'json'], join(fixtures, 'errors'))
    expect(r.code).toBe(1)
    const report = JSON.parse(r.stdout) as LintReport
    expect(Object.keys(report)).toEqual(['files'])
    expect(report.files.map((f) => f.file)).toEqual(['flows/ok.flow.json', 'flows/pizza.flow.yaml'])
    expect(report.files[0]!.findings).toEqual([])
    expect(report.files[1]!.findings[1]).toEqual({
      rule: 'unknown-target', severity: 'error', message: 'unknown state "payment"', line: 14, column: 7,
      path: 'states.order.transitions[1].target_state',
    })
    for (const f of report.files.flatMap((x) => x.findings)) expect(Object.keys(f)).toEqual(['rule', 'severity', 'message', 'line', 'column', 'path'])
  })

  it('reports paths relative to the workspace root when given a file from elsewhere', () => {
    const r = flowbench(['lint', '--format', 'json', 'tests/fixtures/lint/errors/flows/pizza.flow.yaml'], repo)
    expect(r.code).toBe(1)
    expect((JSON.parse(r.stdout) as LintReport).files.map((f) => f.file)).toEqual(['flows/pizza.flow.yaml'])
  })

  it('exits 0 with warnings, and 1 with them under --strict', () => {
    const normal = flowbench(['lint', '--format', 'json'], join(fixtures, 'warnings'))
    expect(normal.code).toBe(0)
    const rules = (JSON.parse(normal.stdout) as LintReport).files[0]!.findings.map((f) => [f.rule, f.severity])
    expect(rules).toEqual([['missing-fallback', 'warning'], ['undefined-variable', 'warning'], ['unreachable-state', 'warning']])
    const strict = flowbench(['lint', '--strict'], join(fixtures, 'warnings'))
    expect(strict.code).toBe(1)
    expect(strict.stdout).toContain('0 errors, 3 warnings in 1 of 1 flow file')
  })

  it('exits 2 when a file does not parse, naming file:line:col on stderr without a stack trace', () => {
    const r = flowbench(['lint'], join(fixtures, 'syntax'))
    expect(r.code).toBe(2)
    expect(r.stderr).toMatch(/^flowbench: flows\/broken\.flow\.yaml:\d+:\d+ /)
    expect(r.stderr).not.toMatch(STACK_FRAME)
    expect(r.stdout).toContain('no problems in 1 flow file; 1 file could not be parsed (see stderr)')
  })

  it('exits 2 for a path that does not exist', () => {
    const r = flowbench(['lint', 'flows/nope.flow.yaml'], join(fixtures, 'clean'))
    expect(r.code).toBe(2)
    expect(r.stderr).toBe('flowbench: no such file or folder: flows/nope.flow.yaml\n')
    expect(r.stdout).toBe('')
  })

  it('exits 2 for bad usage', () => {
    const unknownOption = flowbench(['lint', '--no-such-option'], join(fixtures, 'clean'))
    expect(unknownOption.code).toBe(2)
    expect(unknownOption.stderr).toContain("unknown option '--no-such-option'")
    const badFormat = flowbench(['lint', '--format', 'xml'], join(fixtures, 'clean'))
    expect(badFormat.code).toBe(2)
    expect(badFormat.stderr).toBe('flowbench: unknown --format "xml" (text or json)\n')
    for (const r of [unknownOption, badFormat]) expect(r.stderr).not.toMatch(STACK_FRAME)
  })
})
