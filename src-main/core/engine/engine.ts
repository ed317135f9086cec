// The engine: one compiled flow, the providers and breakers its conversations share.
import type { PluginLog } from '../../common/plugin-api'
import type { CompiledFlow } from './compile'
import { Conversation, type ConversationInit, type ConversationRuntime, type NluProvider } from './conversation'
import { BreakerRegistry, RESILIENCE_DEFAULTS, type IntegrationProvider, type ResilienceConfig } from './resilience'
import { RealClock, type Clock } from './clock'
import type { GeneratorProvider } from './generate-stream'
import type { SummarizerProvider } from './memory'

export interface EngineOptions {
  /** Integrations (plugins or test mocks); without one every integration fails with `no_provider`. */
  integrations?: IntegrationProvider
  /** Replaces the built-in NLU; a `null` answer falls back to it for that input. */
  nlu?: NluProvider
  /** Circuit breakers; default: one registry per engine. */
  breakers?: BreakerRegistry
  /** Seed of the retry jitter (mixed with each conversation's id). Default 0. */
  seed?: number
  /** Default clock of the conversations (a conversation may bring its own). Default: the wall clock. */
  clock?: Clock
  log?: PluginLog
  /** Engine-level resilience defaults (the last in the precedence chain). */
  resilience?: Partial<ResilienceConfig>
  /** Timeout of an NLU plugin call (and of a plugin summariser). Default 10 000 ms. */
  nlu_timeout_ms?: number
  /** Generators for response states' `generate` (a conversation may bring its own). */
  generators?: GeneratorProvider
  /** Summarisers `settings.memory.summarizer` may name. */
  summarizer?: SummarizerProvider
}

const SILENT: PluginLog = Object.freeze({
  debug() {},
  info() {},
  warn() {},
  error() {},
})

const WALL_CLOCK = new RealClock()

export class Engine {
  readonly flow: CompiledFlow
  readonly breakers: BreakerRegistry
  private readonly runtime: ConversationRuntime
  private created = 0

  constructor(flow: CompiledFlow, opts: EngineOptions = {}) {
    this.flow = flow
    this.breakers = opts.breakers ?? new BreakerRegistry()
    const resilience: ResilienceConfig = { ...RESILIENCE_DEFAULTS, ...stripUndefined(opts.resilience ?? {}) }
    this.runtime = {
      flow,
      integrations: opts.integrations,
      nlu: opts.nlu,
      breakers: this.breakers,
      seed: (opts.seed ?? 0) >>> 0,
      log: opts.log ?? SILENT,
      resilience: Object.freeze(resilience),
      nluTimeoutMs: opts.nlu_timeout_ms ?? 10_000,
      generators: opts.generators,
      summarizer: opts.summarizer,
      resilienceCache: new Map(),
      clock: opts.clock ?? WALL_CLOCK,
      // Ids count per engine, so two runs of the same script get the same ids (determinism).
      nextId: () => `conv-${++this.created}`,
    }
  }

  createConversation(init?: ConversationInit): Conversation {
    return new Conversation(this.runtime, init)
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  const out: Partial<T> = {}
  for (const k of Object.keys(o) as Array<keyof T>) if (o[k] !== undefined) out[k] = o[k]
  return out
}
