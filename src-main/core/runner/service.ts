// The test runner service, shared by the CLI and the workbench: finds and loads test files,
// plans their tests, filters and shards them, runs them in this thread or the worker pool,
// and assembles the report (outcomes, failures placed in the files, coverage), reporting
// progress as it goes and stopping when its AbortSignal fires.
import { statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { cpus } from 'node:os'
import type { FlowDocument } from '../../common/flow-schema'
import type { TestSuiteDocument } from '../../common/test-schema'
import type { ParsedDocument } from '../document/parse'
import { DocumentParseError, formatProblem } from '../document/parse'
import { listTransitions } from '../engine'
import { hashString } from '../engine/random'
import { fingerprintFlow, type FlowFingerprint } from '../impact/fingerprint'
import { loadFlowFile, loadTestSuiteFile, loadTestSuiteText } from '../flow/load'
import { findFiles, missingPaths, workspaceRelative } from '../workspace/discover'
import type { PluginLoadSpec } from '../plugins'
import type { TestPool } from '../pool/pool'
import { cancelBatches, createBatchControl, FlowCache, runTestBatch, setBailPoint, type BatchCoverage, type BatchOptions, type BatchResult, type TestBatch, type TestOutcome, type TranscriptMode } from './batch'
import { CoverageCollector, totalCoverage, type DeclaredFlow } from './coverage'
import { QUARANTINE_TAG, summarize, type CoverageGate, type PluginProblem, type RunEvent, type RunSummary, type SkipReason, type TestCaseReport, type TestRunReport, type TestSuiteReport } from './model'
import { planSuite, type PlannedTest } from './plan'
import { flowPluginInfo, mergePluginProblems, needsPlugins, type FlowPluginInfo } from './plugins'
import { isSelected, passesFilter, shardSlice, type ShardSpec, type TestSelector } from './select'

/** What to run and how; everything optional but the workspace root. */
export interface TestRunOptions {
  /** Absolute path of the workspace root: report paths are relative to it. */
  root: string
  /** Test files or folders (absolute, or relative to the root); default: the whole workspace. */
  paths?: string[]
  /** Only tests whose name (or `<suite name> <name>`) matches; the others are reported skipped. */
  grep?: string | RegExp
  /** Only tests carrying one of these tags; the others are reported skipped. */
  tags?: string[]
  /** Only these tests (the others are left out of the report). */
  select?: TestSelector[]
  /** This shard's slice of the ordered, `each`-expanded tests. */
  shard?: ShardSpec
  /** Runs per test; each test reports its worst outcome and a `stability` field. */
  repeat?: number
  /** Stop after the first failed or errored test (in run order); the rest are skipped. */
  bail?: boolean
  /** Threads to run on; default chosen by the run's size. 1 runs in the calling thread. */
  workers?: number
  /** Which tests keep their conversation in the report (default `failures`). */
  transcripts?: TranscriptMode
  /** Coverage gates, in percent. */
  minStateCoverage?: number
  minTransitionCoverage?: number
  /** Real time one test may take before it is abandoned as hung (default 10 s). */
  testTimeoutMs?: number
  /**
   * The plugins tests may use for what they do not mock (plain JSON: it travels to the worker
   * threads in every task). `allowWorkspaceCode` is the workspace's trust. Without it every
   * integration a test reaches must be mocked. Plugins are loaded (once per thread) only when a
   * test needs one; such tests run on a worker thread even in a run that otherwise stays in the
   * calling thread, so a plugin that kills its thread costs only its test.
   */
  plugins?: PluginLoadSpec
  signal?: AbortSignal
  onEvent?: (event: RunEvent) => void
}

export interface TestRunnerOptions {
  /** The tool version the report names. */
  version?: string
  /** The built worker entry (default: resolved next to the CLI or in the checkout's out/cli). */
  workerFile?: string
  /** Runs with fewer tests to execute than this stay in the calling thread: a pool costs start-up time. */
  inlineBelow?: number
  /** The cores a run may plan for (default: the machine's). */
  cores?: number
}

/** The run cannot start: a path that does not exist, a grep that is not a regular expression. */
export class TestRunInputError extends Error {
  override name = 'TestRunInputError'
}

/** Tests executed inline between two looks at the event loop (progress, cancellation). */
const INLINE_CHUNK = 100
/** Below this many (estimated) tests a run stays in the calling thread: a pool costs start-up time. */
const DEFAULT_INLINE_BELOW = 1000
/** With an explicit --workers N > 1, runs this small still stay inline. */
const EXPLICIT_POOL_MINIMUM = 200
const TESTS_PER_WORKER = 2000
/** A typical five-step test takes about this many bytes of YAML or JSON: sizes the run before it is parsed. */
const BYTES_PER_TEST = 450

interface LoadedFlowEntry {
  key: string
  file: string
  document: FlowDocument
  fingerprint: FlowFingerprint
  declared: DeclaredFlow
  /** What the flow may ask of plugins: decides which tests need them. */
  plugins: FlowPluginInfo
}

interface SuitePlan {
  file: string
  abs: string
  /** Hash of the file's text (undefined when it could not be read). */
  hash?: string
  name: string
  flow: string | null
  parsed?: ParsedDocument
  error?: { message: string; line?: number; column?: number }
  tests: PlannedTest[]
}

/** One position in the run's order: a test, or a test file that could not be read as tests. */
type Slot =
  | { kind: 'test'; suite: number; test: PlannedTest; skip?: SkipReason }
  | { kind: 'suite-error'; suite: number }

type TestSlot = Extract<Slot, { kind: 'test' }>

export class TestRunner {
  private pool: TestPool | undefined
  private poolThreads = 0

  constructor(private readonly options: TestRunnerOptions = {}) {}

  /** Runs tests and resolves with the report (a cancelled run resolves too, with `cancelled: true`). */
  async run(options: TestRunOptions): Promise<TestRunReport> {
    const startedAt = new Date()
    const t0 = performance.now()
    const root = resolve(options.root)
    const grep = compileGrep(options.grep)
    const paths = (options.paths?.length ? options.paths : [root]).map((p) => resolve(root, p))
    const missing = missingPaths(paths)
    if (missing.length) throw new TestRunInputError(`no such file or folder: ${missing.join(', ')}`)
    const repeat = Math.max(1, Math.floor(options.repeat ?? 1))
    const filter = { grep, tags: options.tags?.length ? options.tags : undefined }

    const files = await findFiles(paths, 'test')
    // Every file is read at once (the disk works while earlier files are parsed); parsing goes in order.
    const texts = files.map((abs) => readFile(abs, 'utf8').then((t) => t, (err: unknown) => (err instanceof Error ? err : new Error(String(err)))))
    let bytes = 0
    for (const abs of files) bytes += statSync(abs, { throwIfNoEntry: false })?.size ?? 0
    const { threads: workers, pool: usePool } = this.chooseThreads(options.workers, Math.round((bytes / BYTES_PER_TEST) * repeat))

    const state: RunState = { slots: [], outcomes: new Map(), coverage: [], bailAt: Infinity, pluginProblems: new Map() }
    const suites: SuitePlan[] = []
    const flows = new Map<string, Promise<LoadedFlowEntry | Error>>()
    const flowEntries = new Map<string, LoadedFlowEntry>()
    const progress = new ProgressEmitter(state, suites, options.onEvent)
    const batchOptions: BatchOptions = {
      repeat,
      bail: options.bail === true,
      transcripts: options.transcripts ?? 'failures',
      testTimeoutMs: options.testTimeoutMs ?? 10_000,
    }
    const context: ExecutionContext = {
      flows: flowEntries,
      options: batchOptions,
      signal: options.signal,
      plugins: options.plugins,
      accept: (result) => {
        if (result.plugins) mergePluginProblems(state.pluginProblems, result.plugins)
        state.coverage.push({ first: result.first, coverage: result.coverage })
        for (const o of result.outcomes) {
          state.outcomes.set(o.index, o)
          if (options.bail && o.status !== 'passed' && o.index < state.bailAt) state.bailAt = o.index
        }
        progress.advance(false)
      },
      bailAt: () => state.bailAt,
    }
    // Threads start now, so they boot (and later warm up on the first tests) while this thread still parses files.
    const pool = usePool ? await this.poolFor(workers) : undefined
    const executor: Executor = pool
      ? new PoolExecutor(pool, context, Math.round(bytes / BYTES_PER_TEST), workers)
      : new InlineExecutor(context, options.plugins ? this.isolation(context) : undefined)
    const threads = pool ? workers : 1
    // A shard needs the whole ordered list before it knows its slice; otherwise tests go to the threads as their file is read.
    const streaming = options.shard === undefined

    for (let i = 0; i < files.length; i++) {
      if (options.signal?.aborted) break
      const text = await texts[i]!
      const suite = await this.loadSuite(root, files[i]!, text, i, flows, flowEntries)
      suites.push(suite)
      const added = appendSuite(state, suite, i, options.select, filter)
      if (options.bail && added.errorSlot !== undefined) state.bailAt = Math.min(state.bailAt, added.errorSlot)
      if (streaming) executor.submit(added.runnable)
    }
    if (!streaming) {
      const tests = state.slots.filter((s): s is TestSlot => s.kind === 'test')
      // Sharded over the tests; a file that does not parse (its tests unknown) is reported by every shard, so no shard passes over it.
      const mine = new Set<Slot>(shardSlice(tests, options.shard!))
      state.slots = state.slots.filter((s) => s.kind === 'suite-error' || mine.has(s))
      // Positions changed: so does the place of a suite that cannot run (nothing has run yet).
      state.bailAt = Infinity
      state.slots.forEach((slot, i) => {
        if (slot.kind === 'test') slot.test.index = i
        else if (options.bail && i < state.bailAt) state.bailAt = i
      })
      executor.submit(state.slots.filter((s): s is TestSlot => s.kind === 'test' && !s.skip).map((s) => s.test))
    }
    progress.started(threads)
    await executor.finish()

    const cancelled = options.signal?.aborted === true
    progress.advance(true, cancelled)
    const report = this.assemble(state, suites, flowEntries, progress, cancelled, options, {
      startedAt, t0, root, files: files.length, workers: threads, repeat,
    })
    options.onEvent?.({ kind: 'finished', report })
    return report
  }

  private assemble(
    state: RunState,
    suites: readonly SuitePlan[],
    flowEntries: ReadonlyMap<string, LoadedFlowEntry>,
    progress: ProgressEmitter,
    cancelled: boolean,
    options: TestRunOptions,
    run: { startedAt: Date; t0: number; root: string; files: number; workers: number; repeat: number },
  ): TestRunReport {
    const coverage = new CoverageCollector()
    const reports: TestSuiteReport[] = suites.map((suite) => ({
      file: suite.file,
      flow: suite.flow,
      name: suite.name,
      tests: [],
      duration_ms: 0,
      ...(suite.error ? { error: suite.error.message, line: suite.error.line, column: suite.error.column } : {}),
    }))
    const included = new Set<number>()
    for (const slot of state.slots) {
      const report = reports[slot.suite]!
      included.add(slot.suite)
      const test = progress.reportOf(slot, cancelled)
      report.tests.push(test)
      report.duration_ms += test.duration_ms
    }
    // Batches past a bail point that another thread happened to run do not count: the result
    // must not depend on threads. (A batch that holds the bail point stopped there.)
    for (const batch of state.coverage) {
      if (batch.first > state.bailAt) continue
      for (const key in batch.coverage) {
        const flow = flowEntries.get(key)
        if (!flow) continue
        coverage.declare(flow.file, flow.declared)
        coverage.record(flow.file, batch.coverage[key]!)
      }
    }
    const suiteReports = reports.filter((_, i) => included.has(i))
    const quarantined = { total: 0, failed: 0 }
    for (const r of suiteReports) {
      for (const t of r.tests) {
        if (!t.quarantined) continue
        quarantined.total++
        if (t.status === 'failed' || t.status === 'error') quarantined.failed++
      }
    }
    for (const r of suiteReports) r.duration_ms = round(r.duration_ms)
    const coverageReport = coverage.report()
    const coverageTotal = totalCoverage(coverageReport)
    const gates: CoverageGate[] = []
    const exact = (kind: 'states' | 'transitions') => {
      const r = coverageTotal[kind]
      return r.total === 0 ? 100 : (r.covered / r.total) * 100
    }
    if (options.minStateCoverage !== undefined) {
      gates.push({ kind: 'states', minimum: options.minStateCoverage, actual: coverageTotal.states.percent, passed: exact('states') >= options.minStateCoverage })
    }
    if (options.minTransitionCoverage !== undefined) {
      gates.push({ kind: 'transitions', minimum: options.minTransitionCoverage, actual: coverageTotal.transitions.percent, passed: exact('transitions') >= options.minTransitionCoverage })
    }
    return {
      tool: 'flowbench',
      version: this.options.version ?? '0.0.0',
      started_at: run.startedAt.toISOString(),
      duration_ms: round(performance.now() - run.t0),
      summary: summarize(suiteReports),
      suites: suiteReports,
      coverage: coverageReport,
      coverage_total: coverageTotal,
      workspace: run.root,
      files: run.files,
      workers: run.workers,
      repeat: run.repeat,
      ...(options.shard ? { shard: { index: options.shard.index, count: options.shard.count } } : {}),
      gates,
      bailed: state.bailAt !== Infinity,
      cancelled,
      ...(state.pluginProblems.size ? { plugins: [...state.pluginProblems.values()] } : {}),
      quarantined,
      fingerprints: {
        flows: Object.fromEntries([...flowEntries.values()].map((f) => [f.file, f.fingerprint])),
        tests: Object.fromEntries(suites.filter((s) => s.hash !== undefined).map((s) => [s.file, s.hash!])),
      },
    }
  }

  /**
   * Where an otherwise inline run sends the tests that need plugin code: a worker thread (the
   * runner's pool if it has one, else one thread started on first use), so a plugin that crashes
   * its thread errors its test instead of ending the host. Without a built worker they stay here.
   */
  private isolation(ctx: ExecutionContext): Isolation {
    const needs = (t: PlannedTest): boolean => {
      const flow = ctx.flows.get(t.flow)
      return flow !== undefined && t.problem === undefined && needsPlugins(flow.plugins, t)
    }
    return { needs, pool: async () => this.pool ?? (await this.poolFor(1)) }
  }

  /** Ends the worker threads, if any were started. */
  async dispose(): Promise<void> {
    const pool = this.pool
    this.pool = undefined
    if (pool) await pool.destroy()
  }

  /**
   * Where a run of about `estimatedTests` test runs executes: in this thread (small runs, or
   * `--workers 1`), or on a pool of threads that runs tests while this thread still reads and
   * plans files. Left to itself, the pool gets the cores minus two: one for this thread and one
   * for V8's own background threads (JIT compilation and GC), which on a cold run use about as
   * much CPU as this thread does. So a 2-core machine runs in this thread, where measurements
   * showed a pool no quicker; each extra thread also pays the engine's JIT warm-up again.
   */
  private chooseThreads(requested: number | undefined, estimatedTests: number): { threads: number; pool: boolean } {
    const cores = Math.max(1, this.options.cores ?? cpus().length)
    const inlineBelow = this.options.inlineBelow ?? DEFAULT_INLINE_BELOW
    if (requested !== undefined) {
      if (requested <= 1 || estimatedTests < Math.min(inlineBelow, EXPLICIT_POOL_MINIMUM)) return { threads: 1, pool: false }
      return { threads: Math.floor(requested), pool: true }
    }
    const threads = Math.min(cores - 2, Math.ceil(estimatedTests / TESTS_PER_WORKER))
    if (estimatedTests < inlineBelow || threads < 1) return { threads: 1, pool: false }
    return { threads, pool: true }
  }

  private async loadSuite(
    root: string,
    abs: string,
    text: string | Error,
    index: number,
    flows: Map<string, Promise<LoadedFlowEntry | Error>>,
    flowEntries: Map<string, LoadedFlowEntry>,
  ): Promise<SuitePlan> {
    const file = workspaceRelative(root, abs)
    const plan = await this.loadSuitePlan(root, abs, file, text, index, flows, flowEntries)
    if (typeof text === 'string') plan.hash = hashString(text).toString(36)
    return plan
  }

  private async loadSuitePlan(
    root: string,
    abs: string,
    file: string,
    text: string | Error,
    index: number,
    flows: Map<string, Promise<LoadedFlowEntry | Error>>,
    flowEntries: Map<string, LoadedFlowEntry>,
  ): Promise<SuitePlan> {
    const fallbackName = file.split('/').pop()!.replace(/\.test\.(json|ya?ml)$/i, '')
    let loaded: { document: TestSuiteDocument; parsed: ParsedDocument }
    try {
      loaded = typeof text === 'string' ? loadTestSuiteText(text, file) : await loadTestSuiteFile(abs, file)
    } catch (err) {
      return { file, abs, name: fallbackName, flow: null, error: loadErrorOf(err, file), tests: [] }
    }
    const doc = loaded.document
    const name = typeof doc.name === 'string' && doc.name ? doc.name : fallbackName
    const flowAbs = resolve(dirname(abs), doc.flow)
    const flowFile = workspaceRelative(root, flowAbs)
    let pending = flows.get(flowAbs)
    if (!pending) {
      pending = loadFlowEntry(flowAbs, flowFile)
      flows.set(flowAbs, pending)
    }
    const flow = await pending
    if (flow instanceof Error) {
      const at = loaded.parsed.locate(['flow'])
      const message = `${formatProblem({ file, line: at?.line ?? 1, column: at?.column ?? 1, path: 'flow', message: `the flow ${JSON.stringify(doc.flow)} does not load:` })}\n${indent(flow.message)}`
      // The tests are known: each is reported as an error of its own (named, tagged, in its place).
      const tests = planSuite(doc, index, '', 0)
      for (const t of tests) {
        t.problem = message
        delete t.problemStep
      }
      return { file, abs, name, flow: flowFile, parsed: loaded.parsed, error: { message, line: at?.line ?? 1, column: at?.column ?? 1 }, tests }
    }
    flowEntries.set(flow.key, flow)
    return { file, abs, name, flow: flowFile, parsed: loaded.parsed, tests: planSuite(doc, index, flow.key, 0) }
  }

  /** The pool for `workers` threads, or undefined when no worker is built (the run then stays in this thread). */
  private async poolFor(workers: number): Promise<TestPool | undefined> {
    if (this.pool && this.poolThreads === workers) return this.pool
    if (this.pool) await this.pool.destroy()
    this.pool = undefined
    const { TestPool, resolveWorkerFile } = await import('../pool/pool')
    let workerFile = this.options.workerFile
    try {
      workerFile ??= resolveWorkerFile()
    } catch {
      return undefined
    }
    this.pool = new TestPool({ threads: workers, workerFile })
    this.poolThreads = workers
    return this.pool
  }
}

interface RunState {
  slots: Slot[]
  outcomes: Map<number, TestOutcome>
  /** Coverage per batch, by the index of the batch's first test. */
  coverage: Array<{ first: number; coverage: BatchCoverage }>
  /** Index of the first failed or errored test under --bail (Infinity until one is known). */
  bailAt: number
  /** Plugins that could not be loaded, each once, as the threads that loaded plugins reported them. */
  pluginProblems: Map<string, PluginProblem>
}

/** Adds a suite's slots in run order (selection and filters applied) and returns the tests to execute. */
function appendSuite(
  state: RunState,
  suite: SuitePlan,
  suiteIndex: number,
  select: readonly TestSelector[] | undefined,
  filter: { grep?: RegExp; tags?: readonly string[] },
): { errorSlot?: number; runnable: PlannedTest[] } {
  const runnable: PlannedTest[] = []
  // A file that does not parse has no tests to report: one stand-in error takes their place.
  if (suite.error && !suite.tests.length) {
    if (select?.length && !select.some((sel) => sel.file === suite.file)) return { runnable }
    state.slots.push({ kind: 'suite-error', suite: suiteIndex })
    return { errorSlot: state.slots.length - 1, runnable }
  }
  for (const test of suite.tests) {
    if (select?.length && !isSelected(select, suite.file, test.name, test.baseName)) continue
    const slot: TestSlot = { kind: 'test', suite: suiteIndex, test }
    if (test.skip) slot.skip = 'skip'
    else if (!passesFilter({ name: test.name, suiteName: suite.name, tags: test.tags }, filter)) slot.skip = 'filtered'
    // Indexes follow the run's order, so outcomes can be matched and ordered whatever thread ran them.
    test.index = state.slots.length
    state.slots.push(slot)
    if (!slot.skip) runnable.push(test)
  }
  return { runnable }
}

interface ExecutionContext {
  flows: Map<string, LoadedFlowEntry>
  options: BatchOptions
  signal: AbortSignal | undefined
  plugins: PluginLoadSpec | undefined
  accept(result: BatchResult): void
  bailAt(): number
}

/** How an inline run keeps plugin code off its thread: which tests need plugins, and the pool they run on. */
interface Isolation {
  needs(test: PlannedTest): boolean
  pool(): Promise<TestPool | undefined>
}

/** Where tests run: takes them in run order as they are planned, runs them, reports outcomes to the context. */
interface Executor {
  submit(tests: readonly PlannedTest[]): void
  /** Resolves once every submitted test has an outcome (or was dropped by bail or cancellation). */
  finish(): Promise<void>
}

/**
 * In this thread, in chunks, after everything is planned (one thread gains nothing from
 * overlapping). With an isolation, the tests that need plugin code go to a worker thread in
 * their turn (still one at a time, in order, so bail and coverage are as in this thread).
 */
class InlineExecutor implements Executor {
  private readonly queue: PlannedTest[] = []
  private readonly cache = new FlowCache()
  private control: Int32Array | undefined

  constructor(
    private readonly ctx: ExecutionContext,
    private readonly isolation?: Isolation,
  ) {}

  submit(tests: readonly PlannedTest[]): void {
    for (const t of tests) this.queue.push(t)
  }

  async finish(): Promise<void> {
    const ctx = this.ctx
    const onAbort = () => {
      if (this.control) cancelBatches(this.control)
    }
    ctx.signal?.addEventListener('abort', onAbort, { once: true })
    try {
      for (let i = 0; i < this.queue.length; i += INLINE_CHUNK) {
        if (ctx.signal?.aborted) return
        const chunk = this.queue.slice(i, i + INLINE_CHUNK).filter((t) => t.index <= ctx.bailAt())
        if (!chunk.length) return
        if (!(await this.runChunk(chunk))) return
        // Lets progress output, cancellation and a host's other work through between chunks.
        if (i + INLINE_CHUNK < this.queue.length) await new Promise<void>((r) => setImmediate(r))
      }
    } finally {
      ctx.signal?.removeEventListener('abort', onAbort)
    }
  }

  /** Runs a chunk; false when the run stopped inside it (bail, cancellation). */
  private async runChunk(chunk: PlannedTest[]): Promise<boolean> {
    const ctx = this.ctx
    const isolation = this.isolation
    if (!isolation || !chunk.some((t) => isolation.needs(t))) {
      ctx.accept(await runTestBatch(batchOf(chunk, ctx), this.cache, ctx.signal))
      return true
    }
    // Consecutive tests of one kind together: here, or on a worker thread.
    let start = 0
    while (start < chunk.length) {
      const isolated = isolation.needs(chunk[start]!)
      let end = start + 1
      while (end < chunk.length && isolation.needs(chunk[end]!) === isolated) end++
      if (ctx.signal?.aborted) return false
      const tests = chunk.slice(start, end).filter((t) => t.index <= ctx.bailAt())
      if (!tests.length) return false
      const pool = isolated ? await isolation.pool() : undefined
      if (pool) {
        this.control ??= createBatchControl()
        await runOnPool(pool, tests, ctx, this.control)
      } else ctx.accept(await runTestBatch(batchOf(tests, ctx), this.cache, ctx.signal))
      start = end
    }
    return true
  }
}

/**
 * Runs tests as one task on the pool. When the thread dies (a crash, out of memory, a plugin
 * that exits) the tests are re-run one by one to find the ones that kill it; those error, the
 * rest still run. One at a time: this is rare, and a test that kills its thread costs a thread
 * restart each time.
 */
async function runOnPool(pool: TestPool, tests: PlannedTest[], ctx: ExecutionContext, control: Int32Array): Promise<void> {
  const stopped = (index: number): boolean => ctx.signal?.aborted === true || index > ctx.bailAt()
  if (stopped(tests[0]!.index)) return
  setBailPoint(control, ctx.bailAt())
  try {
    ctx.accept(await pool.runBatch(batchOf(tests, ctx, control)))
  } catch (err) {
    for (const test of tests) {
      if (stopped(test.index)) return
      try {
        ctx.accept(await pool.runBatch(batchOf([test], ctx, control)))
      } catch (again) {
        ctx.accept({ first: test.index, outcomes: [workerDiedOutcome(test.index, again ?? err)], coverage: {} })
      }
    }
  }
  setBailPoint(control, ctx.bailAt())
}

/**
 * On the worker pool, in batches cut as tests arrive: the first batches are small so every
 * thread starts early, later ones larger so the ~50 µs a task costs disappears next to its tests.
 *
 * Tasks are never aborted through piscina: aborting a task that is finishing races with its
 * answer (piscina then throws "Unexpected message from Worker" outside any promise). Instead at
 * most two tasks per thread are handed over at a time, and a shared control block tells the
 * threads to stop early (cancellation) or to skip tests past the bail point.
 */
class PoolExecutor implements Executor {
  private pending: PlannedTest[] = []
  private readonly queue: PlannedTest[][] = []
  private readonly running = new Set<Promise<void>>()
  private readonly target: number
  private cut = 0
  private finishing = false
  private idle: (() => void) | undefined
  private readonly control = createBatchControl()
  private readonly onAbort = () => cancelBatches(this.control)

  constructor(
    private readonly pool: TestPool,
    private readonly ctx: ExecutionContext,
    estimatedTests: number,
    private readonly workers: number,
  ) {
    this.target = Math.max(50, Math.min(500, Math.ceil(estimatedTests / (workers * 4))))
    ctx.signal?.addEventListener('abort', this.onAbort, { once: true })
  }

  private nextSize(): number {
    // Ramp up: the first batch per thread is small, so all threads are busy while the files are still being read.
    return this.cut < this.workers ? Math.min(50, this.target) : this.target
  }

  submit(tests: readonly PlannedTest[]): void {
    for (const t of tests) {
      this.pending.push(t)
      if (this.pending.length >= this.nextSize()) this.cutBatch()
    }
  }

  private cutBatch(): void {
    if (!this.pending.length) return
    this.queue.push(this.pending)
    this.pending = []
    this.cut++
    this.dispatch()
  }

  private dispatch(): void {
    while (this.running.size < this.workers * 2 && this.queue.length) {
      const tests = this.queue.shift()!
      const task: Promise<void> = this.runBatch(tests).finally(() => {
        this.running.delete(task)
        this.dispatch()
        if (!this.running.size && !this.queue.length && this.finishing) this.idle?.()
      })
      this.running.add(task)
    }
  }

  private runBatch(tests: PlannedTest[]): Promise<void> {
    return runOnPool(this.pool, tests, this.ctx, this.control)
  }

  async finish(): Promise<void> {
    this.cutBatch()
    this.finishing = true
    try {
      if (this.running.size || this.queue.length) await new Promise<void>((resolve) => (this.idle = resolve))
    } finally {
      this.ctx.signal?.removeEventListener('abort', this.onAbort)
    }
  }
}

/** Runs one set of tests with a fresh runner and disposes of its threads (the CLI's way). */
export async function runTests(options: TestRunOptions, runner: TestRunnerOptions = {}): Promise<TestRunReport> {
  const r = new TestRunner(runner)
  try {
    return await r.run(options)
  } finally {
    await r.dispose()
  }
}

function batchOf(tests: PlannedTest[], ctx: ExecutionContext, control?: Int32Array): TestBatch {
  const flows: Record<string, FlowDocument> = {}
  for (const t of tests) {
    if (!flows[t.flow]) {
      const entry = ctx.flows.get(t.flow)
      if (entry) flows[t.flow] = entry.document
    }
  }
  const batch: TestBatch = { flows, tests, options: ctx.options }
  if (control) batch.control = control
  if (ctx.plugins) batch.plugins = ctx.plugins
  return batch
}

function workerDiedOutcome(index: number, err: unknown): TestOutcome {
  const why = err instanceof Error ? err.message : String(err)
  return {
    index,
    status: 'error',
    duration_ms: 0,
    failures: [],
    error: `the worker thread running this test stopped unexpectedly (${why})`,
  }
}

function compileGrep(grep: string | RegExp | undefined): RegExp | undefined {
  if (grep === undefined || grep instanceof RegExp) return grep
  try {
    return new RegExp(grep)
  } catch (err) {
    throw new TestRunInputError(`--grep ${JSON.stringify(grep)} is not a regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`)
  }
}

async function loadFlowEntry(abs: string, file: string): Promise<LoadedFlowEntry | Error> {
  try {
    const loaded = await loadFlowFile(abs, file)
    const document = loaded.document
    return {
      // The key changes with the flow's text, so a worker never runs a stale compilation.
      key: `${file}#${hashString(loaded.parsed.text).toString(36)}`,
      file,
      document,
      fingerprint: fingerprintFlow(document),
      declared: { states: Object.keys(document.states), transitions: listTransitions(document).map((t) => t.key) },
      plugins: flowPluginInfo(document),
    }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

function loadErrorOf(err: unknown, file: string): { message: string; line?: number; column?: number } {
  if (err instanceof DocumentParseError) {
    const first = err.problems[0]
    return { message: err.message, ...(first?.line !== undefined ? { line: first.line, column: first.column ?? 1 } : {}) }
  }
  return { message: `${file} ${err instanceof Error ? err.message : String(err)}` }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `  ${l}`).join('\n')
}

function round(ms: number): number {
  return Math.round(ms * 1000) / 1000
}

/** Places a failed or errored test's steps in its file (a YAML position lookup, so only for the few that need it). */
function locate(suite: SuitePlan, planned: PlannedTest, test: TestCaseReport): void {
  const parsed = suite.parsed
  if (!parsed) return
  const at = parsed.locate(['tests', planned.source])
  if (at) {
    test.line = at.line
    test.column = at.column
  }
  for (const f of test.failures) {
    const pos = parsed.locate(['tests', planned.source, 'steps', f.step])
    if (pos) {
      f.line = pos.line
      f.column = pos.column
    }
  }
}

/**
 * Emits progress in run order, whichever thread finished first, so a run's events (like its
 * report) are the same with one thread or many. Nothing is emitted before `started` (when the
 * run knows all its tests); what finished earlier is emitted then.
 */
class ProgressEmitter {
  private next = 0
  private isStarted = false
  private readonly counts: RunSummary = { total: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }
  private suiteDone: TestCaseReport[][] = []
  private suiteRemaining: number[] = []
  private readonly reported = new Map<Slot, TestCaseReport>()

  constructor(
    private readonly state: RunState,
    private readonly suites: readonly SuitePlan[],
    private readonly onEvent: ((event: RunEvent) => void) | undefined,
  ) {}

  started(workers: number): void {
    this.isStarted = true
    this.suiteDone = this.suites.map(() => [])
    this.suiteRemaining = this.suites.map(() => 0)
    for (const s of this.state.slots) this.suiteRemaining[s.suite]!++
    const suites = new Set(this.state.slots.map((s) => s.suite)).size
    this.onEvent?.({ kind: 'started', total: this.state.slots.length, suites, workers })
    this.advance(false)
  }

  /** Emits every slot whose result is known, in order; at the end (`final`) everything left. */
  advance(final: boolean, cancelled = false): void {
    if (!this.isStarted) return
    const { slots, outcomes, bailAt } = this.state
    while (this.next < slots.length) {
      const slot = slots[this.next]!
      const known = slot.kind === 'suite-error' || slot.skip !== undefined || outcomes.has(slot.test.index) || this.next > bailAt
      if (!known && !final) break
      const test = this.reportOf(slot, cancelled)
      this.next++
      this.count(test)
      if (!this.onEvent) continue
      const file = this.suites[slot.suite]!.file
      const total = slots.length
      this.onEvent({ kind: 'test', file, test, done: this.next, total, summary: { ...this.counts } })
      this.suiteDone[slot.suite]!.push(test)
      if (--this.suiteRemaining[slot.suite]! === 0) {
        const suite = this.suites[slot.suite]!
        const tests = this.suiteDone[slot.suite]!
        this.onEvent({
          kind: 'suite',
          suite: {
            file,
            flow: suite.flow,
            name: suite.name,
            tests,
            duration_ms: round(tests.reduce((a, t) => a + t.duration_ms, 0)),
            ...(suite.error ? { error: suite.error.message, line: suite.error.line, column: suite.error.column } : {}),
          },
          done: this.next,
          total,
          summary: { ...this.counts },
        })
      }
    }
  }

  private count(test: TestCaseReport): void {
    this.counts.total++
    if (test.status === 'passed') this.counts.passed++
    else if (test.status === 'failed') this.counts.failed++
    else if (test.status === 'error') this.counts.errors++
    else this.counts.skipped++
  }

  /** The report entry of a slot (made once, so events and the final report share it). */
  reportOf(slot: Slot, cancelled: boolean): TestCaseReport {
    let test = this.reported.get(slot)
    if (test) return test
    test = slot.kind === 'suite-error' ? this.suiteErrorTest(slot.suite) : this.testReport(slot, cancelled)
    this.reported.set(slot, test)
    return test
  }

  /** The stand-in test of a suite that could not run: one error, so totals and exit codes see it. */
  private suiteErrorTest(suite: number): TestCaseReport {
    const s = this.suites[suite]!
    return {
      name: s.file,
      status: 'error',
      duration_ms: 0,
      failures: [],
      tags: [],
      error: s.error!.message,
      ...(s.error!.line !== undefined ? { line: s.error!.line, column: s.error!.column } : {}),
    }
  }

  private testReport(slot: TestSlot, cancelled: boolean): TestCaseReport {
    const { name, tags, index } = slot.test
    const outcome = this.state.outcomes.get(index)
    const quarantine = tags.includes(QUARANTINE_TAG) ? { quarantined: true } : {}
    if (slot.skip) return { name, status: 'skipped', duration_ms: 0, failures: [], tags, skip_reason: slot.skip, ...quarantine }
    if (!outcome || index > this.state.bailAt) {
      const reason: SkipReason = index > this.state.bailAt ? 'bail' : cancelled ? 'cancelled' : 'bail'
      return { name, status: 'skipped', duration_ms: 0, failures: [], tags, skip_reason: reason, ...quarantine }
    }
    const test: TestCaseReport = { name, status: outcome.status, duration_ms: outcome.duration_ms, failures: outcome.failures, tags }
    if (outcome.error !== undefined) test.error = outcome.error
    if (outcome.error_step !== undefined) test.error_step = outcome.error_step
    if (outcome.stability) test.stability = outcome.stability
    if (quarantine.quarantined) test.quarantined = true
    if (outcome.path) test.path = outcome.path
    if (outcome.transcript) test.transcript = outcome.transcript
    if (test.status !== 'passed') locate(this.suites[slot.suite]!, slot.test, test)
    return test
  }
}
