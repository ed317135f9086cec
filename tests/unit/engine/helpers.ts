// Builders shared by the engine tests: flows written inline, conversations on a fake clock.
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { IntegrationRequest, IntegrationResponse, CallContext } from '../../../src-main/common/plugin-api'
import { compileFlow, Engine, FakeClock, type EngineOptions, type ConversationInit, type IntegrationProvider } from '../../../src-main/core/engine/index'

export function flow(partial: Partial<FlowDocument> & { states: FlowDocument['states'] }): FlowDocument {
  return { name: 'test', initial_state: Object.keys(partial.states)[0]!, ...partial } as FlowDocument
}

export function conversation(doc: FlowDocument, opts: EngineOptions = {}, init: ConversationInit = {}) {
  const clock = init.clock ?? new FakeClock(Date.UTC(2024, 0, 15, 12))
  const engine = new Engine(compileFlow(doc), opts)
  return { engine, clock, conv: engine.createConversation({ ...init, clock }) }
}

export type Answer =
  | IntegrationResponse
  | { throws: unknown }
  | { delay_ms: number; response?: IntegrationResponse; throws?: unknown }
  | { hang: true }
  | { raw: unknown }

/** A scripted provider: answers per id in order, the last one repeating; records every call. */
export class ScriptedIntegrations implements IntegrationProvider {
  readonly calls: Array<{ id: string; req: IntegrationRequest; at: number }> = []
  private readonly next = new Map<string, number>()
  constructor(
    private readonly script: Record<string, Answer[]>,
    private readonly defaultsById: Record<string, ReturnType<NonNullable<IntegrationProvider['defaults']>>> = {},
  ) {}

  has(id: string): boolean {
    return id in this.script
  }

  defaults(id: string) {
    return this.defaultsById[id]
  }

  async call(id: string, req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
    this.calls.push({ id, req, at: ctx.clock.now() })
    const list = this.script[id]!
    const i = this.next.get(id) ?? 0
    this.next.set(id, i + 1)
    const a = list[Math.min(i, list.length - 1)]!
    if ('hang' in a) return new Promise<IntegrationResponse>(() => undefined)
    if ('raw' in a) return a.raw as IntegrationResponse
    if ('delay_ms' in a) {
      await ctx.clock.sleep(a.delay_ms, ctx.signal)
      if (a.throws !== undefined) throw a.throws
      return a.response ?? { status_code: 200 }
    }
    if ('throws' in a) throw a.throws
    return a
  }
}

/** Drops the one non-deterministic field, for comparing runs. */
export function stable<T extends { duration_us: number }>(r: T): Omit<T, 'duration_us'> {
  const { duration_us, ...rest } = r
  void duration_us
  return rest
}
