// The engine's view of loaded plugins: an IntegrationProvider and NLU providers that dispatch to
// plugin handlers and turn every misbehaviour (a throw, a rejection, a malformed result, a call
// that ignores its abort signal) into a clean failure with the engine's error vocabulary.
import {
  checkIntegrationResponse,
  checkNluResult,
  type CallContext,
  type GeneratorHandler,
  type IntegrationHandler,
  type IntegrationRequest,
  type IntegrationResponse,
  type NluContext,
  type NluHandler,
  type NluResult,
  type PluginClock,
  type PluginLog,
  type ResilienceDefaults,
  type SummarizerHandler,
} from '../../common/plugin-api'
import { IntegrationError, failureFromThrown, type IntegrationProvider } from '../engine/resilience'

/** Real-time safety nets. The engine's own timeouts normally end a call long before these. */
export interface GuardOptions {
  /**
   * Longest real time an integration call may run when nothing else ends it (a plugin that
   * ignores its abort signal while the engine's clock is not moving). Raised to the integration's
   * configured timeout_ms when that is longer. Default 60 000 ms.
   */
  callTimeoutMs?: number
  /** The same for an NLU call. Default 60 000 ms. */
  nluTimeoutMs?: number
}

export const DEFAULT_GUARD_MS = 60_000

/** One integration a loaded plugin serves. */
export interface ServedIntegration {
  id: string
  plugin: string
  handler: IntegrationHandler
  defaults: ResilienceDefaults | undefined
}

/** One NLU a loaded plugin serves. */
export interface ServedNlu {
  plugin: string
  handler: NluHandler
}

/** A loaded plugin as routing needs it: `integrations.<id>.plugin` may name it. */
export interface RoutablePlugin {
  name: string
  integrations: string[]
}

function positive(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined
}

function messageOf(err: unknown): string {
  if (err instanceof Error) return err.message
  if (typeof err === 'string') return err
  try {
    return JSON.stringify(err) ?? String(err)
  } catch {
    return String(err)
  }
}

function timeoutError(message: string): Error {
  const err = new Error(message)
  err.name = 'TimeoutError'
  return err
}

/** Log calls from plugin code: prefixed with the plugin's name, and a throwing logger never fails the call. */
function pluginLog(log: PluginLog | undefined, plugin: string): PluginLog {
  const at = (level: keyof PluginLog) => (message: string, data?: unknown): void => {
    try {
      log?.[level](`[${plugin}] ${message}`, data)
    } catch {
      // Logging is best effort.
    }
  }
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') }
}

/** For callers that hand no clock (a provider used outside the engine): wall-clock time. */
const WALL_CLOCK: PluginClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason)
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }, Math.max(0, ms))
      const onAbort = (): void => {
        clearTimeout(timer)
        reject(signal!.reason)
      }
      signal?.addEventListener('abort', onAbort, { once: true })
    }),
}

/**
 * Runs `start` with a signal that aborts when `outer` aborts or `guardMs` of real time pass, and
 * settles as soon as either happens even if the plugin never does. A late answer or rejection
 * from the plugin is swallowed (it has nowhere to go and must not become an unhandled rejection).
 */
function guarded<T>(outer: AbortSignal | undefined, guardMs: number, onGuard: () => Error, start: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const guard = new AbortController()
  const signal = outer ? AbortSignal.any([outer, guard.signal]) : guard.signal
  return new Promise<T>((resolve, reject) => {
    let done = false
    const finish = (fn: () => void): void => {
      if (done) return
      done = true
      clearTimeout(timer)
      outer?.removeEventListener('abort', onOuterAbort)
      fn()
    }
    const onOuterAbort = (): void => finish(() => reject(outer!.reason ?? timeoutError('the call was aborted')))
    const timer = setTimeout(() => {
      const err = onGuard()
      guard.abort(timeoutError(err.message))
      finish(() => reject(err))
    }, guardMs)
    if (outer?.aborted) {
      onOuterAbort()
      return
    }
    outer?.addEventListener('abort', onOuterAbort, { once: true })
    let pending: Promise<T>
    try {
      pending = Promise.resolve(start(signal))
    } catch (err) {
      finish(() => reject(err))
      return
    }
    pending.then(
      (value) => finish(() => resolve(value)),
      (err: unknown) => finish(() => reject(err)),
    )
  })
}

/** Calls one plugin integration, never throwing anything but an IntegrationError (or the engine's own abort reason). */
export async function callServed(target: ServedIntegration, id: string, req: IntegrationRequest, ctx: Partial<CallContext> | undefined, options: GuardOptions): Promise<IntegrationResponse> {
  const config = req.config ?? {}
  const guardMs = Math.max(options.callTimeoutMs ?? DEFAULT_GUARD_MS, positive(config['timeout_ms']) ?? 0, positive(target.defaults?.timeout_ms) ?? 0)
  const who = `plugin "${target.plugin}"`
  let guardFired = false
  let value: unknown
  try {
    value = await guarded(
      ctx?.signal,
      guardMs,
      () => {
        guardFired = true
        return new IntegrationError('timeout', `${who} did not answer "${id}" within ${guardMs} ms and ignored its abort signal`)
      },
      (signal) => {
        // The plugin gets copies: a plugin that mutates its request cannot change what the turn
        // result records as the request.
        const request: IntegrationRequest = { method: req.method, params: structuredClone(req.params ?? {}), config: structuredClone(config) }
        if (req.endpoint !== undefined) request.endpoint = req.endpoint
        const pluginCtx: CallContext = {
          signal,
          clock: ctx?.clock ?? WALL_CLOCK,
          log: pluginLog(ctx?.log, target.plugin),
          integrationId: ctx?.integrationId ?? id,
          conversationId: ctx?.conversationId ?? '',
        }
        return target.handler.call(request, pluginCtx)
      },
    )
  } catch (err) {
    if (guardFired || err instanceof IntegrationError) throw err
    // The engine aborted the call (its timeout, a cancelled run): pass its reason back unchanged
    // so it classifies the failure as it decided.
    if (ctx?.signal?.aborted && err === ctx.signal.reason) throw err
    const failure = failureFromThrown(err)
    throw new IntegrationError(failure.error ?? 'exception', `${who} failed on "${id}": ${messageOf(err)}`)
  }
  const checked = checkIntegrationResponse(value)
  if (!checked.ok) throw new IntegrationError('malformed_response', `${who} answered "${id}" with a malformed result: ${checked.problem}`)
  return checked.value
}

/**
 * The IntegrationProvider the engine calls. `has(id)` is true for ids a loaded plugin serves;
 * `integrations.<id>.plugin` in the request's config may route an id to a plugin by name (e.g.
 * `plugin: http` for a REST integration called crm_lookup), see `forFlow`.
 */
export class PluginIntegrations implements IntegrationProvider {
  /** Handlers of ids another plugin serves first: still reachable by naming their plugin. */
  private readonly shadowed = new Map<string, ServedIntegration>()

  /**
   * @param served the handler each id resolves to by default (precedence already applied)
   * @param shadowed handlers that lost that precedence
   * @param plugins loaded plugins by name, for `integrations.<id>.plugin`
   * @param reasons why ids declared by plugins that do not run cannot be called
   */
  constructor(
    private readonly served: ReadonlyMap<string, ServedIntegration>,
    shadowed: readonly ServedIntegration[],
    private readonly plugins: ReadonlyMap<string, RoutablePlugin>,
    private readonly reasons: ReadonlyMap<string, string>,
    private readonly options: GuardOptions = {},
  ) {
    for (const s of shadowed) this.shadowed.set(`${s.plugin}\u0000${s.id}`, s)
  }

  /** Integration ids loaded plugins serve, sorted. */
  ids(): string[] {
    return [...this.served.keys()].sort()
  }

  has(id: string): boolean {
    return this.served.has(id)
  }

  /** Why a declared id cannot be called (its plugin is untrusted, disabled or broken); undefined when it can or nobody declares it. */
  unavailable(id: string): string | undefined {
    return this.served.has(id) ? undefined : this.reasons.get(id)
  }

  defaults(id: string): ResilienceDefaults | undefined {
    return this.served.get(id)?.defaults
  }

  /** Plugins do real work: on a test's virtual clock their calls run in real time. */
  realtime(id: string): boolean {
    return this.served.has(id)
  }

  call(id: string, req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
    const route = this.route(id, req?.config?.['plugin'])
    if ('problem' in route) return Promise.reject(new IntegrationError('no_provider', route.problem))
    return callServed(route.target, id, req, ctx, this.options)
  }

  /**
   * A provider for one flow: ids its `integrations` section routes to a plugin (`plugin: <name or
   * integration id>`) count as served too, with that plugin's defaults.
   */
  forFlow(section: Readonly<Record<string, unknown>> | undefined): IntegrationProvider & { defaults(id: string): ResilienceDefaults | undefined } {
    const pluginOf = (id: string): unknown => {
      const cfg = section?.[id]
      return cfg !== null && typeof cfg === 'object' ? (cfg as Record<string, unknown>)['plugin'] : undefined
    }
    return {
      has: (id) => 'target' in this.route(id, pluginOf(id)),
      realtime: (id) => 'target' in this.route(id, pluginOf(id)),
      defaults: (id) => {
        const r = this.route(id, pluginOf(id))
        return 'target' in r ? r.target.defaults : undefined
      },
      call: (id, req, ctx) => {
        const named = req?.config?.['plugin'] ?? pluginOf(id)
        const r = this.route(id, named)
        if ('problem' in r) return Promise.reject(new IntegrationError('no_provider', r.problem))
        return callServed(r.target, id, req, ctx, this.options)
      },
    }
  }

  /** Which handler serves `id`, given the plugin its config names (if any). */
  private route(id: string, named: unknown): { target: ServedIntegration } | { problem: string } {
    if (named === undefined || named === null || named === '') {
      const target = this.served.get(id)
      if (target) return { target }
      return { problem: this.reasons.get(id) ?? `no plugin serves integration "${id}"` }
    }
    if (typeof named !== 'string') return { problem: `integrations.${id}.plugin must be a plugin name, got ${typeof named}` }
    const plugin = this.findPlugin(named)
    if (plugin) {
      const own = plugin.integrations.includes(id) ? this.servedBy(plugin.name, id) : undefined
      if (own) return { target: own }
      if (plugin.integrations.length === 1) {
        const only = this.servedBy(plugin.name, plugin.integrations[0]!)
        if (only) return { target: only }
      }
      return { problem: `integrations.${id}.plugin names plugin "${plugin.name}", which does not serve "${id}" (it serves ${plugin.integrations.map((i) => `"${i}"`).join(', ')})` }
    }
    const byId = this.served.get(named)
    if (byId) return { target: byId }
    const reason = this.reasons.get(named)
    return { problem: `integrations.${id}.plugin names "${named}", which is not a loaded plugin${reason ? `: ${reason}` : ''}` }
  }

  private findPlugin(name: string): RoutablePlugin | undefined {
    const exact = this.plugins.get(name)
    if (exact) return exact
    for (const p of this.plugins.values()) if (shortName(p.name) === name) return p
    return undefined
  }

  private servedBy(plugin: string, id: string): ServedIntegration | undefined {
    const s = this.served.get(id)
    if (s && s.plugin === plugin) return s
    return this.shadowed.get(`${plugin}\u0000${id}`)
  }
}

/** `flowbench-plugin-http` and `@acme/flowbench-plugin-http` answer to `http` too. */
export function shortName(name: string): string {
  return name.replace(/^@[^/]+\//, '').replace(/^flowbench-plugin-/, '')
}

/** Calls one NLU plugin with the same guards as integrations; failures reject with a message naming the plugin. */
async function classifyWith(target: ServedNlu, text: string, ctx: Partial<NluContext> | undefined, options: GuardOptions): Promise<NluResult | null> {
  const guardMs = options.nluTimeoutMs ?? DEFAULT_GUARD_MS
  const who = `NLU plugin "${target.plugin}"`
  let value: unknown
  try {
    value = await guarded(
      ctx?.signal,
      guardMs,
      () => timeoutError(`${who} did not answer within ${guardMs} ms and ignored its abort signal`),
      (signal) => target.handler.classify(text, { signal, intents: [...(ctx?.intents ?? [])], log: pluginLog(ctx?.log, target.plugin) }),
    )
  } catch (err) {
    if (ctx?.signal?.aborted && err === ctx.signal.reason) throw err
    if (err instanceof Error && err.name === 'TimeoutError' && err.message.startsWith(who)) throw err
    throw new Error(`${who} failed: ${messageOf(err)}`)
  }
  const checked = checkNluResult(value)
  if (!checked.ok) throw new Error(`${who} answered with a malformed result: ${checked.problem}`)
  return checked.value
}

/** The engine's NluProvider shape (src-main/core/engine/conversation.ts). */
export interface NluProviderLike {
  classify(text: string, ctx: NluContext): Promise<NluResult | null>
}

/** NLU plugins by id. A flow uses one only when its `settings.nlu` names it; otherwise the built-in NLU. */
export class PluginNlu {
  constructor(
    private readonly served: ReadonlyMap<string, ServedNlu>,
    private readonly reasons: ReadonlyMap<string, string>,
    private readonly options: GuardOptions = {},
  ) {}

  /** NLU ids (and names of the plugins serving them) a flow's settings.nlu may name. */
  ids(): string[] {
    return [...this.served.keys()].sort()
  }

  has(id: string): boolean {
    return this.served.has(id)
  }

  /**
   * The provider for a flow's `settings.nlu`. An id no loaded plugin serves gives a provider whose
   * every call fails with the reason, so each turn reports `nlu_failed` instead of silently
   * falling back to the built-in NLU.
   */
  select(id: string): NluProviderLike {
    const target = this.served.get(id)
    if (target) return { classify: (text, ctx) => classifyWith(target, text, ctx, this.options) }
    const reason = this.reasons.get(id) ?? `no NLU plugin "${id}" is loaded (settings.nlu)`
    return { classify: () => Promise.reject(new Error(reason)) }
  }
}

/**
 * A test's mocks over the plugins: an id with a mock is answered by the mock and never reaches
 * its plugin, nor takes the plugin's resilience defaults, so a test's outcome does not depend on
 * which plugins are installed. Ids without a mock go to a plugin that serves them, else to the
 * mocks (which record the unmocked call).
 */
export function withMocks(mocked: (id: string) => boolean, mocks: IntegrationProvider, plugins: IntegrationProvider): IntegrationProvider {
  const toPlugin = (id: string): boolean => !mocked(id) && plugins.has(id)
  return {
    has: (id) => mocked(id) || plugins.has(id) || mocks.has(id),
    call: (id, req, ctx) => (toPlugin(id) ? plugins.call(id, req, ctx) : mocks.call(id, req, ctx)),
    defaults: (id) => (toPlugin(id) ? plugins.defaults?.(id) : mocks.defaults?.(id)),
    realtime: (id) => (toPlugin(id) ? plugins.realtime?.(id) === true : mocks.realtime?.(id) === true),
  }
}

/** One generator or summariser a loaded plugin serves. */
export interface Served<H> {
  plugin: string
  handler: H
}

/**
 * Plugin generators by name (the engine's GeneratorProvider). A name no loaded plugin serves
 * answers with the reason, so the turn says why (disabled, untrusted, broken, not installed).
 * Plugin generators run on real time: they are plugin code.
 */
export class PluginGenerators {
  constructor(
    private readonly served: ReadonlyMap<string, Served<GeneratorHandler>>,
    private readonly reasons: ReadonlyMap<string, string>,
  ) {}

  names(): string[] {
    return [...this.served.keys()].sort()
  }

  has(name: string): boolean {
    return this.served.has(name)
  }

  select(name: string): GeneratorHandler | { unavailable: string } {
    const s = this.served.get(name)
    if (s) return { generate: (req, ctx) => s.handler.generate(req, { ...ctx, log: pluginLog(ctx.log, s.plugin) }) }
    return { unavailable: this.reasons.get(name) ?? `no plugin serves generator "${name}" (a plugin declares it under flowbench.generators)` }
  }

  realtime(name: string): boolean {
    return this.served.has(name)
  }
}

/** Plugin summarisers by id (the engine's SummarizerProvider); `settings.memory.summarizer` names one. */
export class PluginSummarizers {
  constructor(
    private readonly served: ReadonlyMap<string, Served<SummarizerHandler>>,
    private readonly reasons: ReadonlyMap<string, string>,
  ) {}

  ids(): string[] {
    return [...this.served.keys()].sort()
  }

  has(id: string): boolean {
    return this.served.has(id)
  }

  select(id: string): SummarizerHandler | { unavailable: string } {
    const s = this.served.get(id)
    if (s) return { summarize: (turns, options, ctx) => s.handler.summarize(turns, options, { ...ctx, log: pluginLog(ctx.log, s.plugin) }) }
    return { unavailable: this.reasons.get(id) ?? `no plugin serves summarizer "${id}" (settings.memory.summarizer)` }
  }
}
