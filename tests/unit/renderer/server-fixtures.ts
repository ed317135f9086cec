// A bot service held in memory for the Server side bar and view tests (over the fake client).
import { ApiError, type BotSessionInfo, type BotStartOptions, type BotStatus, type BotTrace } from '../../../src-main/common/api'
import type { FakeHandlers } from '../../../src-renderer/src/api'

export const KEY = 'fb_abcdefghijklmnopqrstuvwxyz0123456789'

export function trace(id: number, over: Partial<BotTrace> = {}): BotTrace {
  return { id, at: Date.UTC(2026, 10, 22, 9, 0, id), method: 'POST', path: '/v1/sessions/s-1/messages', status: 200, duration_ms: 1.25, session: 's-1', flow: 'support', turn: { state: 'collect_contact', intent: 'report_issue', replies: 1, ended: false }, engine_ms: 0.5, request_body: '{"text":"hi"}', response_body: '{"state":"collect_contact"}', ...over }
}

export function memoryBot(initial: { running?: boolean; traces?: BotTrace[]; sessions?: BotSessionInfo[] } = {}) {
  let running = initial.running ?? false
  let options: BotStartOptions = {}
  const traces = [...(initial.traces ?? [])]
  const sessions = [...(initial.sessions ?? [])]
  const status = (): BotStatus =>
    running
      ? { running: true, url: `http://127.0.0.1:${options.port || 41234}`, port: options.port || 41234, apiKey: options.apiKey ?? KEY, allowOrigins: options.allowOrigins ?? [], flows: 3, problems: [], sessions: sessions.length, startedAt: 1 }
      : { running: false, allowOrigins: [], flows: 0, problems: [], sessions: 0 }
  const handlers: FakeHandlers['bot'] = {
    status: async () => status(),
    start: async (o?: BotStartOptions) => {
      if (o?.port === 80) throw new ApiError('bad_request', 'the bot server could not start: port 80 cannot be used without more privileges: pick one above 1023')
      options = o ?? {}
      running = true
      return status()
    },
    stop: async () => {
      running = false
      return status()
    },
    traces: async () => [...traces],
    sessions: async () => [...sessions],
    session: async (id: string) => {
      const s = sessions.find((x) => x.session_id === id)
      if (!s) throw new ApiError('not_found', `there is no live bot session ${id}`)
      return {
        session_id: id,
        flow: s.flow,
        context: { state: s.state, turn: s.turns, ended: false, intent: 'report_issue', slots: { name: 'Dana' }, variables: {}, user_profile: {}, memory: { turns: [], summary: 'asked for a ticket', token_count: 42, compression_applied: true, compressions: 1, summarised_turns: 3 } },
      }
    },
    clearTraces: async () => {
      traces.length = 0
    },
  }
  return { handlers, traces, sessions, options: () => options }
}
