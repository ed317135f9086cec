// `flowbench test --repeat N` and the quarantine tag, spawned for real on a workspace written
// here: a test whose outcome depends on retry jitter (each repetition has its own seed) is
// flaky; tagged `quarantine` it still runs and is reported, but does not fail the run.
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { XMLParser } from 'fast-xml-parser'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const WS = mkdtempSync(join(tmpdir(), 'flowbench-repeat-'))
afterAll(() => rmSync(WS, { recursive: true, force: true }))

mkdirSync(join(WS, 'flows'))
mkdirSync(join(WS, 'tests'))
writeFileSync(join(WS, 'flowbench.json'), '{ "name": "repeat" }\n')
// The retry waits backoff_ms × a seeded jitter, so the reported duration differs per repetition.
writeFileSync(join(WS, 'flows/jitter.flow.yaml'), `name: Jitter
initial_state: start
integrations:
  api: { retries: 1, backoff_ms: 1000 }
states:
  start:
    type: response
    config: { response_templates: { default: Ready } }
    transitions: [{ condition: any_input, target_state: call }]
  call:
    type: integration
    config: { integration_id: api }
    transitions:
      - { condition: integration_success, target_state: done }
      - { condition: integration_error, target_state: done }
  done:
    type: end
    config: { response_templates: { default: "took {integration_results.api.duration_ms} ms" } }
`)

function suite(tags: string): string {
  return `flow: ../flows/jitter.flow.yaml
mocks:
  integrations:
    api: [{ fail: error }, { respond: { status_code: 200 } }]
tests:
  - name: depends on retry timing
    tags: ${tags}
    steps:
      - user: go
        expect: { reply: "took 603 ms" }
  - name: stable
    steps:
      - user: go
        expect: { reply: { matches: "^took \\\\d+ ms$" } }
`
}

function flowbench(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: WS, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const json = (file: string) => JSON.parse(readFileSync(join(WS, file), 'utf8'))

describe('flowbench test --repeat', () => {
  it('marks a test whose outcome changed as flaky, with a stability score, in console, JSON, JUnit and HTML (exit 1)', () => {
    writeFileSync(join(WS, 'tests/jitter.test.yaml'), suite('[timing]'))
    const r = flowbench(['test', '--repeat', '5', '--reporter', 'console', '--reporter', 'json=out/r.json', '--reporter', 'junit=out/r.xml', '--reporter', 'html=out/r.html'])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('Flaky tests (1): the outcome changed between runs')
    expect(r.stdout).toContain('tests/jitter.test.yaml › depends on retry timing  stability 0.8: 1 passed, 4 failed, 0 errored of 5 runs')
    expect(r.stdout).not.toContain('quarantined')
    const report = json('out/r.json')
    const [flaky, stable] = report.suites[0].tests
    expect(flaky.status).toBe('failed')
    expect(flaky.stability).toEqual({ runs: 5, passed: 1, failed: 4, errors: 0, flaky: true, score: 0.8 })
    expect(stable.stability).toEqual({ runs: 5, passed: 5, failed: 0, errors: 0, flaky: false, score: 1 })
    expect(report.repeat).toBe(5)
    const xml = new XMLParser({ ignoreAttributes: false }).parse(readFileSync(join(WS, 'out/r.xml'), 'utf8'))
    const cases = xml.testsuites.testsuite.testcase
    const props = (c: { properties: { property: Array<Record<string, string>> } }) => Object.fromEntries(c.properties.property.map((p) => [p['@_name'], p['@_value']]))
    expect(props(cases[0])).toMatchObject({ flaky: 'true', stability_score: '0.8' })
    expect(props(cases[1])).toMatchObject({ flaky: 'false', stability_score: '1' })
    const html = readFileSync(join(WS, 'out/r.html'), 'utf8')
    expect(html).toContain('badge flaky')
    expect(html).toContain('(stability 0.8)')
  })

  it('without --repeat there is no stability field and the same test passes (its first run is reproducible)', () => {
    writeFileSync(join(WS, 'tests/jitter.test.yaml'), suite('[timing]'))
    const r = flowbench(['test', '--reporter', 'json=out/once.json'])
    expect(r.code).toBe(0)
    expect(json('out/once.json').suites[0].tests[0].stability).toBeUndefined()
  })
})

describe('the quarantine tag', () => {
  it('keeps a quarantined test in every report but out of the exit code', () => {
    writeFileSync(join(WS, 'tests/jitter.test.yaml'), suite('[quarantine]'))
    const r = flowbench(['test', '--repeat', '5', '--reporter', 'console', '--reporter', 'json=out/q.json', '--reporter', 'junit=out/q.xml', '--reporter', 'html=out/q.html'])
    expect(r.code).toBe(0)
    expect(r.stdout).toContain('1 passed, 1 failed')
    expect(r.stdout).toContain('1 quarantined failure (not counted)')
    expect(r.stdout).toContain('[quarantined: not counted]')
    expect(r.stdout).toContain('depends on retry timing [quarantined]  stability 0.8')
    const report = json('out/q.json')
    expect(report.summary).toMatchObject({ total: 2, passed: 1, failed: 1 })
    expect(report.quarantined).toEqual({ total: 1, failed: 1 })
    expect(report.suites[0].tests[0].quarantined).toBe(true)
    expect(report.suites[0].tests[1].quarantined).toBeUndefined()
    expect(readFileSync(join(WS, 'out/q.xml'), 'utf8')).toContain('<property name="quarantined" value="true"/>')
    expect(readFileSync(join(WS, 'out/q.html'), 'utf8')).toContain('badge quarantined')
  })

  it('a failure outside quarantine still fails the run', () => {
    writeFileSync(join(WS, 'tests/jitter.test.yaml'), suite('[quarantine]'))
    writeFileSync(join(WS, 'tests/broken.test.yaml'), `flow: ../flows/jitter.flow.yaml
mocks: { integrations: { api: { respond: { status_code: 200 } } } }
tests:
  - name: wrong reply
    steps: [{ user: go, expect: { reply: nope } }]
`)
    const r = flowbench(['test', '--repeat', '2', '--reporter', 'json=out/mixed.json'])
    rmSync(join(WS, 'tests/broken.test.yaml'))
    expect(r.code).toBe(1)
    expect(json('out/mixed.json').quarantined).toEqual({ total: 1, failed: 1 })
  })
})
