// `expect.context`: the context memory after a turn (token count, compression, summary, verbatim
// turns), checked with the usual matchers, failing with expected vs actual like every other key,
// both on a turn result and through a whole test run.
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { encode } from 'gpt-tokenizer/encoding/cl100k_base'
import type { MemorySnapshot } from '../../../src-main/common/turn'
import { checkTurn } from '../../../src-main/core/runner/expectations'
import { TestDefinitionError } from '../../../src-main/core/runner/matchers'
import { runTests } from '../../../src-main/core/runner/service'
import type { TestCaseReport } from '../../../src-main/core/runner/model'
import { tempWorkspace, turn, type TempWorkspace } from './helpers'

function memory(overrides: Partial<MemorySnapshot> = {}): MemorySnapshot {
  return {
    turns: [
      { turn: 3, role: 'user', text: 'what about memory' },
      { turn: 3, role: 'bot', text: 'Memory is fine.' },
      { turn: 4, role: 'user', text: 'thanks' },
    ],
    summary: 'Goals: query_metrics.\nKnown: service=auth-service.',
    token_count: 25,
    compression_applied: true,
    compressions: 1,
    summarised_turns: 3,
    max_turns: 4,
    token_budget: 100,
    keep_recent: 2,
    summarizer: 'built-in',
    ...overrides,
  }
}

describe('checkTurn: expect.context', () => {
  it('passes when every listed key matches (plain values and matchers)', () => {
    const t = turn({ memory: memory() })
    expect(checkTurn({ context: { token_count: { lte: 25 }, compression_applied: true, summary: { contains: 'auth-service' }, turns: { lte: 2 }, compressions: 1, summarised_turns: { gte: 3 } } }, t)).toEqual([])
  })

  it('fails with expected vs actual of the failing keys only, naming each', () => {
    const t = turn({ memory: memory() })
    const [f, ...rest] = checkTurn({ context: { token_count: { lte: 20 }, compression_applied: false, summary: { contains: 'auth-service' }, turns: 2 } }, t)
    expect(rest).toEqual([])
    expect(f).toMatchObject({
      field: 'context',
      expected: { token_count: { lte: 20 }, compression_applied: false, summary: { contains: 'auth-service' }, turns: 2 },
      actual: { token_count: 25, compression_applied: true, summary: 'Goals: query_metrics.\nKnown: service=auth-service.', turns: 2 },
    })
    expect(f!.message).toBe('context.token_count: expected <= 20, got 25; context.compression_applied: expected false, got true')
  })

  it('summary is null before the first compression', () => {
    const t = turn({ memory: memory({ summary: null, compressions: 0, compression_applied: false }) })
    expect(checkTurn({ context: { summary: null } }, t)).toEqual([])
    expect(checkTurn({ context: { summary: { contains: 'x' } } }, t)[0]!.message).toMatch(/^context\.summary: expected .*contain.*got null/)
  })

  it('a flow without settings.memory fails the step and says what to add', () => {
    const [f] = checkTurn({ context: { token_count: { lte: 10 } } }, turn())
    expect(f).toMatchObject({ field: 'context', actual: null })
    expect(f!.message).toContain('add settings.memory')
  })

  it('an unknown key or a non-object is a test definition error', () => {
    expect(() => checkTurn({ context: { tokens: 3 } as never }, turn({ memory: memory() }))).toThrow(TestDefinitionError)
    expect(() => checkTurn({ context: { tokens: 3 } as never }, turn({ memory: memory() }))).toThrow(/unknown expectation "context.tokens"/)
    expect(() => checkTurn({ context: 5 as never }, turn({ memory: memory() }))).toThrow(/expect.context takes/)
  })
})

describe('expect.context in a test run', () => {
  let ws: TempWorkspace
  beforeEach(() => {
    ws = tempWorkspace()
  })
  afterEach(() => ws.dispose())

  const FLOW = `name: chat
initial_state: chat
settings:
  memory: { max_turns: 2, token_budget: 60 }
states:
  chat:
    type: response
    config:
      response_templates: { default: "You said {input}." }
    transitions:
      - { condition: any_input, target_state: chat }
`

  it('passes and fails on the memory the engine keeps (real token counts)', async () => {
    ws.write('flows/chat.flow.yaml', FLOW)
    // "You said ." is the start reply; every message turn adds the message and "You said <message>."
    const turn1 = encode('You said .').length + encode('hello').length + encode('You said hello.').length
    ws.write(
      'tests/chat.test.yaml',
      `flow: ../flows/chat.flow.yaml
tests:
  - name: memory holds
    steps:
      - expect: { context: { token_count: ${encode('You said .').length}, compression_applied: false, turns: 1, summary: null } }
      - user: hello
        expect: { context: { token_count: ${turn1}, turns: 2 } }
      - user: my order is late
        expect: { context: { compression_applied: true, compressions: 1, turns: { lte: 1 }, summary: { contains: '"hello"' }, token_count: { lte: 60 } } }
  - name: memory fails
    steps:
      - user: hello
        expect: { context: { token_count: { lte: 3 } } }
`,
    )
    const report = await runTests({ root: ws.root, workers: 1 }, { version: '9.9.9' })
    const byName: Record<string, TestCaseReport> = Object.fromEntries(report.suites.flatMap((s) => s.tests.map((t) => [t.name, t])))
    expect(byName['memory holds']).toMatchObject({ status: 'passed', failures: [] })
    expect(byName['memory fails']!.status).toBe('failed')
    expect(byName['memory fails']!.failures).toEqual([
      expect.objectContaining({ step: 0, input: 'hello', field: 'context', expected: { token_count: { lte: 3 } }, actual: { token_count: turn1 } }),
    ])
  })
})
