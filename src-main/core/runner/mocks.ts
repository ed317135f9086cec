// What answers a test's conversation instead of real plugins: the snapshot NLU and the
// integration sequences of the test's mocks (spec/test-format.md, "Suite").
import type { CallContext, IntegrationRequest, IntegrationResponse, NluContext, NluResult } from '../../common/plugin-api'
import type { MockResponse, NluMock } from '../../common/test-schema'
import { IntegrationError } from '../engine/resilience'

/** For a fallback asked without an engine context (the engine always passes one). */
const SILENT = { debug: () => undefined, info: () => undefined, warn: () => undefined, error: () => undefined }

/**
 * Snapshot NLU: an exact input gets its recorded result. An input without a snapshot goes to
 * the fallback (the flow's NLU plugin) when there is one, else to the built-in NLU (`null`),
 * unless the mocks are strict: then the miss is recorded (the test errors) and the call throws,
 * so the engine treats the turn's intent as unknown.
 */
export class SnapshotNlu {
  /** Inputs the NLU was consulted for and that have no snapshot (strict mode only). */
  readonly misses: string[] = []

  constructor(
    private readonly answers: Readonly<Record<string, NluMock>>,
    private readonly strict: boolean,
    private readonly fallback?: { classify(text: string, ctx: NluContext): Promise<NluResult | null> },
  ) {}

  classify(text: string, ctx?: NluContext): Promise<NluResult | null> {
    const answer = Object.prototype.hasOwnProperty.call(this.answers, text) ? this.answers[text] : undefined
    if (answer) {
      return Promise.resolve({ intent: answer.intent ?? null, confidence: answer.confidence ?? 1, entities: answer.entities ?? {} })
    }
    if (this.strict) {
      this.misses.push(text)
      return Promise.reject(new Error(`nlu_strict: no NLU snapshot for ${JSON.stringify(text)}`))
    }
    if (this.fallback) return this.fallback.classify(text, ctx ?? { signal: new AbortController().signal, intents: [], log: SILENT })
    return Promise.resolve(null)
  }
}

/** What a `fail: error` mock answers: an HTTP-style server error. */
export const MOCK_ERROR_STATUS = 500

/**
 * Integration mocks: each id answers from its sequence in order, the last answer repeating;
 * every test starts each sequence afresh (one instance per test). Retries and workflow tasks
 * take the next answer like any call.
 */
export class MockIntegrations {
  private readonly cursor = new Map<string, number>()
  /** Integration ids the flow called that have no mock (and no plugin serves): the test errors. */
  readonly unmocked = new Set<string>()

  constructor(
    private readonly sequences: Readonly<Record<string, readonly MockResponse[]>>,
    /** What an unmocked call does: `record` (a test error) or `fail` (an ordinary failed call, as `flowbench run` wants). */
    private readonly onUnmocked: 'record' | 'fail' = 'record',
  ) {}

  has(id: string): boolean {
    return Object.prototype.hasOwnProperty.call(this.sequences, id) || this.onUnmocked === 'record'
  }

  /** The answers taken so far, per id (for diagnostics). */
  callsMade(id: string): number {
    return this.cursor.get(id) ?? 0
  }

  async call(id: string, _req: IntegrationRequest, ctx: Pick<CallContext, 'signal' | 'clock'>): Promise<IntegrationResponse> {
    const seq = Object.prototype.hasOwnProperty.call(this.sequences, id) ? this.sequences[id] : undefined
    if (!seq || !seq.length) {
      if (this.onUnmocked === 'record') this.unmocked.add(id)
      throw new Error(`integration "${id}" has no mock and no plugin serves it`)
    }
    const n = this.cursor.get(id) ?? 0
    this.cursor.set(id, n + 1)
    const answer = seq[Math.min(n, seq.length - 1)]!
    return answerWith(answer, ctx)
  }
}

async function answerWith(answer: MockResponse, ctx: Pick<CallContext, 'signal' | 'clock'>): Promise<IntegrationResponse> {
  const delay = 'fail' in answer ? answer.delay_ms : answer.respond.delay_ms
  if (delay && delay > 0) await ctx.clock.sleep(delay, ctx.signal)
  if (!('fail' in answer)) {
    const r = answer.respond
    return r.data === undefined ? { status_code: r.status_code ?? 200 } : { status_code: r.status_code ?? 200, data: r.data }
  }
  switch (answer.fail) {
    case 'timeout':
      // Never answers: the engine's timeout (on the test's fake clock) aborts the call.
      return new Promise<IntegrationResponse>((_resolve, reject) => {
        const abort = () => reject(ctx.signal.reason ?? new Error('aborted'))
        if (ctx.signal.aborted) abort()
        else ctx.signal.addEventListener('abort', abort, { once: true })
      })
    case 'error':
      return { status_code: MOCK_ERROR_STATUS, error: 'mock error (fail: error)' }
    case 'network':
      throw new IntegrationError('network', 'connection refused (mock, fail: network)')
    case 'malformed':
      // An answer that is not an IntegrationResponse: no status_code, a body that is not data.
      return { body: '<html>502 Bad Gateway</html>' } as unknown as IntegrationResponse
  }
}
