// `flowbench generate`, spawned for real (bin/flowbench.mjs over the CLI the test set-up builds)
// on a copy of the sample workspace: exit codes, --out, stdout mode, --only-uncovered, and the
// written file passing under `flowbench test`.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parse } from 'yaml'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const work = mkdtempSync(join(tmpdir(), 'flowbench-generate-cli-'))
const WS = join(work, 'ws')
cpSync(join(REPO, 'resources/samples'), WS, { recursive: true })
afterAll(() => rmSync(work, { recursive: true, force: true }))

function flowbench(args: string[], cwd = WS) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function expectNoStack(text: string): void {
  expect(text).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
}

describe('flowbench generate', () => {
  it('--out writes a suite that `flowbench test` passes with 100% coverage of the flow (exit 0 both)', () => {
    const r = flowbench(['generate', 'flows/support.flow.yaml', '--out', 'tests/generated/support.test.yaml'])
    expect(r.code).toBe(0)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(/wrote \d+ tests to tests\/generated\/support\.test\.yaml: 13 states entered, 21 transitions taken/)
    const text = readFileSync(join(WS, 'tests/generated/support.test.yaml'), 'utf8')
    expect(parse(text).flow).toBe('../../flows/support.flow.yaml')
    const report = join(work, 'gen-report.json')
    const t = flowbench(['test', 'tests/generated/support.test.yaml', '--reporter', `json=${report}`, '--reporter', 'console'])
    expect(t.code).toBe(0)
    const json = JSON.parse(readFileSync(report, 'utf8'))
    expect(json.summary.failed + json.summary.errors).toBe(0)
    expect(json.coverage['flows/support.flow.yaml'].states.uncovered).toEqual([])
    expect(json.coverage['flows/support.flow.yaml'].transitions.uncovered).toEqual([])
  })

  it('without --out prints valid YAML on stdout (flow: relative to the current folder); the summary goes to stderr', () => {
    const r = flowbench(['generate', join(WS, 'flows/metrics.flow.yaml')], join(WS, 'tests'))
    expect(r.code).toBe(0)
    const doc = parse(r.stdout)
    expect(doc.flow).toBe('../flows/metrics.flow.yaml')
    expect(doc.tests.length).toBeGreaterThan(1)
    expect(r.stderr).toContain('12 states entered, 19 transitions taken')
  })

  it('exit 2 for a missing flow and for a flow that does not parse, naming file:line:col, without a stack', () => {
    const missing = flowbench(['generate', 'flows/nope.flow.yaml'])
    expect(missing.code).toBe(2)
    expect(missing.stderr).toContain('flows/nope.flow.yaml')
    expect(missing.stderr).toContain('no such file')
    writeFileSync(join(WS, 'flows/broken.flow.yaml'), 'name: x\ninitial_state: a\nstates:\n  a: [\n')
    const broken = flowbench(['generate', 'flows/broken.flow.yaml'])
    expect(broken.code).toBe(2)
    expect(broken.stderr).toMatch(/flows\/broken\.flow\.yaml:\d+:\d+ /)
    expectNoStack(broken.stderr)
    writeFileSync(join(WS, 'flows/broken.flow.yaml'), 'name: x\ninitial_state: a\nstates:\n  a:\n    type: end\n    transitions:\n      - { condition: always, target_state: zz }\n')
    const invalid = flowbench(['generate', 'flows/broken.flow.yaml'])
    expect(invalid.code).toBe(2)
    expect(invalid.stderr).toMatch(/flows\/broken\.flow\.yaml:7:\d+ states\.a\.transitions\[0\]\.target_state: unknown state "zz"/)
    rmSync(join(WS, 'flows/broken.flow.yaml'))
    expect(flowbench(['generate']).code).toBe(2)
  })

  it('lists what it cannot reach on stderr, keeping stdout valid YAML', () => {
    writeFileSync(join(WS, 'flows/island.flow.yaml'), [
      'name: Island', 'initial_state: a', 'states:',
      '  a: { type: response, config: { response_templates: { default: Hi } }, transitions: [{ condition: any_input, target_state: b }] }',
      '  b: { type: end, config: { response_templates: { default: Bye } } }',
      '  island: { type: end }', '',
    ].join('\n'))
    const r = flowbench(['generate', 'flows/island.flow.yaml'])
    rmSync(join(WS, 'flows/island.flow.yaml'))
    expect(r.code).toBe(0)
    expect(parse(r.stdout).tests).toHaveLength(1)
    expect(r.stderr).toContain('not covered (1):')
    expect(r.stderr).toContain('state island: no path from initial_state "a" leads to it')
  })

  it('exit 1 naming the test when the suite does not pass as written; the file keeps the tests that pass', () => {
    writeFileSync(join(WS, 'flows/position.flow.yaml'), [
      'name: Position', 'initial_state: a', 'intents: { "yes": ["yes please"] }', 'states:',
      '  a: { type: response, config: { response_templates: { default: "Hello {conversation_id}" } }, transitions: [{ condition: intent_match, condition_value: "yes", target_state: b, priority: 10 }, { condition: any_input, target_state: c }] }',
      '  b: { type: end, config: { response_templates: { default: B } } }',
      '  c: { type: end, config: { response_templates: { default: C } } }', '',
    ].join('\n'))
    const r = flowbench(['generate', 'flows/position.flow.yaml', '--out', 'tests/position.test.yaml'])
    rmSync(join(WS, 'flows/position.flow.yaml'))
    expect(r.code).toBe(1)
    expect(r.stderr).toMatch(/the generated test "a → [bc]" does not pass when run as written: step 0: .*the file holds only the tests that pass/)
    expect(parse(readFileSync(join(WS, 'tests/position.test.yaml'), 'utf8')).tests).toHaveLength(1)
    rmSync(join(WS, 'tests/position.test.yaml'))
  })

  it('--only-uncovered writes tests only for what a report left uncovered', () => {
    // A run of one test leaves most of the support flow uncovered.
    const report = join(work, 'partial.json')
    const t = flowbench(['test', 'tests/support.test.yaml', '--grep', 'idle', '--reporter', `json=${report}`])
    expect(existsSync(report)).toBe(true)
    const before = JSON.parse(readFileSync(report, 'utf8')).coverage['flows/support.flow.yaml']
    expect(t.code).toBe(0)
    expect(before.transitions.uncovered.length).toBeGreaterThan(0)
    const r = flowbench(['generate', 'flows/support.flow.yaml', '--only-uncovered', report, '--out', 'tests/gap.test.yaml'])
    expect(r.stderr).toMatch(/wrote \d+ tests/)
    expect(r.code).toBe(0)
    const doc = parse(readFileSync(join(WS, 'tests/gap.test.yaml'), 'utf8'))
    // Together, the earlier run and the gap tests cover everything.
    const both = join(work, 'both.json')
    const t2 = flowbench(['test', 'tests/gap.test.yaml', 'tests/support.test.yaml', '--reporter', `json=${both}`])
    expect(t2.code).toBe(0)
    expect(JSON.parse(readFileSync(both, 'utf8')).coverage['flows/support.flow.yaml'].transitions.uncovered).toEqual([])
    expect(doc.tests.length).toBeGreaterThan(0)
    rmSync(join(WS, 'tests/gap.test.yaml'))
  })

  it('--only-uncovered: exit 2 for a file that is not a Flowbench report or does not mention the flow', () => {
    writeFileSync(join(work, 'other.json'), JSON.stringify({ hello: 1 }))
    const notReport = flowbench(['generate', 'flows/support.flow.yaml', '--only-uncovered', join(work, 'other.json')])
    expect(notReport.code).toBe(2)
    expect(notReport.stderr).toContain('is not a Flowbench test report')
    const report = join(work, 'deploy-only.json')
    flowbench(['test', 'tests/deploy.test.yaml', '--reporter', `json=${report}`])
    const unrelated = flowbench(['generate', 'flows/support.flow.yaml', '--only-uncovered', report])
    expect(unrelated.code).toBe(2)
    expect(unrelated.stderr).toContain('does not mention flows/support.flow.yaml')
    expect(flowbench(['generate', 'flows/support.flow.yaml', '--only-uncovered', join(work, 'missing.json')]).code).toBe(2)
  })
})
