// Templates (context paths, bare names, single-path values, missing values) and condition operators.
import { describe, expect, it } from 'vitest'
import type { Condition } from '../../../src-main/common/flow-schema'
import { compileFlow, FlowCompileError } from '../../../src-main/core/engine/index'
import { conversation, flow } from './helpers'
import { compileTemplate, render, resolveValue, compileValue, type TemplateScope } from '../../../src-main/core/engine/template'
import { looseEquals, deepEqual } from '../../../src-main/core/engine/condition'

function echo(template: string | string[], init: Parameters<typeof conversation>[2] = {}) {
  return conversation(
    flow({
      entities: { n: { type: 'number' } },
      states: {
        a: { type: 'response', config: { response_templates: { default: 'ready' } }, transitions: [{ condition: 'any_input', target_state: 'b' }] },
        b: { type: 'response', config: { response_templates: { default: template } }, transitions: [{ condition: 'any_input', target_state: 'b' }] },
      },
    }),
    {},
    init,
  ).conv
}

describe('templates', () => {
  it('fill context paths', async () => {
    const conv = echo('{input}|{entities.n}|{slots.s}|{variables.v}|{user_profile.name}|{conversation_id}|{user_id}|{tenant_id}|{turn}', {
      conversation_id: 'c-1',
      user_id: 'u-1',
      tenant_id: 't-1',
      slots: { s: 'S' },
      variables: { v: 3 },
      user_profile: { name: 'Ann' },
    })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'take 5' })
    expect(r.replies[0]!.text).toBe('take 5|5|S|3|Ann|c-1|u-1|t-1|1')
    expect(r.warnings).toEqual([])
  })

  it('look bare names up in slots, then variables, then user_profile', async () => {
    const conv = echo('{a} {b} {c}', { slots: { a: 'slot' }, variables: { a: 'var', b: 'var' }, user_profile: { a: 'p', b: 'p', c: 'profile' } })
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'x' })).replies[0]!.text).toBe('slot var profile')
  })

  it('render a missing value empty and warn', async () => {
    const conv = echo('Hi {slots.nope}!')
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'x' })
    expect(r.replies[0]!.text).toBe('Hi !')
    expect(r.warnings).toEqual([{ code: 'missing_value', message: 'no value for {slots.nope}', state: 'b' }])
    expect(r.errors).toEqual([])
  })

  it('render objects as JSON, send a list as several messages, and never evaluate code', async () => {
    const conv = echo(['{variables.o}', '{variables.list.1}', '{constructor}', '{slots.__proto__}', '${1+1} {1+1}'], { variables: { o: { a: 1 }, list: ['x', 'y'] } })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'x' })
    expect(r.replies.map((m) => m.text)).toEqual(['{"a":1}', 'y', '', '', '${1+1} {1+1}'])
  })

  it('yield raw values for an exact {path} (single-path rule) and text otherwise', () => {
    const scope: TemplateScope = {
      rootValue: (root) => (root === 4 ? { n: 5, flag: true, obj: { k: [1] } } : undefined),
      bareValue: () => undefined,
      missing: () => undefined,
    }
    expect(resolveValue(compileValue('{slots.n}'), scope, false)).toBe(5)
    expect(resolveValue(compileValue('{slots.flag}'), scope, false)).toBe(true)
    expect(resolveValue(compileValue('{slots.obj}'), scope, false)).toEqual({ k: [1] })
    expect(resolveValue(compileValue(' {slots.n}'), scope, false)).toBe(' 5')
    expect(resolveValue(compileValue({ a: ['{slots.n}', 'x{slots.n}'], b: '{slots.none}' }), scope, false)).toEqual({ a: [5, 'x5'] })
    expect(render(compileTemplate('{ not a path } {}'), scope)).toBe('{ not a path } {}')
  })
})

describe('operators', () => {
  const cases: Array<[Condition, boolean]> = [
    [{ left: 5, operator: 'eq', right: '5' }, true],
    [{ left: '5.0', operator: 'eq', right: 5 }, true],
    [{ left: 'Gold', operator: 'eq', right: 'gold' }, false],
    [{ left: true, operator: 'eq', right: 'TRUE' }, true],
    [{ left: 'false', operator: 'eq', right: false }, true],
    [{ left: null, operator: 'eq', right: '{slots.missing}' }, true],
    [{ left: { a: [1, 2] }, operator: 'eq', right: { a: [1, 2] } }, true],
    [{ left: [1], operator: 'eq', right: [1, 2] }, false],
    [{ left: 1, operator: 'ne', right: 2 }, true],
    [{ left: '', operator: 'eq', right: 0 }, false],
    [{ left: '10', operator: 'gt', right: 9 }, true],
    [{ left: 'b', operator: 'gt', right: 'a' }, true],
    [{ left: 'abc', operator: 'gt', right: 1 }, false],
    [{ left: 3, operator: 'gte', right: 3 }, true],
    [{ left: 2, operator: 'lt', right: '10' }, true],
    [{ left: '2024-01-01', operator: 'lt', right: '2024-02-01' }, true],
    [{ left: 3, operator: 'lte', right: 2 }, false],
    [{ left: '{slots.missing}', operator: 'lt', right: 2 }, false],
    [{ left: 'hello world', operator: 'contains', right: 'lo w' }, true],
    [{ left: ['a', 2], operator: 'contains', right: '2' }, true],
    [{ left: { k: 1 }, operator: 'contains', right: 'k' }, true],
    [{ left: '{slots.missing}', operator: 'contains', right: 'x' }, false],
    [{ left: 'abc', operator: 'not_contains', right: 'z' }, true],
    [{ left: 'b', operator: 'in', right: ['a', 'b'] }, true],
    [{ left: 'ell', operator: 'in', right: 'hello' }, true],
    [{ left: 'z', operator: 'not_in', right: ['a'] }, true],
    [{ left: 0, operator: 'exists' }, true],
    [{ left: '{slots.missing}', operator: 'exists' }, false],
    [{ left: null, operator: 'not_exists' }, true],
    [{ left: 'ORD-123', operator: 'matches', right: '^ORD-\\d+$' }, true],
    [{ left: 'ord-1', operator: 'matches', right: '/^ORD-\\d+$/i' }, true],
    [{ left: '{slots.missing}', operator: 'matches', right: '.*' }, false],
    [{ left: 42, operator: 'matches', right: '^4' }, true],
    [{ left: '  ', operator: 'empty' }, true],
    [{ left: [], operator: 'empty' }, true],
    [{ left: {}, operator: 'empty' }, true],
    [{ left: 0, operator: 'empty' }, false],
    [{ left: 'x', operator: 'not_empty' }, true],
  ]
  for (const [c, want] of cases) {
    it(`${JSON.stringify(c.left)} ${c.operator} ${JSON.stringify(c.right)} is ${want}`, async () => {
      const { conv } = conversation(
        flow({
          states: {
            check: { type: 'condition', config: { conditions: [c] }, transitions: [{ condition: 'condition_true', target_state: 'yes' }, { condition: 'condition_false', target_state: 'no' }] },
            yes: { type: 'end' },
            no: { type: 'end' },
          },
        }),
      )
      expect((await conv.start()).state).toBe(want ? 'yes' : 'no')
    })
  }

  it('matches with a templated regex compiles it at run time (invalid: false)', async () => {
    const run = async (pattern: string) => {
      const { conv } = conversation(
        flow({
          states: {
            check: { type: 'condition', config: { conditions: [{ left: 'abc', operator: 'matches', right: '{variables.p}' }] }, transitions: [{ condition: 'condition_true', target_state: 'yes' }, { condition: 'condition_false', target_state: 'no' }] },
            yes: { type: 'end' },
            no: { type: 'end' },
          },
        }),
        {},
        { variables: { p: pattern } },
      )
      return (await conv.start()).state
    }
    expect(await run('^a')).toBe('yes')
    expect(await run('^z')).toBe('no')
    expect(await run('([')).toBe('no')
  })

  it('rejects unknown operators and invalid literal regexes at compile time', () => {
    const bad = (c: unknown) => () =>
      compileFlow(flow({ states: { s: { type: 'condition', config: { conditions: [c as Condition] }, transitions: [{ condition: 'always', target_state: 's' }] } } }))
    expect(bad({ left: 1, operator: 'approx', right: 1 })).toThrow(/states\.s\.config\.conditions\[0\]\.operator: unknown operator "approx"/)
    expect(bad({ left: 1, operator: 'matches', right: '(' })).toThrow(FlowCompileError)
    expect(bad({ left: 1, operator: 'matches', right: 5 })).toThrow(/needs a regular expression/)
    expect(bad('x')).toThrow(/must be an object/)
  })

  it('equality helpers', () => {
    expect(looseEquals(undefined, null)).toBe(true)
    expect(looseEquals(1, true)).toBe(false)
    expect(deepEqual({ a: 1 }, { b: 1 })).toBe(false)
    expect(deepEqual([1], { 0: 1 })).toBe(false)
    expect(deepEqual({ a: 1 }, { a: 1, b: 2 })).toBe(false)
  })
})

describe('condition states and expressions', () => {
  const check = (mode: 'all' | 'any' | undefined, conditions: Condition[]) =>
    flow({
      states: {
        c: { type: 'condition', config: { conditions, ...(mode ? { mode } : {}) }, transitions: [{ condition: 'condition_true', target_state: 'yes' }, { condition: 'condition_false', target_state: 'no' }] },
        yes: { type: 'end' },
        no: { type: 'end' },
      },
    })
  const t: Condition = { left: 1, operator: 'eq', right: 1 }
  const f: Condition = { left: 1, operator: 'eq', right: 2 }

  it('mode all (default) needs every condition, any needs one', async () => {
    expect((await conversation(check(undefined, [t, f])).conv.start()).state).toBe('no')
    expect((await conversation(check('all', [t, t])).conv.start()).state).toBe('yes')
    expect((await conversation(check('any', [f, t])).conv.start()).state).toBe('yes')
    expect((await conversation(check('any', [f, f])).conv.start()).state).toBe('no')
    expect((await conversation(check('all', [])).conv.start()).state).toBe('yes')
  })

  it('expression transitions take a condition or nested all/any groups over templates', async () => {
    const { conv } = conversation(
      flow({
        entities: { n: { type: 'number' } },
        states: {
          ask: {
            type: 'response',
            config: { response_templates: { default: 'amount?' } },
            transitions: [
              { condition: 'expression', condition_value: { all: [{ left: '{entities.n}', operator: 'gte', right: 100 }, { any: [{ left: '{user_profile.vip}', operator: 'eq', right: true }, { left: '{entities.n}', operator: 'lt', right: 500 }] }] }, target_state: 'big' },
              { condition: 'expression', condition_value: { left: '{entities.n}', operator: 'exists' }, target_state: 'small' },
              { condition: 'fallback', target_state: 'ask', priority: 999 },
            ],
          },
          big: { type: 'end', config: { response_templates: { default: 'big' } } },
          small: { type: 'end', config: { response_templates: { default: 'small' } } },
        },
      }),
      {},
      { user_profile: { vip: false } },
    )
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'no number' })).state).toBe('ask')
    expect((await conv.send({ type: 'message', text: '600' })).state).toBe('small')
  })
})
