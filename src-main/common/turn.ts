// What one turn of a conversation produces, and the events that drive a conversation.

export const TURN_ERROR_CODES = [
  'no_transition', 'loop_detected', 'conversation_ended', 'integration_failed',
  'nlu_failed', 'no_pending_approval', 'invalid_event', 'generation_failed',
] as const
export type TurnErrorCode = (typeof TURN_ERROR_CODES)[number]

/** An event delivered to a conversation. `start` enters initial_state with no input. */
export type ConversationEvent =
  | { type: 'start' }
  | { type: 'message'; text: string }
  | { type: 'approve' }
  | { type: 'reject' }
  | { type: 'timeout' }

export interface Reply {
  text: string
  state: string
  /** Set on a reply a streaming generator produced: how many chunks it arrived in. */
  chunks?: number
}

/** One verbatim entry of a conversation's context memory. */
export interface MemoryEntry { turn: number; role: 'user' | 'bot'; text: string }

/**
 * A conversation's context memory (`settings.memory`, docs/engine.md "Context memory"): the
 * recent turns verbatim, the summary of the older ones, and the token count of both.
 */
export interface ContextMemory {
  /** The most recent turns, verbatim, oldest first. */
  turns: MemoryEntry[]
  /** The summary of the turns compressed so far; null before the first compression. */
  summary: string | null
  /** Tokens of the summary plus the verbatim turns (gpt-tokenizer, cl100k_base). */
  token_count: number
  /** Whether older turns were compressed into the summary during the last turn. */
  compression_applied: boolean
  /** How many compressions ran since the conversation started (or last expired). */
  compressions: number
  /** How many turns the summary covers. */
  summarised_turns: number
}

/** The memory a turn result carries: the context memory plus the limits it is held to. */
export interface MemorySnapshot extends ContextMemory {
  max_turns: number | null
  token_budget: number | null
  /** Turns that always stay verbatim when compressing. */
  keep_recent: number
  /** The summariser used: `built-in`, or the plugin id that `settings.memory.summarizer` names. */
  summarizer: string
}

/** A piece of a streamed reply, reported as it arrives (Conversation.send's `onChunk`). */
export interface ReplyChunk {
  /** Counted from 0 within the turn. */
  index: number
  /** The state whose reply it belongs to. */
  state: string
  text: string
}
export interface TurnError { code: TurnErrorCode; message: string; state: string }
export interface TurnWarning { code: string; message: string; state?: string }

export interface IntegrationCall {
  id: string
  /** The object built by request_mapping, or a workflow task's params. */
  request: Record<string, unknown>
  success: boolean
  state: string
  task?: string
  status_code?: number
  data?: unknown
  error?: string
  /** Human-readable detail of a failure (the `error` field is a short code). */
  message?: string
  attempts: number
  duration_ms: number
}

export interface IntegrationResultRecord {
  success: boolean
  status_code?: number
  data?: unknown
  error?: string
  /** Human-readable detail of a failure (the `error` field is a short code). */
  message?: string
  duration_ms: number
}

export type WorkflowRunState = 'running' | 'waiting_approval' | 'completed' | 'failed' | 'rejected'
export interface WorkflowStatus { state: WorkflowRunState; completed_tasks: string[]; failed_task?: string; waiting_task?: string }

export interface TurnResult {
  conversation_id: string
  /** 0 for start, then 1, 2, … for each event handled (a `wait` that fires nothing does not count). */
  turn: number
  /** `timeout` when a wait fired the state's timeout, `wait` when it fired nothing, `invalid` for an event the engine could not accept. */
  event: ConversationEvent['type'] | 'wait' | 'invalid'
  input: string | null
  replies: Reply[]
  /** The conversation's state after the turn. */
  state: string
  /** States entered during the turn, in order. */
  path: string[]
  /** Transitions taken during the turn, as `from -> to [condition value]` keys. */
  transitions: string[]
  intent: string | null
  confidence: number | null
  entities: Record<string, unknown>
  slots: Record<string, unknown>
  variables: Record<string, unknown>
  missing_slots: string[]
  integration_calls: IntegrationCall[]
  workflow?: WorkflowStatus
  ended: boolean
  expired?: boolean
  handoff?: { queue?: string }
  /** The context memory after the turn; only when the flow sets `settings.memory`. */
  memory?: MemorySnapshot
  errors: TurnError[]
  warnings: TurnWarning[]
  duration_us: number
}
