// Owns the Server activity's state: the bot server's status (started and stopped by the core's
// `bot` service), the request traces it streams (`botTrace` batches, newest first, bounded), its
// live sessions and the context of the one being looked at.
import { defineStore } from 'pinia'
import { computed, ref } from 'vue'
import type { BotSessionContext, BotSessionInfo, BotStartOptions, BotStatus, BotTrace } from '../../../src-main/common/api'
import { useApi } from '../api'
import { describeError } from './errors'
import type { LoadStatus } from './workspace'

/** Traces the workbench keeps (the core keeps its own bounded buffer too). */
export const MAX_TRACES = 2000

export type StatusClass = 'all' | '2xx' | '3xx' | '4xx' | '5xx'

export function statusClass(status: number): Exclude<StatusClass, 'all'> {
  if (status >= 500) return '5xx'
  if (status >= 400) return '4xx'
  if (status >= 300) return '3xx'
  return '2xx'
}

/** The key as shown until the user asks to see it: its first and last 4 characters. */
export function maskKey(key: string): string {
  return key.length <= 12 ? '•'.repeat(key.length) : `${key.slice(0, 4)}${'•'.repeat(12)}${key.slice(-4)}`
}

/** A curl command that starts a conversation with the first flow. */
export function curlExample(url: string, key: string, flow: string): string {
  return [`curl -s -X POST ${url}/v1/sessions \\`, `  -H "Authorization: Bearer ${key}" \\`, `  -H "Content-Type: application/json" \\`, `  -d '{"flow": "${flow}"}'`].join('\n')
}

/** Origins typed one per line (or comma-separated), blanks dropped. */
export function parseOrigins(text: string): string[] {
  return text
    .split(/[\n,]/)
    .map((s) => s.trim())
    .filter(Boolean)
}

export const useBotStore = defineStore('bot', () => {
  const api = useApi()
  const status = ref<BotStatus | null>(null)
  const loadStatus = ref<LoadStatus>('idle')
  const loadError = ref<string | null>(null)
  const busy = ref(false)
  const actionError = ref<string | null>(null)
  /** Newest first. */
  const traces = ref<BotTrace[]>([])
  const sessions = ref<BotSessionInfo[]>([])
  const contexts = ref<Record<string, { status: LoadStatus; context: BotSessionContext | null; error: string | null }>>({})
  const running = computed(() => status.value?.running === true)
  let subscribed = false
  let sessionsTimer: ReturnType<typeof setTimeout> | null = null

  function addTraces(batch: BotTrace[]): void {
    if (!batch.length) return
    const known = traces.value.length ? traces.value[0]!.id : 0
    // Batches arrive in order; a trace already loaded by `load()` is not added twice.
    const fresh = batch.filter((t) => t.id > known).reverse()
    traces.value = [...fresh, ...traces.value].slice(0, MAX_TRACES)
  }

  function refreshSessionsSoon(): void {
    sessionsTimer ??= setTimeout(() => {
      sessionsTimer = null
      void refreshSessions()
    }, 250)
  }

  function subscribe(): void {
    if (subscribed) return
    subscribed = true
    api.on('botTrace', ({ traces: batch }) => {
      addTraces(batch)
      if (batch.some((t) => t.session !== undefined)) refreshSessionsSoon()
    })
    api.on('botStatus', (s) => {
      const restarted = s.running && status.value?.startedAt !== s.startedAt
      status.value = s
      if (!s.running) sessions.value = []
      else if (restarted) traces.value = []
      else refreshSessionsSoon()
    })
  }

  async function load(): Promise<void> {
    subscribe()
    loadStatus.value = 'loading'
    try {
      const [s, t, list] = await Promise.all([api.bot.status(), api.bot.traces(), api.bot.sessions()])
      status.value = s
      traces.value = [...t].reverse().slice(0, MAX_TRACES)
      sessions.value = list
      loadStatus.value = 'ready'
      loadError.value = null
    } catch (err) {
      loadStatus.value = 'error'
      loadError.value = describeError(err)
    }
  }

  async function start(options: BotStartOptions): Promise<boolean> {
    subscribe()
    busy.value = true
    actionError.value = null
    try {
      status.value = await api.bot.start(options)
      traces.value = []
      sessions.value = []
      return true
    } catch (err) {
      actionError.value = describeError(err)
      return false
    } finally {
      busy.value = false
    }
  }

  async function stop(): Promise<void> {
    busy.value = true
    actionError.value = null
    try {
      status.value = await api.bot.stop()
      sessions.value = []
    } catch (err) {
      actionError.value = describeError(err)
    } finally {
      busy.value = false
    }
  }

  async function refreshSessions(): Promise<void> {
    try {
      sessions.value = await api.bot.sessions()
    } catch {
      // The list stays as it was; the next event asks again.
    }
  }

  async function loadContext(id: string): Promise<void> {
    contexts.value = { ...contexts.value, [id]: { status: 'loading', context: contexts.value[id]?.context ?? null, error: null } }
    try {
      const context = await api.bot.session(id)
      contexts.value = { ...contexts.value, [id]: { status: 'ready', context, error: null } }
    } catch (err) {
      contexts.value = { ...contexts.value, [id]: { status: 'error', context: null, error: describeError(err) } }
    }
  }

  async function clearTraces(): Promise<void> {
    traces.value = []
    await api.bot.clearTraces()
  }

  return { status, loadStatus, loadError, busy, actionError, traces, sessions, contexts, running, load, start, stop, refreshSessions, loadContext, clearTraces }
})
