// Owns one simulated Conversation: the chosen flow and user profile, the session and its Turns,
// the selected Turn, the integration/NLU mocks being edited, and saving the transcript as a test.
import { defineStore } from 'pinia'
import { computed, ref, shallowRef } from 'vue'
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml'
import type { JsonValue, SavedTest, SimulatorSession, SimulatorTurn, UserProfileChoice } from '../../../src-main/common/api'
import type { Mocks } from '../../../src-main/common/test-schema'
import { useApi } from '../api'
import { describeError } from './errors'

/** `30s`, `5m`, `1h`, `250ms` (the test format's durations) or a bare number of seconds. */
export function parseDuration(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$/.exec(text)
  if (!m) return null
  const n = Number(m[1])
  const unit = m[2] ?? 's'
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : unit === 'm' ? 60_000 : 3_600_000
  return Math.round(n * factor)
}

export function formatClock(ms: number): string {
  const total = Math.floor(ms / 1000)
  const h = Math.floor(total / 3600)
  const m = Math.floor((total % 3600) / 60)
  const s = total % 60
  const pad = (v: number) => String(v).padStart(2, '0')
  return h ? `${h}:${pad(m)}:${pad(s)}` : `${pad(m)}:${pad(s)}`
}

/** Parses the mocks editor's YAML (JSON is YAML too); returns an error sentence instead of throwing. */
export function parseMocks(text: string): { mocks: Mocks } | { error: string } {
  if (!text.trim()) return { mocks: {} }
  try {
    const value = parseYaml(text) as unknown
    if (value === null || value === undefined) return { mocks: {} }
    if (typeof value !== 'object' || Array.isArray(value)) return { error: 'Mocks must be a mapping with `integrations` and/or `nlu`.' }
    const allowed = new Set(['integrations', 'nlu', 'nlu_strict'])
    const unknown = Object.keys(value).filter((k) => !allowed.has(k))
    if (unknown.length) return { error: `Unknown key${unknown.length > 1 ? 's' : ''}: ${unknown.join(', ')} (expected integrations, nlu, nlu_strict).` }
    return { mocks: value as Mocks }
  } catch (err) {
    return { error: describeError(err).split('\n')[0]! }
  }
}

export function formatMocks(mocks: Mocks): string {
  return Object.keys(mocks).length ? stringifyYaml(mocks) : ''
}

export type SimulatorBusy = null | 'starting' | 'sending' | 'rewinding' | 'saving' | 'mocks'

export const useSimulatorStore = defineStore('simulator', () => {
  const api = useApi()
  const flow = ref<string | null>(null)
  const profiles = ref<UserProfileChoice[]>([])
  const profilesStatus = ref<'idle' | 'loading' | 'ready' | 'error'>('idle')
  /** Index into `profiles`; -1 is "no profile" (an empty user_profile). */
  const profileIndex = ref(-1)
  const session = shallowRef<SimulatorSession | null>(null)
  const selectedTurn = ref<number | null>(null)
  const busy = ref<SimulatorBusy>(null)
  const error = ref<string | null>(null)
  const mocksText = ref('')
  /** The mocks text the session runs with, to tell whether the editor has unapplied changes. */
  const appliedMocksText = ref('')
  const mocksError = ref<string | null>(null)
  const lastSaved = ref<SavedTest | null>(null)
  const saveError = ref<string | null>(null)
  /** The reply a plugin generator is streaming in the turn being sent, as far as it arrived. */
  const streaming = ref<{ turn: number; state: string; text: string; chunks: number } | null>(null)

  api.on('simulatorChunk', (c) => {
    const s = session.value
    if (!s || c.sessionId !== s.session) return
    const cur = streaming.value
    // A new state's reply (or a new turn) starts a new bubble.
    streaming.value = cur && cur.turn === c.turn && cur.state === c.state
      ? { ...cur, text: cur.text + c.text, chunks: cur.chunks + 1 }
      : { turn: c.turn, state: c.state, text: c.text, chunks: 1 }
  })

  const turns = computed<SimulatorTurn[]>(() => session.value?.turns ?? [])
  const lastTurn = computed(() => turns.value[turns.value.length - 1] ?? null)
  const ended = computed(() => session.value?.ended ?? false)
  const waitingApproval = computed(() => lastTurn.value?.result.workflow?.state === 'waiting_approval')
  const selected = computed(() => {
    if (!session.value) return null
    const i = selectedTurn.value ?? turns.value.length - 1
    return turns.value.find((t) => t.index === i) ?? lastTurn.value
  })
  const mocksDirty = computed(() => mocksText.value !== appliedMocksText.value)
  /** States and transitions the whole conversation went through, for the graph overlay. */
  const conversationPath = computed(() => {
    const states = new Set<string>()
    const transitions = new Set<string>()
    for (const t of turns.value) {
      for (const s of t.result.path) states.add(s)
      for (const k of t.result.transitions ?? []) transitions.add(k)
    }
    const current = session.value ? lastTurn.value?.result.state ?? null : null
    return { states, transitions, current }
  })

  async function selectFlow(path: string | null): Promise<void> {
    if (flow.value === path) return
    flow.value = path
    profiles.value = []
    profileIndex.value = -1
    await closeSession()
    if (!path) return
    profilesStatus.value = 'loading'
    try {
      profiles.value = await api.simulator.profiles(path)
      profilesStatus.value = 'ready'
    } catch (err) {
      profilesStatus.value = 'error'
      error.value = describeError(err)
    }
  }

  function currentProfile(): { [key: string]: JsonValue } {
    return profiles.value[profileIndex.value]?.user_profile ?? {}
  }

  async function act(kind: Exclude<SimulatorBusy, null>, op: () => Promise<void>): Promise<void> {
    if (busy.value) return
    busy.value = kind
    error.value = null
    try {
      await op()
    } catch (err) {
      error.value = describeError(err)
    } finally {
      busy.value = null
    }
  }

  function adopt(next: SimulatorSession): void {
    session.value = next
    selectedTurn.value = null
  }

  async function start(): Promise<void> {
    const path = flow.value
    if (!path) return
    const parsed = parseMocks(mocksText.value)
    if ('error' in parsed) {
      mocksError.value = parsed.error
      return
    }
    mocksError.value = null
    await act('starting', async () => {
      if (session.value) await api.simulator.close(session.value.session).catch(() => undefined)
      adopt(await api.simulator.start({ flow: path, user_profile: currentProfile(), mocks: parsed.mocks }))
      appliedMocksText.value = mocksText.value
      lastSaved.value = null
    })
  }

  function appendTurn(turn: SimulatorTurn): void {
    const s = session.value
    if (!s) return
    session.value = {
      ...s,
      turns: [...s.turns.filter((t) => t.index < turn.index), turn],
      clock_ms: turn.clock_ms,
      ended: turn.result.ended,
    }
    selectedTurn.value = null
    streaming.value = null
  }

  async function send(text: string): Promise<void> {
    const s = session.value
    if (!s || !text.trim()) return
    await act('sending', async () => appendTurn(await api.simulator.send(s.session, { type: 'message', text })))
  }

  async function decide(type: 'approve' | 'reject'): Promise<void> {
    const s = session.value
    if (!s) return
    await act('sending', async () => appendTurn(await api.simulator.send(s.session, { type })))
  }

  async function advanceClock(ms: number): Promise<void> {
    const s = session.value
    if (!s || ms <= 0) return
    await act('sending', async () => appendTurn(await api.simulator.wait(s.session, ms)))
  }

  async function restart(): Promise<void> {
    const s = session.value
    if (!s) return start()
    await act('starting', async () => adopt(await api.simulator.restart(s.session)))
  }

  /** Steps back to `index`: the turns after it are dropped and the conversation continues from there. */
  async function rewind(index: number): Promise<void> {
    const s = session.value
    if (!s) return
    await act('rewinding', async () => adopt(await api.simulator.rewind(s.session, index)))
  }

  async function applyMocks(): Promise<void> {
    const parsed = parseMocks(mocksText.value)
    if ('error' in parsed) {
      mocksError.value = parsed.error
      return
    }
    mocksError.value = null
    const s = session.value
    if (!s) {
      appliedMocksText.value = mocksText.value
      return
    }
    await act('mocks', async () => {
      session.value = await api.simulator.setMocks(s.session, parsed.mocks)
      appliedMocksText.value = mocksText.value
    })
  }

  async function saveAsTest(options: { file: string; name: string; tags: string[] }): Promise<SavedTest | null> {
    const s = session.value
    if (!s) return null
    saveError.value = null
    busy.value = 'saving'
    try {
      const saved = await api.simulator.saveAsTest({ session: s.session, file: options.file, name: options.name, tags: options.tags })
      lastSaved.value = saved
      return saved
    } catch (err) {
      saveError.value = describeError(err)
      return null
    } finally {
      busy.value = null
    }
  }

  async function closeSession(): Promise<void> {
    const s = session.value
    session.value = null
    selectedTurn.value = null
    if (s) await api.simulator.close(s.session).catch(() => undefined)
  }

  function selectTurn(index: number | null): void {
    selectedTurn.value = index
  }

  return {
    flow,
    profiles,
    profilesStatus,
    profileIndex,
    session,
    turns,
    lastTurn,
    ended,
    waitingApproval,
    selectedTurn,
    selected,
    busy,
    error,
    mocksText,
    mocksError,
    mocksDirty,
    lastSaved,
    saveError,
    streaming,
    conversationPath,
    selectFlow,
    start,
    send,
    decide,
    advanceClock,
    restart,
    rewind,
    applyMocks,
    saveAsTest,
    closeSession,
    selectTurn,
  }
})
