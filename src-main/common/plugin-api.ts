// The plugin SDK (apiVersion 1): what a plugin author compiles against. No DOM, no Node,
// no Electron types, so the same plugin runs in the app, in `flowbench serve` and in the CLI.

export const PLUGIN_API_VERSION = 1

/** What an integration state or workflow task asks of an integration. */
export interface IntegrationRequest {
  endpoint?: string
  method: string
  /** The object built by request_mapping, or a workflow task's params. */
  params: Record<string, unknown>
  /** The flow's `integrations.<id>` section merged over the plugin's defaults. */
  config: Record<string, unknown>
}

/** What an integration answers. A 2xx status_code is a success; anything else a failure. */
export interface IntegrationResponse {
  status_code: number
  data?: unknown
  error?: string
}

export interface PluginClock {
  /** Milliseconds on the conversation's clock (fake under tests). */
  now(): number
  /** Resolves after `ms` on the conversation's clock; rejects when the signal aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>
}

export interface PluginLog {
  debug(message: string, data?: unknown): void
  info(message: string, data?: unknown): void
  warn(message: string, data?: unknown): void
  error(message: string, data?: unknown): void
}

export interface CallContext {
  /** Aborted when the call times out or the run is cancelled: honour it. */
  signal: AbortSignal
  clock: PluginClock
  log: PluginLog
  integrationId: string
  conversationId: string
}

/** Resilience an integration ships with; the flow's `integrations.<id>` section and the state win. */
export interface ResilienceDefaults {
  /** Time one attempt may take before it is aborted. */
  timeout_ms?: number
  /** Extra attempts after the first. */
  retries?: number
  /** First retry delay; doubles per retry (with jitter). */
  backoff_ms?: number
  max_backoff_ms?: number
  /** Opens after `threshold` consecutive failures; one trial call after `cooldown_ms`. */
  circuit_breaker?: { threshold: number; cooldown_ms: number }
}

export interface IntegrationHandler {
  call(req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse>
  /** Resilience defaults for this integration; the flow's `integrations` section wins. */
  defaults?: ResilienceDefaults
}

export interface NluResult {
  intent: string | null
  confidence: number
  entities?: Record<string, unknown>
}

export interface NluContext {
  signal: AbortSignal
  /** The intents the flow declares (names), in declaration order. */
  intents: string[]
  log: PluginLog
}

export interface NluHandler {
  classify(text: string, ctx: NluContext): Promise<NluResult>
}

/** One turn entry a summariser compresses (the user's message or a bot reply). */
export interface SummaryTurn {
  turn: number
  role: 'user' | 'bot'
  text: string
  /** On a user entry: the intent the turn classified (null: none, or not classified). */
  intent?: string | null
  /** On a user entry: the conversation's slots after that turn. */
  slots?: Record<string, unknown>
}

export interface SummarizeOptions {
  /** The summary so far (of even older turns); fold it into the new one. */
  previousSummary: string | null
  /** Tokens the summary may take; a longer one is cut to this many tokens. */
  tokenBudget: number
}

export interface SummarizerContext {
  signal: AbortSignal
  log: PluginLog
  conversationId: string
  /** Counts tokens the way the engine does (gpt-tokenizer, cl100k_base). */
  countTokens(text: string): number
}

/** Compresses a conversation's older turns into a summary (`settings.memory.summarizer` names it). */
export interface SummarizerHandler {
  summarize(turns: SummaryTurn[], options: SummarizeOptions, ctx: SummarizerContext): Promise<string> | string
}

/** What a response state's `generate` asks of a generator. */
export interface GenerateRequest {
  /** The response state generating the reply. */
  state: string
  /** The state's `generate.prompt`, rendered against the context. */
  prompt: string
  /** A read-only view of the conversation's context (slots, variables, profile, memory, ...). */
  context: Record<string, unknown>
}

export interface GenerateContext {
  /** Aborted when the generation times out or the run is cancelled: stop yielding. */
  signal: AbortSignal
  clock: PluginClock
  log: PluginLog
  generator: string
  conversationId: string
}

/**
 * Streams a reply: each yielded string is a chunk, shown as it arrives where the host can (the
 * simulator, the bot server's SSE); the reply is their concatenation.
 */
export interface GeneratorHandler {
  generate(req: GenerateRequest, ctx: GenerateContext): AsyncIterable<string>
}

export interface PluginDefinition {
  integrations?: Record<string, IntegrationHandler>
  nlu?: NluHandler
  /** Generators by name, for response states whose `generate.generator` names them. */
  generators?: Record<string, GeneratorHandler>
  summarizer?: SummarizerHandler
}

/** Identity helper that gives plugin authors full typing. */
export function definePlugin<T extends PluginDefinition>(plugin: T): T {
  return plugin
}

// ───────────────────────────── manifest and status ─────────────────────────────

/** The `flowbench` field of a plugin's package.json: what it contributes, readable without running it. */
export interface PluginManifestField {
  apiVersion: number
  /** Integration ids the entry's `integrations` export serves. */
  integrations?: string[]
  /** Ids a flow's `settings.nlu` may name to use the entry's `nlu` export. */
  nlu?: string[]
  /** Generator names the entry's `generators` export serves. */
  generators?: string[]
  /** Ids a flow's `settings.memory.summarizer` may name to use the entry's `summarizer` export. */
  summarizers?: string[]
}

/** Where a plugin was found: shipped with Flowbench, in the workspace's `plugins/`, or in a configured folder. */
export type PluginSource = 'builtin' | 'workspace' | 'extra'

/**
 * `loaded`: its code runs. `error`: its manifest or entry is broken (see `error`). `disabled`:
 * switched off (`--no-plugins`, or by name). `untrusted`: a workspace plugin whose code does not
 * run until the user trusts the workspace.
 */
export type PluginState = 'loaded' | 'error' | 'disabled' | 'untrusted'

/** One discovered plugin, as the plugin manager and `flowbench plugin list` show it (plain JSON). */
export interface PluginStatus {
  name: string
  /** From package.json; '' when it could not be read. */
  version: string
  source: PluginSource
  /** Absolute path of the plugin's folder. */
  dir: string
  /** Declared integration ids (from the manifest, also when the plugin does not run). */
  integrations: string[]
  /** Declared NLU ids. */
  nlu: string[]
  /** Declared generator names (absent when none). */
  generators?: string[]
  /** Declared summariser ids (absent when none). */
  summarizers?: string[]
  status: PluginState
  /** What is wrong, naming the plugin (status `error`), or why it does not run (`disabled`, `untrusted`). */
  error?: string
  description?: string
  /** Problems that do not stop the plugin, e.g. an integration id another plugin serves first. */
  warnings?: string[]
}

// ───────────────────────────── result checks ─────────────────────────────
// The host applies these to everything a plugin answers; plugin authors may call them too.

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string }

const MAX_DATA_DEPTH = 64
const MAX_DATA_NODES = 1_000_000

function describeValue(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'an array'
  if (typeof value === 'object') {
    const ctor = (value as { constructor?: { name?: unknown } }).constructor
    return typeof ctor?.name === 'string' && ctor.name !== '' && ctor.name !== 'Object' ? `a ${ctor.name}` : 'an object'
  }
  return typeof value === 'undefined' ? 'undefined' : `a ${typeof value}`
}

/**
 * A copy of `value` that is plain JSON data (it crosses worker threads and lands in reports), or
 * the first problem with its path. Stricter than JSON.stringify, which would silently drop a
 * function, turn NaN into null or a Map into {}: each of those is a plugin bug worth naming.
 * `toJSON` is honoured (a Date becomes its ISO string); object keys holding undefined are left out.
 */
export function toPlainData(value: unknown, path = 'data'): Checked<unknown> {
  const seen = new Set<object>()
  let nodes = 0
  const copy = (v: unknown, at: string, depth: number): unknown => {
    if (++nodes > MAX_DATA_NODES) throw new DataProblem(`${path}: more than ${MAX_DATA_NODES} values`)
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return v
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new DataProblem(`${at}: ${v} is not a JSON number`)
      return v
    }
    if (typeof v !== 'object') throw new DataProblem(`${at}: ${describeValue(v)} is not JSON data`)
    if (depth > MAX_DATA_DEPTH) throw new DataProblem(`${at}: nested deeper than ${MAX_DATA_DEPTH} levels`)
    const toJSON = (v as { toJSON?: unknown }).toJSON
    if (typeof toJSON === 'function') return copy((toJSON as () => unknown).call(v), at, depth + 1)
    if (seen.has(v)) throw new DataProblem(`${at}: refers back to itself (a cycle)`)
    seen.add(v)
    try {
      if (Array.isArray(v)) return v.map((item, i) => copy(item, `${at}[${i}]`, depth + 1))
      const proto = Object.getPrototypeOf(v) as unknown
      if (proto !== Object.prototype && proto !== null) throw new DataProblem(`${at}: ${describeValue(v)} is not JSON data`)
      const out: Record<string, unknown> = {}
      for (const key of Object.keys(v)) {
        const item = (v as Record<string, unknown>)[key]
        if (item === undefined) continue
        out[key] = copy(item, /^[A-Za-z_$][\w$]*$/.test(key) ? `${at}.${key}` : `${at}[${JSON.stringify(key)}]`, depth + 1)
      }
      return out
    } finally {
      seen.delete(v)
    }
  }
  try {
    return { ok: true, value: value === undefined ? undefined : copy(value, path, 0) }
  } catch (err) {
    if (err instanceof DataProblem) return { ok: false, problem: err.message }
    // A getter or toJSON that throws is the plugin's bug too.
    return { ok: false, problem: `${path}: reading it failed: ${err instanceof Error ? err.message : String(err)}` }
  }
}

class DataProblem extends Error {}

/** Whether a value is an IntegrationResponse; the value is a clean copy (extra keys dropped, data plain). */
export function checkIntegrationResponse(value: unknown): Checked<IntegrationResponse> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return { ok: false, problem: `expected an object { status_code, data?, error? }, got ${describeValue(value)}` }
  }
  const r = value as Record<string, unknown>
  const status = r['status_code']
  if (typeof status !== 'number' || !Number.isInteger(status) || status < 100 || status > 599) {
    return { ok: false, problem: `status_code must be a whole number from 100 to 599, got ${status === undefined ? 'none' : JSON.stringify(status) ?? describeValue(status)}` }
  }
  const error = r['error']
  if (error !== undefined && typeof error !== 'string') return { ok: false, problem: `error must be a string when present, got ${describeValue(error)}` }
  const data = toPlainData(r['data'])
  if (!data.ok) return data
  const out: IntegrationResponse = { status_code: status }
  if (data.value !== undefined) out.data = data.value
  if (error !== undefined) out.error = error
  return { ok: true, value: out }
}

/** Whether a value is an NluResult (confidence 0..1); `null` means "no opinion" and is passed on as null. */
export function checkNluResult(value: unknown): Checked<NluResult | null> {
  if (value === null || value === undefined) return { ok: true, value: null }
  if (typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: `expected an object { intent, confidence, entities? }, got ${describeValue(value)}` }
  const r = value as Record<string, unknown>
  const intent = r['intent']
  if (intent !== null && typeof intent !== 'string') return { ok: false, problem: `intent must be a string or null, got ${describeValue(intent)}` }
  const confidence = r['confidence']
  if (typeof confidence !== 'number' || !(confidence >= 0 && confidence <= 1)) {
    return { ok: false, problem: `confidence must be a number from 0 to 1, got ${typeof confidence === 'number' ? confidence : describeValue(confidence)}` }
  }
  const out: NluResult = { intent, confidence }
  if (r['entities'] !== undefined) {
    const entities = r['entities']
    if (entities === null || typeof entities !== 'object' || Array.isArray(entities)) return { ok: false, problem: `entities must be an object, got ${describeValue(entities)}` }
    const plain = toPlainData(entities, 'entities')
    if (!plain.ok) return plain
    out.entities = plain.value as Record<string, unknown>
  }
  return { ok: true, value: out }
}

/** Whether a value is a valid `defaults` of an integration handler. */
export function checkResilienceDefaults(value: unknown): Checked<ResilienceDefaults | undefined> {
  if (value === undefined) return { ok: true, value: undefined }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return { ok: false, problem: `defaults must be an object, got ${describeValue(value)}` }
  const d = value as Record<string, unknown>
  const out: ResilienceDefaults = {}
  const number = (key: 'timeout_ms' | 'backoff_ms' | 'max_backoff_ms', positive: boolean): string | undefined => {
    const v = d[key]
    if (v === undefined) return undefined
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0 || (positive && v === 0)) return `defaults.${key} must be a ${positive ? 'positive' : 'non-negative'} number of milliseconds, got ${JSON.stringify(v) ?? describeValue(v)}`
    out[key] = v
    return undefined
  }
  const problem = number('timeout_ms', true) ?? number('backoff_ms', false) ?? number('max_backoff_ms', false)
  if (problem) return { ok: false, problem }
  if (d['retries'] !== undefined) {
    const r = d['retries']
    if (typeof r !== 'number' || !Number.isInteger(r) || r < 0) return { ok: false, problem: `defaults.retries must be a whole number of at least 0, got ${JSON.stringify(r) ?? describeValue(r)}` }
    out.retries = r
  }
  if (d['circuit_breaker'] !== undefined) {
    const b = d['circuit_breaker'] as Record<string, unknown> | null
    const threshold = b?.['threshold']
    const cooldown = b?.['cooldown_ms']
    if (b === null || typeof b !== 'object' || typeof threshold !== 'number' || !Number.isInteger(threshold) || threshold < 1 || typeof cooldown !== 'number' || !Number.isFinite(cooldown) || cooldown < 0) {
      return { ok: false, problem: 'defaults.circuit_breaker must be { threshold: a whole number of at least 1, cooldown_ms: a non-negative number }' }
    }
    out.circuit_breaker = { threshold, cooldown_ms: cooldown }
  }
  return { ok: true, value: out }
}

// ───────────────────────────── conformance kit ─────────────────────────────
// A plugin author's test runs `await assertPluginConformance(plugin, {...})` to check the plugin
// against this contract before the host ever loads it. Framework-neutral: it throws a
// ConformanceError listing every failed check, which any test runner reports.

export interface ConformanceOptions {
  /** Per integration id, a request the plugin must answer with a 2xx (merged over `{ method: 'GET', params: {}, config: {} }`). */
  requests?: Record<string, Partial<IntegrationRequest>>
  /** Per integration id, requests the plugin must refuse: a non-2xx answer with an `error`, or a rejection with an Error. */
  invalidRequests?: Record<string, Array<Partial<IntegrationRequest>>>
  /** Texts the NLU must classify (default: one greeting). */
  nluTexts?: string[]
  /** The intent names the NLU is told about (`ctx.intents`). */
  intents?: string[]
  /** Real time one call may take before it counts as hung. Default 2000 ms. */
  callTimeoutMs?: number
  /** Real time a call may take to settle once its AbortSignal has aborted. Default 250 ms. */
  abortGraceMs?: number
}

export interface ConformanceCheck {
  /** `plugin`, `integration "<id>"`, `nlu`, `generator "<name>"` or `summarizer`. */
  target: string
  check: string
  ok: boolean
  message: string
}

export interface ConformanceReport {
  ok: boolean
  checks: ConformanceCheck[]
  failures: ConformanceCheck[]
  /** What the plugin logged through ctx.log during the checks. */
  logs: Array<{ level: keyof PluginLog; message: string; data?: unknown }>
}

export class ConformanceError extends Error {
  override name = 'ConformanceError'
  constructor(readonly report: ConformanceReport) {
    super(
      `plugin conformance: ${report.failures.length} of ${report.checks.length} checks failed\n` +
        report.failures.map((f) => `  - ${f.target} > ${f.check}: ${f.message}`).join('\n'),
    )
  }
}

type Settled = { kind: 'value'; value: unknown } | { kind: 'error'; error: unknown } | { kind: 'hang' }

/** Runs `fn` and waits at most `limitMs` of real time for it to settle; never leaves a timer behind. */
function settleWithin(fn: () => unknown, limitMs: number): Promise<Settled> {
  return new Promise<Settled>((resolve) => {
    let pending: unknown
    try {
      pending = fn()
    } catch (error) {
      resolve({ kind: 'error', error })
      return
    }
    const timer = setTimeout(() => resolve({ kind: 'hang' }), limitMs)
    Promise.resolve(pending).then(
      (value) => {
        clearTimeout(timer)
        resolve({ kind: 'value', value })
      },
      (error: unknown) => {
        clearTimeout(timer)
        resolve({ kind: 'error', error })
      },
    )
  })
}

/**
 * The kit's clock: `sleep` passes at once (time jumps), or, when stalled, never passes until
 * its signal aborts, which shows whether the plugin hands ctx.signal to what it waits on.
 */
class ConformanceClock implements PluginClock {
  private t = Date.UTC(2026, 0, 1)
  constructor(private readonly stalled: boolean) {}

  now(): number {
    return this.t
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason ?? new Error('aborted'))
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => {
        if (timer !== undefined) clearTimeout(timer)
        reject(signal!.reason ?? new Error('aborted'))
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      const timer = this.stalled
        ? undefined
        : setTimeout(() => {
            signal?.removeEventListener('abort', onAbort)
            this.t += Number.isFinite(ms) && ms > 0 ? ms : 0
            resolve()
          }, 0)
    })
  }
}

function timeoutReason(ms: number): Error {
  const err = new Error(`timed out after ${ms} ms (conformance check)`)
  err.name = 'TimeoutError'
  return err
}

function thrownProblem(error: unknown): string | undefined {
  if (error instanceof Error) return error.message.trim() === '' ? 'rejected with an Error that has no message' : undefined
  return `rejected with ${describeValue(error)} (${String(error).slice(0, 80)}), not an Error: throw new Error("what went wrong")`
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}

/** Checks a plugin definition (what the entry's default export is) against the plugin contract. */
export async function checkPluginConformance(plugin: unknown, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const callTimeoutMs = options.callTimeoutMs ?? 2000
  const graceMs = options.abortGraceMs ?? 250
  const checks: ConformanceCheck[] = []
  const logs: ConformanceReport['logs'] = []
  const log: PluginLog = {
    debug: (message, data) => void logs.push({ level: 'debug', message, data }),
    info: (message, data) => void logs.push({ level: 'info', message, data }),
    warn: (message, data) => void logs.push({ level: 'warn', message, data }),
    error: (message, data) => void logs.push({ level: 'error', message, data }),
  }
  const record = (target: string, check: string, problem: string | undefined, passed = 'ok'): void => {
    checks.push({ target, check, ok: problem === undefined, message: problem ?? passed })
  }
  const report = (): ConformanceReport => {
    const failures = checks.filter((c) => !c.ok)
    return { ok: failures.length === 0, checks, failures, logs }
  }

  if (plugin === null || typeof plugin !== 'object') {
    record('plugin', 'definition', `the default export must be the object definePlugin() returns, got ${describeValue(plugin)}`)
    return report()
  }
  const def = plugin as { integrations?: unknown; nlu?: unknown; generators?: unknown; summarizer?: unknown }
  const integrations = def.integrations
  if (integrations !== undefined && (integrations === null || typeof integrations !== 'object' || Array.isArray(integrations))) {
    record('plugin', 'definition', `integrations must be an object of handlers keyed by integration id, got ${describeValue(integrations)}`)
    return report()
  }
  if (integrations === undefined && def.nlu === undefined && def.generators === undefined && def.summarizer === undefined) {
    record('plugin', 'definition', 'contributes nothing: export integrations, nlu, generators and/or a summarizer')
    return report()
  }
  record('plugin', 'definition', undefined)

  const contextFor = (id: string, signal: AbortSignal, stalled: boolean): CallContext => ({
    signal,
    clock: new ConformanceClock(stalled),
    log,
    integrationId: id,
    conversationId: 'conformance',
  })
  const requestFor = (partial: Partial<IntegrationRequest> | undefined): IntegrationRequest => ({
    method: 'GET',
    ...partial,
    params: { ...(partial?.params ?? {}) },
    config: { ...(partial?.config ?? {}) },
  })

  for (const [id, handler] of Object.entries((integrations ?? {}) as Record<string, unknown>)) {
    const target = `integration "${id}"`
    const h = handler as Partial<IntegrationHandler> | null
    if (h === null || typeof h !== 'object' || typeof h.call !== 'function') {
      record(target, 'handler', 'must be an object with an async call(req, ctx) method')
      continue
    }
    record(target, 'handler', undefined)
    const defaults = checkResilienceDefaults(h.defaults)
    record(target, 'defaults', defaults.ok ? undefined : defaults.problem, h.defaults === undefined ? 'none declared' : 'ok')
    const call = (req: IntegrationRequest, ctx: CallContext) => () => h.call!.call(h, req, ctx)

    // Answers: the author's sample request must succeed; without one, any well-formed answer or
    // a rejection with an Error passes (an empty request may well be invalid for this integration).
    const sample = options.requests?.[id]
    const answered = await settleWithin(call(requestFor(sample), contextFor(id, new AbortController().signal, false)), callTimeoutMs)
    if (answered.kind === 'hang') record(target, 'answers', `did not settle within ${callTimeoutMs} ms`)
    else if (answered.kind === 'error') {
      record(target, 'answers', sample !== undefined ? `rejected the sample request: ${errorMessage(answered.error)}` : thrownProblem(answered.error), 'refused the empty request with an Error')
    } else {
      const r = checkIntegrationResponse(answered.value)
      if (!r.ok) record(target, 'answers', `malformed result: ${r.problem}`)
      else if (sample !== undefined && (r.value.status_code < 200 || r.value.status_code > 299)) {
        record(target, 'answers', `answered the sample request with status ${r.value.status_code}${r.value.error ? ` (${r.value.error})` : ''}; a 2xx was expected`)
      } else record(target, 'answers', undefined, `status ${r.value.status_code}`)
    }

    for (const [i, invalid] of (options.invalidRequests?.[id] ?? []).entries()) {
      const check = `refuses invalid request ${i + 1}`
      const got = await settleWithin(call(requestFor(invalid), contextFor(id, new AbortController().signal, false)), callTimeoutMs)
      if (got.kind === 'hang') record(target, check, `did not settle within ${callTimeoutMs} ms`)
      else if (got.kind === 'error') record(target, check, thrownProblem(got.error), `rejected: ${errorMessage(got.error)}`)
      else {
        const r = checkIntegrationResponse(got.value)
        if (!r.ok) record(target, check, `malformed result: ${r.problem}`)
        else if (r.value.status_code >= 200 && r.value.status_code <= 299) record(target, check, `answered status ${r.value.status_code}; an invalid request needs a non-2xx status_code with an error`)
        else if (!r.value.error) record(target, check, `answered status ${r.value.status_code} without an error message: set error to say what is wrong`)
        else record(target, check, undefined, `status ${r.value.status_code}: ${r.value.error}`)
      }
    }

    // Timeouts: a call whose signal is already aborted, and one that is aborted while it waits on
    // the clock (which never moves on its own here), must both settle promptly.
    const aborted = new AbortController()
    aborted.abort(timeoutReason(0))
    const early = await settleWithin(call(requestFor(sample), contextFor(id, aborted.signal, false)), graceMs)
    record(target, 'honours an aborted signal', early.kind === 'hang' ? `called with an already aborted signal, it did not settle within ${graceMs} ms` : undefined)

    const late = new AbortController()
    const abortAfterMs = 20
    const timer = setTimeout(() => late.abort(timeoutReason(abortAfterMs)), abortAfterMs)
    const stopped = await settleWithin(call(requestFor(sample), contextFor(id, late.signal, true)), abortAfterMs + graceMs)
    clearTimeout(timer)
    record(
      target,
      'stops when its signal aborts',
      stopped.kind === 'hang' ? `did not settle within ${graceMs} ms after its signal aborted: pass ctx.signal to what the call waits on (ctx.clock.sleep(ms, ctx.signal), fetch(url, { signal: ctx.signal }))` : undefined,
    )
    if (stopped.kind === 'value') {
      const r = checkIntegrationResponse(stopped.value)
      if (!r.ok) record(target, 'result when aborted', `malformed result: ${r.problem}`)
    }
  }

  if (def.nlu !== undefined) {
    const nlu = def.nlu as Partial<NluHandler> | null
    if (nlu === null || typeof nlu !== 'object' || typeof nlu.classify !== 'function') {
      record('nlu', 'handler', 'must be an object with an async classify(text, ctx) method')
    } else {
      record('nlu', 'handler', undefined)
      const intents = options.intents ?? []
      for (const text of options.nluTexts ?? ['hello there']) {
        const got = await settleWithin(() => nlu.classify!.call(nlu, text, { signal: new AbortController().signal, intents, log }), callTimeoutMs)
        const check = `classifies ${JSON.stringify(text)}`
        if (got.kind === 'hang') record('nlu', check, `did not settle within ${callTimeoutMs} ms`)
        else if (got.kind === 'error') record('nlu', check, `rejected: ${errorMessage(got.error)}`)
        else {
          const r = checkNluResult(got.value)
          record('nlu', check, r.ok ? undefined : `malformed result: ${r.problem}`, r.ok && r.value ? `${r.value.intent ?? 'null'} (${r.value.confidence})` : 'no opinion (null)')
        }
      }
      const aborted = new AbortController()
      aborted.abort(timeoutReason(0))
      const early = await settleWithin(() => nlu.classify!.call(nlu, 'hello', { signal: aborted.signal, intents, log }), graceMs)
      record('nlu', 'honours an aborted signal', early.kind === 'hang' ? `called with an already aborted signal, it did not settle within ${graceMs} ms` : undefined)
    }
  }
  await checkGenerators(def.generators, record, log, callTimeoutMs, graceMs)
  if (def.summarizer !== undefined) await checkSummarizer(def.summarizer, record, log, callTimeoutMs)
  return report()
}

type Record3 = (target: string, check: string, problem: string | undefined, passed?: string) => void

/** Generators: each yields strings for a sample prompt, and stops when its signal is already aborted. */
async function checkGenerators(generators: unknown, record: Record3, log: PluginLog, callTimeoutMs: number, graceMs: number): Promise<void> {
  if (generators === undefined) return
  if (generators === null || typeof generators !== 'object' || Array.isArray(generators)) {
    record('plugin', 'generators', `generators must be an object of generators keyed by name, got ${describeValue(generators)}`)
    return
  }
  for (const [name, g] of Object.entries(generators as Record<string, unknown>)) {
    const target = `generator "${name}"`
    const h = g as Partial<GeneratorHandler> | null
    if (h === null || typeof h !== 'object' || typeof h.generate !== 'function') {
      record(target, 'handler', 'must be an object with an async *generate(req, ctx) method')
      continue
    }
    record(target, 'handler', undefined)
    const run = (signal: AbortSignal) => async (): Promise<string[]> => {
      const chunks: string[] = []
      const ctx: GenerateContext = { signal, clock: new ConformanceClock(false), log, generator: name, conversationId: 'conformance' }
      const iterable = h.generate!.call(h, { state: 'conformance', prompt: 'hello there', context: {} }, ctx) as unknown
      if (iterable === null || typeof iterable !== 'object' || typeof (iterable as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] !== 'function') {
        throw new Error('generate() must return an async iterable (write it as async *generate(req, ctx))')
      }
      for await (const chunk of iterable as AsyncIterable<unknown>) {
        if (typeof chunk !== 'string') throw new Error(`yielded ${describeValue(chunk)}; every chunk must be a string`)
        chunks.push(chunk)
      }
      return chunks
    }
    const got = await settleWithin(run(new AbortController().signal), callTimeoutMs)
    if (got.kind === 'hang') record(target, 'streams', `did not finish within ${callTimeoutMs} ms`)
    else if (got.kind === 'error') record(target, 'streams', errorMessage(got.error))
    else record(target, 'streams', undefined, `${(got.value as string[]).length} chunks`)
    const aborted = new AbortController()
    aborted.abort(timeoutReason(0))
    const early = await settleWithin(run(aborted.signal), graceMs)
    record(target, 'honours an aborted signal', early.kind === 'hang' ? `called with an already aborted signal, it did not finish within ${graceMs} ms` : undefined)
  }
}

/** A summariser answers a string for a sample turn. */
async function checkSummarizer(summarizer: unknown, record: Record3, log: PluginLog, callTimeoutMs: number): Promise<void> {
  const h = summarizer as Partial<SummarizerHandler> | null
  if (h === null || typeof h !== 'object' || typeof h.summarize !== 'function') {
    record('summarizer', 'handler', 'must be an object with a summarize(turns, options, ctx) method')
    return
  }
  record('summarizer', 'handler', undefined)
  const ctx: SummarizerContext = { signal: new AbortController().signal, log, conversationId: 'conformance', countTokens: (text) => Math.ceil(text.length / 4) }
  const turns: SummaryTurn[] = [{ turn: 1, role: 'user', text: 'I need help with my order', intent: 'help', slots: {} }, { turn: 1, role: 'bot', text: 'Sure, what is the order number?' }]
  const got = await settleWithin(() => h.summarize!.call(h, turns, { previousSummary: null, tokenBudget: 64 }, ctx), callTimeoutMs)
  if (got.kind === 'hang') record('summarizer', 'summarizes', `did not settle within ${callTimeoutMs} ms`)
  else if (got.kind === 'error') record('summarizer', 'summarizes', `rejected: ${errorMessage(got.error)}`)
  else record('summarizer', 'summarizes', typeof got.value === 'string' ? undefined : `must answer a string, got ${describeValue(got.value)}`)
}

/** Like checkPluginConformance, but throws a ConformanceError listing the failed checks. */
export async function assertPluginConformance(plugin: unknown, options: ConformanceOptions = {}): Promise<ConformanceReport> {
  const report = await checkPluginConformance(plugin, options)
  if (!report.ok) throw new ConformanceError(report)
  return report
}
