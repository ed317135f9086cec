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

export interface IntegrationHandler {
  call(req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse>
  /** Resilience defaults for this integration; the flow's `integrations` section wins. */
  defaults?: { timeout_ms?: number; retries?: number; circuit_breaker?: { threshold: number; cooldown_ms: number } }
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

export interface PluginDefinition {
  integrations?: Record<string, IntegrationHandler>
  nlu?: NluHandler
}

/** Identity helper that gives plugin authors full typing. */
export function definePlugin<T extends PluginDefinition>(plugin: T): T {
  return plugin
}
