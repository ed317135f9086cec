// The engine's public API: compile a flow once, run conversations against it.
import type { CompiledFlow } from './compile'
import type { Clock } from './clock'
import type { IntegrationHandler, IntegrationRequest, IntegrationResponse, CallContext } from '../../common/plugin-api'
import type { IntegrationProvider } from './resilience'
import { extract } from './entities'
import { normalise, wordsOf } from './nlu'
import { RealClock } from './clock'

export { compileFlow, transitionKey, listTransitions } from './compile'
export type { CompiledFlow, CompiledState, CompiledTransition } from './compile'
export { FlowCompileError, FlowIssue, formatIssuePath } from './issue'
export type { IssuePath } from './issue'
export { RealClock, FakeClock } from './clock'
export type { Clock } from './clock'
export { Engine } from './engine'
export type { EngineOptions } from './engine'
export { Conversation } from './conversation'
export type { ConversationInit, ConversationContext, NluProvider, HistoryEntry, TurnOptions } from './conversation'
export { ConversationMemory, countTokens, loadTokenizer, MEMORY_ENCODING } from './memory'
export type { MemorySettings, SummarizerProvider } from './memory'
export { streamGeneration } from './generate-stream'
export type { GeneratorProvider, StreamOutcome } from './generate-stream'
export {
  BreakerRegistry, CircuitBreaker, IntegrationError, INTEGRATION_ERROR_CODES, RESILIENCE_DEFAULTS, backoffDelay, callIntegration,
} from './resilience'
export type { IntegrationProvider, ResilienceConfig, CircuitBreakerConfig, BreakerState, CallOutcome, IntegrationErrorCode } from './resilience'
export { normalise } from './nlu'

export interface IntentClassification {
  /** The best intent at or above the threshold, else null. */
  intent: string | null
  /** The best score (also when below the threshold). */
  confidence: number
  /** Every candidate's score. */
  scores: Record<string, number>
}

/**
 * The built-in NLU, as intent states use it: scores `candidates` (default: every intent of
 * the flow) and applies `threshold` (default: the flow's confidence_threshold).
 */
export function classifyIntent(flow: CompiledFlow, text: string, candidates?: string[], threshold?: number): IntentClassification {
  const nlu = flow.nlu
  const cand = candidates === undefined ? nlu.all() : nlu.candidates(candidates.map((n) => nlu.lookup(n)).filter((i) => i >= 0))
  const norm = normalise(text)
  const r = nlu.classify(text, norm, wordsOf(norm), cand)
  const scores = nlu.scoresOf(cand)
  if (r.index < 0) return { intent: null, confidence: 0, scores }
  return { intent: r.score >= (threshold ?? flow.threshold) ? nlu.intents[r.index]!.name : null, confidence: r.score, scores }
}

const WALL_CLOCK = new RealClock()

/** The flow's entities found in `text` (dates on `clock`, by default the wall clock). */
export function extractEntities(flow: CompiledFlow, text: string, clock: Clock = WALL_CLOCK): Record<string, unknown> {
  return extract(flow.entities, text, clock)
}

/** An IntegrationProvider over plugin handlers keyed by integration id. */
export class IntegrationTable implements IntegrationProvider {
  private readonly handlers: Map<string, IntegrationHandler>

  constructor(handlers: Record<string, IntegrationHandler> | Map<string, IntegrationHandler>) {
    this.handlers = handlers instanceof Map ? new Map(handlers) : new Map(Object.entries(handlers))
  }

  has(id: string): boolean {
    return this.handlers.has(id)
  }

  call(id: string, req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
    return this.handlers.get(id)!.call(req, ctx)
  }

  defaults(id: string): IntegrationHandler['defaults'] {
    return this.handlers.get(id)?.defaults
  }
}
