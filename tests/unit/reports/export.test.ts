// exportRun in every format: JUnit checked against the structure of the Ant/Jenkins JUnit XSD,
// JSON validated against the cli.md contract's schema, the HTML opened in Chromium offline with
// every request refused (summary, a failure's expected/actual, the coloured SVG graph), the PDF
// rendered, and redaction visible in each.
import { existsSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import Ajv from 'ajv'
import { XMLParser, XMLValidator } from 'fast-xml-parser'
import { chromium, type Browser } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exportRun, findChromium, ChromiumNotFoundError, type LoadedRun } from '../../../src-main/core/reports'
import { coverage, report, test, turn } from './builders'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../../..')
const WORKSPACE = join(REPO, 'tests/fixtures/runner/basic')
const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p))

function sampleRun(): LoadedRun {
  const transcript = [turn(null, null, ['Hello! How can I help you today?'], 'greeting'), turn(0, 'I need help, I am jane@example.com', ['Sorry, I did not get that.'], 'fallback_response')]
  const r = report(
    [
      test('greets and helps', 'passed', { transcript: [turn(null, null, ['Hello! Call 555-123-4567'], 'greeting')] }),
      test('falls back <badly>', 'failed', { transcript }),
      test('crm down', 'error'),
      test('later', 'skipped', { skip_reason: 'skip' }),
    ],
    { 'flows/support.flow.yaml': coverage(['goodbye'], ['greeting -> goodbye [intent_match bye]', 'fallback_response -> goodbye [any_input]']) },
  )
  return { kind: 'test', id: '20261122-100000-abcd', report: r, workspace: WORKSPACE }
}

const asText = (c: string | Buffer) => (typeof c === 'string' ? c : c.toString('utf8'))

/**
 * The Ant JUnit schema as Jenkins reads it (junit-4.xsd): which elements may hold which
 * children, and the attributes each requires. Returns every violation found.
 */
function junitViolations(xml: string): string[] {
  const problems: string[] = []
  const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', preserveOrder: true }).parse(xml) as Array<Record<string, unknown>>
  const CHILDREN: Record<string, string[]> = {
    testsuites: ['testsuite'],
    testsuite: ['properties', 'testcase', 'system-out', 'system-err'],
    properties: ['property'],
    // Jenkins' reader also takes properties inside a testcase (used for --repeat stability).
    testcase: ['properties', 'skipped', 'error', 'failure', 'system-out', 'system-err'],
  }
  const REQUIRED: Record<string, string[]> = {
    testsuite: ['name', 'tests', 'failures', 'errors'],
    testcase: ['name', 'classname', 'time'],
    failure: ['message', 'type'],
    error: ['message', 'type'],
    property: ['name', 'value'],
  }
  const NUMERIC = ['tests', 'failures', 'errors', 'skipped', 'time']
  const visit = (nodes: Array<Record<string, unknown>>, parent: string) => {
    for (const node of nodes) {
      const name = Object.keys(node).find((k) => k !== ':@')!
      if (name === '#text' || name === '?xml') continue
      if (parent && !(CHILDREN[parent] ?? []).includes(name)) problems.push(`<${name}> inside <${parent}>`)
      const attrs = (node[':@'] ?? {}) as Record<string, string>
      for (const a of REQUIRED[name] ?? []) if (attrs[`@${a}`] === undefined) problems.push(`<${name}> without ${a}`)
      for (const a of NUMERIC) if (attrs[`@${a}`] !== undefined && !/^\d+(\.\d+)?$/.test(attrs[`@${a}`]!)) problems.push(`<${name}> ${a}="${attrs[`@${a}`]}" is not a number`)
      if (name === 'testcase') {
        const kids = (node[name] as Array<Record<string, unknown>>).map((k) => Object.keys(k).find((x) => x !== ':@')!).filter((k) => k !== '#text')
        const order = ['properties', 'skipped', 'error', 'failure', 'system-out', 'system-err']
        const idx = kids.map((k) => order.indexOf(k))
        if (idx.some((v, i) => i > 0 && v < idx[i - 1]!)) problems.push(`testcase children out of order: ${kids.join(', ')}`)
        if (kids.filter((k) => k === 'skipped').length > 1) problems.push('two <skipped> in one testcase')
      }
      visit((node[name] as Array<Record<string, unknown>>) ?? [], name)
    }
  }
  const roots = doc.filter((n) => !('?xml' in n))
  if (roots.length !== 1 || !('testsuites' in roots[0]!)) problems.push('the root is not one <testsuites>')
  visit(roots, '')
  return problems
}

describe('exportRun: JUnit', () => {
  it('is well-formed, follows the JUnit XSD structure, and carries the transcript in system-out (redacted)', async () => {
    const out = await exportRun(sampleRun(), 'junit', { redact: true })
    const xml = asText(out.content)
    expect(XMLValidator.validate(xml)).toBe(true)
    expect(junitViolations(xml)).toEqual([])
    const parsed = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (n) => n === 'testcase' || n === 'testsuite' }).parse(xml)
    const suite = parsed.testsuites.testsuite[0]
    expect(suite).toMatchObject({ tests: '4', failures: '1', errors: '1', skipped: '1' })
    const [passed, failed, errored, skipped] = suite.testcase
    expect(passed['system-out']).toContain('bot: Hello! Call <phone-1>')
    expect(failed.failure.message).toContain('help_response')
    expect(failed['system-out']).toContain('step 0 user: I need help, I am <email-1>')
    expect(errored.error.message).toContain('crm failed')
    expect(skipped.skipped).toBeDefined()
    expect(xml).not.toContain('jane@example.com')
    expect(xml).toContain('<!-- Redacted: 1 email address, 1 phone number replaced by placeholders')
    expect(out).toMatchObject({ fileName: 'flowbench-20261122-100000-abcd-junit.xml', mimeType: 'application/xml', redaction: { counts: { email: 1, phone: 1 } } })
  })

  it('the checker itself catches a broken structure', () => {
    expect(junitViolations('<testsuites><testcase name="x"/></testsuites>')).toContain('<testcase> inside <testsuites>')
    expect(junitViolations('<testsuites><testsuite name="s" tests="1" failures="0" errors="0"><testcase name="x" time="0"><system-out/><failure message="m" type="t"/></testcase></testsuite></testsuites>')).toEqual([
      '<testcase> without classname',
      'testcase children out of order: system-out, failure',
    ])
  })
})

describe('exportRun: JSON', () => {
  const schema = JSON.parse(readFileSync(join(REPO, 'tests/fixtures/reports/test-report.schema.json'), 'utf8'))
  const ajv = new Ajv({ allErrors: true, formats: { 'date-time': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/ } })
  const validate = ajv.compile(schema)

  it('matches the contract of spec/cli.md and says what was redacted', async () => {
    const out = await exportRun(sampleRun(), 'json', { redact: true })
    const json = JSON.parse(asText(out.content))
    expect(validate(json), JSON.stringify(validate.errors)).toBe(true)
    expect(json.summary).toEqual({ total: 4, passed: 1, failed: 1, errors: 1, skipped: 1 })
    expect(json.redaction).toEqual({ redacted: true, counts: { email: 1, phone: 1 } })
    expect(JSON.stringify(json)).not.toContain('jane@example.com')
  })

  it('the schema rejects a report that breaks the contract', () => {
    expect(validate({ tool: 'flowbench', version: '0.1.0', started_at: 'yesterday', duration_ms: 1, summary: { total: 1 }, suites: [], coverage: {} })).toBe(false)
  })

  it('keeps personal data with redaction off', async () => {
    const out = await exportRun(sampleRun(), 'json', { redact: false })
    const json = JSON.parse(asText(out.content))
    expect(json.redaction).toEqual({ redacted: false, counts: {} })
    expect(JSON.stringify(json)).toContain('jane@example.com')
  })
})

describe('exportRun: Markdown', () => {
  it('has the counts table, the failing tests with their first failure, coverage and the redaction note', async () => {
    const md = asText((await exportRun(sampleRun(), 'md', { redact: true })).content)
    expect(md).toMatch(/^## Flowbench test report: ❌ failed/)
    expect(md).toContain('| 4 | 1 | 1 | 1 | 1 |')
    expect(md).toContain('| failed | falls back \\<badly\\> | `tests/support.test.yaml` | step 1 state: expected `"help_response"`, got `"fallback_response"` |')
    expect(md).toContain('| errored | crm down |')
    expect(md).toContain('| `flows/support.flow.yaml` | 3/4 (75.0%) | 2/4 (50.0%) |')
    expect(md).toContain('> Redacted: 1 email address, 1 phone number replaced by placeholders')
  })
})

describe.skipIf(!CHROMIUM)('exportRun: HTML and PDF in Chromium, offline', () => {
  let browser: Browser
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: CHROMIUM!, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update'] })
  }, 60_000)
  afterAll(async () => browser?.close())

  it('shows the summary, a failure\'s expected and actual, the transcript and the coloured flow graph, and fetches nothing', async () => {
    const out = await exportRun(sampleRun(), 'html', { redact: true })
    const html = asText(out.content)
    const context = await browser.newContext({ offline: true })
    const page = await context.newPage()
    const requests: string[] = []
    await page.route('**/*', (route) => {
      requests.push(route.request().url())
      return route.abort()
    })
    await page.setContent(html, { waitUntil: 'load' })
    expect(await page.locator('.card.failed b').textContent()).toBe('1')
    expect(await page.locator('.card.passed b').textContent()).toBe('1')
    expect(await page.locator('.card.error b').textContent()).toBe('1')
    const failure = page.locator('.box', { hasText: 'falls back <badly>' }).first()
    expect(await failure.locator('td.expected').first().textContent()).toBe('"help_response"')
    expect(await failure.locator('td.actual').first().textContent()).toBe('"fallback_response"')
    expect(await failure.textContent()).toContain('I need help, I am <email-1>')
    expect(await page.locator('.redaction').textContent()).toContain('1 email address, 1 phone number')
    const graph = page.locator('svg.flow-graph')
    expect(await graph.count()).toBe(1)
    expect(await graph.locator('.fg-node').count()).toBe(4)
    expect(await graph.locator('.fg-node.uncovered').getAttribute('data-state')).toBe('goodbye')
    expect(await graph.locator('.fg-node.covered').count()).toBe(3)
    expect(await graph.locator('.fg-edge.uncovered').count()).toBe(2)
    const box = await graph.boundingBox()
    expect(box!.width).toBeGreaterThan(100)
    expect(requests).toEqual([])
    expect(html).not.toContain('jane@example.com')
    await context.close()
  }, 60_000)

  it('prints a PDF through Chromium with every request refused', async () => {
    const out = await exportRun(sampleRun(), 'pdf', { redact: true, chromium: CHROMIUM! })
    const pdf = out.content as Buffer
    expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-')
    const pages = pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []
    expect(pages.length).toBeGreaterThanOrEqual(1)
    expect(out).toMatchObject({ fileName: 'flowbench-20261122-100000-abcd.pdf', mimeType: 'application/pdf' })
  }, 60_000)

  it('a load run\'s HTML is the load report with its charts and the redaction line', async () => {
    const result = JSON.parse(readFileSync(join(REPO, 'tests/fixtures/reports/load-result.json'), 'utf8'))
    const html = asText((await exportRun({ kind: 'load', id: 'l.json', result, workspace: null }, 'html', { redact: true })).content)
    expect(html).toContain('Flowbench load report')
    expect(html).toContain('<svg')
    expect(html).toContain('Redacted: emails, phone numbers and configured patterns were searched for; none found.')
  })
})

describe('findChromium', () => {
  it('names the configured browser that is missing, and says how to install one', () => {
    expect(() => findChromium('/nowhere/chromium')).toThrow(ChromiumNotFoundError)
    expect(() => findChromium('/nowhere/chromium')).toThrow(/FLOWBENCH_CHROMIUM names \/nowhere\/chromium/)
  })
})
