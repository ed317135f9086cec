// `flowbench report RUN`, spawned for real: each format from a result file and from the history,
// redaction on by default (workspace patterns and --redact-pattern), --no-redact, and exit 2 on bad input.
import { spawnSync } from 'node:child_process'
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLValidator } from 'fast-xml-parser'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const tmp = mkdtempSync(join(tmpdir(), 'flowbench-report-'))
const ws = join(tmp, 'ws')
const home = join(tmp, 'home')
const RESULT = join(tmp, 'run.json')
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p))
afterAll(() => rmSync(tmp, { recursive: true, force: true }))

function flowbench(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: ws, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FLOWBENCH_HOME: home, ...env }, timeout: 90_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

beforeAll(() => {
  cpSync(join(REPO, 'tests/fixtures/runner/basic'), ws, { recursive: true })
  // The bot now answers with personal data and a member number the workspace wants hidden.
  const flow = join(ws, 'flows/support.flow.yaml')
  writeFileSync(flow, readFileSync(flow, 'utf8').replace('default: "Goodbye!"', 'default: "Bye! Questions: care@shop.example or +44 20 7946 0958, member M123456"'))
  const settings = JSON.parse(readFileSync(join(ws, 'flowbench.json'), 'utf8'))
  writeFileSync(join(ws, 'flowbench.json'), JSON.stringify({ ...settings, redaction: { patterns: ['member=M\\d{6}'] } }))
  expect(flowbench(['test', '--transcripts', 'all', '--reporter', `json=${RESULT}`]).code).toBe(1)
}, 120_000)

describe('flowbench report', () => {
  it('writes a redacted Markdown summary to stdout by default patterns and the workspace\'s', () => {
    const r = flowbench(['report', RESULT, '--format', 'md'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^## Flowbench test report: ❌ failed/)
    expect(r.stdout).toContain('Questions: <email-1> or <phone-1>, member <member-1>')
    expect(r.stdout).not.toContain('care@shop.example')
    expect(r.stdout).not.toContain('M123456')
    expect(r.stdout).toContain('Redacted: 1 email address, 1 phone number, 1 member value')
  })

  it('--no-redact keeps the data and says so; --redact-pattern adds a pattern', () => {
    const plain = flowbench(['report', RESULT, '--format', 'json', '--no-redact'])
    expect(plain.code).toBe(0)
    const json = JSON.parse(plain.stdout)
    expect(json.redaction).toEqual({ redacted: false, counts: {} })
    expect(plain.stdout).toContain('care@shop.example')
    const extra = flowbench(['report', RESULT, '--format', 'json', '--redact-pattern', 'shop=Questions'])
    expect(JSON.parse(extra.stdout).redaction.counts).toMatchObject({ shop: 1, email: 1 })
  })

  it('writes HTML and JUnit files with --out, from the stored run too', () => {
    const html = join(tmp, 'out/report.html')
    const r = flowbench(['report', 'latest', '--format', 'html', '--out', html])
    expect(r.code).toBe(0)
    expect(r.stderr).toContain('wrote')
    const text = readFileSync(html, 'utf8')
    expect(text).toContain('<svg class="flow-graph"')
    expect(text).toContain('Redacted.')
    expect(text).not.toContain('care@shop.example')
    const junit = flowbench(['report', RESULT, '--format', 'junit'])
    expect(junit.code).toBe(0)
    expect(XMLValidator.validate(junit.stdout)).toBe(true)
    expect(junit.stdout).toContain('<system-out>')
  })

  it.skipIf(!CHROMIUM)('prints a PDF (only with --out)', () => {
    const pdf = join(tmp, 'report.pdf')
    const r = flowbench(['report', RESULT, '--format', 'pdf', '--out', pdf])
    expect(r.code, r.stderr).toBe(0)
    expect(readFileSync(pdf).subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const noOut = flowbench(['report', RESULT, '--format', 'pdf'])
    expect(noOut.code).toBe(2)
    expect(noOut.stderr).toContain('--format pdf needs --out FILE')
  }, 90_000)

  it('a missing browser is a clear error telling how to install one', () => {
    const r = flowbench(['report', RESULT, '--format', 'pdf', '--out', join(tmp, 'x.pdf')], { FLOWBENCH_CHROMIUM: '/nowhere/chromium' })
    expect(r.code).toBe(2)
    expect(r.stderr).toContain('FLOWBENCH_CHROMIUM names /nowhere/chromium')
  })

  it('exit 2 for an unknown format, a bad pattern, a broken file or an unknown run; no stack traces', () => {
    const cases = [
      flowbench(['report', RESULT, '--format', 'docx']),
      flowbench(['report', RESULT, '--redact-pattern', '(']),
      flowbench(['report', join(ws, 'flows/support.flow.yaml')]),
      flowbench(['report', 'zz-unknown']),
    ]
    for (const r of cases) {
      expect(r.code).toBe(2)
      expect(r.stderr).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m)
    }
    expect(cases[1]!.stderr).toContain('--redact-pattern "(": not a valid regular expression')
    expect(cases[2]!.stderr).toMatch(/support\.flow\.yaml:1:1: not valid JSON: unexpected "n" where a value belongs/)
    expect(cases[3]!.stderr).toContain('there is no run "zz-unknown"')
  })
})
