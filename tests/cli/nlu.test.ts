// `flowbench nlu` through the real command: the sample flow with its dataset and by
// cross-validation, the JSON and HTML reports, the gates (exit 1), comparison, plugin NLU, and
// exit 2 with file:line:col for anything that cannot run. Never a stack trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NluComparison, NluReport } from '../../src-main/common/api-nlu'

const repo = join(__dirname, '../..')
const bin = join(repo, 'bin/flowbench.mjs')
const samples = join(repo, 'resources/samples')
const flow = join(samples, 'flows/support.flow.yaml')
const dataset = join(samples, 'datasets/support.nlu.yaml')
const STACK_FRAME = /^\s+at /m

function flowbench(args: string[], cwd = repo) {
  const r = spawnSync(process.execPath, [bin, 'nlu', ...args], { cwd, encoding: 'utf8', env: { ...process.env, FLOWBENCH_DEBUG: '' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

let tmp: string
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'flowbench-nlu-cli-'))
})
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

describe('flowbench nlu', () => {
  it('evaluates the sample flow on its dataset: tables, suggestion, exit 0', () => {
    const r = flowbench([flow, dataset])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^NLU evaluation of .*support\.flow\.yaml \(built-in NLU\) on dataset /)
    expect(r.stdout).toMatch(/accuracy\s+macro P\s+macro R\s+macro F1/)
    expect(r.stdout).toMatch(/\nreport_issue\s+\d\.\d\d\s+\d\.\d\d/)
    expect(r.stdout).toContain('Most confused (expected -> predicted):')
    expect(r.stdout).toMatch(/Suggested threshold: \d(\.\d+)? \(current 0\.7\)/)
  })

  it('writes a JSON report whose numbers hold together, and prints it with --format json', () => {
    const out = join(tmp, 'report.json')
    const r = flowbench([flow, dataset, '--json', out])
    expect(r.code).toBe(0)
    const report = JSON.parse(readFileSync(out, 'utf8')) as NluReport
    const stdout = JSON.parse(flowbench([flow, dataset, '--format', 'json']).stdout) as NluReport
    expect(stdout).toEqual(report)
    expect(report.mode).toBe('dataset')
    expect(report.summary.utterances).toBe(report.predictions.length)
    expect(report.summary.utterances).toBeGreaterThanOrEqual(40)
    expect(report.confusion.flat().reduce((a, b) => a + b, 0)).toBe(report.summary.utterances)
    expect(report.summary.correct).toBe(report.predictions.filter((p) => p.correct).length)
    expect(report.labels).toContain('none')
    expect(report.sweep.points).toHaveLength(21)
    expect(report.histogram).toHaveLength(10)
    expect(report.entities.map((e) => e.entity)).toEqual(['email'])
  })

  it('cross-validates the flow\'s own examples without a dataset, the same for the same seed', () => {
    const a = JSON.parse(flowbench([flow, '--format', 'json', '--folds', '4', '--seed', '9']).stdout) as NluReport
    const b = JSON.parse(flowbench([flow, '--format', 'json', '--folds', '4', '--seed', '9']).stdout) as NluReport
    expect(a).toEqual(b)
    expect(a.mode).toBe('cross-validation')
    expect(a.crossValidation).toMatchObject({ folds: 4, seed: 9 })
    expect(a.predictions.length).toBeGreaterThan(20)
    const text = flowbench([flow])
    expect(text.code).toBe(0)
    expect(text.stdout).toContain("5-fold cross-validation of the flow's examples (seed 1)")
  })

  it('writes a self-contained HTML report with inline SVG charts', () => {
    const out = join(tmp, 'nlu.html')
    expect(flowbench([flow, dataset, '--html', out]).code).toBe(0)
    const html = readFileSync(out, 'utf8')
    expect(html).toContain('<section class="nlu-report">')
    expect(html).toContain('aria-label="confusion matrix"')
    expect(html).toContain('aria-label="threshold sweep"')
    expect(html).not.toMatch(/<script|src="http|href="http/)
  })

  it('exits 1 when a gate is missed, 0 when it is met', () => {
    const report = JSON.parse(flowbench([flow, dataset, '--format', 'json']).stdout) as NluReport
    const acc = report.summary.accuracy
    const missed = flowbench([flow, dataset, '--min-accuracy', String(Math.min(1, acc + 0.05))])
    expect(missed.code).toBe(1)
    expect(missed.stderr).toMatch(/gate missed: accuracy \d+\.\d% is below --min-accuracy/)
    expect(flowbench([flow, dataset, '--min-accuracy', String(Math.max(0, acc - 0.05))]).code).toBe(0)
    const f1 = flowbench([flow, dataset, '--min-f1', '99%'])
    expect(f1.code).toBe(1)
    expect(f1.stderr).toContain('macro F1')
    expect(flowbench([flow, dataset, '--min-f1', '0.1', '--min-accuracy', '10%']).code).toBe(0)
  })

  it('compares with another version of the flow, and with a baseline report', () => {
    const better = join(tmp, 'support-better.flow.yaml')
    const text = readFileSync(flow, 'utf8').replace('  greet:\n    - hi\n', '  greet:\n    - hi\n    - good afternoon\n    - hi there anyone around\n')
    writeFileSync(better, text)
    const r = flowbench([flow, dataset, '--compare', better, '--format', 'json'])
    expect(r.code).toBe(0)
    const { comparison } = JSON.parse(r.stdout) as NluReport & { comparison: NluComparison }
    const greet = comparison.intents.find((d) => d.intent === 'greet')!
    expect(greet.deltaF1).toBeGreaterThan(0)
    expect(comparison.changed.map((c) => c.text)).toContain('good afternoon')
    const text2 = flowbench([flow, dataset, '--compare', better])
    expect(text2.stdout).toContain('Comparison: A = ')

    const baseline = join(tmp, 'baseline.json')
    flowbench([flow, dataset, '--json', baseline])
    const b = JSON.parse(flowbench([better, dataset, '--baseline', baseline, '--format', 'json']).stdout) as NluReport & { comparison: NluComparison }
    expect(b.comparison.intents.find((d) => d.intent === 'greet')!.deltaF1).toBeCloseTo(greet.deltaF1, 12)
  })

  it('uses the flow\'s NLU plugin, and without --no-plugins only', () => {
    const pluginFlow = join(repo, 'tests/fixtures/plugin-workspace/flows/nlu.flow.yaml')
    const ds = join(tmp, 'tier.nlu.yaml')
    writeFileSync(ds, 'utterances:\n  - { text: "which tier am I on", intent: account }\n  - { text: "show my account", intent: account }\n  - { text: "bye", intent: goodbye }\n')
    const on = JSON.parse(flowbench([pluginFlow, ds, '--format', 'json']).stdout) as NluReport
    expect(on.nlu).toBe('fixture_nlu')
    expect(on.predictions.map((p) => [p.predicted, p.confidence])).toEqual([['account', 0.93], ['account', 1], ['goodbye', 1]])
    const off = flowbench([pluginFlow, ds, '--format', 'json', '--no-plugins'])
    const report = JSON.parse(off.stdout) as NluReport
    expect(report.predictions.every((p) => p.predicted === 'none' && p.error !== null)).toBe(true)
    expect(report.notices.some((n) => n.severity === 'error' && /NLU failed on 3 of 3/.test(n.message))).toBe(true)
  })

  it('exits 2 for bad usage, missing files, files that do not parse and flows without intents', () => {
    const cases: Array<[string[], RegExp]> = []
    const badCsv = join(tmp, 'bad.nlu.csv')
    writeFileSync(badCsv, 'text,intent\nhello,greet\n"unclosed,greet\n')
    cases.push([[flow, badCsv], /bad\.nlu\.csv:3:1 a quoted field is never closed/])
    const badYaml = join(tmp, 'bad.nlu.yaml')
    writeFileSync(badYaml, 'utterances:\n  - { text: hi, intent: greet }\n  - { intent: greet }\n')
    cases.push([[flow, badYaml], /bad\.nlu\.yaml:3:5 the utterance has no `text`/])
    const brokenFlow = join(tmp, 'broken.flow.yaml')
    writeFileSync(brokenFlow, 'name: x\nstates: [\n')
    cases.push([[brokenFlow], /broken\.flow\.yaml:\d+:\d+ /])
    const noIntents = join(tmp, 'plain.flow.yaml')
    writeFileSync(noIntents, 'name: plain\ninitial_state: a\nstates:\n  a: { type: end }\n')
    cases.push([[noIntents], /declares no intents/])
    cases.push([[join(tmp, 'nope.flow.yaml')], /no such flow/])
    cases.push([[flow, join(tmp, 'nope.nlu.yaml')], /no such dataset/])
    cases.push([[flow, dataset, '--min-accuracy', 'high'], /--min-accuracy takes a number/])
    cases.push([[flow, '--folds', '1'], /--folds takes a whole number of at least 2/])
    cases.push([[flow, dataset, '--folds', '3'], /--folds and --seed apply to cross-validation/])
    cases.push([[flow, '--format', 'xml'], /unknown --format "xml"/])
    const notReport = join(tmp, 'not-report.json')
    writeFileSync(notReport, '{"a":1}')
    cases.push([[flow, dataset, '--baseline', notReport], /not an NLU report/])
    for (const [args, message] of cases) {
      const r = flowbench(args)
      expect({ args, code: r.code }).toEqual({ args, code: 2 })
      expect(r.stderr).toMatch(message)
      expect(r.stderr).not.toMatch(STACK_FRAME)
    }
  })

  it('leaves the sample workspace\'s tests and lint green with its datasets in it', () => {
    const test = spawnSync(process.execPath, [bin, 'test', samples], { encoding: 'utf8' })
    expect(test.stdout).toMatch(/71 passed/)
    expect(test.status).toBe(0)
    const lint = spawnSync(process.execPath, [bin, 'lint', samples], { encoding: 'utf8' })
    expect(lint.status).toBe(0)
  }, 120_000)
})
