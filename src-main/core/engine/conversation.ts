// One conversation: its context and the execution of its turns (spec "Execution"). The turn
// is the hot path: states run synchronously, and a turn only becomes asynchronous when an
// integration, an NLU plugin or a real wait is involved.
import type { ContextMemory, ConversationEvent, IntegrationCall, IntegrationResultRecord, MemoryEntry, Reply, ReplyChunk, TurnError, TurnErrorCode, TurnResult, TurnWarning, WorkflowRunState, WorkflowStatus } from '../../common/turn'
import type { IntegrationRequest, NluContext, NluResult, PluginLog } from '../../common/plugin-api'
import type { CompiledFlow, CompiledState, CompiledTransition, CompiledTask } from './compile'
import type { IntentCandidates } from './nlu'
import { normalise, wordsOf } from './nlu'
import { extract, NO_ENTITIES } from './entities'
import { evaluateComparison, evaluateExpression } from './condition'
import {
  ROOT_CONFIDENCE, ROOT_CONVERSATION_ID, ROOT_ENTITIES, ROOT_INPUT, ROOT_INTEGRATION_RESULTS, ROOT_INTENT, ROOT_SLOTS,
  ROOT_TENANT_ID, ROOT_TURN, ROOT_USER_ID, ROOT_USER_PROFILE, ROOT_VARIABLES, ROOT_WORKFLOW,
  child, render, resolveValue, type TemplateScope,
} from './template'
import { callIntegration, type BreakerRegistry, type CallOutcome, type CircuitBreakerConfig, type IntegrationProvider, type ResilienceConfig } from './resilience'
import { FakeClock, isAdvanceable, type Clock } from './clock'
import { SeededRandom, hashString } from './random'
import { ConversationMemory, type SummarizerProvider } from './memory'
import { streamGeneration, type GeneratorProvider } from './generate-stream'

/** An NLU plugin or a test's snapshot NLU. `null` means "use the built-in NLU for this input". */
export interface NluProvider {
  classify(text: string, ctx: NluContext): Promise<NluResult | null>
}

export interface ConversationInit {
  conversation_id?: string
  user_id?: string
  tenant_id?: string
  user_profile?: Record<string, unknown>
  slots?: Record<string, unknown>
  variables?: Record<string, unknown>
  /** This conversation's clock (tests give each conversation its own FakeClock). */
  clock?: Clock
  /** Overrides the engine's providers and breakers for this conversation (e.g. one test's mocks). */
  integrations?: IntegrationProvider
  nlu?: NluProvider
  breakers?: BreakerRegistry
  /** Generators for response states' `generate` (plugins, or a host's own). */
  generators?: GeneratorProvider
  /** Summarisers a flow's `settings.memory.summarizer` may name. */
  summarizer?: SummarizerProvider
}

/** Options of one turn. */
export interface TurnOptions {
  /** Called with each chunk of a streamed reply as it arrives (only replies a generator streams). */
  onChunk?: (chunk: ReplyChunk) => void
}

/** What every conversation of an engine shares (built once by the Engine). */
export interface ConversationRuntime {
  readonly flow: CompiledFlow
  readonly integrations: IntegrationProvider | undefined
  readonly nlu: NluProvider | undefined
  readonly breakers: BreakerRegistry
  readonly seed: number
  readonly log: PluginLog
  readonly resilience: ResilienceConfig
  readonly nluTimeoutMs: number
  readonly generators: GeneratorProvider | undefined
  readonly summarizer: SummarizerProvider | undefined
  /**
   * Resolved resilience settings per calling state or task, for conversations that use the
   * engine's own provider (a plugin's defaults are read once per engine).
   */
  readonly resilienceCache: Map<object, ResilienceConfig>
  readonly clock: Clock
  nextId(): string
}

export type HistoryEntry = MemoryEntry

/** A snapshot of the conversation's context (the values templates and conditions read). */
export interface ConversationContext {
  conversation_id: string
  user_id: string | undefined
  tenant_id: string | undefined
  user_profile: Readonly<Record<string, unknown>>
  slots: Readonly<Record<string, unknown>>
  variables: Readonly<Record<string, unknown>>
  input: string | null
  intent: string | null
  confidence: number | null
  entities: Readonly<Record<string, unknown>>
  integration_results: Readonly<Record<string, IntegrationResultRecord>>
  workflow: WorkflowStatus | undefined
  condition_result: boolean | null
  turn: number
  state: string
  ended: boolean
  handoff: { queue?: string } | undefined
  /** The verbatim turns of the context memory (the same entries as `memory.turns`). */
  history: readonly HistoryEntry[] | undefined
  /** The context memory; undefined when the flow has no `settings.memory`. */
  memory: ContextMemory | undefined
}

interface Checkpoint {
  state: WorkflowRunState
  completed: string[]
  failed_task: string | undefined
  waiting_task: string | undefined
}

interface QueuedTurn {
  op: number
  event: ConversationEvent | null
  ms: number
  onChunk: ((chunk: ReplyChunk) => void) | undefined
  resolve: (r: TurnResult) => void
  reject: (e: unknown) => void
}

type Step = CompiledTransition | null | Promise<CompiledTransition | null>

/** Reason given to a disarmed NLU timer (a constant: no DOMException per call). */
const NLU_SETTLED = 'settled'
const OP_START = 0
const OP_SEND = 1
const OP_WAIT = 2

const K_NONE = 0
const K_MESSAGE = 1
const K_APPROVE = 2
const K_REJECT = 3
const K_TIMEOUT = 4

const NLU_NOT_ASKED = 0
const NLU_ANSWERED = 1
const NLU_FAILED = 2

const EMPTY: Readonly<Record<string, unknown>> = NO_ENTITIES
const NO_ERRORS: TurnError[] = Object.freeze([]) as unknown as TurnError[]
const NO_WARNINGS: TurnWarning[] = Object.freeze([]) as unknown as TurnWarning[]
const NO_CALLS: IntegrationCall[] = Object.freeze([]) as unknown as IntegrationCall[]
const hasOwn = Object.prototype.hasOwnProperty

const perf: { now(): number } = (globalThis as { performance?: { now(): number } }).performance ?? Date

function isFilled(v: unknown): boolean {
  return v !== undefined && v !== null && v !== ''
}

function truthy(v: unknown): boolean {
  return Boolean(v)
}

/** Sets a key without ever touching a prototype (a slot may be called `__proto__`). */
function put(obj: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true })
  else obj[key] = value
}

function ownValue(obj: Readonly<Record<string, unknown>>, key: string): unknown {
  return hasOwn.call(obj, key) ? obj[key] : undefined
}

function nonNegative(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined
}

function breakerConfig(v: unknown): CircuitBreakerConfig | undefined {
  if (v === null || typeof v !== 'object') return undefined
  const b = v as Record<string, unknown>
  const threshold = nonNegative(b['threshold'])
  if (threshold === undefined || threshold < 1) return undefined
  return { threshold: Math.floor(threshold), cooldown_ms: nonNegative(b['cooldown_ms']) ?? 0 }
}

export class Conversation implements TemplateScope {
  readonly id: string
  private readonly rt: ConversationRuntime
  private readonly flow: CompiledFlow
  private readonly clock: Clock
  private readonly fake: FakeClock | null
  private readonly provider: IntegrationProvider | undefined
  private readonly nluProvider: NluProvider | undefined
  private readonly breakers: BreakerRegistry
  private readonly userId: string | undefined
  private readonly tenantId: string | undefined
  private readonly profile: Readonly<Record<string, unknown>>

  private cur: CompiledState
  private started = false
  private endedFlag = false
  private turnNo = 0
  // Copy-on-write: a turn result hands out these objects; the next write copies them first.
  private slots: Record<string, unknown>
  private slotsShared = true
  private vars: Record<string, unknown>
  private varsShared = true
  private results: Record<string, IntegrationResultRecord> | null = null
  private checkpoints: Map<string, Checkpoint> | null = null
  private lastWorkflow: Checkpoint | null = null
  private conditionResult: boolean | null = null
  /** The integration called by the current state: 0 none, 1 succeeded, 2 failed. */
  private stateCall = 0
  private stateCallError = ''
  private enteredAt = 0
  private timeoutArmed = false
  private lastEventAt = 0
  private promptedSlot: string | null = null
  private attempts = 0
  private handoffInfo: { queue?: string } | undefined = undefined
  private memory: ConversationMemory | null = null
  /** Generators and summarisers this conversation's init gave (null: the engine's). One field, as idle conversations are many. */
  private readonly extensions: { generators: GeneratorProvider | undefined; summarizer: SummarizerProvider | undefined } | null
  private random: SeededRandom | null = null
  private busy = false
  private queue: QueuedTurn[] | null = null

  // The current (or last) turn. Kept on the conversation so a turn allocates only its result.
  private tKind = K_NONE
  private tEventName: TurnResult['event'] = 'start'
  private tInput: string | null = null
  private tNorm: string | null = null
  private tWords: string[] | null = null
  private tEntities: Record<string, unknown> = EMPTY
  private tIntent: string | null = null
  private tConfidence: number | null = null
  private tClassified = false
  private tNlu = NLU_NOT_ASKED
  private tNluResult: NluResult | null = null
  private tReplies: Reply[] = []
  private tPath: string[] = []
  private tTransitions: string[] = []
  private tErrors: TurnError[] = NO_ERRORS
  private tWarnings: TurnWarning[] = NO_WARNINGS
  private tCalls: IntegrationCall[] = NO_CALLS
  private tSteps = 0
  private tStopped = false
  private tExpired = false
  private tHandoff: { queue?: string } | undefined = undefined
  /** The state whose timeout this turn fires (only on a timeout turn). */
  private tTimeoutState: CompiledState | null = null
  /** The turn's chunk listener and how many chunks it heard (only while a turn with a listener runs). */
  private tStream: { onChunk: (chunk: ReplyChunk) => void; count: number } | null = null

  constructor(rt: ConversationRuntime, init: ConversationInit = {}) {
    this.rt = rt
    this.flow = rt.flow
    this.id = init.conversation_id ?? rt.nextId()
    this.clock = init.clock ?? rt.clock
    this.fake = this.clock instanceof FakeClock ? this.clock : null
    this.fake?.attachConversation()
    this.provider = init.integrations ?? rt.integrations
    this.nluProvider = init.nlu ?? rt.nlu
    this.breakers = init.breakers ?? rt.breakers
    this.extensions = init.generators !== undefined || init.summarizer !== undefined
      ? { generators: init.generators ?? rt.generators, summarizer: init.summarizer ?? rt.summarizer }
      : null
    if (this.flow.memory !== null) this.memory = new ConversationMemory(this.flow.memory)
    this.userId = init.user_id
    this.tenantId = init.tenant_id
    this.profile = init.user_profile ?? EMPTY
    this.slots = init.slots ?? (EMPTY as Record<string, unknown>)
    this.vars = init.variables ?? (EMPTY as Record<string, unknown>)
    this.cur = this.flow.initialState
  }

  /** The current state's name. */
  get state(): string {
    return this.cur.name
  }

  get ended(): boolean {
    return this.endedFlag
  }

  /** Enters initial_state with no input (turn 0). */
  start(options?: TurnOptions): Promise<TurnResult> {
    return this.schedule(OP_START, null, 0, options?.onChunk)
  }

  /**
   * Delivers `message`, `approve` or `reject`. Turns of one conversation run one at a time, in
   * call order. `onChunk` hears each chunk of a reply a generator streams, as it arrives.
   */
  send(event: ConversationEvent, options?: TurnOptions): Promise<TurnResult> {
    return this.schedule(OP_SEND, event, 0, options?.onChunk)
  }

  /**
   * Lets `ms` pass on this conversation's clock (a FakeClock moves at once; a real clock
   * really waits), then fires the current state's `timeout` transition if it is due and has
   * not fired since the state was entered. Otherwise the turn is empty.
   */
  wait(ms: number): Promise<TurnResult> {
    return this.schedule(OP_WAIT, null, ms, undefined)
  }

  context(): Readonly<ConversationContext> {
    return {
      conversation_id: this.id,
      user_id: this.userId,
      tenant_id: this.tenantId,
      user_profile: this.profile,
      slots: { ...this.slots },
      variables: { ...this.vars },
      input: this.tInput,
      intent: this.tIntent,
      confidence: this.tConfidence,
      entities: this.tEntities,
      integration_results: { ...(this.results ?? EMPTY) } as Record<string, IntegrationResultRecord>,
      workflow: this.workflowStatus(),
      condition_result: this.conditionResult,
      turn: this.turnNo,
      state: this.cur.name,
      ended: this.endedFlag,
      handoff: this.handoffInfo,
      ...this.memoryView(),
    }
  }

  private memoryView(): Pick<ConversationContext, 'history' | 'memory'> {
    if (this.memory === null) return { history: undefined, memory: undefined }
    const memory = this.memory.context()
    return { history: memory.turns, memory }
  }

  // ---- scheduling ---------------------------------------------------------------------

  private schedule(op: number, event: ConversationEvent | null, ms: number, onChunk: ((chunk: ReplyChunk) => void) | undefined): Promise<TurnResult> {
    if (this.busy) {
      return new Promise<TurnResult>((resolve, reject) => {
        ;(this.queue ??= []).push({ op, event, ms, onChunk, resolve, reject })
      })
    }
    this.busy = true
    return this.run(op, event, ms, onChunk)
  }

  private async run(op: number, event: ConversationEvent | null, ms: number, onChunk: ((chunk: ReplyChunk) => void) | undefined): Promise<TurnResult> {
    this.fake?.turnStarted()
    try {
      this.tStream = onChunk === undefined ? null : { onChunk, count: 0 }
      const r = this.turn(op, event, ms)
      return r instanceof Promise ? await r : r
    } finally {
      this.fake?.turnEnded()
      const q = this.queue
      // The next queued turn keeps `busy`, so a send made meanwhile cannot overtake it; it
      // starts from a fresh microtask so a long queue never deepens the stack.
      if (q !== null && q.length > 0) queueMicrotask(() => this.runQueued(q.shift()!))
      else this.busy = false
    }
  }

  private runQueued(next: QueuedTurn): void {
    this.run(next.op, next.event, next.ms, next.onChunk).then(next.resolve, next.reject)
  }

  // ---- turns --------------------------------------------------------------------------

  private beginTurn(): void {
    this.tKind = K_NONE
    this.tInput = null
    this.tNorm = null
    this.tWords = null
    this.tEntities = EMPTY
    this.tIntent = null
    this.tConfidence = null
    this.tClassified = false
    this.tNlu = NLU_NOT_ASKED
    this.tNluResult = null
    this.tReplies = []
    this.tPath = []
    this.tTransitions = []
    this.tErrors = NO_ERRORS
    this.tWarnings = NO_WARNINGS
    this.tCalls = NO_CALLS
    this.tSteps = 0
    this.tStopped = false
    this.tExpired = false
    this.tHandoff = undefined
    this.tTimeoutState = null
  }

  private turn(op: number, event: ConversationEvent | null, ms: number): TurnResult | Promise<TurnResult> {
    const t0 = perf.now()
    this.beginTurn()
    if (op === OP_START) {
      this.tEventName = 'start'
      if (this.started) {
        this.fail('invalid_event', 'the conversation has already started')
        return this.finish(t0)
      }
      this.started = true
      if (this.flow.ttlMs !== null) this.lastEventAt = this.clock.now()
      return this.finishAfter(this.drive(this.flow.initialState, true), t0)
    }
    if (op === OP_WAIT) {
      this.tEventName = 'wait'
      const span = Number.isFinite(ms) && ms > 0 ? ms : 0
      if (isAdvanceable(this.clock)) {
        this.clock.advance(span)
        return this.afterWait(t0)
      }
      return this.clock.sleep(span).then(() => this.afterWait(t0))
    }
    return this.deliver(event, t0)
  }

  private afterWait(t0: number): TurnResult | Promise<TurnResult> {
    const st = this.cur
    if (!this.started || this.endedFlag || !this.timeoutArmed || st.timeoutMs === null || !st.hasTimeoutTransition) return this.finish(t0)
    if (this.clock.now() - this.enteredAt < st.timeoutMs) return this.finish(t0)
    this.timeoutArmed = false
    this.turnNo++
    this.tKind = K_TIMEOUT
    this.tTimeoutState = st
    this.tEventName = 'timeout'
    if (this.flow.ttlMs !== null) this.lastEventAt = this.clock.now()
    return this.finishAfter(this.drive(st, false), t0)
  }

  private deliver(event: ConversationEvent | null, t0: number): TurnResult | Promise<TurnResult> {
    const type = event !== null && typeof event === 'object' ? (event as { type?: unknown }).type : undefined
    let kind = K_NONE
    if (type === 'message' && typeof (event as { text?: unknown }).text === 'string') kind = K_MESSAGE
    else if (type === 'approve') kind = K_APPROVE
    else if (type === 'reject') kind = K_REJECT
    if (kind === K_NONE) {
      this.tEventName = 'invalid'
      this.fail(
        'invalid_event',
        type === 'message'
          ? 'a message event needs a text string'
          : type === 'timeout'
            ? 'timeouts come from the clock: use wait(ms)'
            : type === 'start'
              ? 'use start() to start a conversation'
              : `unknown event ${JSON.stringify(type)} (expected message, approve or reject)`,
      )
      return this.finish(t0)
    }
    this.tEventName = type as TurnResult['event']
    if (!this.started) {
      this.fail('invalid_event', 'the conversation has not started: call start() first')
      return this.finish(t0)
    }
    this.turnNo++
    const ttl = this.flow.ttlMs
    let restart: Promise<void> | undefined
    // The clock is read only when something depends on it (reading time is not free).
    if (ttl !== null) {
      const now = this.clock.now()
      if (now - this.lastEventAt >= ttl) {
        this.expire()
        restart = this.drive(this.flow.initialState, true)
      }
      this.lastEventAt = now
    }
    if (restart !== undefined) return restart.then(() => this.handle(kind, event!, t0))
    return this.handle(kind, event!, t0)
  }

  private handle(kind: number, event: ConversationEvent, t0: number): TurnResult | Promise<TurnResult> {
    if (this.tStopped) return this.finish(t0)
    if (this.endedFlag) {
      this.fail('conversation_ended', 'the conversation has ended')
      return this.finish(t0)
    }
    this.tKind = kind
    if (kind === K_MESSAGE) {
      const text = (event as { text: string }).text
      this.tInput = text
      if (this.flow.entities.length > 0) this.tEntities = extract(this.flow.entities, text, this.clock)
    } else if (!this.atGate()) {
      this.fail('no_pending_approval', `${kind === K_APPROVE ? 'approve' : 'reject'}: no approval is pending in state "${this.cur.name}"`)
      return this.finish(t0)
    }
    return this.finishAfter(this.drive(this.cur, false), t0)
  }

  /** Session expiry: everything but the ids and user_profile is forgotten. */
  private expire(): void {
    this.tExpired = true
    this.slots = EMPTY as Record<string, unknown>
    this.slotsShared = true
    this.vars = EMPTY as Record<string, unknown>
    this.varsShared = true
    this.results = null
    this.checkpoints = null
    this.lastWorkflow = null
    this.conditionResult = null
    this.handoffInfo = undefined
    this.memory?.clear()
    this.endedFlag = false
  }

  private finishAfter(p: Promise<void> | undefined, t0: number): TurnResult | Promise<TurnResult> {
    return p === undefined ? this.finish(t0) : p.then(() => this.finish(t0))
  }

  private finish(t0: number): TurnResult | Promise<TurnResult> {
    this.slotsShared = true
    this.varsShared = true
    if (this.memory !== null) {
      const pending = this.memory.record(
        { turn: this.turnNo, input: this.tInput, intent: this.tIntent, slots: this.slots, replies: this.tReplies },
        { summarizer: this.extensions ? this.extensions.summarizer : this.rt.summarizer, clock: this.clock, log: this.rt.log, conversationId: this.id, timeoutMs: this.rt.nluTimeoutMs },
        (w) => this.warn(w.code, w.message),
      )
      if (pending !== undefined) return pending.then(() => this.result(t0))
    }
    return this.result(t0)
  }

  private result(t0: number): TurnResult {
    const wf = this.workflowStatus()
    const r: TurnResult = {
      conversation_id: this.id,
      turn: this.turnNo,
      event: this.tEventName,
      input: this.tInput,
      replies: this.tReplies,
      state: this.cur.name,
      path: this.tPath,
      transitions: this.tTransitions,
      intent: this.tIntent,
      confidence: this.tConfidence,
      entities: this.tEntities,
      slots: this.slots,
      variables: this.vars,
      missing_slots: this.missingSlots(),
      integration_calls: this.tCalls,
      workflow: wf,
      ended: this.endedFlag,
      expired: this.tExpired,
      handoff: this.tHandoff,
      errors: this.tErrors,
      warnings: this.tWarnings,
      duration_us: Math.round((perf.now() - t0) * 1000),
    }
    if (this.memory !== null) r.memory = this.memory.snapshot()
    return r
  }

  private missingSlots(): string[] {
    const st = this.cur
    if (st.type !== 'slot_filling' || st.requiredSlots.length === 0) return []
    const out: string[] = []
    for (const s of st.requiredSlots) if (!isFilled(ownValue(this.slots, s))) out.push(s)
    return out
  }

  private workflowStatus(): WorkflowStatus | undefined {
    const cp = this.lastWorkflow
    if (cp === null) return undefined
    const status: WorkflowStatus = { state: cp.state, completed_tasks: cp.completed.slice() }
    if (cp.failed_task !== undefined) status.failed_task = cp.failed_task
    if (cp.waiting_task !== undefined) status.waiting_task = cp.waiting_task
    return status
  }

  private fail(code: TurnErrorCode, message: string): void {
    if (this.tErrors === NO_ERRORS) this.tErrors = []
    this.tErrors.push({ code, message, state: this.cur.name })
  }

  private warn(code: string, message: string): void {
    if (this.tWarnings === NO_WARNINGS) this.tWarnings = []
    this.tWarnings.push({ code, message, state: this.cur.name })
  }

  private reply(text: string): void {
    this.tReplies.push({ text, state: this.cur.name })
  }

  // ---- the state machine -----------------------------------------------------------------

  /** Runs states from `st` (entering it, or resuming it) until the turn waits, ends or fails. */
  private drive(st: CompiledState, entering: boolean): Promise<void> | undefined {
    if (entering && !this.enter(st)) return undefined
    let state = st
    let isEntry = entering
    for (;;) {
      const r = this.step(state, isEntry)
      if (r === null) return undefined
      if (r instanceof Promise) return this.driveAsync(r)
      const next = this.follow(r)
      if (next === null) return undefined
      state = next
      isEntry = true
    }
  }

  private async driveAsync(pending: Promise<CompiledTransition | null>): Promise<void> {
    let t = await pending
    while (t !== null) {
      const st = this.follow(t)
      if (st === null) return
      const r = this.step(st, true)
      t = r instanceof Promise ? await r : r
    }
  }

  private follow(t: CompiledTransition): CompiledState | null {
    const next = this.flow.states.get(t.target)!
    if (!this.enter(next)) return null
    this.tTransitions.push(t.key)
    return next
  }

  private enter(st: CompiledState): boolean {
    if (this.tSteps >= this.flow.maxSteps) {
      this.fail('loop_detected', `more than ${this.flow.maxSteps} states entered in one turn (next: "${st.name}"); the flow loops without waiting`)
      this.tStopped = true
      return false
    }
    this.tSteps++
    this.tPath.push(st.name)
    this.cur = st
    if (st.timeoutMs !== null && st.hasTimeoutTransition) this.enteredAt = this.clock.now()
    this.timeoutArmed = true
    this.stateCall = 0
    this.conditionResult = null
    this.promptedSlot = null
    this.attempts = 0
    return true
  }

  private step(st: CompiledState, entering: boolean): Step {
    switch (st.type) {
      case 'response':
        if (!entering) return this.pick(st, false)
        this.sendVariant(st)
        if (st.generate !== null) return this.generateStep(st)
        if (st.actions.length > 0 && this.runActions(st)) return null
        if (st.hasAlways) return this.pick(st, false)
        if (st.transitions.length === 0) this.endedFlag = true
        return null
      case 'intent':
        return this.intentStep(st, entering)
      case 'slot_filling':
        return this.slotStep(st, entering)
      case 'integration':
        return this.integrationStep(st, entering)
      case 'condition':
        return this.conditionStep(st, entering)
      case 'workflow':
        return this.workflowStep(st, entering)
      case 'end':
        this.sendVariant(st)
        if (st.actions.length > 0) this.runActions(st)
        this.endedFlag = true
        return null
    }
  }

  /** A response state's streamed reply, then what entering a response state does after its messages. */
  private async generateStep(st: CompiledState): Promise<CompiledTransition | null> {
    const g = st.generate!
    const stream = this.tStream
    const out = await streamGeneration({
      provider: this.extensions ? this.extensions.generators : this.rt.generators,
      name: g.generator,
      request: { state: st.name, prompt: render(g.prompt, this), context: this.generateContext() },
      timeoutMs: g.timeoutMs,
      clock: this.clock,
      log: this.rt.log,
      conversationId: this.id,
      onChunk: (text) => {
        if (stream !== null) stream.onChunk({ index: stream.count++, state: st.name, text })
      },
    })
    if (out.chunks > 0) this.tReplies.push({ text: out.text, state: st.name, chunks: out.chunks })
    if (out.error !== undefined) this.fail('generation_failed', out.error.message)
    if (st.actions.length > 0 && this.runActions(st)) return null
    if (st.hasAlways) {
      const r = this.pick(st, false)
      return r instanceof Promise ? await r : r
    }
    if (st.transitions.length === 0) this.endedFlag = true
    return null
  }

  /** What a generator sees of the context (plain copies: it must not change the conversation). */
  private generateContext(): Record<string, unknown> {
    const c = this.context()
    return {
      conversation_id: c.conversation_id,
      user_id: c.user_id,
      tenant_id: c.tenant_id,
      user_profile: { ...c.user_profile },
      slots: c.slots,
      variables: c.variables,
      input: c.input,
      intent: c.intent,
      entities: { ...c.entities },
      turn: c.turn,
      ...(c.memory !== undefined ? { memory: c.memory } : {}),
    }
  }

  /** The first true transition; records `no_transition` (or `integration_failed`) when none is. */
  private pick(st: CompiledState, integration: boolean): Step {
    const r = this.select(st, 0, false)
    if (r instanceof Promise) return r.then((t) => this.picked(st, t, integration))
    return this.picked(st, r, integration)
  }

  private picked(st: CompiledState, t: CompiledTransition | null, integration: boolean): CompiledTransition | null {
    if (t === null) {
      if (integration && this.stateCall === 2) {
        this.fail('integration_failed', `integration "${st.integrationId}" failed (${this.stateCallError}) and no transition of "${st.name}" handles it`)
      } else {
        this.fail('no_transition', `no transition of "${st.name}" matched`)
      }
    }
    return t
  }

  /**
   * Evaluates transitions in order from `from`. Only an `intent_match` that needs an NLU
   * plugin's answer makes this asynchronous. `holdFallback`: see slot filling's max_attempts.
   */
  private select(st: CompiledState, from: number, holdFallback: boolean): CompiledTransition | null | Promise<CompiledTransition | null> {
    const ts = st.transitions
    for (let i = from; i < ts.length; i++) {
      const t = ts[i]!
      switch (t.condition) {
        case 'intent_match': {
          if (this.tInput === null) continue
          if (!this.tClassified) {
            const c = this.classify(this.flow.nlu.all(), this.flow.threshold, false)
            if (c !== undefined) return c.then(() => this.select(st, i, holdFallback))
          }
          if (this.tIntent !== null && t.intents!.includes(this.tIntent)) return t
          continue
        }
        case 'fallback':
          if (holdFallback) continue
          return t
        default:
          if (this.holds(t, st)) return t
      }
    }
    return null
  }

  private holds(t: CompiledTransition, st: CompiledState): boolean {
    switch (t.condition) {
      case 'any_input':
        return this.tInput !== null
      case 'always':
      case 'fallback':
        return true
      case 'entity_present':
        return ownValue(this.tEntities, t.name!) !== undefined
      case 'slot_filled':
        return isFilled(ownValue(this.slots, t.name!))
      case 'all_slots_filled':
        for (const s of st.requiredSlots) if (!isFilled(ownValue(this.slots, s))) return false
        return true
      case 'integration_success':
        return this.stateCall === 1
      case 'integration_error':
        return this.stateCall === 2
      case 'condition_true':
        return this.conditionResult === true
      case 'condition_false':
        return this.conditionResult === false
      case 'expression':
        return evaluateExpression(t.expression!, this, this.flow.regexes)
      case 'workflow_completed': {
        const cp = this.checkpoints?.get(st.name)
        return cp !== undefined && cp.state === 'completed'
      }
      case 'workflow_failed': {
        const cp = this.checkpoints?.get(st.name)
        return cp !== undefined && (cp.state === 'failed' || cp.state === 'rejected')
      }
      case 'timeout':
        // Only the waiting state whose timer fired this turn: one wait fires one timeout.
        return this.tTimeoutState === st
      default:
        return false
    }
  }

  private runActions(st: CompiledState): boolean {
    for (const a of st.actions) {
      switch (a.type) {
        case 'send_message':
          this.reply(render(a.text!, this))
          break
        case 'set_variable':
          this.setVar(a.name!, a.value === null ? undefined : resolveValue(a.value, this, true))
          break
        case 'set_slot':
          this.setSlot(a.name!, a.value === null ? undefined : resolveValue(a.value, this, true))
          break
        case 'clear_slots':
          if (a.slots === null) {
            this.slots = {}
            this.slotsShared = false
          } else for (const s of a.slots) this.setSlot(s, undefined)
          break
        case 'end_conversation':
          this.endedFlag = true
          break
        case 'handoff': {
          const h: { queue?: string } = {}
          if (a.queue !== null) h.queue = render(a.queue, this)
          this.tHandoff = h
          this.handoffInfo = h
          break
        }
      }
    }
    return this.endedFlag
  }

  private sendVariant(st: CompiledState): void {
    let messages = st.defaultMessages
    for (const v of st.variants) {
      if (truthy(ownValue(this.profile, v.name)) || truthy(ownValue(this.vars, v.name))) {
        messages = v.messages
        break
      }
    }
    if (messages !== null) for (const m of messages) this.reply(render(m, this))
  }

  private setSlot(name: string, value: unknown): void {
    if (this.slotsShared) {
      this.slots = { ...this.slots }
      this.slotsShared = false
    }
    if (value === undefined) delete this.slots[name]
    else put(this.slots, name, value)
  }

  private setVar(name: string, value: unknown): void {
    if (this.varsShared) {
      this.vars = { ...this.vars }
      this.varsShared = false
    }
    if (value === undefined) delete this.vars[name]
    else put(this.vars, name, value)
  }

  // ---- intent -------------------------------------------------------------------------

  private intentStep(st: CompiledState, entering: boolean): Step {
    if (this.tInput !== null) {
      const c = this.classify(st.candidates!, st.threshold, st.candidates !== this.flow.nlu.all())
      if (c !== undefined) return c.then(() => this.afterIntent(st, entering))
    }
    return this.afterIntent(st, entering)
  }

  private afterIntent(st: CompiledState, entering: boolean): Step {
    if (entering && st.actions.length > 0 && this.runActions(st)) return null
    return this.pick(st, false)
  }

  /**
   * Classifies the turn's message over `cand` at `threshold`. Returns a promise only when an
   * NLU plugin must be asked (once per turn; later classifications reuse its answer).
   */
  private classify(cand: IntentCandidates, threshold: number, restricted: boolean): Promise<void> | undefined {
    if (this.nluProvider !== undefined) {
      if (this.tNlu === NLU_NOT_ASKED) return this.askNlu().then(() => this.applyNlu(cand, threshold, restricted))
      this.applyNlu(cand, threshold, restricted)
      return undefined
    }
    this.builtIn(cand, threshold)
    return undefined
  }

  private builtIn(cand: IntentCandidates, threshold: number): void {
    if (this.tNorm === null) {
      this.tNorm = normalise(this.tInput!)
      this.tWords = wordsOf(this.tNorm)
    }
    const nlu = this.flow.nlu
    const r = nlu.classify(this.tInput!, this.tNorm, this.tWords!, cand)
    this.tClassified = true
    if (r.index < 0) {
      this.tIntent = null
      this.tConfidence = 0
      return
    }
    this.tConfidence = r.score
    this.tIntent = r.score >= threshold ? nlu.intents[r.index]!.name : null
  }

  private applyNlu(cand: IntentCandidates, threshold: number, restricted: boolean): void {
    if (this.tNlu === NLU_FAILED) {
      this.tClassified = true
      this.tIntent = null
      this.tConfidence = null
      return
    }
    const r = this.tNluResult
    if (r === null) {
      this.builtIn(cand, threshold)
      return
    }
    this.tClassified = true
    this.tConfidence = r.confidence
    let intent = r.intent
    if (intent !== null && restricted) {
      const i = this.flow.nlu.lookup(intent)
      if (i < 0 || cand.mask[i] !== 1) intent = null
    }
    this.tIntent = intent !== null && r.confidence >= threshold ? intent : null
  }

  private async askNlu(): Promise<void> {
    const provider = this.nluProvider!
    const controller = new AbortController()
    const ctx: NluContext = { signal: controller.signal, intents: this.flow.nlu.declaredNames(), log: this.rt.log }
    const ms = this.rt.nluTimeoutMs
    let timer: AbortController | null = null
    try {
      const answer = await new Promise<unknown>((resolve, reject) => {
        let pending: Promise<unknown>
        try {
          pending = Promise.resolve(provider.classify(this.tInput!, ctx))
        } catch (err) {
          reject(err)
          return
        }
        let settled = false
        pending.then(
          (v) => {
            settled = true
            resolve(v)
          },
          (e: unknown) => {
            settled = true
            reject(e)
          },
        )
        // Armed only when the provider has not answered within a microtask, so a snapshot or
        // in-process NLU costs no timer (as integration attempts in resilience.ts).
        queueMicrotask(() => {
          if (settled) return
          timer = new AbortController()
          this.clock.sleep(ms, timer.signal).then(() => {
            controller.abort(new Error(`timed out after ${ms} ms`))
            reject(new Error(`the NLU did not answer within ${ms} ms`))
          }, () => undefined)
        })
      })
      const result = this.checkNlu(answer)
      this.tNlu = NLU_ANSWERED
      this.tNluResult = result
      if (result !== null && result.entities !== undefined) this.tEntities = { ...this.tEntities, ...result.entities }
    } catch (err) {
      this.tNlu = NLU_FAILED
      this.fail('nlu_failed', `the NLU failed: ${err instanceof Error ? err.message : String(err)}`)
    } finally {
      ;(timer as AbortController | null)?.abort(NLU_SETTLED)
    }
  }

  private checkNlu(answer: unknown): NluResult | null {
    if (answer === null || answer === undefined) return null
    if (typeof answer !== 'object') throw new Error(`malformed NLU result (${typeof answer})`)
    const r = answer as Record<string, unknown>
    const intent = r['intent']
    if (intent !== null && typeof intent !== 'string') throw new Error('malformed NLU result: intent must be a string or null')
    const confidence = r['confidence'] === undefined ? (intent === null ? 0 : 1) : r['confidence']
    if (typeof confidence !== 'number' || Number.isNaN(confidence)) throw new Error('malformed NLU result: confidence must be a number')
    const entities = r['entities']
    const out: NluResult = { intent: intent as string | null, confidence }
    if (entities !== null && typeof entities === 'object' && !Array.isArray(entities)) out.entities = entities as Record<string, unknown>
    return out
  }

  // ---- slot filling -----------------------------------------------------------------------

  private slotStep(st: CompiledState, entering: boolean): Step {
    let filledPrompted = false
    if (this.tEntities !== EMPTY) {
      filledPrompted = this.fillFrom(st, st.requiredSlots) || filledPrompted
      filledPrompted = this.fillFrom(st, st.optionalSlots) || filledPrompted
    }
    const prompted = this.promptedSlot
    if (!entering && this.tInput !== null && prompted !== null && !filledPrompted && !this.flow.entityNames.has(prompted)) {
      const raw = this.tInput.trim()
      if (raw !== '' && this.valid(st, prompted, raw)) {
        this.setSlot(prompted, raw)
        filledPrompted = true
      }
    }
    const missing = this.firstMissing(st)
    if (entering) {
      if (missing !== null) {
        this.prompt(st, missing)
        if (st.actions.length > 0) this.runActions(st)
        return null
      }
      if (st.actions.length > 0 && this.runActions(st)) return null
      if (st.transitions.length === 0) {
        this.endedFlag = true
        return null
      }
      return this.pick(st, false)
    }
    const exhausted = st.maxAttempts !== null && this.tInput !== null && missing !== null && prompted !== null && !filledPrompted && this.attempts >= st.maxAttempts
    const hold = st.maxAttempts !== null && missing !== null && !exhausted
    const r = this.select(st, 0, hold)
    if (r instanceof Promise) return r.then((t) => this.afterSlots(st, t, missing, exhausted))
    return this.afterSlots(st, r, missing, exhausted)
  }

  private afterSlots(st: CompiledState, t: CompiledTransition | null, missing: string | null, exhausted: boolean): CompiledTransition | null {
    if (t !== null) return t
    if (missing === null) {
      if (st.transitions.length === 0) this.endedFlag = true
      else this.fail('no_transition', `no transition of "${st.name}" matched`)
      return null
    }
    if (exhausted) {
      this.warn('max_attempts_exceeded', `slot "${missing}" is still missing after ${st.maxAttempts} attempts and "${st.name}" has no fallback transition`)
      this.attempts = 0
    }
    this.prompt(st, missing)
    return null
  }

  /** Fills slots from same-named entities of this turn; true when the prompted slot was filled. */
  private fillFrom(st: CompiledState, names: readonly string[]): boolean {
    let prompted = false
    for (const slot of names) {
      const v = ownValue(this.tEntities, slot)
      if (v === undefined) continue
      if (!this.valid(st, slot, v)) {
        this.warn('invalid_slot_value', `entity "${slot}" does not pass the validation of slot "${slot}"`)
        continue
      }
      this.setSlot(slot, v)
      if (slot === this.promptedSlot) prompted = true
    }
    return prompted
  }

  private valid(st: CompiledState, slot: string, value: unknown): boolean {
    const v = st.validation.get(slot)
    if (v === undefined) return true
    if (v.regex !== null && !v.regex.test(typeof value === 'string' ? value : JSON.stringify(value))) return false
    if (v.entity !== null && ownValue(this.tEntities, v.entity) === undefined) return false
    return true
  }

  private firstMissing(st: CompiledState): string | null {
    for (const s of st.requiredSlots) if (!isFilled(ownValue(this.slots, s))) return s
    return null
  }

  private prompt(st: CompiledState, slot: string): void {
    const messages = st.prompts.get(slot)
    if (messages === undefined) this.warn('missing_prompt', `no prompt for slot "${slot}" in "${st.name}"`)
    else for (const m of messages) this.reply(render(m, this))
    if (this.promptedSlot === slot) this.attempts++
    else {
      this.promptedSlot = slot
      this.attempts = 1
    }
  }

  // ---- integration ------------------------------------------------------------------------

  private async integrationStep(st: CompiledState, entering: boolean): Promise<CompiledTransition | null> {
    const id = st.integrationId!
    const request = st.requestMapping === null ? {} : (resolveValue(st.requestMapping, this, true) as Record<string, unknown>)
    const endpoint = st.endpoint === null ? undefined : render(st.endpoint, this)
    const out = await this.invoke(st, id, request, endpoint, st.method, st.callTimeoutMs, st.callRetries)
    this.record(id, request, out, undefined)
    this.stateCall = out.success ? 1 : 2
    this.stateCallError = out.error ?? ''
    if (out.success) {
      for (const [variable, path] of st.responseMapping) {
        let v: unknown = out.data
        for (let i = 0; i < path.length && v !== undefined; i++) v = child(v, path[i]!)
        if (v === undefined) this.warn('missing_value', `response_mapping ${variable}: no value at "${path.join('.')}" in the response of "${id}"`)
        else this.setVar(variable, v)
      }
    }
    if (entering && st.actions.length > 0 && this.runActions(st)) return null
    const r = this.pick(st, true)
    return r instanceof Promise ? await r : r
  }

  private resilienceFor(id: string, flowCfg: Readonly<Record<string, unknown>>, timeoutMs: number | undefined, retries: number | undefined): ResilienceConfig {
    let pd: ReturnType<NonNullable<IntegrationProvider['defaults']>>
    try {
      pd = this.provider?.defaults?.(id)
    } catch {
      pd = undefined
    }
    const d = this.rt.resilience
    return {
      timeout_ms: timeoutMs ?? nonNegative(flowCfg['timeout_ms']) ?? nonNegative(pd?.timeout_ms) ?? d.timeout_ms,
      retries: Math.floor(retries ?? nonNegative(flowCfg['retries']) ?? nonNegative(pd?.retries) ?? d.retries),
      backoff_ms: nonNegative(flowCfg['backoff_ms']) ?? nonNegative(pd?.backoff_ms) ?? d.backoff_ms,
      max_backoff_ms: nonNegative(flowCfg['max_backoff_ms']) ?? nonNegative(pd?.max_backoff_ms) ?? d.max_backoff_ms,
      circuit_breaker: breakerConfig(flowCfg['circuit_breaker']) ?? breakerConfig(pd?.circuit_breaker) ?? d.circuit_breaker,
    }
  }

  private invoke(
    caller: object,
    id: string,
    params: Record<string, unknown>,
    endpoint: string | undefined,
    method: string,
    timeoutMs: number | undefined,
    retries: number | undefined,
  ): Promise<CallOutcome> {
    const flowCfg = this.flow.integrations[id] ?? EMPTY
    const request: IntegrationRequest = { method, params, config: flowCfg as Record<string, unknown> }
    if (endpoint !== undefined) request.endpoint = endpoint
    let config: ResilienceConfig | undefined
    if (this.provider === this.rt.integrations) {
      const cache = this.rt.resilienceCache
      config = cache.get(caller)
      if (config === undefined) cache.set(caller, (config = this.resilienceFor(id, flowCfg, timeoutMs, retries)))
    } else config = this.resilienceFor(id, flowCfg, timeoutMs, retries)
    return callIntegration({
      provider: this.provider,
      id,
      request,
      config,
      breakers: this.breakers,
      clock: this.clock,
      log: this.rt.log,
      conversationId: this.id,
      random: this.jitter(),
    })
  }

  private jitter(): SeededRandom {
    // Seeded per conversation so one conversation's retries do not depend on any other's.
    return (this.random ??= new SeededRandom(hashString(this.id, this.rt.seed)))
  }

  private record(id: string, request: Record<string, unknown>, out: CallOutcome, task: string | undefined): void {
    const rec: IntegrationResultRecord = { success: out.success, duration_ms: out.duration_ms }
    if (out.status_code !== undefined) rec.status_code = out.status_code
    if (out.data !== undefined) rec.data = out.data
    if (out.error !== undefined) rec.error = out.error
    if (out.message !== undefined) rec.message = out.message
    // Never handed out directly (context() copies it), so it is updated in place.
    put((this.results ??= {}), id, rec)
    const call: IntegrationCall = { id, request, success: out.success, state: this.cur.name, attempts: out.attempts, duration_ms: out.duration_ms }
    if (task !== undefined) call.task = task
    if (out.status_code !== undefined) call.status_code = out.status_code
    if (out.data !== undefined) call.data = out.data
    if (out.error !== undefined) call.error = out.error
    if (out.message !== undefined) call.message = out.message
    if (this.tCalls === NO_CALLS) this.tCalls = []
    this.tCalls.push(call)
  }

  // ---- condition -----------------------------------------------------------------------

  private conditionStep(st: CompiledState, entering: boolean): Step {
    const any = st.conditionMode === 'any'
    let result = !any
    for (const c of st.conditions) {
      if (evaluateComparison(c, this, this.flow.regexes) === any) {
        result = any
        break
      }
    }
    this.conditionResult = result
    if (entering && st.actions.length > 0 && this.runActions(st)) return null
    return this.pick(st, false)
  }

  // ---- workflow ------------------------------------------------------------------------

  private atGate(): boolean {
    if (this.cur.type !== 'workflow') return false
    const cp = this.checkpoints?.get(this.cur.name)
    return cp !== undefined && cp.state === 'waiting_approval'
  }

  private async workflowStep(st: CompiledState, entering: boolean): Promise<CompiledTransition | null> {
    const checkpoints = (this.checkpoints ??= new Map())
    let cp = checkpoints.get(st.name)
    if (!entering && cp !== undefined && cp.state === 'waiting_approval') {
      if (this.tKind === K_APPROVE || this.tKind === K_REJECT) {
        this.lastWorkflow = cp
        await this.decide(st, cp, this.tKind === K_APPROVE)
      } else {
        // A message or timeout while the gate waits: only the state's transitions can move on.
        const r = this.pick(st, false)
        return r instanceof Promise ? await r : r
      }
    } else if (!entering && cp !== undefined) {
      // Resumed outside a gate (it stopped on no_transition): the workflow does not run again
      // on a mere message; only its transitions are evaluated against the new event.
      this.lastWorkflow = cp
    } else {
      // A completed or rejected workflow starts afresh; a failed one resumes at its failed task.
      if (cp === undefined || cp.state === 'completed' || cp.state === 'rejected') {
        cp = { state: 'running', completed: [], failed_task: undefined, waiting_task: undefined }
        checkpoints.set(st.name, cp)
      } else if (cp.state === 'failed') {
        cp.state = 'running'
        cp.failed_task = undefined
      }
      this.lastWorkflow = cp
      if (cp.state === 'running') await this.runTasks(st, cp)
      if (entering && st.actions.length > 0 && this.runActions(st)) return null
    }
    if (cp.state === 'waiting_approval') return null
    const r = this.pick(st, false)
    return r instanceof Promise ? await r : r
  }

  private async decide(st: CompiledState, cp: Checkpoint, approved: boolean): Promise<void> {
    const gateId = cp.waiting_task!
    cp.waiting_task = undefined
    if (!approved) {
      cp.state = 'rejected'
      cp.failed_task = gateId
      return
    }
    const gate = st.tasks.find((t) => t.id === gateId)!
    if (gate.integrationId !== null) {
      const [ok] = await this.runBatch([gate])
      if (!ok) {
        cp.state = 'failed'
        cp.failed_task = gateId
        return
      }
    }
    cp.completed.push(gateId)
    cp.state = 'running'
    await this.runTasks(st, cp)
  }

  /** Runs batches until the workflow completes, fails or reaches an approval gate. */
  private async runTasks(st: CompiledState, cp: Checkpoint): Promise<void> {
    for (;;) {
      const done = new Set(cp.completed)
      const runnable: CompiledTask[] = []
      let gate: CompiledTask | null = null
      for (const t of st.tasks) {
        if (done.has(t.id) || !t.deps.every((d) => done.has(st.tasks[d]!.id))) continue
        if (t.approval) gate ??= t
        else runnable.push(t)
      }
      if (runnable.length === 0 && gate === null) {
        cp.state = 'completed'
        return
      }
      if (runnable.length > 0) {
        const ok = await this.runBatch(runnable)
        let failed: string | undefined
        for (let i = 0; i < runnable.length; i++) {
          if (ok[i]) cp.completed.push(runnable[i]!.id)
          else failed ??= runnable[i]!.id
        }
        if (failed !== undefined) {
          cp.state = 'failed'
          cp.failed_task = failed
          return
        }
        // The gate waits after its batch-mates have run.
        if (gate === null) continue
      }
      cp.state = 'waiting_approval'
      cp.waiting_task = gate!.id
      return
    }
  }

  /** Runs one batch concurrently; calls are recorded in declaration order. */
  private async runBatch(tasks: readonly CompiledTask[]): Promise<boolean[]> {
    const requests = tasks.map((t) => (t.params === null ? {} : (resolveValue(t.params, this, true) as Record<string, unknown>)))
    const outcomes = await Promise.all(
      tasks.map((t, i) => (t.integrationId === null ? null : this.invoke(t, t.integrationId, requests[i]!, undefined, 'GET', t.timeoutMs, t.retries))),
    )
    return tasks.map((t, i) => {
      const out = outcomes[i]
      if (out === null || out === undefined) return true
      this.record(t.integrationId!, requests[i]!, out, t.id)
      return out.success
    })
  }

  // ---- TemplateScope -------------------------------------------------------------------

  rootValue(root: number): unknown {
    switch (root) {
      case ROOT_INPUT:
        return this.tInput
      case ROOT_INTENT:
        return this.tIntent
      case ROOT_CONFIDENCE:
        return this.tConfidence
      case ROOT_ENTITIES:
        return this.tEntities
      case ROOT_SLOTS:
        return this.slots
      case ROOT_VARIABLES:
        return this.vars
      case ROOT_USER_PROFILE:
        return this.profile
      case ROOT_INTEGRATION_RESULTS:
        return this.results ?? EMPTY
      case ROOT_WORKFLOW:
        return this.workflowStatus()
      case ROOT_CONVERSATION_ID:
        return this.id
      case ROOT_USER_ID:
        return this.userId
      case ROOT_TENANT_ID:
        return this.tenantId
      case ROOT_TURN:
        return this.turnNo
      default:
        return undefined
    }
  }

  bareValue(name: string): unknown {
    const s = ownValue(this.slots, name)
    if (s !== undefined) return s
    const v = ownValue(this.vars, name)
    if (v !== undefined) return v
    return ownValue(this.profile, name)
  }

  missing(raw: string): void {
    this.warn('missing_value', `no value for {${raw}}`)
  }
}

