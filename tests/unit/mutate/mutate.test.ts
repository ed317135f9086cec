import { afterAll, describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import { runMutation, scoreOf } from '../../../src-main/core/mutate'
import { applyEdits, mutantsOf, MUTATION_OPERATORS, type MutationOperator } from '../../../src-main/core/mutate/operators'
import { compileFlow } from '../../../src-main/core/engine'
import { FLOW, writeFixture } from './fixture'

const doc = parse(FLOW) as FlowDocument
const fx = writeFixture()
afterAll(() => fx.dispose())
const only = (op: MutationOperator) => mutantsOf(doc, new Set([op]), 1)
interface Config { conditions: Array<{ operator: string; right: unknown }>; prompts: Record<string, string>; required_slots: string[] }
const config = (d: FlowDocument, state: string) => d.states[state]!.config as unknown as Config

describe('mutation operators', () => {
  it('retarget-transition points each transition at another state', () => {
    const ms = only('retarget-transition')
    expect(ms).toHaveLength(8)
    for (const m of ms) {
      const mutated = applyEdits(doc, m.edits)
      const [, , , i] = m.at as [string, string, string, number]
      expect(mutated.states[m.state!]!.transitions![i]!.target_state).not.toBe(doc.states[m.state!]!.transitions![i]!.target_state)
      expect(() => compileFlow(mutated)).not.toThrow()
    }
  })

  it('drop-transition removes exactly one transition and leaves the original alone', () => {
    const m = only('drop-transition').find((x) => x.transition === 'greet -> lookup [intent_match status]')!
    const mutated = applyEdits(doc, m.edits)
    expect(mutated.states.greet!.transitions!.map((t) => t.target_state)).toEqual(['ask_item', 'done', 'greet'])
    expect(doc.states.greet!.transitions).toHaveLength(4)
  })

  it('swap-priority swaps neighbours in evaluation order and marks exclusive pairs equivalent', () => {
    const ms = only('swap-priority')
    const greet = ms.filter((m) => m.state === 'greet')
    expect(greet).toHaveLength(3)
    // two intent_match transitions with different intents never hold together
    expect(greet[0]!.equivalent).toMatch(/one intent/)
    const fallback = greet.find((m) => m.swappedWith?.includes('fallback'))!
    expect(fallback.equivalent).toBeUndefined()
    const mutated = applyEdits(doc, fallback.edits)
    expect(mutated.states.greet!.transitions![2]!.priority).toBe(999)
    expect(mutated.states.greet!.transitions![3]!.priority).toBe(100)
    expect(ms.find((m) => m.state === 'check_qty')!.equivalent).toMatch(/never true together/)
  })

  it('flip-operator flips comparison operators and success/failure conditions', () => {
    const ms = only('flip-operator')
    const eq = ms.find((m) => m.comparison !== undefined)!
    expect(config(applyEdits(doc, eq.edits), 'check_qty').conditions[0].operator).toBe('ne')
    const success = ms.find((m) => m.transition === 'lookup -> status_reply [integration_success]')!
    expect(applyEdits(doc, success.edits).states.lookup!.transitions![0]!.condition).toBe('integration_error')
    const ct = ms.find((m) => m.transition === 'check_qty -> confirm [condition_true]')!
    expect(applyEdits(doc, ct.edits).states.check_qty!.transitions![0]!.condition).toBe('condition_false')
  })

  it('change-value changes literals and intent_match values', () => {
    const ms = only('change-value')
    const lit = ms.find((m) => m.comparison !== undefined)!
    expect(config(applyEdits(doc, lit.edits), 'check_qty').conditions[0].right).toBe('pizza_mutated')
    const intent = ms.find((m) => m.transition === 'greet -> ask_item [intent_match order]')!
    expect(['status', 'bye']).toContain(applyEdits(doc, intent.edits).states.greet!.transitions![0]!.condition_value)
  })

  it('change-template replaces each reply, prompt and message', () => {
    const ms = only('change-template')
    expect(ms.map((m) => m.state)).toEqual(['greet', 'ask_item', 'confirm', 'status_reply', 'done'])
    expect(config(applyEdits(doc, ms[1]!.edits), 'ask_item').prompts.item).toMatch(/^\[mutant\]/)
  })

  it('drop-required-slot removes one required slot', () => {
    const [m] = only('drop-required-slot')
    expect(m!.slot).toBe('item')
    expect(config(applyEdits(doc, m!.edits), 'ask_item').required_slots).toEqual([])
  })

  it('change-intent-example removes an example or replaces it with another intent\'s', () => {
    const ms = only('change-intent-example')
    const removed = ms.find((m) => m.intent === 'order' && m.edits[0]!.delete)!
    expect(applyEdits(doc, removed.edits).intents!.order).toHaveLength(2)
    const replaced = ms.find((m) => m.intent === 'order' && !m.edits[0]!.delete)!
    const donors = [...doc.intents!.status!, ...doc.intents!.bye!]
    expect(donors).toContain(applyEdits(doc, replaced.edits).intents!.order![0])
  })

  it('is deterministic for a seed', () => {
    const a = mutantsOf(doc, new Set(MUTATION_OPERATORS), 7)
    const b = mutantsOf(doc, new Set(MUTATION_OPERATORS), 7)
    expect(a).toEqual(b)
  })
})

describe('runMutation', () => {
  it('kills what the tests check, keeps survivors with a location and a hint, and counts no-coverage apart', async () => {
    const report = await runMutation({ root: fx.root })
    expect(report.tests).toEqual({ total: 3, passed: 3 })
    const s = report.summary
    expect(s.total).toBe(report.mutants.length)
    expect(s.killed + s.survived + s.no_coverage + s.invalid + s.equivalent).toBe(s.total)
    expect(s.score).toBe(Math.round((s.killed / (s.total - s.invalid - s.equivalent)) * 10000) / 100)
    // the bye test checks nothing: changing the goodbye text survives, and the hint says what to expect
    const bye = report.mutants.find((m) => m.operator === 'change-template' && m.state === 'done')!
    expect(bye.status).toBe('survived')
    expect(bye.hint).toMatch(/no test expects the reply of state done: add `expect: \{ reply: "Bye\." \}` to step 0 of test "says bye"/)
    expect(bye.line).toBeGreaterThan(1)
    // the pizza test checks the confirmation text: that mutant is killed by it
    const confirm = report.mutants.find((m) => m.operator === 'change-template' && m.state === 'confirm')!
    expect(confirm).toMatchObject({ status: 'killed', killed_by: { file: 'tests/orders.test.yaml', name: 'orders a pizza' } })
    // the status reply's text is not checked either; retargeting its transition is (state expectation)
    expect(report.mutants.find((m) => m.operator === 'retarget-transition' && m.element.startsWith('lookup ->'))!.status).toBe('killed')
    // a drop of the pizza condition's false branch: no test takes it
    const falseBranch = report.mutants.find((m) => m.operator === 'drop-transition' && m.element === 'check_qty -> done [condition_false]')!
    expect(falseBranch.status).toBe('survived')
    expect(falseBranch.hint).toMatch(/no test reaches transition check_qty -> done \[condition_false\]/)
    expect(report.by_operator['change-template']!.total).toBe(5)
    expect(Object.keys(report.by_flow)).toEqual(['flows/orders.flow.yaml'])
  })

  it('runs only the tests whose recorded path touches the element', async () => {
    const report = await runMutation({ root: fx.root, operators: ['change-template'] })
    // greet is entered by every test; confirm only by the pizza test
    const confirm = report.mutants.find((m) => m.state === 'confirm')!
    expect(confirm.tests_run).toBe(1)
    const statusReply = report.mutants.find((m) => m.state === 'status_reply')!
    expect(statusReply.tests_run).toBe(1)
  })

  it('reports mutants no test reaches as no coverage', async () => {
    const lone = writeFixture(`flow: ../flows/orders.flow.yaml
tests:
  - name: bye only
    steps:
      - user: bye
        expect: { reply: Bye. }
`)
    try {
      const report = await runMutation({ root: lone.root, operators: ['change-template'] })
      const confirm = report.mutants.find((m) => m.state === 'confirm')!
      expect(confirm.status).toBe('no_coverage')
      expect(confirm.hint).toMatch(/no passing test enters state confirm/)
      expect(report.summary.no_coverage).toBe(3)
      expect(report.mutants.find((m) => m.state === 'done')!.status).toBe('killed')
    } finally {
      lone.dispose()
    }
  })

  it('samples --max-mutants deterministically by seed', async () => {
    const a = await runMutation({ root: fx.root, maxMutants: 5, seed: 3 })
    const b = await runMutation({ root: fx.root, maxMutants: 5, seed: 3 })
    expect(a.mutants.map((m) => m.description)).toEqual(b.mutants.map((m) => m.description))
    expect(a.mutants).toHaveLength(5)
    expect(a.generated).toBeGreaterThan(5)
    const c = await runMutation({ root: fx.root, maxMutants: 5, seed: 4 })
    expect(c.mutants.map((m) => m.description)).not.toEqual(a.mutants.map((m) => m.description))
  })

  it('scores killed over valid mutants', () => {
    expect(scoreOf([{ status: 'killed' }, { status: 'survived' }, { status: 'invalid' }, { status: 'equivalent' }, { status: 'no_coverage' }])).toMatchObject({ total: 5, score: 33.33, covered_score: 50 })
    expect(scoreOf([]).score).toBe(100)
  })
})
