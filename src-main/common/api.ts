// The one typed contract between the core and every front end (Electron, `flowbench serve`,
// component tests): service interfaces, the event map, the runtime allow-list and the wire shapes.
// Pure TypeScript: imported by the core, the hosts and the renderer alike. Plain JSON only.
import type { PluginStatus } from './plugin-api'
import type { Mocks } from './test-schema'
import type { TurnResult } from './turn'

import { HISTORY_METHODS, HISTORY_EVENTS, type HistoryService, type HistoryEvents } from './api-history'
import { REPORTS_METHODS, REPORTS_EVENTS, type ReportsService, type ReportsEvents } from './api-reports'
import { LOAD_METHODS, LOAD_EVENTS, type LoadService, type LoadEvents } from './api-load'
import { NLU_METHODS, NLU_EVENTS, type NluService, type NluEvents } from './api-nlu'
import { QUALITY_METHODS, QUALITY_EVENTS, type QualityService, type QualityEvents } from './api-quality'
import { BOT_METHODS, BOT_EVENTS, type BotService, type BotEvents } from './api-bot'
export type * from './api-history'
export type * from './api-reports'
export type * from './api-load'
export type * from './api-nlu'
export type * from './api-quality'
export type * from './api-bot'
export type { Mocks } from './test-schema'
export type { TurnResult } from './turn'
export type { PluginSource, PluginState, PluginStatus } from './plugin-api'

// ───────────────────────────── shared values ─────────────────────────────

/** Any value that survives JSON.stringify/parse unchanged. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }
/** A JSON Schema document (draft 2020-12 / 07 keywords), as plain JSON. */
export type JsonSchema = { [key: string]: JsonValue }

/** Positions are 1-based; `endLine`/`endColumn` point just past the range (exclusive), as Monaco expects. */
export interface SourceRange {
  line: number
  column: number
  endLine?: number
  endColumn?: number
}

// ───────────────────────────── workspace ─────────────────────────────

export type WorkspaceFileKind = 'flow' | 'test' | 'load' | 'dataset' | 'plugin' | 'settings' | 'other'

export interface WorkspaceInfo {
  /** Absolute path of the workspace root. */
  root: string
  /** The folder's name, or `name` from flowbench.json. */
  name: string
  /** Whether the user trusted this workspace; until then its plugin code is never run. */
  trusted: boolean
  /** flowbench.json as written (null when the workspace has none or it does not parse). */
  settings: { [key: string]: JsonValue } | null
}

export interface WorkspaceFile {
  /** Relative to the workspace root, forward slashes. Every path in this API is. */
  path: string
  kind: WorkspaceFileKind
  size: number
  /** Last modification, ms since the epoch: pass it back to writeFile to detect concurrent edits. */
  mtimeMs: number
}

export interface WorkspaceFileContent extends WorkspaceFile {
  text: string
}

export interface RecentWorkspace {
  root: string
  name: string
  /** ISO timestamp of the last time it was opened. */
  openedAt: string
}

export interface WorkspaceService {
  /** The open workspace, or null before one is opened. */
  info(): Promise<WorkspaceInfo | null>
  /** Opens a folder (its workspace root per spec/workspace.md), remembers it as recent, starts watching it. */
  open(path: string): Promise<WorkspaceInfo>
  /** Every file of the workspace (node_modules, .git, out, dist and dot-folders skipped), sorted by path. */
  listFiles(): Promise<WorkspaceFile[]>
  readFile(path: string): Promise<WorkspaceFileContent>
  /**
   * Saves a file (creating folders as needed). With `expectedMtimeMs`, fails with `conflict`
   * when the file changed on disk since it was read.
   */
  writeFile(path: string, text: string, expectedMtimeMs?: number): Promise<WorkspaceFile>
  /** Creates a new file; fails with `already_exists` when it is there. */
  createFile(path: string, text?: string): Promise<WorkspaceFile>
  /** Renames or moves a file inside the workspace; fails with `already_exists` when `to` is taken. */
  renameFile(from: string, to: string): Promise<WorkspaceFile>
  deleteFile(path: string): Promise<void>
  /** Recently opened workspaces, newest first. */
  recent(): Promise<RecentWorkspace[]>
  /** Remembers the trust decision for the open workspace (plugins run only once it is trusted). */
  setTrust(trusted: boolean): Promise<WorkspaceInfo>
}

// ───────────────────────────── flows ─────────────────────────────

export type DiagnosticSeverity = 'error' | 'warning'

/** One problem in a flow: a load/schema problem or a lint finding (same messages as `flowbench lint`). */
export interface Diagnostic extends SourceRange {
  severity: DiagnosticSeverity
  message: string
  /** The lint rule (`unknown-target`, …), or `syntax` / `schema` for problems found while loading. */
  rule: string
  /** JSON path of the offending value, e.g. `states.order.transitions[1].target_state` ('' for the document). */
  path: string
}

export interface FlowGraphNode {
  /** The state name. */
  id: string
  type: string
  description: string | null
  /** Line of the state's key; 0 when unknown. */
  line: number
  initial: boolean
}

export interface FlowGraphEdge {
  from: string
  to: string
  condition: string
  /** The transition's condition_value, as written. */
  value: JsonValue | null
  /** Effective priority (default 100). */
  priority: number
  /** `from -> to [condition value]`: the same key coverage reports and TurnResult.transitions use. */
  key: string
  line: number
  /** false when `to` names no state (drawn dangling; lint reports it as unknown-target). */
  resolved: boolean
}

export interface FlowGraph {
  name: string | null
  initial_state: string | null
  nodes: FlowGraphNode[]
  edges: FlowGraphEdge[]
}

/** Where each state is defined and referenced: go to definition, find references, rename. */
export interface StateLocations {
  states: Array<{ name: string; definition: SourceRange & { endLine: number; endColumn: number } }>
  references: Array<{
    name: string
    /** `initial_state` or a transition's `target_state`. */
    path: string
    range: SourceRange & { endLine: number; endColumn: number }
  }>
}

export type SchemaKind = 'flow' | 'test'

export interface FlowService {
  /** Load problems plus lint findings for a flow; `text` is the editor's unsaved text (else the file on disk). */
  diagnostics(path: string, text?: string): Promise<Diagnostic[]>
  /** States and transitions for the graph view; best effort while the flow is being edited. */
  graph(path: string, text?: string): Promise<FlowGraph>
  stateLocations(path: string, text?: string): Promise<StateLocations>
  /** The JSON Schema the editor validates and completes against. */
  schema(kind: SchemaKind): Promise<JsonSchema>
}

// ───────────────────────────── simulator ─────────────────────────────

/** What the user does to a simulated conversation; every step is recorded so a session can be replayed. */
export type SimulatorStep =
  | { type: 'start' }
  | { type: 'message'; text: string }
  | { type: 'approve' }
  | { type: 'reject' }
  | { type: 'wait'; ms: number }

/** The events `send` takes (start and wait have their own methods). */
export type SimulatorEvent = Extract<SimulatorStep, { type: 'message' | 'approve' | 'reject' }>

export interface SimulatorTurn {
  /** 0 for start, then 1, 2, … (the index `rewind` takes). */
  index: number
  step: SimulatorStep
  result: TurnResult
  /** The session's fake clock after the step, ms since the session started. */
  clock_ms: number
}

export interface SimulatorStartOptions {
  /** Workspace-relative path of the flow. */
  flow: string
  user_profile?: { [key: string]: JsonValue }
  /** Integration and NLU mocks, applied exactly as a test's mocks are. */
  mocks?: Mocks
}

export interface SimulatorSession {
  session: string
  flow: string
  user_profile: { [key: string]: JsonValue }
  mocks: Mocks
  turns: SimulatorTurn[]
  clock_ms: number
  ended: boolean
}

/** A user profile found in the workspace (flowbench.json `profiles`, or a test's `user_profile`). */
export interface UserProfileChoice {
  name: string
  /** Where it was found: `flowbench.json` or `tests/x.test.yaml › test name`. */
  source: string
  user_profile: { [key: string]: JsonValue }
}

export interface SaveAsTestOptions {
  session: string
  /** Workspace-relative test file; created (with `flow:` relative to it) when it does not exist. */
  file: string
  name: string
  tags?: string[]
}

export interface SavedTest {
  file: string
  name: string
  /** true when the test file was created. */
  created: boolean
}

export interface SimulatorService {
  /** User profiles offered for a flow. */
  profiles(flow: string): Promise<UserProfileChoice[]>
  start(options: SimulatorStartOptions): Promise<SimulatorSession>
  get(session: string): Promise<SimulatorSession>
  send(session: string, event: SimulatorEvent): Promise<SimulatorTurn>
  /** Advances the session's fake clock by `ms`; timeouts and TTLs fire from it. */
  wait(session: string, ms: number): Promise<SimulatorTurn>
  /** Starts the conversation again with the same flow (reloaded from disk), profile and mocks. */
  restart(session: string): Promise<SimulatorSession>
  /** Steps back: replays the recorded steps deterministically up to and including `turnIndex`. */
  rewind(session: string, turnIndex: number): Promise<SimulatorSession>
  /** Replaces the session's mocks; they apply from the next turn on. */
  setMocks(session: string, mocks: Mocks): Promise<SimulatorSession>
  /** Writes the transcript as a test case whose expectations are what happened. */
  saveAsTest(options: SaveAsTestOptions): Promise<SavedTest>
  close(session: string): Promise<void>
}

// ───────────────────────────── tests ─────────────────────────────

export interface TestCaseSummary {
  name: string
  tags: string[]
  skip: boolean
  /** Line of the test in its file; 0 when unknown. */
  line: number
}

export interface TestFileSummary {
  file: string
  /** The suite's flow, workspace-relative (null when the file does not parse). */
  flow: string | null
  name: string
  tests: TestCaseSummary[]
  /** Why the file could not be read as a test suite. */
  problem: Diagnostic | null
}

export interface TestRunRequest {
  /** Workspace-relative test files; all when omitted. */
  files?: string[]
  /** Single tests; each names its file and test (an `each` test by its expanded name or its base name). */
  tests?: Array<{ file: string; name: string }>
  /** Only the tests that failed or errored in the last run. */
  failedOnly?: boolean
  tags?: string[]
  grep?: string
}

export type TestStatus = 'passed' | 'failed' | 'error' | 'skipped'

export interface TestFailure {
  step: number
  input: string | null
  field: string
  expected: JsonValue
  actual: JsonValue
  message: string
  /** Where the step is written in the test file. */
  line?: number
  column?: number
}

/** A turn of a test's conversation: the turn result plus the index of the step that caused it (null for start). */
export type TestTranscriptTurn = TurnResult & { step: number | null }

export interface TestCaseResult {
  /** The test's name; `name [i]` for the i-th `each` instance. */
  name: string
  status: TestStatus
  duration_ms: number
  failures: TestFailure[]
  tags: string[]
  /** The error that stopped the test (status `error`). */
  error?: string
  error_step?: number
  skip_reason?: 'skip' | 'filtered' | 'bail' | 'cancelled'
  /** Where the test is written in its file. */
  line?: number
  column?: number
  /** The conversation up to where the test stopped, for the transcript view. */
  transcript?: TestTranscriptTurn[]
}

export interface TestSuiteResult {
  file: string
  flow: string | null
  /** The suite's `name`, else the file name. */
  name: string
  duration_ms: number
  tests: TestCaseResult[]
  /** Set when the whole suite could not run (its file or flow does not load). */
  error?: string
}

export interface CoverageCount {
  covered: number
  total: number
  uncovered: string[]
}

export interface TestRunResult {
  runId: string
  started_at: string
  duration_ms: number
  cancelled: boolean
  summary: { total: number; passed: number; failed: number; errors: number; skipped: number }
  suites: TestSuiteResult[]
  coverage: { [flow: string]: { states: CoverageCount; transitions: CoverageCount } }
  /** All flows together; percent is covered / total × 100 (100 when nothing is declared). Absent in results stored by older versions. */
  coverage_total?: {
    states: { covered: number; total: number; percent: number }
    transitions: { covered: number; total: number; percent: number }
  }
}

export interface TestService {
  list(): Promise<TestFileSummary[]>
  /** Starts a run in the worker pool and returns at once; progress arrives as testProgress events. */
  run(request: TestRunRequest): Promise<string>
  cancel(runId: string): Promise<void>
  /** The newest finished run of this workspace, or null. */
  lastResult(): Promise<TestRunResult | null>
}

// ───────────────────────────── plugins ─────────────────────────────

export interface PluginService {
  /**
   * Every plugin the open workspace sees — built-in, then configured folders, then the workspace's
   * `plugins/` — with its version, contributions and status (`error` carries what is wrong). Until
   * the workspace is trusted its own plugins are read from their manifests only and listed as
   * `untrusted`: their code is not run.
   */
  list(): Promise<PluginStatus[]>
  /**
   * Switches a plugin on or off for the open workspace (remembered in the app state); a plugin
   * that is off is listed as `disabled` and neither the simulator nor test runs use it. Answers the new list.
   */
  setEnabled(name: string, enabled: boolean): Promise<PluginStatus[]>
  /** Loads every plugin afresh (e.g. after rebuilding one) and answers the new list. */
  reload(): Promise<PluginStatus[]>
}

// ───────────────────────────── the whole API ─────────────────────────────

export interface FlowbenchApi {
  workspace: WorkspaceService
  flow: FlowService
  simulator: SimulatorService
  test: TestService
  plugin: PluginService
  history: HistoryService
  reports: ReportsService
  load: LoadService
  nlu: NluService
  quality: QualityService
  bot: BotService
}

export type ServiceName = keyof FlowbenchApi
/** `workspace.readFile`, `simulator.send`, … */
export type ApiMethod = { [S in ServiceName]: `${S}.${Extract<keyof FlowbenchApi[S], string>}` }[ServiceName]

type MethodOf<M extends ApiMethod> = M extends `${infer S extends ServiceName}.${infer N}`
  ? N extends keyof FlowbenchApi[S]
    ? FlowbenchApi[S][N] extends (...args: infer A) => Promise<infer R>
      ? { params: A; result: R }
      : never
    : never
  : never
export type ApiParams<M extends ApiMethod> = MethodOf<M>['params']
export type ApiResult<M extends ApiMethod> = MethodOf<M>['result']

/**
 * The runtime allow-list: every method of every service, and nothing else. `satisfies` makes the
 * compiler reject a missing method and a name that is not in the interfaces.
 */
const METHOD_TABLE = {
  workspace: { info: 0, open: 1, listFiles: 0, readFile: 1, writeFile: 3, createFile: 2, renameFile: 2, deleteFile: 1, recent: 0, setTrust: 1 },
  flow: { diagnostics: 2, graph: 2, stateLocations: 2, schema: 1 },
  simulator: { profiles: 1, start: 1, get: 1, send: 2, wait: 2, restart: 1, rewind: 2, setMocks: 2, saveAsTest: 1, close: 1 },
  test: { list: 0, run: 1, cancel: 1, lastResult: 0 },
  plugin: { list: 0, setEnabled: 2, reload: 0 },
  history: HISTORY_METHODS,
  reports: REPORTS_METHODS,
  load: LOAD_METHODS,
  nlu: NLU_METHODS,
  quality: QUALITY_METHODS,
  bot: BOT_METHODS,
} as const satisfies { [S in ServiceName]: { [M in keyof FlowbenchApi[S]]: number } }

/** The largest number of parameters each method takes (the wire refuses more). */
export const API_METHOD_ARITY: Readonly<Record<ApiMethod, number>> = Object.fromEntries(
  Object.entries(METHOD_TABLE).flatMap(([service, methods]) =>
    Object.entries(methods).map(([method, arity]) => [`${service}.${method}`, arity]),
  ),
) as Record<ApiMethod, number>

export const API_METHODS: readonly ApiMethod[] = Object.freeze(Object.keys(API_METHOD_ARITY) as ApiMethod[])

export function isApiMethod(value: unknown): value is ApiMethod {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(API_METHOD_ARITY, value)
}

// ───────────────────────────── events ─────────────────────────────

export type FileChangeKind = 'created' | 'changed' | 'deleted'

export interface TestProgress {
  runId: string
  /** `started`: the run knows its tests; `test`: one test finished; `suite`: one file finished. */
  kind: 'started' | 'test' | 'suite'
  total: number
  done: number
  passed: number
  failed: number
  errors: number
  skipped: number
  file?: string
  test?: TestCaseResult
  suite?: TestSuiteResult
}

/**
 * Why the plugins may have changed: another workspace was opened, its trust decision changed,
 * files under `plugins/` changed, a plugin was switched on or off, or a reload was asked for.
 */
export type PluginsChangeReason = 'workspace' | 'trust' | 'files' | 'enabled' | 'reload'

export interface ApiEvents extends HistoryEvents, ReportsEvents, LoadEvents, NluEvents, QualityEvents, BotEvents {
  /** The open workspace changed (opened, or its trust decision changed). */
  workspaceChanged: WorkspaceInfo
  /** Files changed on disk, by this app or another program (debounced, batched). */
  fileChanged: { changes: Array<{ path: string; kind: FileChangeKind }> }
  testProgress: TestProgress
  testFinished: { runId: string; result: TestRunResult | null; error: ApiErrorPayload | null }
  /** What `plugin.list` answers may have changed; the next simulator turn and test run use the new plugins. */
  pluginsChanged: { reason: PluginsChangeReason; revision: number }
  /**
   * A chunk of a reply a plugin generator streams in a simulator session, as it arrives (before
   * the turn's `send` answers). `turn` is the index the turn will have; `index` counts chunks
   * within the turn from 0.
   */
  simulatorChunk: SimulatorChunk
}

export interface SimulatorChunk {
  sessionId: string
  turn: number
  index: number
  state: string
  text: string
}

export type ApiEventName = keyof ApiEvents

const EVENT_TABLE = {
  workspaceChanged: true,
  fileChanged: true,
  testProgress: true,
  testFinished: true,
  pluginsChanged: true,
  simulatorChunk: true,
  ...HISTORY_EVENTS,
  ...REPORTS_EVENTS,
  ...LOAD_EVENTS,
  ...NLU_EVENTS,
  ...QUALITY_EVENTS,
  ...BOT_EVENTS,
} as const satisfies { [E in ApiEventName]: true }

export const API_EVENTS: readonly ApiEventName[] = Object.freeze(Object.keys(EVENT_TABLE) as ApiEventName[])

export function isApiEventName(value: unknown): value is ApiEventName {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(EVENT_TABLE, value)
}

// ───────────────────────────── errors ─────────────────────────────

export const API_ERROR_CODES = [
  'bad_request', // malformed message, wrong parameters
  'unknown_method', // not on the allow-list
  'forbidden', // the caller may not do this (wrong sender, path outside the workspace)
  'no_workspace', // a workspace must be opened first
  'not_found',
  'already_exists',
  'conflict', // the file changed on disk since it was read
  'invalid_flow', // the flow does not load; data.problems lists where
  'invalid_test',
  'session_not_found',
  'run_not_found',
  'untrusted', // the workspace's plugins were asked for before it was trusted
  'unavailable', // the transport is closed
  'internal',
] as const
export type ApiErrorCode = (typeof API_ERROR_CODES)[number]

export interface ApiErrorPayload {
  code: ApiErrorCode
  message: string
  data?: JsonValue
}

/** Thrown by services and by clients; crosses every transport as `{code, message, data}`. */
export class ApiError extends Error {
  override name = 'ApiError'
  readonly code: ApiErrorCode
  readonly data?: JsonValue
  constructor(code: ApiErrorCode, message: string, data?: JsonValue) {
    super(message)
    this.code = code
    if (data !== undefined) this.data = data
  }

  toPayload(): ApiErrorPayload {
    return this.data === undefined ? { code: this.code, message: this.message } : { code: this.code, message: this.message, data: this.data }
  }

  static fromPayload(payload: ApiErrorPayload): ApiError {
    const code = (API_ERROR_CODES as readonly string[]).includes(payload.code) ? payload.code : 'internal'
    return new ApiError(code, String(payload.message), payload.data)
  }
}

// ───────────────────────────── wire ─────────────────────────────

/** A call. `params` are the method's arguments in order (omitted trailing ones may be left out). */
export interface ApiRequest<M extends ApiMethod = ApiMethod> {
  id: number
  method: M
  params: ApiParams<M>
}

export type ApiResponse<M extends ApiMethod = ApiMethod> =
  | { id: number; result: ApiResult<M> }
  | { id: number; error: ApiErrorPayload }

export interface ApiEventMessage<E extends ApiEventName = ApiEventName> {
  event: E
  payload: ApiEvents[E]
}

export type AnyApiEventMessage = { [E in ApiEventName]: ApiEventMessage<E> }[ApiEventName]

/** The two Electron IPC channels. */
export const IPC_INVOKE_CHANNEL = 'flowbench:invoke'
export const IPC_EVENT_CHANNEL = 'flowbench:event'

/** A response without its id: what a transport hands back for one call. */
export type ApiReply = { result: unknown } | { error: ApiErrorPayload }

/** What the Electron preload exposes as `window.flowbench` (nothing else crosses the bridge). */
export interface FlowbenchBridge {
  /**
   * Always resolves, with `{result}` or `{error}`: Electron would rewrite a rejected invoke's
   * message, so errors travel as data.
   */
  invoke(method: ApiMethod, params: unknown[]): Promise<ApiReply>
  /** Returns the function that unsubscribes. */
  subscribe(listener: (message: AnyApiEventMessage) => void): () => void
}

/** The query parameter `flowbench serve` puts its access token in. */
export const SERVE_TOKEN_PARAM = 'token'
/** The WebSocket path of `flowbench serve`. */
export const SERVE_API_PATH = '/api'
