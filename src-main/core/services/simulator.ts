// The simulator service: interactive conversations in the workbench, each on its own fake clock
// (time moves only by `wait`), answered by the mocks the user edited exactly as a test's mocks
// answer, and recorded step by step so any earlier turn can be replayed and continued from.
import { randomUUID } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  ApiError,
  type JsonValue,
  type SavedTest,
  type SimulatorEvent,
  type SimulatorService,
  type SimulatorSession,
  type SimulatorStep,
  type SimulatorTurn,
  type UserProfileChoice,
} from '../../common/api'
import type { CallContext, IntegrationRequest, IntegrationResponse, NluContext, NluResult } from '../../common/plugin-api'
import type { Mocks } from '../../common/test-schema'
import type { TurnResult } from '../../common/turn'
import { DocumentParseError, parseDocumentText } from '../document/parse'
import {
  BreakerRegistry, compileFlow, Engine, FakeClock, IntegrationError,
  type Clock, type CompiledFlow, type Conversation, type GeneratorProvider, type IntegrationProvider, type NluProvider, type SummarizerProvider,
} from '../engine'
import type { ReplyChunk } from '../../common/turn'
import type { CoreEvents } from './events'
import { FlowLoadError, loadFlowText } from '../flow/load'
import type { PluginSet } from '../plugins'
import { MockIntegrations, SnapshotNlu } from '../runner/mocks'
import { mergeMocks } from '../runner/plan'
import { findFiles } from '../workspace/discover'
import { writeTestCase, testCaseFromSession } from './save-test'
import { toWorkspacePath } from './paths'
import type { WorkspaceState } from './workspace'

/** Sessions kept at once; the least recently used is closed beyond this (each holds a compiled flow). */
const MAX_SESSIONS = 32

/**
 * The open workspace's plugins as they stand now: built-ins always, the workspace's own only once
 * it is trusted and not switched off (the plugin service decides; spec/plugins.md).
 */
export type SimulatorPlugins = () => Promise<PluginSet>

/** A plugin set seen from one flow: its `integrations` section may route ids to a plugin by name. */
interface FlowPlugins {
  set: PluginSet
  provider: IntegrationProvider
}

interface RecordedStep {
  step: SimulatorStep
  /** The mocks in effect for this step: a replay switches where the user switched. */
  mocks: Mocks
}

interface Session {
  id: string
  flow: string
  compiled: CompiledFlow
  userProfile: { [key: string]: JsonValue }
  mocks: Mocks
  /** The fake clock's time at start: replays start there too. */
  startMs: number
  steps: RecordedStep[]
  turns: SimulatorTurn[]
  live: LiveConversation
  lastUsed: number
  /** Turns of one session run one after another, in call order. */
  queue: Promise<unknown>
  /** The plugin set the last step used, seen from the session's flow. */
  plugins?: { set: PluginSet; compiled: CompiledFlow; flow: FlowPlugins }
}

/**
 * Mocks over the workspace's plugins, as in tests: an id the mocks list is answered by them, any
 * other by the plugin serving it. An id a plugin declares but may not serve (untrusted, switched
 * off, broken) fails with the reason, so the turn says why instead of "no provider".
 */
class SessionIntegrations implements IntegrationProvider {
  constructor(
    private readonly mocks: MockIntegrations,
    private readonly mocked: ReadonlySet<string>,
    /** Asked on every call: trust and plugin changes apply from the next turn on. */
    private readonly plugins: () => FlowPlugins | null,
  ) {}

  private served(id: string): IntegrationProvider | null {
    if (this.mocked.has(id)) return null
    const p = this.plugins()
    return p && p.provider.has(id) ? p.provider : null
  }

  private unavailable(id: string): string | undefined {
    return this.mocked.has(id) ? undefined : this.plugins()?.set.integrations.unavailable(id)
  }

  has(id: string): boolean {
    return this.mocked.has(id) || this.served(id) !== null || this.unavailable(id) !== undefined
  }

  call(id: string, req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
    const plugin = this.served(id)
    if (plugin) return plugin.call(id, req, ctx)
    const reason = this.unavailable(id)
    if (reason !== undefined) return Promise.reject(new IntegrationError('no_provider', reason))
    return this.mocks.call(id, req, ctx)
  }

  defaults(id: string) {
    return this.served(id)?.defaults?.(id)
  }

  realtime(id: string): boolean {
    return this.served(id)?.realtime?.(id) === true
  }
}

/** A running conversation and the providers its current mocks build. */
class LiveConversation {
  readonly clock: FakeClock
  private readonly conversation: Conversation
  private integrations!: SessionIntegrations
  private nlu!: SnapshotNlu
  private mocks: Mocks | null = null
  private plugins: FlowPlugins | null = null

  constructor(compiled: CompiledFlow, id: string, userProfile: Record<string, unknown>, startMs: number) {
    this.clock = new FakeClock(startMs)
    // The conversation asks these on every turn, so switching mocks takes effect on the next turn.
    const self = this
    const integrations: IntegrationProvider = {
      has: (i) => self.integrations.has(i),
      call: (i, req, ctx) => self.integrations.call(i, req, ctx),
      defaults: (i) => self.integrations.defaults(i),
      realtime: (i) => self.integrations.realtime(i),
    }
    const nlu: NluProvider = {
      classify: (text: string, _ctx: NluContext): Promise<NluResult | null> => self.nlu.classify(text),
    }
    // Generators and summarisers have no mocks: they come from the plugins as they stand now.
    const generators: GeneratorProvider = {
      select: (name) => self.plugins?.set.generators.select(name) ?? { unavailable: `generator "${name}" cannot run: no plugins are loaded` },
      realtime: (name) => self.plugins?.set.generators.realtime(name) === true,
    }
    const summarizer: SummarizerProvider = {
      select: (sid) => self.plugins?.set.summarizers.select(sid) ?? { unavailable: `summarizer "${sid}" cannot run: no plugins are loaded` },
    }
    const engine = new Engine(compiled, { breakers: new BreakerRegistry(), seed: 0 })
    this.conversation = engine.createConversation({ conversation_id: id, user_profile: userProfile, clock: this.clock, integrations, nlu, generators, summarizer })
  }

  /** The plugins the next turn calls (the workspace may have been trusted or revoked since the last one). */
  usePlugins(plugins: FlowPlugins | null): void {
    this.plugins = plugins
  }

  /** New answers from the next turn on; every mocked sequence starts again, as in a new test. */
  useMocks(mocks: Mocks): void {
    if (this.mocks === mocks) return
    this.mocks = mocks
    const resolved = mergeMocks(undefined, mocks)
    this.integrations = new SessionIntegrations(new MockIntegrations(resolved.integrations, 'fail'), new Set(Object.keys(resolved.integrations)), () => this.plugins)
    // A strict miss in the simulator is not a test error: the built-in NLU answers instead.
    this.nlu = new SnapshotNlu(resolved.nlu, false)
  }

  run(step: SimulatorStep, onChunk?: (chunk: ReplyChunk) => void): Promise<TurnResult> {
    const options = onChunk ? { onChunk } : undefined
    switch (step.type) {
      case 'start':
        return this.conversation.start(options)
      case 'message':
        return this.conversation.send({ type: 'message', text: step.text }, options)
      case 'approve':
      case 'reject':
        return this.conversation.send({ type: step.type }, options)
      case 'wait':
        return this.conversation.wait(step.ms)
    }
  }
}

function checkMocks(mocks: unknown): Mocks {
  if (mocks === undefined || mocks === null) return {}
  if (typeof mocks !== 'object' || Array.isArray(mocks)) throw new ApiError('bad_request', 'mocks must be an object like a test\'s `mocks`')
  // Plain JSON from the wire; frozen so a recorded step's mocks never change under a replay.
  return Object.freeze(JSON.parse(JSON.stringify(mocks)) as Mocks)
}

function checkProfile(profile: unknown): { [key: string]: JsonValue } {
  if (profile === undefined || profile === null) return {}
  if (typeof profile !== 'object' || Array.isArray(profile)) throw new ApiError('bad_request', 'user_profile must be an object')
  return JSON.parse(JSON.stringify(profile)) as { [key: string]: JsonValue }
}

function checkEvent(event: unknown): SimulatorEvent {
  const e = event as { type?: unknown; text?: unknown } | null
  if (e && e.type === 'message' && typeof e.text === 'string') return { type: 'message', text: e.text }
  if (e && (e.type === 'approve' || e.type === 'reject')) return { type: e.type }
  throw new ApiError('bad_request', 'an event is {type: "message", text} or {type: "approve"} or {type: "reject"}')
}

export function createSimulatorService(
  workspace: WorkspaceState,
  options: { clock?: Pick<Clock, 'now'>; plugins?: SimulatorPlugins; events?: CoreEvents },
): { service: SimulatorService; closeAll(): void } {
  const sessions = new Map<string, Session>()

  workspace.onOpen(() => {
    sessions.clear()
  })

  /**
   * The plugins for a session's next step, as they stand now: asked before every step, so a
   * revoked trust or a switched-off plugin is not called again. Plugins that fail to load leave
   * the session on its mocks.
   */
  const pluginsFor = async (s: Session): Promise<FlowPlugins | null> => {
    if (!options.plugins) return null
    const set = await options.plugins().catch(() => null)
    if (!set) return null
    if (s.plugins?.set !== set || s.plugins.compiled !== s.compiled) {
      s.plugins = { set, compiled: s.compiled, flow: { set, provider: set.integrations.forFlow(s.compiled.integrations) } }
    }
    return s.plugins.flow
  }

  const loadCompiled = async (path: unknown): Promise<{ flow: string; compiled: CompiledFlow }> => {
    const abs = workspace.resolve(path)
    const flow = toWorkspacePath(workspace.current().root, abs)
    let text: string
    try {
      text = await readFile(abs, 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('not_found', `${flow} does not exist`)
      throw err
    }
    try {
      return { flow, compiled: compileFlow(loadFlowText(text, flow).document) }
    } catch (err) {
      if (err instanceof FlowLoadError || err instanceof DocumentParseError) {
        throw new ApiError('invalid_flow', `${flow} does not load: fix its problems first`, {
          problems: err.problems.map((p) => ({ line: p.line ?? 1, column: p.column ?? 1, path: p.path ?? '', message: p.message })),
        })
      }
      throw new ApiError('invalid_flow', `${flow} does not compile: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  const find = (id: unknown): Session => {
    const session = typeof id === 'string' ? sessions.get(id) : undefined
    if (!session) throw new ApiError('session_not_found', 'that simulator session has ended: start a new one')
    session.lastUsed = Date.now()
    return session
  }

  const snapshot = (s: Session): SimulatorSession => ({
    session: s.id,
    flow: s.flow,
    user_profile: s.userProfile,
    mocks: s.mocks,
    turns: s.turns,
    clock_ms: s.live.clock.now() - s.startMs,
    ended: s.turns.at(-1)?.result.ended ?? false,
  })

  /** Runs a step on the live conversation and records it; `live` steps stream their chunks as events (replays do not). */
  const perform = async (s: Session, step: SimulatorStep, live = true): Promise<SimulatorTurn> => {
    s.live.usePlugins(await pluginsFor(s))
    s.live.useMocks(s.mocks)
    const events = options.events
    const turnIndex = s.turns.length
    const onChunk = live && events ? (c: ReplyChunk) => events.emit('simulatorChunk', { sessionId: s.id, turn: turnIndex, index: c.index, state: c.state, text: c.text }) : undefined
    const result = await s.live.run(step, onChunk)
    const turn: SimulatorTurn = { index: s.turns.length, step, result, clock_ms: s.live.clock.now() - s.startMs }
    s.steps.push({ step, mocks: s.mocks })
    s.turns.push(turn)
    return turn
  }

  /** One operation at a time per session, so a fast double-click cannot interleave two turns. */
  const serial = <T>(s: Session, op: () => Promise<T>): Promise<T> => {
    const next = s.queue.then(op, op)
    s.queue = next.catch(() => undefined)
    return next
  }

  /** A fresh conversation that replays `steps` (each under its recorded mocks). */
  const replay = async (s: Session, steps: RecordedStep[]): Promise<void> => {
    s.live = new LiveConversation(s.compiled, s.id, s.userProfile, s.startMs)
    s.steps = []
    s.turns = []
    const current = s.mocks
    for (const recorded of steps) {
      s.mocks = recorded.mocks
      await perform(s, recorded.step, false)
    }
    s.mocks = current
  }

  const evictIdle = () => {
    if (sessions.size < MAX_SESSIONS) return
    const oldest = [...sessions.values()].sort((a, b) => a.lastUsed - b.lastUsed)[0]
    if (oldest) sessions.delete(oldest.id)
  }

  const service: SimulatorService = {
    async profiles(flow) {
      return profileChoices(workspace, flow)
    },

    async start(options_) {
      if (!options_ || typeof options_ !== 'object') throw new ApiError('bad_request', 'start takes {flow, user_profile?, mocks?}')
      const { flow, compiled } = await loadCompiled(options_.flow)
      const id = `sim-${randomUUID().slice(0, 8)}`
      const startMs = options.clock?.now() ?? 0
      const userProfile = checkProfile(options_.user_profile)
      const session: Session = {
        id,
        flow,
        compiled,
        userProfile,
        mocks: checkMocks(options_.mocks),
        startMs,
        steps: [],
        turns: [],
        live: new LiveConversation(compiled, id, userProfile, startMs),
        lastUsed: Date.now(),
        queue: Promise.resolve(),
      }
      evictIdle()
      sessions.set(id, session)
      await perform(session, { type: 'start' })
      return snapshot(session)
    },

    async get(id) {
      return snapshot(find(id))
    },

    async send(id, event) {
      const s = find(id)
      const step = checkEvent(event)
      return serial(s, () => perform(s, step))
    },

    async wait(id, ms) {
      const s = find(id)
      if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new ApiError('bad_request', 'wait takes a number of milliseconds (0 or more)')
      return serial(s, () => perform(s, { type: 'wait', ms }))
    },

    async restart(id) {
      const s = find(id)
      return serial(s, async () => {
        // The flow may have been edited since the session started: restart runs what is on disk.
        s.compiled = (await loadCompiled(s.flow)).compiled
        await replay(s, [{ step: { type: 'start' }, mocks: s.mocks }])
        return snapshot(s)
      })
    },

    async rewind(id, turnIndex) {
      const s = find(id)
      return serial(s, async () => {
        if (typeof turnIndex !== 'number' || !Number.isInteger(turnIndex) || turnIndex < 0 || turnIndex >= s.turns.length) {
          throw new ApiError('bad_request', `turnIndex must be a turn of this session (0 to ${s.turns.length - 1})`)
        }
        await replay(s, s.steps.slice(0, turnIndex + 1))
        return snapshot(s)
      })
    },

    async setMocks(id, mocks) {
      const s = find(id)
      return serial(s, async () => {
        s.mocks = checkMocks(mocks)
        return snapshot(s)
      })
    },

    async saveAsTest(request) {
      if (!request || typeof request !== 'object') throw new ApiError('bad_request', 'saveAsTest takes {session, file, name, tags?}')
      const s = find(request.session)
      if (typeof request.name !== 'string' || !request.name.trim()) throw new ApiError('bad_request', 'the test needs a name')
      const tags = request.tags === undefined ? [] : request.tags
      if (!Array.isArray(tags) || tags.some((t) => typeof t !== 'string')) throw new ApiError('bad_request', 'tags must be a list of strings')
      const abs = workspace.resolve(request.file)
      const testCase = testCaseFromSession({
        name: request.name.trim(),
        tags,
        userProfile: s.userProfile,
        mocks: s.mocks,
        turns: s.turns,
      })
      const flowAbs = workspace.resolve(s.flow)
      const written = await writeTestCase(abs, flowAbs, testCase)
      return { file: toWorkspacePath(workspace.current().root, abs), name: testCase.name, created: written.created } satisfies SavedTest
    },

    async close(id) {
      if (typeof id === 'string') sessions.delete(id)
    },
  }

  return { service, closeAll: () => sessions.clear() }
}

/**
 * Profiles to offer: flowbench.json `profiles` (a map of name → profile), then the user profiles
 * of the workspace's tests of this flow (suite defaults and each test), without duplicates.
 */
async function profileChoices(workspace: WorkspaceState, flow: unknown): Promise<UserProfileChoice[]> {
  const ws = workspace.current()
  const flowAbs = workspace.resolve(flow)
  const out: UserProfileChoice[] = []
  const seen = new Set<string>()
  const add = (name: string, source: string, profile: unknown) => {
    if (!profile || typeof profile !== 'object' || Array.isArray(profile)) return
    const key = JSON.stringify(profile)
    if (seen.has(key)) return
    seen.add(key)
    out.push({ name, source, user_profile: profile as { [key: string]: JsonValue } })
  }
  const configured = ws.info.settings?.profiles
  if (configured && typeof configured === 'object' && !Array.isArray(configured)) {
    for (const [name, profile] of Object.entries(configured)) add(name, 'flowbench.json', profile)
  }
  for (const abs of await findFiles([ws.root], 'test')) {
    let value: Record<string, unknown>
    try {
      const parsed = parseDocumentText<Record<string, unknown>>(await readFile(abs, 'utf8'), abs)
      if (!parsed.value || typeof parsed.value !== 'object') continue
      value = parsed.value
    } catch {
      continue
    }
    if (typeof value.flow !== 'string' || resolve(dirname(abs), value.flow) !== flowAbs) continue
    const file = toWorkspacePath(ws.root, abs)
    const defaults = value.defaults as { user_profile?: unknown } | undefined
    add(`${file} defaults`, file, defaults?.user_profile)
    for (const test of Array.isArray(value.tests) ? value.tests : []) {
      const t = test as { name?: unknown; user_profile?: unknown }
      if (typeof t?.name === 'string') add(t.name, `${file} › ${t.name}`, t.user_profile)
    }
  }
  return out
}
