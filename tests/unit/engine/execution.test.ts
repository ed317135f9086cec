// Execution rules (spec "Execution", "Turn error codes"): waiting, no_transition, loops, TTL,
// timeouts, events, queueing and determinism.
import { describe, expect, it } from 'vitest'
import type { TurnResult } from '../../../src-main/common/turn'
import { compileFlow, Engine, FakeClock, RealClock } from '../../../src-main/core/engine/index'
import { conversation, flow, ScriptedIntegrations, stable } from './helpers'

const say = (text: string, transitions: unknown[] = [], extra: Record<string, unknown> = {}) =>
  ({ type: 'response', config: { response_templates: { default: text } }, transitions, ...extra }) as never

const support = flow({
  intents: { help: ['help'], bye: ['bye'] },
  states: {
    greeting: say('Hello', [
      { condition: 'intent_match', condition_value: 'help', target_state: 'help' },
      { condition: 'intent_match', condition_value: 'bye', target_state: 'bye' },
      { condition: 'timeout', target_state: 'nudge' },
    ], { timeout_seconds: 30 }),
    help: say('Here to help', [{ condition: 'any_input', target_state: 'greeting' }]),
    nudge: say('Still there?', [{ condition: 'any_input', target_state: 'greeting' }, { condition: 'timeout', target_state: 'bye' }], { timeout_seconds: 60 }),
    bye: { type: 'end', config: { response_templates: { default: 'Bye' } } },
  },
})

describe('turns', () => {
  it('start enters initial_state with no input and reports the whole turn result', async () => {
    const { conv } = conversation(support, {}, { conversation_id: 'c1' })
    const r = await conv.start()
    expect(stable(r)).toEqual({
      conversation_id: 'c1',
      turn: 0,
      event: 'start',
      input: null,
      replies: [{ text: 'Hello', state: 'greeting' }],
      state: 'greeting',
      path: ['greeting'],
      transitions: [],
      intent: null,
      confidence: null,
      entities: {},
      slots: {},
      variables: {},
      missing_slots: [],
      integration_calls: [],
      workflow: undefined,
      ended: false,
      expired: false,
      handoff: undefined,
      errors: [],
      warnings: [],
    })
    expect(typeof r.duration_us).toBe('number')
    expect(conv.state).toBe('greeting')
    expect(conv.ended).toBe(false)
  })

  it('a waiting response state with no true transition: no_transition, no replies, state unchanged', async () => {
    const doc = flow({ states: { ask: say('Yes or no?', [{ condition: 'expression', condition_value: { left: '{input}', operator: 'in', right: ['yes', 'no'] }, target_state: 'done' }]), done: say('ok') } })
    const { conv } = conversation(doc)
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'maybe' })
    expect(r.errors).toEqual([{ code: 'no_transition', message: expect.stringContaining('ask'), state: 'ask' }])
    expect(r.replies).toEqual([])
    expect(r.path).toEqual([])
    expect(r.state).toBe('ask')
    expect((await conv.send({ type: 'message', text: 'yes' })).state).toBe('done')
  })

  it('no_transition does not reset the waiting state timer', async () => {
    const { conv } = conversation(support)
    await conv.start()
    await conv.wait(20_000)
    expect((await conv.send({ type: 'message', text: 'blah' })).errors[0]!.code).toBe('no_transition')
    const r = await conv.wait(10_000)
    expect(r.event).toBe('timeout')
    expect(r.path).toEqual(['nudge'])
  })

  it('a pass-through state with no true transition stops the turn there with no_transition', async () => {
    const doc = flow({
      intents: { help: ['help'] },
      states: {
        hi: say('hi', [{ condition: 'any_input', target_state: 'route' }]),
        route: { type: 'intent', transitions: [{ condition: 'intent_match', condition_value: 'help', target_state: 'hi' }] },
      },
    })
    const { conv } = conversation(doc)
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'nonsense' })
    expect(r.errors.map((e) => e.code)).toEqual(['no_transition'])
    expect(r.state).toBe('route')
    expect(r.path).toEqual(['route'])
    // the next message acts on the stuck state again (it is not entered again)
    const r2 = await conv.send({ type: 'message', text: 'help' })
    expect(r2.path).toEqual(['hi'])
    expect(r2.intent).toBe('help')
  })

  it('loop_detected beyond max_steps_per_turn, never a hang', async () => {
    const doc = flow({
      settings: { max_steps_per_turn: 5 },
      states: { a: say('a', [{ condition: 'always', target_state: 'b' }]), b: say('b', [{ condition: 'always', target_state: 'a' }]) },
    })
    const { conv } = conversation(doc)
    const r = await conv.start()
    expect(r.path).toEqual(['a', 'b', 'a', 'b', 'a'])
    expect(r.transitions.length).toBe(4)
    expect(r.errors.map((e) => e.code)).toEqual(['loop_detected'])
    expect(r.state).toBe('a')
    // default is 50
    const d = conversation(flow({ states: { a: say('a', [{ condition: 'always', target_state: 'a' }]) } })).conv
    expect((await d.start()).path.length).toBe(50)
  })

  it('a message after the end yields conversation_ended', async () => {
    const { conv } = conversation(support)
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'bye' })
    expect(r.ended).toBe(true)
    const again = await conv.send({ type: 'message', text: 'hello?' })
    expect(again.errors.map((e) => e.code)).toEqual(['conversation_ended'])
    expect(again.replies).toEqual([])
    expect((await conv.send({ type: 'approve' })).errors.map((e) => e.code)).toEqual(['conversation_ended'])
    // a wait after the end is an empty turn
    const w = await conv.wait(1000)
    expect(w.errors).toEqual([])
    expect(w.path).toEqual([])
  })

  it('invalid events', async () => {
    const { conv } = conversation(support)
    expect((await conv.send({ type: 'message', text: 'early' })).errors.map((e) => e.code)).toEqual(['invalid_event'])
    await conv.start()
    const bad = [{ type: 'start' }, { type: 'timeout' }, { type: 'message' }, { type: 'dance' }, null] as never[]
    for (const e of bad) {
      const r = await conv.send(e)
      expect(r.errors.map((x) => x.code)).toEqual(['invalid_event'])
      expect(r.event).toBe('invalid')
    }
    expect((await conv.start()).errors.map((x) => x.code)).toEqual(['invalid_event'])
    expect(conv.state).toBe('greeting')
  })

  it('approve/reject with no gate waiting yields no_pending_approval', async () => {
    const { conv } = conversation(support)
    await conv.start()
    for (const type of ['approve', 'reject'] as const) {
      const r = await conv.send({ type })
      expect(r.errors.map((e) => e.code)).toEqual(['no_pending_approval'])
      expect(r.intent).toBeNull()
      expect(r.entities).toEqual({})
    }
  })
})

describe('timeouts and wait', () => {
  it('fires the timeout once it is due, at most once per entry; waits add up', async () => {
    const { conv } = conversation(support)
    await conv.start()
    const early = await conv.wait(10_000)
    expect(early).toMatchObject({ event: 'wait', path: [], replies: [], state: 'greeting', turn: 0 })
    await conv.wait(10_000)
    const fired = await conv.wait(10_000)
    expect(fired).toMatchObject({ event: 'timeout', path: ['nudge'], state: 'nudge', intent: null, turn: 1 })
    expect(fired.replies.map((m) => m.text)).toEqual(['Still there?'])
    expect(fired.transitions).toEqual(['greeting -> nudge [timeout]'])
    const next = await conv.wait(60_000)
    expect(next.path).toEqual(['bye'])
    expect(next.ended).toBe(true)
  })

  it('fires at most once while the state stays the same', async () => {
    const doc = flow({
      states: { a: say('a', [{ condition: 'timeout', target_state: 'b' }], { timeout_seconds: 5 }), b: say('b', [{ condition: 'expression', condition_value: { left: 1, operator: 'eq', right: 2 }, target_state: 'a' }, { condition: 'timeout', target_state: 'b', priority: 200 }], { timeout_seconds: 0 }) },
    })
    const { conv } = conversation(doc)
    await conv.start()
    const r = await conv.wait(5000)
    // b is entered, its own timeout (0 s) would be due at once, but one wait fires one timeout
    expect(r.path).toEqual(['b'])
    const again = await conv.wait(0)
    expect(again.path).toEqual(['b'])
    const third = await conv.wait(0)
    expect(third.path).toEqual(['b'])
  })

  it('a message is handled as a message even when the timeout would be due', async () => {
    const { conv } = conversation(support)
    await conv.start()
    await conv.wait(20_000)
    await conv.send({ type: 'message', text: 'hm' })
    const r = await conv.send({ type: 'message', text: 'help' })
    expect(r.event).toBe('message')
    expect(r.path).toEqual(['help'])
  })

  it('states without timeout_seconds never time out', async () => {
    const { conv } = conversation(flow({ states: { a: say('a', [{ condition: 'timeout', target_state: 'a' }]) } }))
    await conv.start()
    expect((await conv.wait(1e9)).path).toEqual([])
  })

  it('wait on a real clock really waits (a little)', async () => {
    const engine = new Engine(compileFlow(support), { clock: new RealClock() })
    const conv = engine.createConversation()
    await conv.start()
    expect((await conv.wait(5)).event).toBe('wait')
  })
})

describe('session TTL', () => {
  const doc = flow({
    settings: { session_ttl_seconds: 60 },
    entities: { n: { type: 'number' } },
    states: {
      hi: say('Welcome', [{ condition: 'any_input', target_state: 'store' }]),
      store: say('Stored {entities.n}', [{ condition: 'any_input', target_state: 'store' }], { actions: [{ type: 'set_variable', name: 'n', value: '{entities.n}' }, { type: 'set_slot', name: 's', value: 1 }] }),
    },
  })

  it('restarts an expired conversation, keeping ids and user_profile, then handles the event', async () => {
    const { conv } = conversation(doc, {}, { conversation_id: 'c', user_profile: { p: 1 } })
    await conv.start()
    await conv.send({ type: 'message', text: '1' })
    await conv.wait(59_999)
    const fresh = await conv.send({ type: 'message', text: '2' })
    expect(fresh.expired).toBe(false)
    expect(fresh.variables).toEqual({ n: 2 })
    await conv.wait(60_000)
    const r = await conv.send({ type: 'message', text: '3' })
    expect(r.expired).toBe(true)
    expect(r.path).toEqual(['hi', 'store'])
    expect(r.replies.map((m) => m.text)).toEqual(['Welcome', 'Stored 3'])
    expect(r.variables).toEqual({ n: 3 })
    expect(r.conversation_id).toBe('c')
    expect(conv.context().user_profile).toEqual({ p: 1 })
  })

  it('revives an ended conversation and checks approve/reject too', async () => {
    const ended = flow({ settings: { session_ttl_seconds: 10 }, states: { hi: say('Welcome', [{ condition: 'any_input', target_state: 'end' }]), end: { type: 'end' } } })
    const { conv } = conversation(ended)
    await conv.start()
    await conv.send({ type: 'message', text: 'x' })
    await conv.wait(10_000)
    const r = await conv.send({ type: 'approve' })
    expect(r.expired).toBe(true)
    expect(r.errors.map((e) => e.code)).toEqual(['no_pending_approval'])
    expect(r.ended).toBe(false)
  })
})

describe('conversations', () => {
  it('run two sends of one conversation one after the other, in call order', async () => {
    const provider = new ScriptedIntegrations({ slow: [{ delay_ms: 50, response: { status_code: 200, data: { v: 'first' } } }, { status_code: 200, data: { v: 'second' } }] })
    const doc = flow({
      states: {
        hi: say('hi', [{ condition: 'any_input', target_state: 'call' }]),
        call: { type: 'integration', config: { integration_id: 'slow', response_mapping: { v: 'v' } }, transitions: [{ condition: 'always', target_state: 'show' }] },
        show: say('{v}', [{ condition: 'any_input', target_state: 'call' }]),
      },
    })
    const { conv } = conversation(doc, { integrations: provider })
    await conv.start()
    const [a, b, c] = await Promise.all([conv.send({ type: 'message', text: '1' }), conv.send({ type: 'message', text: '2' }), conv.wait(0)])
    expect(a.replies[0]!.text).toBe('first')
    expect(b.replies[0]!.text).toBe('second')
    expect([a.turn, b.turn]).toEqual([1, 2])
    expect(c.event).toBe('wait')
    // one at a time: the second call started after the first one's delay
    expect(provider.calls.map((x) => x.at)).toEqual([Date.UTC(2024, 0, 15, 12), Date.UTC(2024, 0, 15, 12) + 50])
  })

  it('do not share state', async () => {
    const engine = new Engine(compileFlow(support))
    const a = engine.createConversation({ clock: new FakeClock() })
    const b = engine.createConversation({ clock: new FakeClock() })
    await a.start()
    await b.start()
    await a.send({ type: 'message', text: 'help' })
    expect(a.state).toBe('help')
    expect(b.state).toBe('greeting')
    expect(a.id).not.toBe(b.id)
  })

  it('turn results are snapshots: later turns do not change earlier results', async () => {
    const doc = flow({ states: { a: say('a', [{ condition: 'any_input', target_state: 'a' }], { actions: [{ type: 'set_variable', name: 'last', value: '{input}' }, { type: 'set_slot', name: 'last', value: '{input}' }] }) } })
    const { conv } = conversation(doc)
    await conv.start()
    const one = await conv.send({ type: 'message', text: 'one' })
    const two = await conv.send({ type: 'message', text: 'two' })
    expect(one.variables).toEqual({ last: 'one' })
    expect(one.slots).toEqual({ last: 'one' })
    expect(two.variables).toEqual({ last: 'two' })
  })

  it('are deterministic given flow, inputs, mocks and clock', async () => {
    const run = async (): Promise<Array<Omit<TurnResult, 'duration_us'>>> => {
      const provider = new ScriptedIntegrations({ flaky: [{ status_code: 500 }, { status_code: 500 }, { status_code: 200, data: { ok: 1 } }] })
      const doc = flow({
        integrations: { flaky: { retries: 3, backoff_ms: 100 } as never },
        states: {
          hi: say('hi', [{ condition: 'any_input', target_state: 'call' }]),
          call: { type: 'integration', config: { integration_id: 'flaky' }, transitions: [{ condition: 'integration_success', target_state: 'hi' }] },
        },
      })
      const { conv } = conversation(doc, { integrations: provider, seed: 7 })
      const out = [await conv.start(), await conv.send({ type: 'message', text: 'go' }), await conv.wait(5000)]
      return out.map(stable)
    }
    expect(await run()).toEqual(await run())
  })

  it('context() returns a snapshot of the context; memory keeps the last turns', async () => {
    const doc = flow({ settings: { memory: { max_turns: 2, token_budget: 6 } }, states: { a: say('echo {input}', [{ condition: 'any_input', target_state: 'a' }]) } })
    const { conv } = conversation(doc)
    await conv.start()
    await conv.send({ type: 'message', text: 'one' })
    await conv.send({ type: 'message', text: 'two' })
    const ctx = conv.context()
    expect(ctx.turn).toBe(2)
    expect(ctx.input).toBe('two')
    // three turns exceed max_turns: the older two are compressed, the last ⌈2/2⌉ stays verbatim
    expect(ctx.history!.map((h) => `${h.turn}:${h.role}:${h.text}`)).toEqual(['2:user:two', '2:bot:echo two'])
    expect(ctx.memory).toMatchObject({ compressions: 1, summarised_turns: 2, compression_applied: true })
    expect(ctx.memory!.token_count).toBeLessThanOrEqual(6)
    const unbounded = conversation(flow({ settings: { memory: { max_turns: 1 } }, states: { a: say('echo {input}', [{ condition: 'any_input', target_state: 'a' }]) } })).conv
    await unbounded.start()
    await unbounded.send({ type: 'message', text: 'x' })
    await unbounded.send({ type: 'message', text: 'y' })
    expect(unbounded.context().history).toEqual([{ turn: 2, role: 'user', text: 'y' }, { turn: 2, role: 'bot', text: 'echo y' }])
    expect(conversation(support).conv.context().history).toBeUndefined()
  })
})

describe('one wait, one timeout', () => {
  it('a pass-through state entered by a timeout does not see its own timeout in that turn', async () => {
    const doc = flow({
      states: {
        a: say('a', [{ condition: 'timeout', target_state: 'c' }], { timeout_seconds: 1 }),
        c: { type: 'condition', timeout_seconds: 0, config: { conditions: [] }, transitions: [{ condition: 'timeout', target_state: 'late' }, { condition: 'always', target_state: 'a', priority: 200 }] } as never,
        late: say('late'),
      },
    })
    const { conv } = conversation(doc)
    await conv.start()
    const r = await conv.wait(1000)
    expect(r.path).toEqual(['c', 'a'])
  })
})
