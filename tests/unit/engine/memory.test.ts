// Context memory (settings.memory): compression thresholds, what stays verbatim, the built-in
// summary's determinism, real token counts (gpt-tokenizer cl100k_base), plugin summarisers and
// their failures, and session expiry clearing memory — all on a fake clock.
import { describe, expect, it } from 'vitest'
import { encode } from 'gpt-tokenizer/encoding/cl100k_base'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { SummarizerHandler } from '../../../src-main/common/plugin-api'
import type { MemorySnapshot, TurnResult } from '../../../src-main/common/turn'
import type { SummarizerProvider } from '../../../src-main/core/engine/index'
import { FakeClock } from '../../../src-main/core/engine/index'
import { conversation, flow } from './helpers'

type Memory = NonNullable<NonNullable<FlowDocument['settings']>['memory']>

/** A booking assistant: an intent state, a slot-filling state, a confirmation, then back to the start. */
function booking(memory: Memory, { settings, ...extra }: Partial<FlowDocument> = {}): FlowDocument {
  return flow({
    settings: { memory, ...(settings ?? {}) },
    intents: { book: ['book a table', 'i want to book'], hours: ['when are you open', 'opening hours'] },
    entities: { city: { values: ['paris', 'rome', 'berlin'] }, party: { type: 'number' } },
    states: {
      ask: {
        type: 'response',
        config: { response_templates: { default: 'What can I do for you?' } },
        transitions: [
          { condition: 'intent_match', condition_value: 'book', target_state: 'details' },
          { condition: 'intent_match', condition_value: 'hours', target_state: 'hours' },
          { condition: 'fallback', target_state: 'ask', priority: 999 },
        ],
      },
      hours: { type: 'response', config: { response_templates: { default: 'We are open from 9 to 5.' } }, transitions: [{ condition: 'always', target_state: 'ask' }] },
      details: {
        type: 'slot_filling',
        config: { required_slots: ['city', 'party'], prompts: { city: 'Which city?', party: 'For how many people?' } },
        transitions: [{ condition: 'all_slots_filled', target_state: 'confirm' }],
      },
      confirm: {
        type: 'response',
        config: { response_templates: { default: 'Your table in {slots.city} for {slots.party} is booked.' } },
        transitions: [{ condition: 'always', target_state: 'ask' }],
      },
    },
    ...extra,
  })
}

const SCRIPT = ['i want to book', 'paris', '4', 'when are you open', 'thanks', 'opening hours', 'ok']

async function chat(doc: FlowDocument, inputs: readonly string[], init: Parameters<typeof conversation>[2] = {}, opts: Parameters<typeof conversation>[1] = {}) {
  const { conv, clock } = conversation(doc, opts, init)
  const turns: TurnResult[] = [await conv.start()]
  for (const text of inputs) turns.push(await conv.send({ type: 'message', text }))
  return { conv, clock, turns }
}

const tokens = (text: string): number => encode(text).length

function expectedCount(m: MemorySnapshot): number {
  return (m.summary === null ? 0 : tokens(m.summary)) + m.turns.reduce((n, e) => n + tokens(e.text), 0)
}

const heldTurns = (m: MemorySnapshot): number[] => [...new Set(m.turns.map((e) => e.turn))]

describe('context memory', () => {
  it('keeps every turn verbatim while within max_turns and the budget', async () => {
    const { turns, conv } = await chat(booking({ max_turns: 10, token_budget: 1000 }), SCRIPT.slice(0, 3))
    const m = turns.at(-1)!.memory!
    expect(heldTurns(m)).toEqual([0, 1, 2, 3])
    expect(m.summary).toBeNull()
    expect(m).toMatchObject({ compression_applied: false, compressions: 0, summarised_turns: 0, max_turns: 10, token_budget: 1000, keep_recent: 5, summarizer: 'built-in' })
    expect(m.turns.slice(0, 3)).toEqual([
      { turn: 0, role: 'bot', text: 'What can I do for you?' },
      { turn: 1, role: 'user', text: 'i want to book' },
      { turn: 1, role: 'bot', text: 'Which city?' },
    ])
    // ConversationContext.memory is the same memory; history mirrors its verbatim turns.
    const ctx = conv.context()
    expect(ctx.memory).toEqual({ turns: m.turns, summary: null, token_count: m.token_count, compression_applied: false, compressions: 0, summarised_turns: 0 })
    expect(ctx.history).toEqual(m.turns)
  })

  it('counts tokens with gpt-tokenizer (cl100k_base): encode(text).length of the summary and every verbatim entry', async () => {
    const { turns } = await chat(booking({ max_turns: 4 }), SCRIPT)
    for (const t of turns) expect(t.memory!.token_count).toBe(expectedCount(t.memory!))
    expect(tokens('Your table in paris for 4 is booked.')).toBeGreaterThan(5)
  })

  it('beyond max_turns compresses the older turns and keeps the last ⌈max_turns/2⌉ verbatim', async () => {
    const { turns } = await chat(booking({ max_turns: 4 }), SCRIPT)
    // turns 0..4 are five turns: the fifth compresses 0..2 and keeps 3 and 4
    expect(turns.slice(0, 4).map((t) => t.memory!.compression_applied)).toEqual([false, false, false, false])
    const fifth = turns[4]!.memory!
    expect(fifth).toMatchObject({ compression_applied: true, compressions: 1, summarised_turns: 3 })
    expect(heldTurns(fifth)).toEqual([3, 4])
    expect(fifth.summary).toContain('Goals: book.')
    // party was filled on turn 3, which is still verbatim: the summary knows only the city
    expect(fifth.summary).toContain('Known: city=paris.')
    expect(fifth.summary).toContain('User said: "i want to book"; "paris"')
    // turns 5 and 6 fit again (4 held); turn 7 compresses 3..5
    expect(turns[5]!.memory!.compression_applied).toBe(false)
    expect(turns[6]!.memory!.compression_applied).toBe(false)
    const last = turns[7]!.memory!
    expect(last).toMatchObject({ compression_applied: true, compressions: 2, summarised_turns: 6 })
    expect(heldTurns(last)).toEqual([6, 7])
    expect(last.summary).toContain('Goals: book, hours.')
    expect(last.summary).toContain('Bot confirmed: "Your table in paris for 4 is booked."')
  })

  it('keep_recent sets how many turns stay verbatim', async () => {
    const { turns } = await chat(booking({ max_turns: 4, keep_recent: 1 }), SCRIPT.slice(0, 4))
    expect(turns[4]!.memory!.compression_applied).toBe(true)
    expect(heldTurns(turns[4]!.memory!)).toEqual([4])
  })

  it('beyond token_budget compresses too, and the summary counts against the budget', async () => {
    const budget = 40
    const { turns } = await chat(booking({ token_budget: budget }), SCRIPT)
    const compressed = turns.filter((t) => t.memory!.compression_applied)
    expect(compressed.length).toBeGreaterThan(0)
    for (const t of turns) {
      const m = t.memory!
      expect(m.token_count).toBe(expectedCount(m))
      expect(m.token_count).toBeLessThanOrEqual(budget)
    }
    // A compression happens exactly when the turn would otherwise exceed the budget.
    const first = turns.findIndex((t) => t.memory!.compression_applied)
    const before = turns[first - 1]!.memory!
    const added = turns[first]!
    const incoming = (added.input === null ? 0 : tokens(added.input)) + added.replies.reduce((n, r) => n + tokens(r.text), 0)
    expect(before.token_count + incoming).toBeGreaterThan(budget)
  })

  it('summary_max_tokens caps the summary; the oldest quotes go first', async () => {
    const { turns } = await chat(booking({ max_turns: 2, summary_max_tokens: 12 }), SCRIPT)
    const m = turns.at(-1)!.memory!
    expect(m.summary).not.toBeNull()
    expect(tokens(m.summary!)).toBeLessThanOrEqual(12)
    expect(m.summary).toMatch(/^Goals: book, hours\./)
  })

  it('is deterministic: the same conversation gives the same memory byte for byte', async () => {
    const a = await chat(booking({ max_turns: 3, token_budget: 60 }), SCRIPT)
    const b = await chat(booking({ max_turns: 3, token_budget: 60 }), SCRIPT)
    expect(JSON.stringify(a.turns.map((t) => t.memory))).toBe(JSON.stringify(b.turns.map((t) => t.memory)))
  })

  it('flows without settings.memory keep no memory at all', async () => {
    const doc = booking({})
    delete (doc.settings as { memory?: unknown }).memory
    const { turns, conv } = await chat(doc, SCRIPT.slice(0, 2))
    expect(turns.every((t) => t.memory === undefined)).toBe(true)
    expect(conv.context().memory).toBeUndefined()
    expect(conv.context().history).toBeUndefined()
  })

  it('session expiry (session_ttl_seconds on the fake clock) clears memory before the turn that restarts it', async () => {
    const doc = booking({ max_turns: 2 }, { settings: { session_ttl_seconds: 60 } })
    const clock = new FakeClock(0)
    const { conv, turns } = await chat(doc, SCRIPT.slice(0, 4), { clock })
    expect(turns.at(-1)!.memory!.compressions).toBeGreaterThan(0)
    clock.advance(59_000)
    const kept = await conv.send({ type: 'message', text: 'hello' })
    expect(kept.expired).toBe(false)
    expect(kept.memory!.summary).not.toBeNull()
    clock.advance(60_000)
    const expired = await conv.send({ type: 'message', text: 'i want to book' })
    expect(expired.expired).toBe(true)
    // Only this turn remains (the restart's greeting is one of its replies); the summary and counters are gone.
    expect(expired.memory).toMatchObject({ summary: null, compressions: 0, summarised_turns: 0 })
    expect(expired.memory!.turns.map((e) => e.text)).toEqual(['i want to book', 'What can I do for you?', 'Which city?'])
    expect(conv.context().memory!.token_count).toBe(expectedCount(expired.memory!))
  })

  describe('plugin summariser (settings.memory.summarizer)', () => {
    const provider = (handler: SummarizerHandler): SummarizerProvider => ({ select: (id) => (id === 'short' ? handler : { unavailable: `no summarizer "${id}"` }) })

    it('is given the compressed turns with intents and slots, the previous summary and its token budget', async () => {
      const calls: Array<{ turns: unknown[]; previous: string | null; budget: number }> = []
      const handler: SummarizerHandler = {
        summarize: async (turns, options, ctx) => {
          calls.push({ turns, previous: options.previousSummary, budget: options.tokenBudget })
          expect(ctx.countTokens('hello world')).toBe(2)
          return `${options.previousSummary ?? ''}[${turns.filter((t) => t.role === 'user').map((t) => t.intent ?? '-').join(',')}]`
        },
      }
      const { turns } = await chat(booking({ max_turns: 4, summarizer: 'short' }), SCRIPT, {}, { summarizer: provider(handler) })
      expect(calls).toHaveLength(2)
      expect(calls[0]!.turns).toContainEqual({ turn: 1, role: 'user', text: 'i want to book', intent: 'book', slots: {} })
      expect(calls[0]!.turns).toContainEqual({ turn: 2, role: 'user', text: 'paris', intent: null, slots: { city: 'paris' } })
      expect(calls[0]!.previous).toBeNull()
      expect(calls[1]!.previous).toBe('[book,-]')
      expect(calls[0]!.budget).toBeGreaterThan(0)
      expect(turns.at(-1)!.memory).toMatchObject({ summary: '[book,-][-,hours,-]', summarizer: 'short', compressions: 2 })
      expect(turns.every((t) => t.warnings.every((w) => w.code !== 'summarizer_failed'))).toBe(true)
    })

    it('a summariser that fails falls back to the built-in summary with a warning on the turn', async () => {
      const handler: SummarizerHandler = { summarize: () => Promise.reject(new Error('model offline')) }
      const { turns } = await chat(booking({ max_turns: 4, summarizer: 'short' }), SCRIPT.slice(0, 4), {}, { summarizer: provider(handler) })
      const t = turns[4]!
      expect(t.memory!.summary).toContain('Goals: book.')
      expect(t.warnings).toContainEqual(expect.objectContaining({ code: 'summarizer_failed', message: expect.stringContaining('model offline') }))
      expect(t.errors).toEqual([])
    })

    it('a summariser nobody provides is reported and the built-in one is used', async () => {
      const { turns } = await chat(booking({ max_turns: 4, summarizer: 'missing' }), SCRIPT.slice(0, 4), {}, { summarizer: provider({ summarize: () => 'x' }) })
      expect(turns[4]!.warnings).toContainEqual(expect.objectContaining({ code: 'summarizer_failed', message: expect.stringContaining('no summarizer "missing"') }))
      expect(turns[4]!.memory!.summary).toContain('Goals: book.')
    })

    it('a summary longer than its budget is cut to it', async () => {
      const handler: SummarizerHandler = { summarize: () => 'word '.repeat(500) }
      const { turns } = await chat(booking({ max_turns: 2, summary_max_tokens: 10, summarizer: 'short' }), SCRIPT.slice(0, 3), {}, { summarizer: provider(handler) })
      const m = turns.at(-1)!.memory!
      expect(tokens(m.summary!)).toBeLessThanOrEqual(10)
    })
  })
})
