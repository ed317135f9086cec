// The clocks, flow compilation errors and coverage keys.
import { describe, expect, it } from 'vitest'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import { compileFlow, FakeClock, FlowCompileError, listTransitions, RealClock, transitionKey } from '../../../src-main/core/engine/index'
import { flow } from './helpers'

describe('FakeClock', () => {
  it('fires the earliest timer when everything else is idle, jumping time to it', async () => {
    const clock = new FakeClock(1000)
    const order: string[] = []
    const slow = clock.sleep(20).then(() => order.push(`slow@${clock.now()}`))
    const fast = clock.sleep(10).then(() => order.push(`fast@${clock.now()}`))
    await Promise.all([slow, fast])
    expect(order).toEqual(['fast@1010', 'slow@1020'])
    expect(clock.pending()).toBe(0)
  })

  it('advance fires due timers in order and moves time by exactly ms', async () => {
    const clock = new FakeClock()
    const seen: number[] = []
    void clock.sleep(5).then(() => seen.push(5))
    void clock.sleep(50).then(() => seen.push(50))
    clock.advance(10)
    expect(clock.now()).toBe(10)
    await Promise.resolve()
    expect(seen).toEqual([5])
    expect(clock.runNext()).toBe(true)
    expect(clock.now()).toBe(50)
    expect(clock.runNext()).toBe(false)
    clock.advance(-5)
    expect(clock.now()).toBe(50)
  })

  it('rejects on abort and forgets the timer', async () => {
    const clock = new FakeClock()
    const ac = new AbortController()
    const p = clock.sleep(100, ac.signal)
    ac.abort(new Error('stop'))
    await expect(p).rejects.toThrow('stop')
    expect(clock.pending()).toBe(0)
    await expect(clock.sleep(1, ac.signal)).rejects.toThrow('stop')
    // a zero or invalid delay resolves on the next idle moment without moving time
    await clock.sleep(Number.NaN)
    expect(clock.now()).toBe(0)
  })

  it('with a conversation attached, fires on its own only during a turn', async () => {
    const clock = new FakeClock()
    clock.attachConversation()
    let fired = false
    // Macrotask hops, not real time: the clock's idle check takes two of them.
    const hops = async (n: number) => {
      for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r))
    }
    void clock.sleep(10).then(() => (fired = true))
    await hops(6)
    expect(fired).toBe(false)
    clock.turnStarted()
    await hops(6)
    expect(fired).toBe(true)
    clock.turnEnded()
    clock.turnEnded()
  })

  it('keeps firing even while something keeps registering timers', async () => {
    const clock = new FakeClock()
    let ticks = 0
    const spin = async (): Promise<void> => {
      while (ticks < 20) {
        ticks++
        await clock.sleep(1)
      }
    }
    await spin()
    expect(clock.now()).toBe(20)
  })
})

describe('RealClock', () => {
  it('sleeps for real and honours abort', async () => {
    const clock = new RealClock()
    const t = clock.now()
    await clock.sleep(2)
    expect(clock.now()).toBeGreaterThanOrEqual(t)
    const ac = new AbortController()
    const p = clock.sleep(10_000, ac.signal)
    ac.abort()
    await expect(p).rejects.toBeDefined()
    await expect(clock.sleep(1, ac.signal)).rejects.toBeDefined()
  })
})

describe('compileFlow', () => {
  const issues = (doc: unknown): string[] => {
    try {
      compileFlow(doc as FlowDocument)
    } catch (err) {
      expect(err).toBeInstanceOf(FlowCompileError)
      return (err as FlowCompileError).message.split('\n')
    }
    return []
  }

  it('names the JSON path of every problem', () => {
    const found = issues({
      name: 'x',
      initial_state: 'nowhere',
      intents: { bad: ['/([/'] },
      states: {
        a: { type: 'response', config: { response_templates: { default: 'a' } }, transitions: [{ condition: 'any_input', target_state: 'payment' }, { condition: 'sometimes', target_state: 'a' }, { condition: 'always', target_state: 'a', priority: 'high' }] },
        b: { type: 'mystery' },
        c: { type: 'intent', config: { confidence_threshold: 2 } },
        d: { type: 'integration', config: {} },
        e: { type: 'slot_filling', config: { required_slots: ['x'], prompts: { x: 'x?' }, validation: { x: { pattern: '(' } }, max_attempts: 0 } },
        f: { type: 'condition', config: { conditions: [], mode: 'some' } },
        g: { type: 'response', config: {}, actions: [{ type: 'fly' }, { type: 'set_variable' }, { type: 'send_message' }] },
        h: 'not a state',
        i: { type: 'response', config: { response_templates: { default: 5 } }, timeout_seconds: -1 },
        j: { type: 'intent', transitions: [{ condition: 'intent_match', target_state: 'j' }, { condition: 'slot_filled', target_state: 'j' }, { condition: 'expression', condition_value: { left: 1, operator: 'nope' }, target_state: 'j' }] },
      },
    })
    expect(found).toEqual(expect.arrayContaining([
      'intents.bad[0]: invalid regular expression "/([/": Invalid regular expression: /([/: Unterminated character class',
      'states.a.transitions[0].target_state: unknown state "payment"',
      expect.stringMatching(/^states\.a\.transitions\[1\]\.condition: unknown condition "sometimes"/),
      'states.a.transitions[2].priority: priority must be a number',
      expect.stringMatching(/^states\.b\.type: unknown state type "mystery"/),
      'states.c.config.confidence_threshold: confidence_threshold must be between 0 and 1',
      'states.d.config.integration_id: an integration state needs an integration_id',
      expect.stringMatching(/^states\.e\.config\.validation\.x\.pattern: invalid regular expression/),
      'states.f.config.mode: mode must be all or any',
      'states.g.config.response_templates: a response state needs response_templates',
      expect.stringMatching(/^states\.g\.actions\[0\]\.type: unknown action "fly"/),
      'states.g.actions[1].name: set_variable needs a name',
      'states.g.actions[2].text: send_message needs a text',
      'states.h: a state must be an object',
      'states.i.config.response_templates.default: expected a template or a list of templates',
      'states.i.timeout_seconds: timeout_seconds must be a non-negative number',
      'states.j.transitions[0].condition_value: intent_match needs an intent name or a list of names',
      'states.j.transitions[1].condition_value: slot_filled needs a name',
      expect.stringMatching(/^states\.j\.transitions\[2\]\.condition_value\.operator: unknown operator "nope"/),
      'initial_state: unknown state "nowhere"',
    ]))
  })

  it('rejects malformed documents', () => {
    expect(issues(null)).toEqual(['a flow must be an object'])
    expect(issues({ name: 'x', initial_state: 'a' })).toEqual(['states: a flow needs states', 'initial_state: unknown state "a"'])
    expect(issues(flow({ intents: { x: 'hello' as never }, states: { s: { type: 'end' } } }))).toEqual(['intents.x: an intent needs a list of example phrases'])
    expect(issues(flow({ intents: { x: [3 as never] }, states: { s: { type: 'end' } } }))).toEqual(['intents.x[0]: an example must be a string'])
    expect(issues(flow({ entities: { e: { type: 'colour' } as never }, states: { s: { type: 'end' } } }))[0]).toMatch(/^entities\.e\.type: unknown entity type "colour"/)
    expect(issues(flow({ entities: { e: 5 as never }, states: { s: { type: 'end' } } }))).toEqual(['entities.e: an entity needs {values}, {pattern} or {type}'])
    expect(issues(flow({ entities: { e: { values: 'x' } as never }, states: { s: { type: 'end' } } }))).toEqual(['entities.e.values: values must be a list or {canonical: [synonyms]}'])
    expect(issues(flow({ entities: { e: { values: { a: 'b' } } as never }, states: { s: { type: 'end' } } }))).toEqual(['entities.e.values.a: synonyms must be a list of strings'])
    expect(issues(flow({ entities: { e: { values: [1] } as never }, states: { s: { type: 'end' } } }))).toEqual(['entities.e.values[0]: an entity value must be a string'])
    expect(issues(flow({ entities: { e: { pattern: 1 } as never }, states: { s: { type: 'end' } } }))).toEqual(['entities.e.pattern: pattern must be a string'])
  })

  it('reads settings with their defaults', () => {
    const f = compileFlow(flow({ version: 2 as never, states: { s: { type: 'end' } } }))
    expect([f.threshold, f.maxSteps, f.ttlMs, f.memory, f.version]).toEqual([0.7, 50, null, null, '2'])
    const g = compileFlow(flow({ settings: { confidence_threshold: 0.5, max_steps_per_turn: 3, session_ttl_seconds: 2, memory: { max_turns: 4 } }, states: { s: { type: 'end' } } }))
    expect([g.threshold, g.maxSteps, g.ttlMs, g.memory]).toEqual([0.5, 3, 2000, { maxTurns: 4, tokenBudget: Infinity, keepRecent: 2, summaryMaxTokens: 256, summarizer: null }])
    expect(compileFlow(flow({ states: { s: { type: 'end' } } })).version).toBe('1.0')
  })

  it('sorts transitions by priority, keeping declaration order on ties', () => {
    const f = compileFlow(flow({
      states: {
        s: {
          type: 'response',
          config: { response_templates: { default: 's' } },
          transitions: [
            { condition: 'fallback', target_state: 's', priority: 999 },
            { condition: 'any_input', target_state: 's' },
            { condition: 'always', target_state: 's', priority: 100 },
            { condition: 'timeout', target_state: 's', priority: 1 },
          ],
        },
      },
    }))
    expect(f.states.get('s')!.transitions.map((t) => t.condition)).toEqual(['timeout', 'any_input', 'always', 'fallback'])
  })
})

describe('transition keys', () => {
  it('are `s -> t [condition]` or `s -> t [condition value]`, lists joined by commas', () => {
    expect(transitionKey('a', { condition: 'any_input', target_state: 'b' })).toBe('a -> b [any_input]')
    expect(transitionKey('greeting', { condition: 'intent_match', condition_value: 'bye', target_state: 'goodbye' })).toBe('greeting -> goodbye [intent_match bye]')
    expect(transitionKey('a', { condition: 'intent_match', condition_value: ['x', 'y'], target_state: 'b' })).toBe('a -> b [intent_match x,y]')
    expect(transitionKey('a', { condition: 'expression', condition_value: { left: 1, operator: 'eq', right: 1 }, target_state: 'b' })).toBe('a -> b [expression {"left":1,"operator":"eq","right":1}]')
    expect(transitionKey('a', { condition: 'slot_filled', condition_value: 3 as never, target_state: 'b' })).toBe('a -> b [slot_filled 3]')
    expect(transitionKey('a', { condition: 'intent_match', condition_value: [1, 'y'] as never, target_state: 'b' })).toBe('a -> b [intent_match 1,y]')
  })

  it('listTransitions lists the declared transitions once each', () => {
    const doc = flow({
      states: {
        a: { type: 'response', config: { response_templates: { default: 'a' } }, transitions: [{ condition: 'any_input', target_state: 'b' }, { condition: 'any_input', target_state: 'b' }, null as never] },
        b: { type: 'end' },
        c: { type: 'intent', transitions: 'oops' as never },
      },
    })
    expect(listTransitions(doc)).toEqual([{ key: 'a -> b [any_input]', from: 'a', to: 'b' }])
    expect(listTransitions({} as FlowDocument)).toEqual([])
  })
})
