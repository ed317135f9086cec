// Context memory (`settings.memory`): a conversation's recent turns kept verbatim, older turns
// compressed into a summary, all counted in real tokens (gpt-tokenizer, cl100k_base, loaded on
// first use so flows without memory never pay for it). Semantics: docs/engine.md "Context memory".
import type { ContextMemory, MemoryEntry, MemorySnapshot, Reply, TurnWarning } from '../../common/turn'
import type { PluginLog, SummarizerHandler, SummaryTurn } from '../../common/plugin-api'
import { RealClock, type Clock } from './clock'

/** The encoding tokens are counted in (the GPT-4 / GPT-3.5 family's). */
export const MEMORY_ENCODING = 'cl100k_base'

/** Compiled `settings.memory`. */
export interface MemorySettings {
  /** Turns held (verbatim) before older ones are compressed; Infinity when not set. */
  readonly maxTurns: number
  /** Tokens the summary plus the verbatim turns may take; Infinity when not set. */
  readonly tokenBudget: number
  /** Turns that stay verbatim when compressing (default ⌈max_turns / 2⌉; 4 without max_turns). */
  readonly keepRecent: number
  /** Tokens the summary may take (default: half the budget, at most 256; 256 without a budget). */
  readonly summaryMaxTokens: number
  /** Plugin id of the summariser; null for the built-in one. */
  readonly summarizer: string | null
}

export interface Tokenizer {
  encode(text: string): number[]
  decode(tokens: Iterable<number>): string
}

let tokenizer: Tokenizer | null = null
let loading: Promise<Tokenizer> | null = null

/** The tokenizer, once loaded (null before). */
export function loadedTokenizer(): Tokenizer | null {
  return tokenizer
}

/** Loads the tokenizer (its vocabulary ships in the package: nothing is downloaded). */
export function loadTokenizer(): Promise<Tokenizer> {
  if (tokenizer !== null) return Promise.resolve(tokenizer)
  loading ??= import('gpt-tokenizer/encoding/cl100k_base').then((m) => {
    tokenizer = { encode: (text) => m.encode(text), decode: (tokens) => m.decode(tokens) }
    return tokenizer
  })
  return loading
}

/** Tokens of `text` (the tokenizer must be loaded: see loadTokenizer). */
export function countTokens(text: string): number {
  return text === '' ? 0 : tokenizer!.encode(text).length
}

/** `text` cut to at most `max` tokens. */
export function truncateTokens(text: string, max: number): string {
  if (max <= 0) return ''
  const tokens = tokenizer!.encode(text)
  return tokens.length <= max ? text : tokenizer!.decode(tokens.slice(0, max)).trimEnd()
}

/** Provides the summariser a flow's `settings.memory.summarizer` names. */
export interface SummarizerProvider {
  /** The plugin's summariser, or why it cannot run. */
  select(id: string): SummarizerHandler | { unavailable: string }
}

/** What a turn adds to memory. */
export interface TurnRecord {
  turn: number
  input: string | null
  intent: string | null
  slots: Readonly<Record<string, unknown>>
  replies: readonly Reply[]
}

export interface MemoryCallSettings {
  summarizer: SummarizerProvider | undefined
  clock: Clock
  log: PluginLog
  conversationId: string
  /** Real time a plugin summariser may take. */
  timeoutMs: number
}

interface HeldEntry extends SummaryTurn {
  tokens: number
}

/** What the built-in summariser has gathered from every turn compressed so far. */
interface Gathered {
  goals: string[]
  facts: Map<string, string>
  said: string[]
  confirmed: string[]
}

const QUOTE_CHARS = 80
const CONFIRMATION = /\b(confirm(ed|s)?|booked|created|scheduled|done|sent|approved|completed|saved|resolved|opened|restarted|cancell?ed|updated)\b/i
const WALL = new RealClock()

function quote(text: string): string {
  const t = text.replace(/\s+/g, ' ').trim()
  return JSON.stringify(t.length > QUOTE_CHARS ? `${t.slice(0, QUOTE_CHARS - 1)}…` : t)
}

function factValue(v: unknown): string | null {
  if (v === undefined || v === null || v === '') return null
  if (typeof v === 'string') return v.length > QUOTE_CHARS ? `${v.slice(0, QUOTE_CHARS - 1)}…` : v
  if (typeof v === 'number' || typeof v === 'boolean') return String(v)
  const s = JSON.stringify(v)
  return s.length > QUOTE_CHARS ? `${s.slice(0, QUOTE_CHARS - 1)}…` : s
}

/** Folds compressed turns into what the built-in summariser keeps (deterministic: input order only). */
function gather(into: Gathered, turns: readonly SummaryTurn[]): void {
  for (const e of turns) {
    if (e.role === 'user') {
      if (e.intent && !into.goals.includes(e.intent)) into.goals.push(e.intent)
      into.said.push(quote(e.text))
      if (e.slots) {
        for (const key of Object.keys(e.slots)) {
          const v = factValue(e.slots[key])
          if (v === null) into.facts.delete(key)
          else into.facts.set(key, v)
        }
      }
    } else if (CONFIRMATION.test(e.text) || /\d/.test(e.text)) into.confirmed.push(quote(e.text))
  }
}

/**
 * The built-in extractive summary: the user's goals (intents, first seen first), the facts (slot
 * values, latest wins), what the user said and what the bot confirmed. When it exceeds `maxTokens`
 * the oldest quotes go first, then the oldest confirmations, facts and goals; a summary that still
 * does not fit is cut to `maxTokens` tokens.
 */
function builtInSummary(g: Gathered, maxTokens: number): string {
  const goals = [...g.goals]
  const facts = [...g.facts].map(([k, v]) => `${k}=${v}`)
  const said = [...g.said]
  const confirmed = [...g.confirmed]
  const render = (): string => {
    const lines: string[] = []
    if (goals.length) lines.push(`Goals: ${goals.join(', ')}.`)
    if (facts.length) lines.push(`Known: ${facts.join('; ')}.`)
    if (said.length) lines.push(`User said: ${said.join('; ')}.`)
    if (confirmed.length) lines.push(`Bot confirmed: ${confirmed.join('; ')}.`)
    return lines.join('\n')
  }
  let text = render()
  while (countTokens(text) > maxTokens) {
    if (said.length) said.shift()
    else if (confirmed.length) confirmed.shift()
    else if (facts.length) facts.shift()
    else if (goals.length) goals.shift()
    else break
    text = render()
  }
  return truncateTokens(text, maxTokens)
}

/** The context memory of one conversation. */
export class ConversationMemory {
  private held: HeldEntry[] = []
  private heldTokens = 0
  private summary: string | null = null
  private summaryTokens = 0
  private gathered: Gathered = { goals: [], facts: new Map(), said: [], confirmed: [] }
  private compressions = 0
  private summarised = 0
  private compressedNow = false

  constructor(private readonly settings: MemorySettings) {}

  /** Forgets everything (session expiry). */
  clear(): void {
    this.held = []
    this.heldTokens = 0
    this.summary = null
    this.summaryTokens = 0
    this.gathered = { goals: [], facts: new Map(), said: [], confirmed: [] }
    this.compressions = 0
    this.summarised = 0
    this.compressedNow = false
  }

  /**
   * Adds a turn, then compresses when more than max_turns turns or more than token_budget tokens
   * are held. Asynchronous only the first time (the tokenizer loads) and when a plugin summarises;
   * `warn` receives a plugin summariser's failure (the built-in summary is used instead).
   */
  record(r: TurnRecord, call: MemoryCallSettings, warn: (w: TurnWarning) => void): void | Promise<void> {
    if (tokenizer === null) return loadTokenizer().then(() => this.record(r, call, warn))
    this.compressedNow = false
    if (r.input !== null) this.push({ turn: r.turn, role: 'user', text: r.input, intent: r.intent, slots: r.slots as Record<string, unknown>, tokens: 0 })
    for (const reply of r.replies) this.push({ turn: r.turn, role: 'bot', text: reply.text, tokens: 0 })
    const s = this.settings
    if (this.turnCount() <= s.maxTurns && this.summaryTokens + this.heldTokens <= s.tokenBudget) return
    return this.compress(call, warn)
  }

  private push(e: HeldEntry): void {
    e.tokens = countTokens(e.text)
    this.held.push(e)
    this.heldTokens += e.tokens
  }

  private turnCount(): number {
    let n = 0
    let last = NaN
    for (const e of this.held) {
      if (e.turn !== last) n++
      last = e.turn
    }
    return n
  }

  /** Index of the first entry of the `keep` most recent turns. */
  private splitAt(keep: number): number {
    let turns = 0
    let last = NaN
    for (let i = this.held.length - 1; i >= 0; i--) {
      if (this.held[i]!.turn !== last) {
        turns++
        last = this.held[i]!.turn
        if (turns > keep) return i + 1
      }
    }
    return 0
  }

  private compress(call: MemoryCallSettings, warn: (w: TurnWarning) => void): void | Promise<void> {
    const s = this.settings
    let keep = Math.max(1, Math.min(s.keepRecent, this.turnCount()))
    let cut = this.splitAt(keep)
    const tokensFrom = (i: number): number => {
      let t = 0
      for (let k = i; k < this.held.length; k++) t += this.held[k]!.tokens
      return t
    }
    // The verbatim turns leave room for the summary: at most the budget less the summary's
    // share (summary_max_tokens, at most half the budget). Fewer turns stay verbatim when they
    // would not fit, but never fewer than the last one.
    const room = s.tokenBudget - Math.min(s.summaryMaxTokens, Math.floor(s.tokenBudget / 2))
    while (keep > 1 && tokensFrom(cut) > room) cut = this.splitAt(--keep)
    if (cut === 0) {
      // Nothing older to compress: the summary shrinks to what the budget leaves.
      if (this.summary !== null) {
        const fitted = truncateTokens(this.summary, Math.max(0, s.tokenBudget - this.heldTokens))
        this.summary = fitted === '' ? null : fitted
        this.summaryTokens = this.summary === null ? 0 : countTokens(this.summary)
      }
      return
    }
    const compressed = this.held.slice(0, cut)
    this.held = this.held.slice(cut)
    this.heldTokens = tokensFrom(0)
    const turns = new Set(compressed.map((e) => e.turn)).size
    const cap = Math.max(0, Math.min(s.summaryMaxTokens, s.tokenBudget - this.heldTokens))
    const previous = this.summary
    gather(this.gathered, compressed)
    const done = (text: string): void => {
      const fitted = truncateTokens(text.trim(), cap)
      this.summary = fitted === '' ? null : fitted
      this.summaryTokens = this.summary === null ? 0 : countTokens(this.summary)
      this.compressions++
      this.summarised += turns
      this.compressedNow = true
    }
    if (s.summarizer === null) {
      done(builtInSummary(this.gathered, cap))
      return
    }
    const fallback = (why: string): void => {
      warn({ code: 'summarizer_failed', message: `${why}; the built-in summary is used instead` })
      done(builtInSummary(this.gathered, cap))
    }
    const chosen = call.summarizer?.select(s.summarizer)
    if (chosen === undefined) return fallback(`settings.memory.summarizer names "${s.summarizer}", but no plugins are available here`)
    if ('unavailable' in chosen) return fallback(chosen.unavailable)
    const turnsIn: SummaryTurn[] = compressed.map(({ tokens: _t, ...e }) => e)
    return runSummarizer(chosen, turnsIn, previous, cap, call).then(done, (err: unknown) =>
      fallback(`the summariser "${s.summarizer}" failed: ${err instanceof Error ? err.message : String(err)}`),
    )
  }

  /** The view ConversationContext.memory gives. */
  context(): ContextMemory {
    return {
      turns: this.held.map((e): MemoryEntry => ({ turn: e.turn, role: e.role, text: e.text })),
      summary: this.summary,
      token_count: this.summaryTokens + this.heldTokens,
      compression_applied: this.compressedNow,
      compressions: this.compressions,
      summarised_turns: this.summarised,
    }
  }

  /** The view a turn result carries. */
  snapshot(): MemorySnapshot {
    const s = this.settings
    return {
      ...this.context(),
      max_turns: Number.isFinite(s.maxTurns) ? s.maxTurns : null,
      token_budget: Number.isFinite(s.tokenBudget) ? s.tokenBudget : null,
      keep_recent: s.keepRecent,
      summarizer: s.summarizer ?? 'built-in',
    }
  }
}

/** Calls a plugin summariser on real time (it is plugin code), holding a fake clock still meanwhile. */
function runSummarizer(handler: SummarizerHandler, turns: SummaryTurn[], previous: string | null, cap: number, call: MemoryCallSettings): Promise<string> {
  const controller = new AbortController()
  const timer = new AbortController()
  const work = new Promise<string>((resolve, reject) => {
    WALL.sleep(call.timeoutMs, timer.signal).then(() => {
      controller.abort(new Error(`timed out after ${call.timeoutMs} ms`))
      reject(new Error(`no summary within ${call.timeoutMs} ms`))
    }, () => undefined)
    let pending: unknown
    try {
      pending = handler.summarize(turns, { previousSummary: previous, tokenBudget: cap }, {
        signal: controller.signal,
        log: call.log,
        conversationId: call.conversationId,
        countTokens,
      })
    } catch (err) {
      reject(err)
      return
    }
    Promise.resolve(pending).then((v) => {
      if (typeof v !== 'string') reject(new Error(`summarize() must return a string, got ${v === null ? 'null' : typeof v}`))
      else resolve(v)
    }, reject)
  }).finally(() => timer.abort())
  const clock = call.clock as Clock & { holdWhile?: (w: Promise<string>) => Promise<string> }
  return typeof clock.holdWhile === 'function' ? clock.holdWhile(work) : work
}

/** Compiles `settings.memory` (already schema-checked). */
export function memorySettings(raw: Record<string, unknown>): MemorySettings {
  const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) && v >= 1 ? Math.floor(v) : undefined)
  const maxTurns = num(raw['max_turns']) ?? Infinity
  const tokenBudget = num(raw['token_budget']) ?? Infinity
  const keepRecent = num(raw['keep_recent']) ?? (Number.isFinite(maxTurns) ? Math.ceil(maxTurns / 2) : 4)
  const summaryMaxTokens = num(raw['summary_max_tokens']) ?? (Number.isFinite(tokenBudget) ? Math.min(256, Math.floor(tokenBudget / 2)) : 256)
  const summarizer = typeof raw['summarizer'] === 'string' && raw['summarizer'] !== '' ? raw['summarizer'] : null
  return { maxTurns, tokenBudget, keepRecent: Math.min(keepRecent, Number.isFinite(maxTurns) ? maxTurns : keepRecent), summaryMaxTokens, summarizer }
}
