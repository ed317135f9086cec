import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DocumentParseError } from '../../../src-main/core/document/parse'
import { TestSuiteLoadError, loadTestSuiteFile, loadTestSuiteText } from '../../../src-main/core/flow/load'
import { expandEach } from '../../../src-main/core/flow/test-checks'

function problems(text: string, file = 'tests/t.test.yaml'): string[] {
  try {
    loadTestSuiteText(text, file)
  } catch (err) {
    expect(err).toBeInstanceOf(TestSuiteLoadError)
    expect(err).toBeInstanceOf(DocumentParseError)
    return (err as Error).message.split('\n')
  }
  throw new Error('the suite loaded, but problems were expected')
}

const SUITE = `flow: ../flows/support.flow.yaml
name: Support flow
defaults:
  user_profile: { returning_user: false }
mocks:
  nlu:
    "I need help": { intent: help, confidence: 0.92, entities: { topic: billing } }
  nlu_strict: false
  integrations:
    crm_lookup:
      - respond: { status_code: 200, data: { tier: gold }, delay_ms: 20 }
      - fail: timeout
tests:
  - name: greets and helps
    tags: [smoke]
    steps:
      - expect: { state: greeting, reply: "Hello! How can I help you today?" }
      - user: "I need help"
        expect:
          intent: help
          state: help_response
          reply: { contains: "here to help" }
          ended: true
      - wait: 30s
      - event: approve
        expect: { error: no_pending_approval }
`

describe('loadTestSuiteText', () => {
  it('loads the spec example as written', () => {
    const loaded = loadTestSuiteText(SUITE, 'tests/support.test.yaml')
    expect(loaded.file).toBe('tests/support.test.yaml')
    expect(loaded.document.flow).toBe('../flows/support.flow.yaml')
    expect(loaded.document.tests[0]!.steps).toHaveLength(4)
    expect(loaded.parsed.locate(['tests', 0, 'steps', 1, 'user'])).toEqual({ line: 18, column: 15 })
  })

  it('loads a JSON suite', () => {
    const json = JSON.stringify({ flow: 'f.flow.json', tests: [{ name: 't', steps: [{ user: 'hi', expect: { replies: ['a', { matches: '^b' }] } }] }] })
    expect(loadTestSuiteText(json, 'tests/t.test.json').document.tests[0]!.name).toBe('t')
  })

  it('names a YAML syntax error with line and column', () => {
    const err = (() => { try { loadTestSuiteText('flow: x\ntests: [\n', 't.test.yaml') } catch (e) { return e as TestSuiteLoadError } })()!
    expect(err.stage).toBe('syntax')
    expect(err.message).toMatch(/^t\.test\.yaml:\d+:\d+ /)
  })

  it('names schema problems at their keys', () => {
    expect(problems(`flow: f.flow.yaml
tests:
  - name: one
    steps:
      - user: hi
        expect: { stat: greeting }
      - wait: soon
      - event: maybe
  - steps: []
`)).toEqual([
      'tests/t.test.yaml:6:19 tests[0].steps[0].expect.stat: unknown key "stat"; expected one of reply, replies, no_reply, state, path, intent, confidence, entities, slots, variables, missing_slots, integration_calls, workflow, ended, error, context',
      'tests/t.test.yaml:7:9 tests[0].steps[1].wait: must be a duration <n>(ms|s|m|h), e.g. "30s", not the string "soon"',
      'tests/t.test.yaml:8:9 tests[0].steps[2].event: must be one of approve, reject',
      'tests/t.test.yaml:9:5 tests[1].name: required',
    ])
  })

  it('requires flow and tests', () => {
    expect(problems('name: x\n')).toEqual(['tests/t.test.yaml:1:1 flow: required', 'tests/t.test.yaml:1:1 tests: required'])
  })

  it('rejects a mock that is neither respond nor fail', () => {
    expect(problems('flow: f\nmocks:\n  integrations:\n    crm: [{ fial: timeout }]\ntests: []\n')).toEqual([
      'tests/t.test.yaml:4:11 mocks.integrations.crm[0]: must have respond or fail',
    ])
  })

  it('requires each step to do one thing; only the first may hold just expect', () => {
    expect(problems(`flow: f
tests:
  - name: t
    steps:
      - expect: { state: a }
      - user: hi
        wait: 1s
      - expect: { state: b }
`)).toEqual([
      'tests/t.test.yaml:6:9 tests[0].steps[1]: a step does one thing: it has user and wait; split it into 2 steps',
      'tests/t.test.yaml:8:9 tests[0].steps[2]: a step needs user, event or wait (only the first step may hold just expect, to check what start produced)',
    ])
  })

  it('rejects an invalid matches regex in any expectation', () => {
    expect(problems(`flow: f
tests:
  - name: t
    steps:
      - user: hi
        expect: { reply: { matches: "(" }, slots: { zip: { matches: "/\\\\d+/q" } } }
`)).toEqual([
      'tests/t.test.yaml:6:28 tests[0].steps[0].expect.reply.matches: invalid regular expression "(": Unterminated group',
      'tests/t.test.yaml:6:60 tests[0].steps[0].expect.slots.zip.matches: invalid regular expression "/\\d+/q": unknown flags "q"',
    ])
  })

  it('checks `each` tests once per parameter map, after ${param} substitution', () => {
    const text = `flow: f
tests:
  - name: decides
    each:
      - { decision: approve, pause: 30s, n: 1 }
      - { decision: veto, pause: later, n: 2 }
    steps:
      - event: \${decision}
      - wait: \${pause}
      - user: "number \${n}"
`
    expect(problems(text)).toEqual([
      'tests/t.test.yaml:8:9 tests[0].steps[0].event: must be one of approve, reject (with each[1])',
      'tests/t.test.yaml:9:9 tests[0].steps[1].wait: must be a duration <n>(ms|s|m|h), e.g. "30s", not the string "later" (with each[1])',
    ])
    expect(() => loadTestSuiteText(text.replace('veto', 'reject').replace('later', '5m'), 't.test.yaml')).not.toThrow()
  })

  it('expands each with typed exact references and textual ones', () => {
    const [a, b] = expandEach({ name: 'n ${x}', each: [{ x: 1, y: true }, { x: 'two', y: false }], steps: [{ user: '${x}', expect: { ended: '${y}', reply: 'is ${x} ${unknown}' } }] })
    expect(a).toEqual({ name: 'n 1', each: [{ x: 1, y: true }, { x: 'two', y: false }], steps: [{ user: 1, expect: { ended: true, reply: 'is 1 ${unknown}' } }] })
    expect((b as { steps: unknown[] }).steps).toEqual([{ user: 'two', expect: { ended: false, reply: 'is two ${unknown}' } }])
  })

  it('loadTestSuiteFile reports a missing file as a TestSuiteLoadError', async () => {
    const err = await loadTestSuiteFile('/nonexistent/x.test.yaml', 'tests/x.test.yaml').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(TestSuiteLoadError)
    expect((err as Error).message).toBe('tests/x.test.yaml cannot read the file: no such file')
    const dir = mkdtempSync(join(tmpdir(), 'flowbench-suite-'))
    writeFileSync(join(dir, 'a.test.yaml'), SUITE)
    expect((await loadTestSuiteFile(join(dir, 'a.test.yaml'))).document.name).toBe('Support flow')
  })
})
