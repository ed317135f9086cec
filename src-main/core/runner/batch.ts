// Runs planned tests against the engine: one fresh conversation per test on its own fake
// clock, breaker registry and mocks; steps in order; expectations checked after each turn;
// the test stops at its first failing step. Used in the calling thread and in pool workers.
// With a plugin spec, tests that call an integration they do not mock (or need the flow's NLU
// plugin) get the plugins too, loaded once per thread by the first test that needs them.
import type { FlowDocument } from '../../common/flow-schema'
import type { TurnResult } from '../../common/turn'
import { BreakerRegistry, compileFlow, Engine, FakeClock, type CompiledFlow } from '../engine'
import type { PluginLoadSpec } from '../plugins'
import { checkTurn } from './expectations'
import { TestDefinitionError } from './matchers'
import { MockIntegrations, SnapshotNlu } from './mocks'
import type { Failure, PluginProblem, Stability, TestStatus, TranscriptTurn } from './model'
import type { PlannedStep, PlannedTest } from './plan'
import { flowPluginInfo, needsPlugins, pluginsFor, testPluginProviders, type FlowPluginInfo, type RunPlugins, type TestPluginProviders } from './plugins'

/** Which tests keep their conversation in the results. */
export type TranscriptMode = 'all' | 'failures' | 'none'

export interface BatchOptions {
  /** Runs per test (`--repeat`); the test reports its worst outcome. */
  repeat: number
  /** Stop the batch after the first failed or errored test. */
  bail: boolean
  transcripts: TranscriptMode
  /** Real time a single run may take before it is abandoned as hung (the engine itself runs on fake time). */
  testTimeoutMs: number
}

/** Tests and the flows they run against, as plain data (it crosses to worker threads). */
export interface TestBatch {
  /** Flow key → document; the key changes whenever the flow's text does. */
  flows: Record<string, FlowDocument>
  tests: PlannedTest[]
  options: BatchOptions
  /** Shared with the thread that sent the batch (see createBatchControl): stop early, skip past the bail point. */
  control?: Int32Array
  /** The plugins tests may use (plain JSON); without it every integration must be mocked. */
  plugins?: PluginLoadSpec
}

const CONTROL_CANCELLED = 0
const CONTROL_BAIL_AT = 1
const NO_BAIL = 0x7fffffff

/**
 * A control block on shared memory: a thread running a batch sees cancellation and the bail
 * point at once, between two tests, without aborting the task (and without a message).
 */
export function createBatchControl(): Int32Array {
  const control = new Int32Array(new SharedArrayBuffer(8))
  control[CONTROL_BAIL_AT] = NO_BAIL
  return control
}

export function cancelBatches(control: Int32Array): void {
  Atomics.store(control, CONTROL_CANCELLED, 1)
}

export function setBailPoint(control: Int32Array, index: number): void {
  if (index < Atomics.load(control, CONTROL_BAIL_AT)) Atomics.store(control, CONTROL_BAIL_AT, Math.min(index, NO_BAIL))
}

function stoppedBy(control: Int32Array | undefined, index: number): boolean {
  return control !== undefined && (Atomics.load(control, CONTROL_CANCELLED) === 1 || index > Atomics.load(control, CONTROL_BAIL_AT))
}

/** A test's result as the runner gets it back (positions and names are added by the run). */
export interface TestOutcome {
  index: number
  status: Exclude<TestStatus, 'skipped'>
  duration_ms: number
  failures: Failure[]
  error?: string
  error_step?: number
  stability?: Stability
  transcript?: TranscriptTurn[]
  /** States entered and transitions taken over all its runs. */
  path?: { states: string[]; transitions: string[] }
}

/** States entered and transitions taken, per flow key. */
export type BatchCoverage = Record<string, { states: string[]; transitions: string[] }>

/**
 * A batch's results: one outcome per test run (in order; fewer when it bailed or was stopped)
 * and the coverage of exactly those tests, up to where each stopped. Coverage travels per
 * batch, not per test: a batch is a contiguous run of tests, so a bail point cuts whole batches.
 */
export interface BatchResult {
  /** Index of the batch's first test. */
  first: number
  outcomes: TestOutcome[]
  coverage: BatchCoverage
  /** Set when a test of the batch needed plugins: the ones that could not be loaded (possibly none). */
  plugins?: PluginProblem[]
}

/** Compiled flows by key, each compiled once per thread, and an engine per flow and seed. */
export class FlowCache {
  private readonly compiled = new Map<string, CompiledFlow | Error>()
  private readonly engines = new Map<string, Engine>()
  private readonly pluginInfos = new Map<string, FlowPluginInfo>()

  get(key: string, doc: FlowDocument | undefined): CompiledFlow | Error {
    let entry = this.compiled.get(key)
    if (entry === undefined) {
      if (!doc) return new Error(`the flow ${key} was not sent with the tests`)
      try {
        entry = compileFlow(doc)
      } catch (err) {
        entry = err instanceof Error ? err : new Error(String(err))
      }
      this.compiled.set(key, entry)
    }
    return entry
  }

  /** Conversations bring their own clock, mocks and breakers; the engine itself holds nothing per test. */
  engine(key: string, flow: CompiledFlow, seed: number): Engine {
    const id = `${seed}\u0000${key}`
    let engine = this.engines.get(id)
    if (!engine) {
      engine = new Engine(flow, { seed })
      this.engines.set(id, engine)
    }
    return engine
  }

  /** What the flow may ask of plugins (its integration ids, its NLU plugin). */
  pluginInfo(key: string, flow: CompiledFlow): FlowPluginInfo {
    let info = this.pluginInfos.get(key)
    if (!info) {
      info = flowPluginInfo(flow.document)
      this.pluginInfos.set(key, info)
    }
    return info
  }

  clear(): void {
    this.compiled.clear()
    this.engines.clear()
    this.pluginInfos.clear()
  }
}

/** What a batch's tests entered and took, per flow. */
class CoverageSink {
  private readonly flows = new Map<string, { states: Set<string>; transitions: Set<string> }>()

  forFlow(key: string): { states: Set<string>; transitions: Set<string> } {
    let entry = this.flows.get(key)
    if (!entry) {
      entry = { states: new Set(), transitions: new Set() }
      this.flows.set(key, entry)
    }
    return entry
  }

  toJSON(): BatchCoverage {
    const out: BatchCoverage = {}
    for (const [key, c] of this.flows) out[key] = { states: [...c.states], transitions: [...c.transitions] }
    return out
  }
}

/** Runs a batch's tests in order; stops early on bail, on the signal, or when the control block says so. */
export async function runTestBatch(batch: TestBatch, cache: FlowCache, signal?: AbortSignal): Promise<BatchResult> {
  const outcomes: TestOutcome[] = []
  const coverage = new CoverageSink()
  const watchdog = new Watchdog(batch.options.testTimeoutMs)
  let plugins: RunPlugins | undefined
  try {
    for (const test of batch.tests) {
      if (signal?.aborted || stoppedBy(batch.control, test.index)) break
      const flow = test.problem === undefined ? cache.get(test.flow, batch.flows[test.flow]) : undefined
      let outcome: TestOutcome
      if (test.problem !== undefined) outcome = errorOutcome(test.index, test.problem, test.problemStep)
      else if (flow instanceof Error) outcome = errorOutcome(test.index, `the flow does not compile: ${flow.message}`)
      else {
        const ctx: RunContext = { cache, coverage: coverage.forFlow(test.flow), watchdog }
        const info = batch.plugins ? cache.pluginInfo(test.flow, flow!) : undefined
        // Only a test that can reach plugin code loads them: a run whose tests mock everything never does.
        if (batch.plugins && info && needsPlugins(info, test)) {
          plugins ??= await pluginsFor(batch.plugins)
          ctx.plugins = { plugins, nlu: info.nlu }
        }
        outcome = await runPlannedTest(flow!, test, batch.options, ctx)
      }
      outcomes.push(outcome)
      if (batch.options.bail && outcome.status !== 'passed') break
    }
  } finally {
    watchdog.stop()
  }
  const result: BatchResult = { first: batch.tests[0]?.index ?? 0, outcomes, coverage: coverage.toJSON() }
  if (plugins) result.plugins = plugins.problems
  return result
}

function errorOutcome(index: number, message: string, step?: number): TestOutcome {
  const outcome: TestOutcome = { index, status: 'error', duration_ms: 0, failures: [], error: message }
  if (step !== undefined) outcome.error_step = step
  return outcome
}

const SEVERITY: Record<TestOutcome['status'], number> = { passed: 0, failed: 1, error: 2 }

export interface RunContext {
  cache?: FlowCache
  /** Receives the states entered and transitions taken by every run. */
  coverage?: { states: Set<string>; transitions: Set<string> }
  watchdog?: Watchdog
  /** The plugins this test uses after its mocks, and the NLU plugin its flow names. */
  plugins?: { plugins: RunPlugins; nlu: string | undefined }
}

/** All runs of one test folded into one outcome: the worst run (the first of them) speaks for it. */
export async function runPlannedTest(flow: CompiledFlow, test: PlannedTest, options: BatchOptions, ctx: RunContext = {}): Promise<TestOutcome> {
  if (test.problem !== undefined) return errorOutcome(test.index, test.problem, test.problemStep)
  const repeat = Math.max(1, options.repeat)
  let worst: RunResult | undefined
  let passed = 0
  let failed = 0
  let errors = 0
  const started = performance.now()
  const pathStates = new Set<string>()
  const pathTransitions = new Set<string>()
  for (let r = 0; r < repeat; r++) {
    // Each repetition gets its own seed, so retry jitter differs between runs and --repeat can
    // reveal a test that depends on it; a single run is as reproducible as ever.
    const engine = ctx.cache ? ctx.cache.engine(test.flow, flow, r) : new Engine(flow, { seed: r })
    const run = ctx.watchdog ? await ctx.watchdog.guard(() => runOnce(engine, flow, test, ctx.plugins)) : await runOnce(engine, flow, test, ctx.plugins)
    if (run.status === 'passed') passed++
    else if (run.status === 'failed') failed++
    else errors++
    for (const turn of run.turns) {
      for (const s of turn.path) pathStates.add(s)
      for (const t of turn.transitions) pathTransitions.add(t)
    }
    if (ctx.coverage) {
      const { states, transitions } = ctx.coverage
      for (const s of pathStates) states.add(s)
      for (const t of pathTransitions) transitions.add(t)
    }
    if (!worst || SEVERITY[run.status] > SEVERITY[worst.status]) worst = run
  }
  const result = worst!
  const outcome: TestOutcome = {
    index: test.index,
    status: result.status,
    duration_ms: Math.round((performance.now() - started) * 1000) / 1000,
    failures: result.failures,
  }
  if (result.error !== undefined) outcome.error = result.error
  if (result.errorStep !== undefined) outcome.error_step = result.errorStep
  outcome.path = { states: [...pathStates], transitions: [...pathTransitions] }
  if (repeat > 1) {
    const kinds = (passed ? 1 : 0) + (failed ? 1 : 0) + (errors ? 1 : 0)
    const score = Math.round((Math.max(passed, failed, errors) / repeat) * 1000) / 1000
    outcome.stability = { runs: repeat, passed, failed, errors, flaky: kinds > 1, score }
  }
  if (options.transcripts === 'all' || (options.transcripts === 'failures' && result.status !== 'passed')) {
    outcome.transcript = result.turns.map((turn, i) => ({ ...turn, step: result.turnSteps[i]! }))
  }
  return outcome
}

interface RunResult {
  status: TestOutcome['status']
  failures: Failure[]
  error?: string
  errorStep?: number
  turns: TurnResult[]
  /** The step of each turn (null for start). */
  turnSteps: Array<number | null>
}

function actionOf(step: PlannedStep): string {
  switch (step.kind) {
    case 'start': return 'start'
    case 'user': return 'user'
    case 'event': return step.event
    case 'wait': return `wait ${step.text}`
  }
}

/** Why the turn's mocks make the test unrunnable (a strict NLU miss, an integration nobody serves, an NLU plugin that cannot run). */
function mockProblem(nlu: SnapshotNlu, integrations: MockIntegrations, plugins: TestPluginProviders | undefined): string | undefined {
  if (nlu.misses.length) return `nlu_strict: the NLU was consulted for ${JSON.stringify(nlu.misses[0])}, which has no entry in mocks.nlu`
  if (integrations.unmocked.size) {
    const ids = [...integrations.unmocked]
    const explained = plugins ? ids.map((id) => ({ id, why: plugins.explain(id) })).filter((e) => e.why !== undefined) : []
    if (!explained.length) return `integration ${ids.map((id) => `"${id}"`).join(', ')} has no mock in mocks.integrations and no plugin serves it`
    return ids
      .map((id) => {
        const why = explained.find((e) => e.id === id)?.why
        return why === undefined
          ? `integration "${id}" has no mock in mocks.integrations and no plugin serves it`
          : `integration "${id}" has no mock in mocks.integrations and its plugin cannot run: ${why}`
      })
      .join('; ')
  }
  return plugins?.nluProblem()
}

/** One run of a test: a fresh conversation (own clock, mocks, breakers), the steps in order, stop at the first failing step. */
async function runOnce(engine: Engine, flow: CompiledFlow, test: PlannedTest, use: RunContext['plugins']): Promise<RunResult> {
  const mocks = test.mocks
  const clock = new FakeClock()
  const mocked = new MockIntegrations(mocks.integrations)
  const plugins = use ? testPluginProviders(use.plugins, { integrations: flow.integrations, nlu: use.nlu }, mocks, mocked, clock) : undefined
  const nlu = new SnapshotNlu(mocks.nlu, mocks.nlu_strict, plugins?.nlu)
  const turns: TurnResult[] = []
  const turnSteps: Array<number | null> = []
  const result = (status: TestOutcome['status'], extra: Partial<RunResult> = {}): RunResult => ({ status, failures: [], turns, turnSteps, ...extra })
  let stepIndex = -1
  try {
    const conversation = engine.createConversation({
      conversation_id: `test-${test.index}`,
      ...test.seed,
      clock,
      integrations: plugins ? plugins.integrations : mocked,
      // Without snapshots (or an NLU plugin) the built-in NLU answers directly: a provider costs the engine a timed call per input.
      ...(mocks.nlu_strict || plugins?.nlu || hasKeys(mocks.nlu) ? { nlu } : {}),
      breakers: new BreakerRegistry(),
      ...(plugins?.generators ? { generators: plugins.generators } : {}),
      ...(plugins?.summarizer ? { summarizer: plugins.summarizer } : {}),
    })
    let turn = await conversation.start()
    turns.push(turn)
    turnSteps.push(null)
    const steps = test.steps
    let i = 0
    if (steps[0]?.kind === 'start') {
      stepIndex = 0
      const problem = mockProblem(nlu, mocked, plugins)
      if (problem) return result('error', { error: problem, errorStep: 0 })
      const failures = checkTurn(steps[0].expect, turn)
      if (failures.length) return result('failed', { failures: failures.map((f) => ({ ...f, step: 0, input: null, action: 'start' })) })
      i = 1
    } else {
      const problem = mockProblem(nlu, mocked, plugins)
      if (problem) return result('error', { error: `start: ${problem}` })
    }
    for (; i < steps.length; i++) {
      stepIndex = i
      const step = steps[i]!
      switch (step.kind) {
        case 'user': turn = await conversation.send({ type: 'message', text: step.text }); break
        case 'event': turn = await conversation.send({ type: step.event }); break
        case 'wait': turn = await conversation.wait(step.ms); break
        case 'start': return result('error', { error: 'only the first step may hold just expect', errorStep: i })
      }
      turns.push(turn)
      turnSteps.push(i)
      const problem = mockProblem(nlu, mocked, plugins)
      if (problem) return result('error', { error: problem, errorStep: i })
      const failures = checkTurn(step.expect, turn)
      if (failures.length) {
        const input = step.kind === 'user' ? step.text : null
        const action = actionOf(step)
        return result('failed', { failures: failures.map((f) => ({ ...f, step: i, input, action })) })
      }
    }
    return result('passed')
  } catch (err) {
    if (err instanceof TestDefinitionError) return result('error', { error: err.message, ...(stepIndex >= 0 ? { errorStep: stepIndex } : {}) })
    const message = err instanceof Error ? err.message : String(err)
    return result('error', { error: `the engine failed: ${message}`, ...(stepIndex >= 0 ? { errorStep: stepIndex } : {}) })
  }
}

function hasKeys(o: object): boolean {
  for (const _ in o) return true
  return false
}

class TestTimeout extends Error {
  override name = 'TestTimeout'
}

/**
 * Abandons a run that takes longer than the limit in real time (a hung plugin or engine bug):
 * one interval per batch rather than a timer per test, and it keeps the thread alive while a
 * run waits on a promise that would otherwise never settle.
 */
export class Watchdog {
  private current: { started: number; fail: (err: Error) => void } | undefined
  private timer: ReturnType<typeof setInterval> | undefined

  constructor(private readonly limitMs: number) {}

  async guard(run: () => Promise<RunResult>): Promise<RunResult> {
    if (!this.timer) this.timer = setInterval(() => this.check(), Math.max(10, Math.min(1000, this.limitMs / 4)))
    try {
      return await new Promise<RunResult>((resolve, reject) => {
        this.current = { started: performance.now(), fail: reject }
        run().then(resolve, reject)
      })
    } catch (err) {
      if (err instanceof TestTimeout) return { status: 'error', failures: [], turns: [], turnSteps: [], error: err.message }
      throw err
    } finally {
      this.current = undefined
    }
  }

  private check(): void {
    const c = this.current
    if (c && performance.now() - c.started > this.limitMs) {
      c.fail(new TestTimeout(`the test did not finish within ${this.limitMs} ms of real time (a turn never completed)`))
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}
