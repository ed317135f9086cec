// Streamed replies (a response state's `generate`): chunks reported in order as they arrive, the
// reply is their concatenation, a generator that throws mid-stream keeps the chunks so far and
// errors the turn, a deadline on the conversation's clock, and plugin (real-time) generators.
import { describe, expect, it } from 'vitest'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { GenerateContext, GenerateRequest, GeneratorHandler } from '../../../src-main/common/plugin-api'
import type { ReplyChunk } from '../../../src-main/common/turn'
import { FakeClock, type GeneratorProvider } from '../../../src-main/core/engine/index'
import { conversation, flow } from './helpers'

function streaming(generate: { generator: string; prompt?: string; timeout_ms?: number }, extra: Record<string, unknown> = {}): FlowDocument {
  return flow({
    settings: { memory: { max_turns: 10 } },
    states: {
      greet: { type: 'response', config: { response_templates: { default: 'Ask me anything.' } }, transitions: [{ condition: 'any_input', target_state: 'answer' }] },
      answer: {
        type: 'response',
        config: { response_templates: { default: 'Let me think.' }, generate, ...extra },
        transitions: [{ condition: 'any_input', target_state: 'answer' }],
      },
    },
  })
}

function provider(generators: Record<string, GeneratorHandler>, realtime = false): GeneratorProvider {
  return {
    select: (name) => generators[name] ?? { unavailable: `no generator "${name}"` },
    realtime: () => realtime,
  }
}

/** Yields the prompt's words, waiting `delayMs` on ctx.clock before each but the first. */
function words(delayMs = 0, seen?: Array<{ req: GenerateRequest; ctx: GenerateContext }>): GeneratorHandler {
  return {
    async *generate(req, ctx) {
      seen?.push({ req, ctx })
      for (const [i, w] of req.prompt.split(/(?<= )/).entries()) {
        if (i > 0 && delayMs > 0) await ctx.clock.sleep(delayMs, ctx.signal)
        yield w
      }
    },
  }
}

describe('streamed replies', () => {
  it('reports each chunk in order as it arrives; the reply is their concatenation, after the templates', async () => {
    const seen: Array<{ req: GenerateRequest; ctx: GenerateContext }> = []
    const { conv } = conversation(streaming({ generator: 'echo', prompt: 'You asked: {input}' }), { generators: provider({ echo: words(10, seen) }) })
    await conv.start()
    const chunks: ReplyChunk[] = []
    const arrivedBeforeEnd: boolean[] = []
    let ended = false
    const pending = conv.send({ type: 'message', text: 'why is the sky blue' }, { onChunk: (c) => { chunks.push(c); arrivedBeforeEnd.push(!ended) } })
    const turn = await pending
    ended = true
    expect(chunks.map((c) => c.text)).toEqual(['You ', 'asked: ', 'why ', 'is ', 'the ', 'sky ', 'blue'])
    expect(chunks.map((c) => c.index)).toEqual([0, 1, 2, 3, 4, 5, 6])
    expect(chunks.every((c) => c.state === 'answer')).toBe(true)
    expect(arrivedBeforeEnd.every(Boolean)).toBe(true)
    expect(turn.replies).toEqual([
      { text: 'Let me think.', state: 'answer' },
      { text: 'You asked: why is the sky blue', state: 'answer', chunks: 7 },
    ])
    expect(turn.errors).toEqual([])
    // The generator saw the rendered prompt, the state and the context (memory included).
    expect(seen[0]!.req.state).toBe('answer')
    expect(seen[0]!.req.context).toMatchObject({ input: 'why is the sky blue', turn: 1 })
    expect((seen[0]!.req.context['memory'] as { turns: unknown[] }).turns.length).toBeGreaterThan(0)
    expect(seen[0]!.ctx.generator).toBe('echo')
    // Memory holds the full reply, not the chunks.
    expect(turn.memory!.turns.at(-1)).toEqual({ turn: 1, role: 'bot', text: 'You asked: why is the sky blue' })
  })

  it('without onChunk the reply is collected all the same (test runs, load runs)', async () => {
    const { conv } = conversation(streaming({ generator: 'echo', prompt: 'one two three' }), { generators: provider({ echo: words(5) }) })
    await conv.start()
    const turn = await conv.send({ type: 'message', text: 'x' })
    expect(turn.replies.at(-1)).toEqual({ text: 'one two three', state: 'answer', chunks: 3 })
  })

  it('replies without a generator report no chunks', async () => {
    const { conv } = conversation(streaming({ generator: 'echo', prompt: 'a' }), { generators: provider({ echo: words() }) })
    const chunks: ReplyChunk[] = []
    const start = await conv.start({ onChunk: (c) => chunks.push(c) })
    expect(start.replies).toEqual([{ text: 'Ask me anything.', state: 'greet' }])
    expect(chunks).toEqual([])
  })

  it('a generator that throws mid-stream: the chunks so far are the reply, and the turn has generation_failed', async () => {
    const failing: GeneratorHandler = {
      async *generate() {
        yield 'The answer '
        yield 'is '
        throw new Error('model crashed')
      },
    }
    const { conv } = conversation(streaming({ generator: 'bad', prompt: '' }), { generators: provider({ bad: failing }) })
    await conv.start()
    const chunks: string[] = []
    const turn = await conv.send({ type: 'message', text: 'q' }, { onChunk: (c) => chunks.push(c.text) })
    expect(chunks).toEqual(['The answer ', 'is '])
    expect(turn.replies.at(-1)).toEqual({ text: 'The answer is ', state: 'answer', chunks: 2 })
    expect(turn.errors).toEqual([{ code: 'generation_failed', message: 'generator "bad" failed: model crashed', state: 'answer' }])
    // The conversation goes on: the state waits as usual.
    expect(turn.state).toBe('answer')
    expect((await conv.send({ type: 'message', text: 'again' })).errors[0]!.code).toBe('generation_failed')
  })

  it('a generator slower than timeout_ms is stopped on the fake clock: partial reply, generation_failed, no real waiting', async () => {
    let aborted = false
    const slow: GeneratorHandler = {
      async *generate(_req, ctx) {
        ctx.signal.addEventListener('abort', () => (aborted = true))
        for (let i = 0; ; i++) {
          yield `w${i} `
          await ctx.clock.sleep(400, ctx.signal)
        }
      },
    }
    const { conv, clock } = conversation(streaming({ generator: 'slow', prompt: '', timeout_ms: 1000 }), { generators: provider({ slow }) })
    await conv.start()
    const t0 = clock.now()
    const real = Date.now()
    const turn = await conv.send({ type: 'message', text: 'q' })
    expect(turn.replies.at(-1)).toEqual({ text: 'w0 w1 w2 ', state: 'answer', chunks: 3 })
    expect(turn.errors).toEqual([{ code: 'generation_failed', message: 'generator "slow" did not finish within 1000 ms', state: 'answer' }])
    expect(clock.now() - t0).toBe(1000)
    expect(aborted).toBe(true)
    expect(Date.now() - real).toBeLessThan(900)
  })

  it('a real-time (plugin) generator runs on real time while the fake clock is held still', async () => {
    const gen: GeneratorHandler = {
      async *generate(_req, ctx) {
        yield 'a'
        await new Promise((r) => setTimeout(r, 30))
        await ctx.clock.sleep(20, ctx.signal)
        yield 'b'
      },
    }
    const clock = new FakeClock(5_000)
    const { conv } = conversation(streaming({ generator: 'rt', prompt: '', timeout_ms: 10 }), { generators: provider({ rt: gen }, true) }, { clock })
    await conv.start()
    // 10 ms of virtual deadline would have fired during the real 30 ms wait if time were virtual; on
    // real time the deadline is 10 real ms, so this one times out after 'a' ...
    const turn = await conv.send({ type: 'message', text: 'q' })
    expect(turn.replies.at(-1)!.text).toBe('a')
    expect(turn.errors[0]!.code).toBe('generation_failed')
    // ... and the virtual clock did not move.
    expect(clock.now()).toBe(5_000)
    const { conv: roomy } = conversation(streaming({ generator: 'rt', prompt: '', timeout_ms: 2_000 }), { generators: provider({ rt: gen }, true) }, { clock: new FakeClock(0) })
    await roomy.start()
    const ok = await roomy.send({ type: 'message', text: 'q' })
    expect(ok.replies.at(-1)).toEqual({ text: 'ab', state: 'answer', chunks: 2 })
    expect(ok.errors).toEqual([])
  })

  it('a chunk that is not a string, a generate() that is not an async iterable, and an unknown generator each error the turn', async () => {
    const numbers: GeneratorHandler = {
      async *generate() {
        yield 'ok '
        yield 42 as unknown as string
      },
    }
    const plain: GeneratorHandler = { generate: (() => 'not a stream') as unknown as GeneratorHandler['generate'] }
    const generators = provider({ numbers, plain })
    const run = async (name: string) => {
      const { conv } = conversation(streaming({ generator: name, prompt: '' }), { generators })
      await conv.start()
      return conv.send({ type: 'message', text: 'q' })
    }
    const a = await run('numbers')
    expect(a.replies.at(-1)!.text).toBe('ok ')
    expect(a.errors[0]!.message).toBe('generator "numbers" yielded number; every chunk must be a string')
    expect((await run('plain')).errors[0]!.message).toMatch(/must return an async iterable/)
    const c = await run('missing')
    expect(c.errors).toEqual([{ code: 'generation_failed', message: 'no generator "missing"', state: 'answer' }])
    expect(c.replies).toEqual([{ text: 'Let me think.', state: 'answer' }])
  })

  it('turns queued behind a streaming turn keep their own onChunk', async () => {
    const { conv } = conversation(streaming({ generator: 'echo', prompt: '{input}' }), { generators: provider({ echo: words(10) }) })
    await conv.start()
    const first: string[] = []
    const second: string[] = []
    const [a, b] = await Promise.all([
      conv.send({ type: 'message', text: 'first turn' }, { onChunk: (c) => first.push(c.text) }),
      conv.send({ type: 'message', text: 'second turn' }, { onChunk: (c) => second.push(c.text) }),
    ])
    expect(first).toEqual(['first ', 'turn'])
    expect(second).toEqual(['second ', 'turn'])
    expect([a.turn, b.turn]).toEqual([1, 2])
  })

  it('a response state may only generate (no templates); the schema-checked loader requires one of the two', async () => {
    const doc = flow({
      states: {
        only: { type: 'response', config: { generate: { generator: 'echo', prompt: 'hello there' } } as never, transitions: [{ condition: 'any_input', target_state: 'only' }] },
      },
    })
    const { conv } = conversation(doc, { generators: provider({ echo: words() }) })
    expect((await conv.start()).replies).toEqual([{ text: 'hello there', state: 'only', chunks: 2 }])
    expect(() => conversation(flow({ states: { x: { type: 'response', config: {} as never } } }))).toThrow(/response_templates/)
    expect(() => conversation(flow({ states: { x: { type: 'response', config: { generate: { prompt: 'x' } } as never } } }))).toThrow(/generate needs the name of a generator/)
  })
})
