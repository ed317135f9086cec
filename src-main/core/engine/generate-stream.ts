// Streamed replies: runs a generator (a plugin's async iterator, or one a host provides) for a
// response state's `generate`, reporting each chunk as it arrives, under one deadline on the
// conversation's clock (real time for plugin code, with a fake clock held still meanwhile).
import type { GenerateContext, GenerateRequest, GeneratorHandler, PluginLog } from '../../common/plugin-api'
import { RealClock, type Clock } from './clock'

/** Where the engine finds generators by name. */
export interface GeneratorProvider {
  /** The generator, or why it cannot run (its plugin is disabled, untrusted, broken, missing). */
  select(name: string): GeneratorHandler | { unavailable: string }
  /**
   * True when the generator does real work (plugin code): its deadline and ctx.clock.sleep run in
   * real time while a fake clock is held still, as for real-time integrations.
   */
  realtime?(name: string): boolean
}

export interface StreamSettings {
  provider: GeneratorProvider | undefined
  name: string
  request: GenerateRequest
  timeoutMs: number
  clock: Clock
  log: PluginLog
  conversationId: string
  onChunk(text: string): void
}

export interface StreamOutcome {
  /** The chunks received, concatenated (also after a failure: what arrived before it). */
  text: string
  chunks: number
  /** Why the generation failed: `timeout`, `exception`, `malformed_chunk` or `no_generator`. */
  error?: { code: string; message: string }
}

const WALL = new RealClock()

interface Holdable {
  holdWhile<T>(work: Promise<T>): Promise<T>
}

function holdable(clock: Clock): clock is Clock & Holdable {
  return typeof (clock as Partial<Holdable>).holdWhile === 'function'
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Runs one generation to its end, its deadline, or its first error. Never throws. */
export function streamGeneration(s: StreamSettings): Promise<StreamOutcome> {
  const chosen = s.provider?.select(s.name)
  if (chosen === undefined) return Promise.resolve({ text: '', chunks: 0, error: { code: 'no_generator', message: `no generator "${s.name}" is available here` } })
  if ('unavailable' in chosen) return Promise.resolve({ text: '', chunks: 0, error: { code: 'no_generator', message: chosen.unavailable } })
  let realtime = false
  try {
    realtime = holdable(s.clock) && s.provider?.realtime?.(s.name) === true
  } catch {
    realtime = false
  }
  // Virtual `now` (dates stay on the conversation), real sleeps and deadline for plugin code.
  const clock: Clock = realtime ? { now: () => s.clock.now(), sleep: (ms, signal) => WALL.sleep(ms, signal) } : s.clock
  const run = consume(chosen, s, clock)
  return realtime ? (s.clock as Clock & Holdable).holdWhile(run) : run
}

async function consume(handler: GeneratorHandler, s: StreamSettings, clock: Clock): Promise<StreamOutcome> {
  const controller = new AbortController()
  const ctx: GenerateContext = { signal: controller.signal, clock, log: s.log, generator: s.name, conversationId: s.conversationId }
  const parts: string[] = []
  const out = (error?: StreamOutcome['error']): StreamOutcome => {
    const r: StreamOutcome = { text: parts.join(''), chunks: parts.length }
    if (error !== undefined) r.error = error
    return r
  }
  let iterator: AsyncIterator<string>
  try {
    const iterable = handler.generate(s.request, ctx)
    const make = (iterable as Partial<AsyncIterable<string>> | null)?.[Symbol.asyncIterator]
    if (typeof make !== 'function') return out({ code: 'exception', message: `generator "${s.name}" must return an async iterable (write it as async *generate(req, ctx))` })
    iterator = make.call(iterable)
  } catch (err) {
    return out({ code: 'exception', message: `generator "${s.name}" failed: ${messageOf(err)}` })
  }
  // One deadline for the whole reply, armed once.
  const timer = new AbortController()
  let expired = false
  const deadline = new Promise<'timeout'>((resolve) => {
    clock.sleep(s.timeoutMs, timer.signal).then(() => {
      expired = true
      resolve('timeout')
    }, () => undefined)
  })
  try {
    for (;;) {
      let step: IteratorResult<string> | 'timeout'
      try {
        step = await Promise.race([iterator.next(), deadline])
      } catch (err) {
        return out({ code: expired ? 'timeout' : 'exception', message: expired ? `generator "${s.name}" did not finish within ${s.timeoutMs} ms` : `generator "${s.name}" failed: ${messageOf(err)}` })
      }
      if (step === 'timeout') {
        controller.abort(Object.assign(new Error(`timed out after ${s.timeoutMs} ms`), { name: 'TimeoutError' }))
        // Asks the generator to finish (its finally blocks run); its answer is not waited for.
        iterator.return?.().catch(() => undefined)
        return out({ code: 'timeout', message: `generator "${s.name}" did not finish within ${s.timeoutMs} ms` })
      }
      if (step.done) return out()
      const chunk: unknown = step.value
      if (typeof chunk !== 'string') {
        iterator.return?.().catch(() => undefined)
        return out({ code: 'malformed_chunk', message: `generator "${s.name}" yielded ${chunk === null ? 'null' : typeof chunk}; every chunk must be a string` })
      }
      if (chunk === '') continue
      parts.push(chunk)
      try {
        s.onChunk(chunk)
      } catch {
        // A host's listener failing must not end the reply.
      }
    }
  } finally {
    timer.abort()
  }
}
