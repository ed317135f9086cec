import { describe, expect, it } from 'vitest'
import { checkTurn } from '../../../src-main/core/runner/expectations'
import { TestDefinitionError } from '../../../src-main/core/runner/matchers'
import type { Expectation } from '../../../src-main/common/test-schema'
import { replies, turn } from './helpers'

const fields = (expect: Expectation, t = turn()) => checkTurn(expect, t).map((f) => f.field)

describe('checkTurn: each expectation', () => {
  it('reply: one of the replies matches (value or matcher)', () => {
    const t = turn({ replies: replies('Hello!', "I'm here to help.") })
    expect(fields({ reply: "I'm here to help." }, t)).toEqual([])
    expect(fields({ reply: { contains: 'help' } }, t)).toEqual([])
    const [f] = checkTurn({ reply: 'Bye' }, t)
    expect(f).toMatchObject({ field: 'reply', expected: 'Bye', actual: ['Hello!', "I'm here to help."] })
    expect(f!.message).toContain('"Bye"')
    // One reply: actual is its text.
    expect(checkTurn({ reply: 'Bye' }, turn({ replies: replies('Hi') }))[0]!.actual).toBe('Hi')
    expect(checkTurn({ reply: 'Bye' }, turn())[0]!.message).toContain('no reply')
  })

  it('reply: a number written in the test compares with the reply text', () => {
    expect(fields({ reply: 42 }, turn({ replies: replies('42') }))).toEqual([])
  })

  it('replies: in order, exactly, length too', () => {
    const t = turn({ replies: replies('a', 'b') })
    expect(fields({ replies: ['a', 'b'] }, t)).toEqual([])
    expect(fields({ replies: ['a', { contains: 'b' }] }, t)).toEqual([])
    expect(fields({ replies: ['b', 'a'] }, t)).toEqual(['replies'])
    expect(fields({ replies: ['a'] }, t)).toEqual(['replies'])
    expect(checkTurn({ replies: ['a'] }, t)[0]).toMatchObject({ expected: ['a'], actual: ['a', 'b'] })
  })

  it('no_reply', () => {
    expect(fields({ no_reply: true }, turn())).toEqual([])
    expect(fields({ no_reply: true }, turn({ replies: replies('x') }))).toEqual(['no_reply'])
    expect(fields({ no_reply: false }, turn())).toEqual(['no_reply'])
  })

  it('state, with matchers', () => {
    expect(fields({ state: 'greeting' })).toEqual([])
    expect(fields({ state: { one_of: ['a', 'greeting'] } })).toEqual([])
    expect(checkTurn({ state: 'help_response' }, turn({ state: 'fallback_response' }))[0]).toMatchObject({
      field: 'state', expected: 'help_response', actual: 'fallback_response',
    })
  })

  it('path: exactly, in order', () => {
    const t = turn({ path: ['a', 'b'] })
    expect(fields({ path: ['a', 'b'] }, t)).toEqual([])
    expect(fields({ path: ['b', 'a'] }, t)).toEqual(['path'])
    expect(fields({ path: ['a'] }, t)).toEqual(['path'])
  })

  it('intent: a name, or null for none', () => {
    expect(fields({ intent: null }, turn({ intent: null }))).toEqual([])
    expect(fields({ intent: 'help' }, turn({ intent: 'help' }))).toEqual([])
    expect(fields({ intent: null }, turn({ intent: 'help' }))).toEqual(['intent'])
    expect(fields({ intent: 'help' }, turn({ intent: null }))).toEqual(['intent'])
  })

  it('confidence: number matchers', () => {
    const t = turn({ confidence: 0.85 })
    expect(fields({ confidence: { gte: 0.8 } }, t)).toEqual([])
    expect(fields({ confidence: { lt: 0.8 } }, t)).toEqual(['confidence'])
    expect(fields({ confidence: 0.85 }, t)).toEqual([])
  })

  it('entities, slots, variables: listed keys only', () => {
    const t = turn({ entities: { topic: 'billing', n: 2 }, slots: { size: 'large', extra: 1 }, variables: { v: { a: 1 } } })
    expect(fields({ entities: { topic: 'billing' }, slots: { size: 'large' }, variables: { v: { a: 1 } } }, t)).toEqual([])
    expect(fields({ slots: { size: { one_of: ['small', 'large'] } } }, t)).toEqual([])
    expect(fields({ slots: { missing: null } }, t)).toEqual([])
    const [f] = checkTurn({ slots: { size: 'small', other: 'x' } }, t)
    expect(f).toMatchObject({ field: 'slots', expected: { size: 'small', other: 'x' }, actual: { size: 'large', other: null } })
    expect(f!.message).toContain('slots.size')
    expect(f!.message).toContain('slots.other')
    expect(fields({ entities: { n: { gt: 5 } } }, t)).toEqual(['entities'])
    expect(fields({ variables: { v: { a: 2 } } }, t)).toEqual(['variables'])
  })

  it('missing_slots: the list, exactly', () => {
    const t = turn({ missing_slots: ['size', 'crust'] })
    expect(fields({ missing_slots: ['size', 'crust'] }, t)).toEqual([])
    expect(fields({ missing_slots: ['size'] }, t)).toEqual(['missing_slots'])
    expect(fields({ missing_slots: [] }, turn())).toEqual([])
  })

  it('integration_calls: every listed call was made, request as a subset', () => {
    const call = (id: string, request: Record<string, unknown>, success = true) =>
      ({ id, request, success, state: 's', attempts: 1, duration_ms: 0 })
    const t = turn({ integration_calls: [call('crm', { user: 'u1', deep: { a: 1, b: 2 } }), call('pay', { amount: 5 }, false)] })
    expect(fields({ integration_calls: [{ id: 'crm' }] }, t)).toEqual([])
    expect(fields({ integration_calls: [{ id: 'crm', request: { user: 'u1' } }, { id: 'pay' }] }, t)).toEqual([])
    expect(fields({ integration_calls: [{ id: 'crm', request: { deep: { a: 1 } } }] }, t)).toEqual([])
    expect(fields({ integration_calls: [{ id: 'crm', request: { user: { matches: '^u' } } }] }, t)).toEqual([])
    expect(fields({ integration_calls: [{ id: 'crm', request: { user: 'u2' } }] }, t)).toEqual(['integration_calls'])
    expect(fields({ integration_calls: [{ id: 'mail' }] }, t)).toEqual(['integration_calls'])
    // Two listed calls need two calls made.
    expect(fields({ integration_calls: [{ id: 'crm' }, { id: 'crm' }] }, t)).toEqual(['integration_calls'])
  })

  it('workflow: state and completed_tasks', () => {
    const t = turn({ workflow: { state: 'waiting_approval', completed_tasks: ['check'] } })
    expect(fields({ workflow: { state: 'waiting_approval' } }, t)).toEqual([])
    expect(fields({ workflow: { state: 'waiting_approval', completed_tasks: ['check'] } }, t)).toEqual([])
    expect(fields({ workflow: { completed_tasks: ['check', 'pay'] } }, t)).toEqual(['workflow'])
    expect(checkTurn({ workflow: { state: 'completed' } }, turn())[0]).toMatchObject({ field: 'workflow', actual: null })
  })

  it('ended', () => {
    expect(fields({ ended: true }, turn({ ended: true }))).toEqual([])
    expect(fields({ ended: false }, turn({ ended: true }))).toEqual(['ended'])
  })

  it('error: the turn produced an error with this code', () => {
    const t = turn({ errors: [{ code: 'no_transition', message: 'no transition', state: 's' }] })
    expect(fields({ error: 'no_transition' }, t)).toEqual([])
    expect(fields({ error: 'loop_detected' }, t)).toEqual(['error'])
    expect(checkTurn({ error: 'loop_detected' }, turn())[0]).toMatchObject({ field: 'error', expected: 'loop_detected', actual: null })
  })
})

describe('checkTurn: unexpected turn errors and several failures', () => {
  const failing = turn({ state: 'x', errors: [{ code: 'no_transition', message: 'nothing matched', state: 'x' }] })

  it('a turn error the step does not expect fails with field error', () => {
    const [f] = checkTurn(undefined, failing)
    expect(f).toMatchObject({ field: 'error', expected: null, actual: 'no_transition' })
    expect(f!.message).toContain('nothing matched')
    expect(fields({ state: 'x' }, failing)).toEqual(['error'])
  })

  it('lists every failing field of the step', () => {
    expect(fields({ state: 'y', reply: 'hi', ended: true }, failing)).toEqual(['error', 'state', 'reply', 'ended'])
  })

  it('an unknown expectation is a mistake in the test', () => {
    expect(() => checkTurn({ stat: 'x' } as unknown as Expectation, turn())).toThrow(TestDefinitionError)
  })
})
