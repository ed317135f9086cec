// Each state type and each action (spec "State", "Actions").
import { describe, expect, it } from 'vitest'
import { conversation, flow, ScriptedIntegrations } from './helpers'

const say = (text: string | string[], transitions: unknown[] = [], extra: Record<string, unknown> = {}) =>
  ({ type: 'response', config: { response_templates: { default: text } }, transitions, ...extra }) as never

describe('response states', () => {
  const variants = flow({
    states: {
      hello: {
        type: 'response',
        config: { response_templates: { default: 'Hello!', vip: 'Welcome, VIP {name}.', returning_user: ['Welcome back!', 'Good to see you.'] } },
        transitions: [{ condition: 'any_input', target_state: 'hello' }],
      },
    },
  })

  it('send the default variant', async () => {
    const r = await conversation(variants).conv.start()
    expect(r.replies).toEqual([{ text: 'Hello!', state: 'hello' }])
    expect(r.path).toEqual(['hello'])
    expect(r.state).toBe('hello')
    expect(r.ended).toBe(false)
  })

  it('send the first non-default variant truthy in user_profile or variables, in declaration order', async () => {
    const a = await conversation(variants, {}, { user_profile: { returning_user: true, vip: true, name: 'Zoe' } }).conv.start()
    expect(a.replies.map((m) => m.text)).toEqual(['Welcome, VIP Zoe.'])
    const b = await conversation(variants, {}, { user_profile: { vip: false }, variables: { returning_user: 1 } }).conv.start()
    expect(b.replies.map((m) => m.text)).toEqual(['Welcome back!', 'Good to see you.'])
  })

  it('end the conversation when waiting with no transitions (terminal)', async () => {
    const r = await conversation(flow({ states: { only: say('bye') } })).conv.start()
    expect(r.ended).toBe(true)
  })

  it('with an always transition, continue at once (priority order over all transitions)', async () => {
    const { conv } = conversation(
      flow({
        states: {
          a: say('a', [
            { condition: 'always', target_state: 'c', priority: 50 },
            { condition: 'always', target_state: 'b', priority: 10 },
          ]),
          b: say('b', [{ condition: 'any_input', target_state: 'a' }]),
          c: say('c'),
        },
      }),
    )
    const r = await conv.start()
    expect(r.path).toEqual(['a', 'b'])
    expect(r.replies.map((m) => m.text)).toEqual(['a', 'b'])
    expect(r.transitions).toEqual(['a -> b [always]'])
  })
})

describe('end states', () => {
  it('send their message if any and end the conversation', async () => {
    const withText = await conversation(flow({ states: { bye: { type: 'end', config: { response_templates: { default: 'Bye {user_profile.name}' } } } } }), {}, { user_profile: { name: 'Al' } }).conv.start()
    expect(withText.replies).toEqual([{ text: 'Bye Al', state: 'bye' }])
    expect(withText.ended).toBe(true)
    const silent = await conversation(flow({ states: { bye: { type: 'end' } } })).conv.start()
    expect(silent.replies).toEqual([])
    expect(silent.ended).toBe(true)
  })
})

describe('actions', () => {
  it('run after the state logic and before its transitions, in order', async () => {
    const { conv } = conversation(
      flow({
        entities: { n: { type: 'number' } },
        states: {
          a: say('first', [{ condition: 'any_input', target_state: 'b' }], {
            actions: [
              { type: 'send_message', text: 'second {variables.missing}' },
              { type: 'set_variable', name: 'count', value: 1 },
              { type: 'set_variable', name: 'copy', value: '{variables.count}' },
              { type: 'set_slot', name: 'size', value: 'large' },
              { type: 'set_slot', name: 'obj', value: { n: '{variables.count}', text: 'n={variables.count}' } },
            ],
          }),
          b: {
            type: 'condition',
            config: { conditions: [{ left: '{variables.copy}', operator: 'eq', right: 1 }] },
            actions: [{ type: 'clear_slots', slots: ['size'] }, { type: 'set_variable', name: 'n', value: '{entities.n}' }, { type: 'handoff', queue: 'tier-{variables.count}' }],
            transitions: [{ condition: 'condition_true', target_state: 'c' }],
          },
          c: say('done', [{ condition: 'any_input', target_state: 'd' }], { actions: [{ type: 'clear_slots' }] }),
          d: say('never', [], { actions: [{ type: 'end_conversation' }] }),
        },
      }),
    )
    const s = await conv.start()
    expect(s.replies.map((m) => m.text)).toEqual(['first', 'second '])
    expect(s.warnings.map((w) => w.code)).toEqual(['missing_value'])
    expect(s.variables).toEqual({ count: 1, copy: 1 })
    expect(s.slots).toEqual({ size: 'large', obj: { n: 1, text: 'n=1' } })
    const r = await conv.send({ type: 'message', text: 'take 9' })
    expect(r.path).toEqual(['b', 'c'])
    expect(r.variables).toEqual({ count: 1, copy: 1, n: 9 })
    expect(r.slots).toEqual({})
    expect(r.handoff).toEqual({ queue: 'tier-1' })
    expect(r.ended).toBe(false)
    const e = await conv.send({ type: 'message', text: 'x' })
    expect(e.ended).toBe(true)
    expect(e.state).toBe('d')
    expect(conv.context().handoff).toEqual({ queue: 'tier-1' })
  })

  it('end_conversation stops before the transitions', async () => {
    const { conv } = conversation(flow({ states: { a: say('a', [{ condition: 'always', target_state: 'b' }], { actions: [{ type: 'end_conversation' }] }), b: say('b') } }))
    const r = await conv.start()
    expect(r.path).toEqual(['a'])
    expect(r.ended).toBe(true)
    expect((await conv.send({ type: 'message', text: 'hi' })).errors.map((e) => e.code)).toEqual(['conversation_ended'])
  })

  it('handoff without a queue, and set_variable with a missing value removes it and warns', async () => {
    const { conv } = conversation(
      flow({ states: { a: say('a', [], { actions: [{ type: 'handoff' }, { type: 'set_variable', name: 'v', value: '{slots.nope}' }] }) } }),
      {},
      { variables: { v: 1 } },
    )
    const r = await conv.start()
    expect(r.handoff).toEqual({})
    expect(r.variables).toEqual({})
    expect(r.warnings[0]!.code).toBe('missing_value')
  })
})

const pizza = (extra: Record<string, unknown> = {}, transitions: unknown[] = [{ condition: 'all_slots_filled', target_state: 'done' }]) =>
  flow({
    entities: { size: { values: ['small', 'medium', 'large'] }, quantity: { type: 'number' } },
    states: {
      start: say('Hi', [{ condition: 'any_input', target_state: 'order' }]),
      order: {
        type: 'slot_filling',
        config: {
          required_slots: ['size', 'quantity', 'name'],
          optional_slots: ['note'],
          prompts: { size: 'What size?', quantity: 'How many?', name: ['Name?', 'For the order.'] },
          ...extra,
        },
        transitions,
      } as never,
      done: say('{quantity} {size} for {name}', []),
      cancelled: say('Cancelled', []),
    },
  })

describe('slot_filling states', () => {
  it('fill slots from the message that led there and prompt for the first missing one', async () => {
    const { conv } = conversation(pizza())
    await conv.start()
    const r = await conv.send({ type: 'message', text: '2 large please' })
    expect(r.path).toEqual(['order'])
    expect(r.slots).toEqual({ size: 'large', quantity: 2 })
    expect(r.missing_slots).toEqual(['name'])
    expect(r.replies.map((m) => m.text)).toEqual(['Name?', 'For the order.'])
  })

  it('fill the prompted slot from the raw input when no entity is named like it', async () => {
    const { conv } = conversation(pizza())
    await conv.start()
    await conv.send({ type: 'message', text: 'hello' })
    let r = await conv.send({ type: 'message', text: 'medium' })
    expect(r.slots).toEqual({ size: 'medium' })
    expect(r.replies.map((m) => m.text)).toEqual(['How many?'])
    // "quantity" is an entity: raw text does not fill it
    r = await conv.send({ type: 'message', text: 'a few' })
    expect(r.slots).toEqual({ size: 'medium' })
    expect(r.replies.map((m) => m.text)).toEqual(['How many?'])
    r = await conv.send({ type: 'message', text: '3' })
    expect(r.missing_slots).toEqual(['name'])
    r = await conv.send({ type: 'message', text: '  Ada Lovelace ' })
    expect(r.slots).toEqual({ size: 'medium', quantity: 3, name: 'Ada Lovelace' })
    expect(r.state).toBe('done')
    expect(r.missing_slots).toEqual([])
    expect(r.replies.map((m) => m.text)).toEqual(['3 medium for Ada Lovelace'])
  })

  it('move on at once when nothing required is missing', async () => {
    const { conv } = conversation(pizza(), {}, { slots: { name: 'Bo' } })
    await conv.start()
    const r = await conv.send({ type: 'message', text: '1 small' })
    expect(r.path).toEqual(['order', 'done'])
    expect(r.replies.map((m) => m.text)).toEqual(['1 small for Bo'])
  })

  it('fill optional slots from entities and validate raw input', async () => {
    const { conv } = conversation(pizza({ validation: { name: { pattern: '^[A-Z][a-z]+$' } } }))
    await conv.start()
    await conv.send({ type: 'message', text: '1 small' })
    let r = await conv.send({ type: 'message', text: 'bob' })
    expect(r.slots['name']).toBeUndefined()
    expect(r.replies.map((m) => m.text)).toEqual(['Name?', 'For the order.'])
    r = await conv.send({ type: 'message', text: 'Bob' })
    expect(r.slots['name']).toBe('Bob')
  })

  it('validate with an entity that must be found in the input, and validate entity values too', async () => {
    const doc = pizza({ required_slots: ['size', 'contact'], prompts: { size: 'Size?', contact: 'Email?' }, validation: { contact: { entity: 'email' }, size: { pattern: '^(small|large)$' } } })
    doc.entities!['email'] = { type: 'email' }
    const { conv } = conversation(doc)
    await conv.start()
    let r = await conv.send({ type: 'message', text: 'medium' })
    expect(r.slots).toEqual({})
    expect(r.warnings.map((w) => w.code)).toEqual(['invalid_slot_value'])
    r = await conv.send({ type: 'message', text: 'large' })
    r = await conv.send({ type: 'message', text: 'no idea' })
    expect(r.slots['contact']).toBeUndefined()
    r = await conv.send({ type: 'message', text: 'me@example.com' })
    expect(r.slots['contact']).toBe('me@example.com')
  })

  it('evaluate transitions on each later message before prompting again', async () => {
    const doc = pizza({}, [
      { condition: 'entity_present', condition_value: 'quantity', target_state: 'cancelled', priority: 200 },
      { condition: 'expression', condition_value: { left: '{input}', operator: 'eq', right: 'cancel' }, target_state: 'cancelled' },
      { condition: 'all_slots_filled', target_state: 'done' },
    ])
    const { conv } = conversation(doc)
    await conv.start()
    await conv.send({ type: 'message', text: 'small' })
    const r = await conv.send({ type: 'message', text: 'cancel' })
    expect(r.state).toBe('cancelled')
  })

  it('with max_attempts hold back the fallback until the prompted slot failed that many times', async () => {
    const doc = pizza({ required_slots: ['quantity'], max_attempts: 2 }, [
      { condition: 'all_slots_filled', target_state: 'done' },
      { condition: 'fallback', target_state: 'cancelled', priority: 999 },
    ])
    const { conv } = conversation(doc, {}, { slots: { size: 'small', name: 'N' } })
    await conv.start()
    let r = await conv.send({ type: 'message', text: 'hm' })
    expect(r.replies.map((m) => m.text)).toEqual(['How many?'])
    r = await conv.send({ type: 'message', text: 'hmm' })
    expect(r.state).toBe('order')
    expect(r.replies.map((m) => m.text)).toEqual(['How many?'])
    r = await conv.send({ type: 'message', text: 'hmmm' })
    expect(r.state).toBe('cancelled')
  })

  it('without a fallback, max_attempts warns and keeps asking', async () => {
    const doc = pizza({ required_slots: ['quantity'], max_attempts: 1 })
    const { conv } = conversation(doc)
    await conv.start()
    await conv.send({ type: 'message', text: 'x' })
    const r = await conv.send({ type: 'message', text: 'y' })
    expect(r.warnings.map((w) => w.code)).toEqual(['max_attempts_exceeded'])
    expect(r.replies.map((m) => m.text)).toEqual(['How many?'])
    expect(r.errors).toEqual([])
  })

  it('without max_attempts a fallback is taken at once', async () => {
    const doc = pizza({ required_slots: ['quantity'] }, [{ condition: 'all_slots_filled', target_state: 'done' }, { condition: 'fallback', target_state: 'cancelled', priority: 999 }])
    const { conv } = conversation(doc)
    await conv.start()
    // entering prompts and waits; the next message that fills nothing takes the fallback
    expect((await conv.send({ type: 'message', text: 'x' })).path).toEqual(['order'])
    const r = await conv.send({ type: 'message', text: 'y' })
    expect(r.path).toEqual(['cancelled'])
  })

  it('warn when a prompt is missing; end when complete and without transitions; no_transition when none is true', async () => {
    const noPrompt = conversation(pizza({ prompts: {} })).conv
    await noPrompt.start()
    const r = await noPrompt.send({ type: 'message', text: 'x' })
    expect(r.warnings.map((w) => w.code)).toEqual(['missing_prompt'])
    const terminal = conversation(pizza({ required_slots: ['size'] }, [])).conv
    await terminal.start()
    expect((await terminal.send({ type: 'message', text: 'small' })).ended).toBe(true)
    const stuck = conversation(pizza({ required_slots: ['size'] }, [{ condition: 'slot_filled', condition_value: 'name', target_state: 'done' }])).conv
    await stuck.start()
    await stuck.send({ type: 'message', text: 'x' })
    const s = await stuck.send({ type: 'message', text: 'small' })
    expect(s.errors.map((e) => e.code)).toEqual(['no_transition'])
    expect(s.state).toBe('order')
  })
})

describe('integration states', () => {
  const lookup = (transitions: unknown[] = [{ condition: 'integration_success', target_state: 'ok' }, { condition: 'integration_error', target_state: 'sorry' }], cfg: Record<string, unknown> = {}) =>
    flow({
      entities: { order: { pattern: '\\d{4}' } },
      integrations: { crm: { base_url: 'http://crm' } as never },
      states: {
        ask: say('Order?', [{ condition: 'any_input', target_state: 'call' }]),
        call: {
          type: 'integration',
          config: {
            integration_id: 'crm',
            endpoint: '/orders/{entities.order}',
            method: 'post',
            request_mapping: { id: '{entities.order}', user: '{user_id}', fixed: 7, nested: { tier: '{user_profile.tier}' } },
            response_mapping: { status: 'order.status', first: 'items.0', all: 'items' },
            ...cfg,
          },
          transitions,
        } as never,
        ok: say('Order is {status}; first {first}', []),
        sorry: say('Sorry: {integration_results.crm.error}', []),
      },
    })

  it('build the request, map the response and record the result', async () => {
    const provider = new ScriptedIntegrations({ crm: [{ status_code: 200, data: { order: { status: 'shipped' }, items: ['a', 'b'] } }] })
    const { conv } = conversation(lookup(), { integrations: provider }, { user_id: 'u9', user_profile: { tier: 'gold' } })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'order 1234' })
    expect(provider.calls[0]!.req).toEqual({ endpoint: '/orders/1234', method: 'POST', params: { id: '1234', user: 'u9', fixed: 7, nested: { tier: 'gold' } }, config: { base_url: 'http://crm' } })
    expect(r.integration_calls).toMatchObject([{ id: 'crm', request: { id: '1234', user: 'u9', fixed: 7, nested: { tier: 'gold' } }, success: true, state: 'call', status_code: 200, attempts: 1 }])
    expect(r.variables).toEqual({ status: 'shipped', first: 'a', all: ['a', 'b'] })
    expect(r.replies.map((m) => m.text)).toEqual(['Order is shipped; first a'])
    expect(conv.context().integration_results['crm']).toEqual({ success: true, status_code: 200, data: { order: { status: 'shipped' }, items: ['a', 'b'] }, duration_ms: 0 })
  })

  it('warn when a response_mapping path is missing', async () => {
    const provider = new ScriptedIntegrations({ crm: [{ status_code: 201, data: { items: [] } }] })
    const { conv } = conversation(lookup(), { integrations: provider })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'x' })
    expect(r.state).toBe('ok')
    expect(r.warnings.filter((w) => w.code === 'missing_value').length).toBeGreaterThanOrEqual(2)
  })

  it('route failures to integration_error without a turn error', async () => {
    const provider = new ScriptedIntegrations({ crm: [{ status_code: 503, error: 'maintenance' }] })
    const { conv } = conversation(lookup(), { integrations: provider })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'x' })
    expect(r.state).toBe('sorry')
    expect(r.errors).toEqual([])
    expect(r.replies[0]!.text).toBe('Sorry: http_503')
    expect(conv.context().integration_results['crm']).toMatchObject({ success: false, status_code: 503, error: 'http_503', message: 'maintenance' })
  })

  it('count a failure as handled by any true transition (fallback); otherwise integration_failed', async () => {
    const provider = () => new ScriptedIntegrations({ crm: [{ status_code: 500 }] })
    const handled = conversation(lookup([{ condition: 'integration_success', target_state: 'ok' }, { condition: 'fallback', target_state: 'sorry' }]), { integrations: provider() }).conv
    await handled.start()
    expect((await handled.send({ type: 'message', text: 'x' })).errors).toEqual([])
    const unhandled = conversation(lookup([{ condition: 'integration_success', target_state: 'ok' }]), { integrations: provider() }).conv
    await unhandled.start()
    const r = await unhandled.send({ type: 'message', text: 'x' })
    expect(r.errors.map((e) => e.code)).toEqual(['integration_failed'])
    expect(r.errors[0]!.message).toContain('crm')
    expect(r.state).toBe('call')
    // a success that no transition takes is a plain no_transition
    const ok = conversation(lookup([{ condition: 'integration_error', target_state: 'sorry' }]), { integrations: new ScriptedIntegrations({ crm: [{ status_code: 200 }] }) }).conv
    await ok.start()
    expect((await ok.send({ type: 'message', text: 'x' })).errors.map((e) => e.code)).toEqual(['no_transition'])
  })

  it('re-run the call when resumed after it stopped (acting on the new input)', async () => {
    const provider = new ScriptedIntegrations({ crm: [{ status_code: 500 }, { status_code: 200, data: { order: { status: 'late' } } }] })
    const { conv } = conversation(lookup([{ condition: 'integration_success', target_state: 'ok' }]), { integrations: provider })
    await conv.start()
    await conv.send({ type: 'message', text: 'x' })
    const r = await conv.send({ type: 'message', text: 'again' })
    expect(r.state).toBe('ok')
    expect(r.path).toEqual(['ok'])
    expect(provider.calls.length).toBe(2)
  })

  it('fail with no_provider naming the id when nothing serves it', async () => {
    const { conv } = conversation(lookup())
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'x' })
    expect(r.state).toBe('sorry')
    expect(r.integration_calls[0]).toMatchObject({ id: 'crm', success: false, error: 'no_provider', attempts: 0 })
    expect(r.integration_calls[0]!.message).toContain('"crm"')
  })
})
