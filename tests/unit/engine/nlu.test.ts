// The built-in NLU (spec MUST) and NLU plugins: scoring, ties, thresholds, restrictions, failures.
import { describe, expect, it } from 'vitest'
import type { NluResult } from '../../../src-main/common/plugin-api'
import { classifyIntent, compileFlow, normalise, type NluProvider } from '../../../src-main/core/engine/index'
import { conversation, flow } from './helpers'

const doc = flow({
  intents: {
    greet: ['hello there', 'good morning', '/^hi+\\b/i'],
    order_status: ['where is my order', 'track my package'],
    help: ['I need help now', 'assist me'],
    cancel: ['cancel my order please'],
  },
  states: { s: { type: 'response', config: { response_templates: { default: 'x' } } } },
})
const compiled = compileFlow(doc)

describe('normalisation', () => {
  it('lower-cases, turns punctuation into spaces and collapses them', () => {
    expect(normalise('  Hello,   WORLD!!  ')).toBe('hello world')
    expect(normalise('auth-service_v2\ttab')).toBe('auth service_v2 tab')
    expect(normalise('Çava? Ünïcode')).toBe('çava ünïcode')
    expect(normalise('???')).toBe('')
  })
})

describe('built-in scoring', () => {
  it('scores 1.0 for an example equal after normalisation', () => {
    const r = classifyIntent(compiled, 'Where is my ORDER?!')
    expect(r).toMatchObject({ intent: 'order_status', confidence: 1 })
  })

  it('scores 0.9 for a regex example matching the original text', () => {
    const r = classifyIntent(compiled, 'HIII everyone')
    expect(r.intent).toBe('greet')
    expect(r.confidence).toBe(0.9)
  })

  it('scores 0.8 when the input contains the intent name as a word', () => {
    expect(classifyIntent(compiled, 'I want to cancel').confidence).toBe(0.8)
    expect(classifyIntent(compiled, 'I want to cancel').intent).toBe('cancel')
    // "helpful" is not the word "help"
    expect(classifyIntent(compiled, 'so helpful').scores['help']).toBe(0)
  })

  it('matches multi-word intent names as words (order_status keeps its underscore)', () => {
    const f = compileFlow(flow({ intents: { 'order-status': ['zzz'] }, states: { s: { type: 'end' } } }))
    expect(classifyIntent(f, 'what is my order status').confidence).toBe(0.8)
    expect(classifyIntent(f, 'order statuses').confidence).toBe(0)
  })

  it('scores 0.8 × the best Jaccard overlap otherwise', () => {
    // {where,is,my,package} vs {track,my,package}: 2 common of 5 -> 0.32
    const r = classifyIntent(compiled, 'where is my package', ['order_status'])
    // {where,is,my,order} ∩ = 3 of 5 -> 0.48 ; {track,my,package} ∩ = 2 of 5 -> 0.32
    expect(r.confidence).toBeCloseTo(0.48, 12)
    expect(r.scores['order_status']).toBe((4 * 3) / (5 * 5))
  })

  it('takes the best of all rules per intent', () => {
    // "hi" matches the regex (0.9) and equals nothing: 0.9 wins over the Jaccard of "hello there"
    expect(classifyIntent(compiled, 'hi there').scores['greet']).toBe(0.9)
  })

  it('lets a score equal to the threshold pass', () => {
    // {a,b,c,d,e,f,g} vs {a,b,c,d,e,f,g,h}: 7/8 -> 0.8 × 0.875 = 0.7 exactly
    const f = compileFlow(flow({ intents: { x: ['a b c d e f g h'] }, states: { s: { type: 'end' } } }))
    const r = classifyIntent(f, 'a b c d e f g')
    expect(r.confidence).toBe(0.7)
    expect(r.intent).toBe('x')
    expect(classifyIntent(f, 'a b c d e f g', undefined, 0.70001).intent).toBeNull()
  })

  it('sends ties to the intent declared first', () => {
    const f = compileFlow(flow({ intents: { second: ['alpha'], first: ['alpha'] }, states: { s: { type: 'end' } } }))
    expect(classifyIntent(f, 'alpha').intent).toBe('second')
    const g = compileFlow(flow({ intents: { b: ['one two'], a: ['one three'] }, states: { s: { type: 'end' } } }))
    expect(classifyIntent(g, 'one', undefined, 0.4).intent).toBe('b')
    // declaration order, not the order candidates are listed in
    expect(classifyIntent(g, 'one', ['a', 'b'], 0.4).intent).toBe('b')
  })

  it('returns null below the threshold but still reports the best score', () => {
    const r = classifyIntent(compiled, 'completely unrelated words')
    expect(r.intent).toBeNull()
    expect(r.confidence).toBe(0)
  })

  it('restricts scoring to the candidates', () => {
    const r = classifyIntent(compiled, 'where is my order', ['help', 'cancel'])
    expect(r.intent).toBeNull()
    expect(Object.keys(r.scores)).toEqual(['help', 'cancel'])
  })

  it('handles an empty input and an empty flow', () => {
    expect(classifyIntent(compiled, '').confidence).toBe(0)
    const empty = compileFlow(flow({ states: { s: { type: 'end' } } }))
    expect(classifyIntent(empty, 'anything')).toEqual({ intent: null, confidence: 0, scores: {} })
  })
})

function intentFlow(extra: Record<string, unknown> = {}) {
  return flow({
    intents: { help: ['help me'], billing: ['my bill'], bye: ['goodbye'] },
    states: {
      wait: { type: 'response', config: { response_templates: { default: 'hi' } }, transitions: [{ condition: 'any_input', target_state: 'route' }] },
      route: {
        type: 'intent',
        config: extra,
        transitions: [
          { condition: 'intent_match', condition_value: ['help', 'billing'], target_state: 'known' },
          { condition: 'fallback', target_state: 'wait', priority: 999 },
        ],
      },
      known: { type: 'response', config: { response_templates: { default: 'known {intent}' } }, transitions: [{ condition: 'any_input', target_state: 'route' }] },
    },
  })
}

class FakeNlu implements NluProvider {
  asked: string[] = []
  constructor(private readonly answer: (text: string) => NluResult | null | Promise<NluResult | null>) {}
  async classify(text: string): Promise<NluResult | null> {
    this.asked.push(text)
    return this.answer(text)
  }
}

describe('intent states', () => {
  it('classify the message and set intent and confidence', async () => {
    const { conv } = conversation(intentFlow())
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'help me' })
    expect(r).toMatchObject({ intent: 'help', confidence: 1, state: 'known', path: ['route', 'known'] })
    expect(r.replies[0]!.text).toBe('known help')
  })

  it('honour intent_patterns and the state threshold', async () => {
    const { conv } = conversation(intentFlow({ intent_patterns: ['billing'] }))
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'help me' })
    expect(r.intent).toBeNull()
    expect(r.state).toBe('wait')
    const strict = conversation(intentFlow({ confidence_threshold: 0.95 })).conv
    await strict.start()
    // "help me please": name as word -> 0.8, below 0.95
    const s = await strict.send({ type: 'message', text: 'help me please' })
    expect(s.intent).toBeNull()
    expect(s.confidence).toBe(0.8)
  })

  it('are not classified on turns without a message', async () => {
    const { conv } = conversation(
      flow({
        intents: { help: ['help'] },
        states: { route: { type: 'intent', transitions: [{ condition: 'fallback', target_state: 'done' }] }, done: { type: 'end' } },
      }),
    )
    const r = await conv.start()
    expect(r.intent).toBeNull()
    expect(r.confidence).toBeNull()
    expect(r.entities).toEqual({})
  })
})

describe('when the NLU is consulted', () => {
  it('not at all in a response state with only any_input', async () => {
    const nlu = new FakeNlu(() => ({ intent: 'help', confidence: 1 }))
    const { conv } = conversation(
      flow({
        intents: { help: ['help'] },
        states: { a: { type: 'response', config: { response_templates: { default: 'a' } }, transitions: [{ condition: 'any_input', target_state: 'a' }] } },
      }),
      { nlu },
    )
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'help' })
    expect(nlu.asked).toEqual([])
    expect(r.intent).toBeNull()
  })

  it('on demand for intent_match, over every intent at the flow threshold', async () => {
    const { conv } = conversation(
      flow({
        settings: { confidence_threshold: 0.5 },
        intents: { help: ['help me now'], bye: ['bye'] },
        states: {
          a: {
            type: 'response',
            config: { response_templates: { default: 'a' } },
            transitions: [
              { condition: 'intent_match', condition_value: 'help', target_state: 'b' },
              { condition: 'any_input', target_state: 'a' },
            ],
          },
          b: { type: 'end' },
        },
      }),
    )
    await conv.start()
    // {help, me} vs {help, me, now}: 0.8 × 2/3 ≈ 0.533 ≥ 0.5 (but "help" is also the name: 0.8)
    const r = await conv.send({ type: 'message', text: 'me help' })
    expect(r.intent).toBe('help')
    expect(r.state).toBe('b')
  })

  it('only when an intent_match is reached (an earlier true transition skips it)', async () => {
    const nlu = new FakeNlu(() => ({ intent: 'help', confidence: 1 }))
    const { conv } = conversation(
      flow({
        intents: { help: ['help'] },
        entities: { code: { pattern: '\\d+' } },
        states: {
          a: {
            type: 'response',
            config: { response_templates: { default: 'a' } },
            transitions: [
              { condition: 'entity_present', condition_value: 'code', target_state: 'a', priority: 1 },
              { condition: 'intent_match', condition_value: 'help', target_state: 'a', priority: 2 },
            ],
          },
        },
      }),
      { nlu },
    )
    await conv.start()
    await conv.send({ type: 'message', text: 'code 42' })
    expect(nlu.asked).toEqual([])
    await conv.send({ type: 'message', text: 'help' })
    expect(nlu.asked).toEqual(['help'])
  })
})

describe('NLU plugins', () => {
  it('replace the scoring; entities are added and win on a clash', async () => {
    const nlu = new FakeNlu(() => ({ intent: 'billing', confidence: 0.92, entities: { topic: 'invoice', n: 'nlu' } }))
    const doc2 = intentFlow()
    doc2.entities = { n: { type: 'number' }, other: { type: 'number' } }
    const { conv } = conversation(doc2, { nlu })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'hmm 42' })
    expect(r).toMatchObject({ intent: 'billing', confidence: 0.92, state: 'known' })
    expect(r.entities).toEqual({ n: 'nlu', other: 42, topic: 'invoice' })
  })

  it('are asked once per turn even when several states classify', async () => {
    const nlu = new FakeNlu(() => ({ intent: 'help', confidence: 0.9 }))
    const { conv } = conversation(
      flow({
        intents: { help: ['help'] },
        states: {
          one: { type: 'intent', transitions: [{ condition: 'always', target_state: 'two' }] },
          two: { type: 'intent', transitions: [{ condition: 'intent_match', condition_value: 'help', target_state: 'end' }] },
          end: { type: 'end' },
        },
      }),
      { nlu },
    )
    // start has no message: nothing asked, `two` has no true transition
    expect((await conv.start()).errors[0]!.code).toBe('no_transition')
    const r = await conv.send({ type: 'message', text: 'please' })
    expect(nlu.asked).toEqual(['please'])
    expect(r.state).toBe('end')
  })

  it('are subject to the threshold and to intent_patterns', async () => {
    const low = conversation(intentFlow(), { nlu: new FakeNlu(() => ({ intent: 'help', confidence: 0.69 })) }).conv
    await low.start()
    const r1 = await low.send({ type: 'message', text: 'x' })
    expect(r1.intent).toBeNull()
    expect(r1.confidence).toBe(0.69)
    const equal = conversation(intentFlow(), { nlu: new FakeNlu(() => ({ intent: 'help', confidence: 0.7 })) }).conv
    await equal.start()
    expect((await equal.send({ type: 'message', text: 'x' })).intent).toBe('help')
    const restricted = conversation(intentFlow({ intent_patterns: ['billing'] }), { nlu: new FakeNlu(() => ({ intent: 'help', confidence: 1 })) }).conv
    await restricted.start()
    expect((await restricted.send({ type: 'message', text: 'x' })).intent).toBeNull()
  })

  it('fall back to the built-in NLU when they answer null', async () => {
    const { conv } = conversation(intentFlow(), { nlu: new FakeNlu(() => null) })
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'help me' })).intent).toBe('help')
  })

  it('that throw, answer malformed results or hang give nlu_failed and a null intent', async () => {
    const cases: Array<[string, NluProvider]> = [
      ['throws', { classify: () => Promise.reject(new Error('model offline')) }],
      ['throws synchronously', { classify: () => { throw new Error('sync') } }],
      ['malformed', { classify: () => Promise.resolve({ intent: 42, confidence: 1 } as unknown as NluResult) }],
      ['not an object', { classify: () => Promise.resolve('help' as unknown as NluResult) }],
      ['hangs', { classify: () => new Promise<NluResult>(() => undefined) }],
    ]
    for (const [label, nlu] of cases) {
      const { conv } = conversation(intentFlow(), { nlu, nlu_timeout_ms: 50 })
      await conv.start()
      const r = await conv.send({ type: 'message', text: 'help me' })
      expect(r.errors.map((e) => e.code), label).toEqual(['nlu_failed'])
      expect(r.intent, label).toBeNull()
      expect(r.state, label).toBe('wait')
    }
  })
})

describe('unrestricted intent states', () => {
  it('accept a plugin intent the flow does not declare, even when another state names undeclared intents', async () => {
    const doc = flow({
      intents: { help: ['help'] },
      states: {
        open: { type: 'intent', transitions: [{ condition: 'intent_match', condition_value: 'custom', target_state: 'narrow' }] },
        narrow: { type: 'intent', config: { intent_patterns: ['ghost'] }, transitions: [{ condition: 'intent_match', condition_value: 'ghost', target_state: 'end' }, { condition: 'fallback', target_state: 'end' }] },
        end: { type: 'end' },
      },
    })
    const { conv } = conversation(doc, { nlu: new FakeNlu(() => ({ intent: 'custom', confidence: 0.99 })) })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'anything' })
    expect(r.path).toEqual(['narrow', 'end'])
    // `narrow` only recognises "ghost": the same answer is null there
    expect(r.intent).toBeNull()
    expect(classifyIntent(compileFlow(doc), 'ghost town', ['ghost'])).toEqual({ intent: 'ghost', confidence: 0.8, scores: { ghost: 0.8 } })
  })
})
