// Property tests: random valid flows driven by random events never throw, never hang, never
// enter more than max_steps_per_turn states in a turn, and replay identically.
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import type { FlowDocument, State, Transition } from '../../../src-main/common/flow-schema'
import type { ConversationEvent, TurnResult } from '../../../src-main/common/turn'
import type { NluResult } from '../../../src-main/common/plugin-api'
import { compileFlow, Engine, FakeClock, type NluProvider } from '../../../src-main/core/engine/index'
import { ScriptedIntegrations, stable } from './helpers'

const WORDS = ['help', 'order', 'pizza', 'large', 'small', 'bye', 'yes', 'no', '42', 'me@x.io', 'tomorrow', 'last 5 minutes', 'Ann']
const INTENTS = ['help', 'order', 'bye']
const SLOTS = ['size', 'n', 'name']
const INTEGRATIONS = ['ok', 'bad', 'slow', 'hang', 'missing']
const CONDITIONS = ['any_input', 'always', 'intent_match', 'entity_present', 'slot_filled', 'all_slots_filled', 'integration_success', 'integration_error', 'condition_true', 'condition_false', 'expression', 'workflow_completed', 'workflow_failed', 'timeout', 'fallback'] as const
const OPERATORS = ['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'in', 'not_in', 'exists', 'not_exists', 'matches', 'empty', 'not_empty'] as const
const OPERANDS = ['{input}', '{slots.size}', '{variables.v}', '{entities.n}', '{intent}', 'large', 3, '7', true, null, ['a', 'large'], '{turn}', '^l']

const operand = fc.constantFrom(...OPERANDS)
// `matches` needs a regex string on the right (anything else is a load-time error).
const comparison = fc
  .record({ left: operand, operator: fc.constantFrom(...OPERATORS), right: operand })
  .map((c) => (c.operator === 'matches' && typeof c.right !== 'string' ? { ...c, right: '^l' } : c))
const template = fc.constantFrom('Hi', 'You said {input}', '{slots.size} x{n}', '{variables.v}', 'Intent {intent} {confidence}', '{missing.path}', '{integration_results.ok.status_code}', '{workflow.state}')

function stateArb(names: string[]): fc.Arbitrary<State> {
  const target = fc.constantFrom(...names)
  const transition: fc.Arbitrary<Transition> = fc
    .record({
      condition: fc.constantFrom(...CONDITIONS),
      target_state: target,
      priority: fc.option(fc.integer({ min: 0, max: 1000 }), { nil: undefined }),
      intent: fc.constantFrom(...INTENTS),
      slot: fc.constantFrom(...SLOTS),
      expr: comparison,
    })
    .map(({ condition, target_state, priority, intent, slot, expr }) => {
      const t: Transition = { condition, target_state }
      if (priority !== undefined) t.priority = priority
      if (condition === 'intent_match') t.condition_value = intent
      if (condition === 'entity_present' || condition === 'slot_filled') t.condition_value = slot
      if (condition === 'expression') t.condition_value = expr
      return t
    })
  const action = fc.oneof(
    fc.record({ type: fc.constant('send_message' as const), text: template }),
    fc.record({ type: fc.constant('set_variable' as const), name: fc.constant('v'), value: operand }),
    fc.record({ type: fc.constant('set_slot' as const), name: fc.constantFrom(...SLOTS), value: operand }),
    fc.record({ type: fc.constant('clear_slots' as const) }),
    fc.record({ type: fc.constant('end_conversation' as const) }),
    fc.record({ type: fc.constant('handoff' as const), queue: fc.constant('q') }),
  )
  const common = {
    transitions: fc.array(transition, { maxLength: 4 }),
    actions: fc.option(fc.array(action, { maxLength: 2 }), { nil: undefined }),
    timeout_seconds: fc.option(fc.integer({ min: 0, max: 120 }), { nil: undefined }),
  }
  const config = fc.oneof(
    fc.record({ type: fc.constant('response' as const), config: fc.record({ response_templates: fc.record({ default: fc.oneof(template, fc.array(template, { maxLength: 2 })), vip: template }, { requiredKeys: ['default'] }) }) }),
    fc.record({ type: fc.constant('intent' as const), config: fc.record({ intent_patterns: fc.subarray(INTENTS), confidence_threshold: fc.double({ min: 0, max: 1, noNaN: true }) }, { requiredKeys: [] }) }),
    fc.record({
      type: fc.constant('slot_filling' as const),
      config: fc.record({
        required_slots: fc.subarray(SLOTS),
        prompts: fc.constant({ size: 'Size?', n: 'How many?', name: 'Name?' }),
        validation: fc.constant({ name: { pattern: '^[A-Z]' } }),
        max_attempts: fc.integer({ min: 1, max: 3 }),
      }, { requiredKeys: ['required_slots', 'prompts'] }),
    }),
    fc.record({ type: fc.constant('integration' as const), config: fc.record({ integration_id: fc.constantFrom(...INTEGRATIONS), request_mapping: fc.constant({ q: '{input}', s: '{slots.size}' }), response_mapping: fc.constant({ v: 'value' }), timeout_ms: fc.constantFrom(10, 50), retries: fc.integer({ min: 0, max: 2 }) }, { requiredKeys: ['integration_id'] }) }),
    fc.record({ type: fc.constant('condition' as const), config: fc.record({ conditions: fc.array(comparison, { maxLength: 3 }), mode: fc.constantFrom('all' as const, 'any' as const) }, { requiredKeys: ['conditions'] }) }),
    fc.record({
      type: fc.constant('workflow' as const),
      config: fc.array(fc.record({ integration: fc.constantFrom(undefined, ...INTEGRATIONS), approval: fc.boolean(), dep: fc.nat() }), { maxLength: 4 }).map((specs) => ({
        tasks: specs.map((s, i) => ({
          id: `t${i}`,
          ...(s.integration !== undefined ? { integration_id: s.integration } : {}),
          ...(s.approval ? { approval: true } : {}),
          ...(i > 0 ? { depends_on: [`t${s.dep % i}`] } : {}),
        })),
      })),
    }),
    fc.record({ type: fc.constant('end' as const), config: fc.record({ response_templates: fc.record({ default: template }) }, { requiredKeys: [] }) }),
  )
  return fc.tuple(config, fc.record(common)).map(([c, rest]) => {
    const s: Record<string, unknown> = { ...c, transitions: rest.transitions }
    if (rest.actions !== undefined) s['actions'] = rest.actions
    if (rest.timeout_seconds !== undefined) s['timeout_seconds'] = rest.timeout_seconds
    return s as unknown as State
  })
}

const flowArb: fc.Arbitrary<FlowDocument> = fc.integer({ min: 1, max: 6 }).chain((n) => {
  const names = Array.from({ length: n }, (_, i) => `s${i}`)
  return fc
    .record({
      states: fc.tuple(...names.map(() => stateArb(names))),
      maxSteps: fc.integer({ min: 1, max: 25 }),
      ttl: fc.option(fc.integer({ min: 1, max: 300 }), { nil: undefined }),
      cb: fc.boolean(),
    })
    .map(({ states, maxSteps, ttl, cb }) => ({
      name: 'random',
      initial_state: 's0',
      settings: { max_steps_per_turn: maxSteps, ...(ttl !== undefined ? { session_ttl_seconds: ttl } : {}) },
      intents: { help: ['help', 'I need help'], order: ['order a pizza', '/piz+a/i'], bye: ['bye'] },
      entities: { size: { values: { large: ['big'], small: [] } }, n: { type: 'number' }, email: { type: 'email' }, when: { type: 'date' }, range: { type: 'time_range' } },
      integrations: cb ? { bad: { circuit_breaker: { threshold: 2, cooldown_ms: 1000 } } } : {},
      states: Object.fromEntries(names.map((name, i) => [name, states[i]!])),
    }) as unknown as FlowDocument)
})

const eventArb: fc.Arbitrary<ConversationEvent | { wait: number }> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...WORDS).map((text) => ({ type: 'message' as const, text })) },
  { weight: 1, arbitrary: fc.constantFrom({ type: 'approve' as const }, { type: 'reject' as const }) },
  { weight: 2, arbitrary: fc.constantFrom(0, 1000, 30_000, 400_000).map((wait) => ({ wait })) },
)

const snapshotNlu: NluProvider = {
  async classify(text: string): Promise<NluResult | null> {
    if (text === 'yes') return { intent: 'help', confidence: 0.9, entities: { size: 'small' } }
    if (text === 'no') throw new Error('nlu down')
    return null
  },
}

async function run(doc: FlowDocument, events: Array<ConversationEvent | { wait: number }>, withNlu: boolean): Promise<TurnResult[]> {
  const provider = new ScriptedIntegrations({
    ok: [{ status_code: 200, data: { value: 'v' } }],
    bad: [{ status_code: 500 }, { throws: new Error('x') }],
    slow: [{ delay_ms: 30, response: { status_code: 200, data: { value: 's' } } }],
    hang: [{ hang: true }],
  })
  const engine = new Engine(compileFlow(doc), { integrations: provider, seed: 3, ...(withNlu ? { nlu: snapshotNlu } : {}) })
  const conv = engine.createConversation({ clock: new FakeClock(Date.UTC(2024, 0, 1)), user_profile: { vip: true } })
  const out = [await conv.start()]
  for (const e of events) out.push('wait' in e ? await conv.wait(e.wait) : await conv.send(e))
  return out
}

/** Fails the property usefully instead of letting a hang run into the test timeout. */
async function bounded<T>(p: Promise<T>, ms = 10_000): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms: the engine hangs`)), ms)))])
  } finally {
    clearTimeout(timer)
  }
}

describe('random flows', () => {
  it('never throw, never hang, never exceed max_steps_per_turn, and replay identically', async () => {
    await fc.assert(
      fc.asyncProperty(flowArb, fc.array(eventArb, { maxLength: 8 }), fc.boolean(), async (doc, events, withNlu) => {
        const first = await bounded(run(doc, events, withNlu))
        const max = doc.settings!.max_steps_per_turn!
        for (const r of first) {
          expect(r.path.length).toBeLessThanOrEqual(max)
          expect(doc.states[r.state]).toBeDefined()
          for (const e of r.errors) expect(['no_transition', 'loop_detected', 'conversation_ended', 'integration_failed', 'nlu_failed', 'no_pending_approval', 'invalid_event']).toContain(e.code)
          if (r.errors.some((e) => e.code === 'loop_detected')) expect(r.path.length).toBe(max)
          expect(() => JSON.stringify(r)).not.toThrow()
        }
        const second = await bounded(run(doc, events, withNlu))
        expect(second.map(stable)).toEqual(first.map(stable))
      }),
      { numRuns: 200, seed: 20240115 },
    )
  }, 120_000)
})
