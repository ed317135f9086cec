// Loads a load scenario (`*.load.yaml`, spec/cli.md "Load scenario"): checks every key,
// resolves the flow(s) and reused test files, parses thresholds, and reports every problem as
// `file:line:col path: message`.
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { NluMock } from '../../common/test-schema'
import { DocumentParseError, parseDocumentText, type DocumentProblem, type ParsedDocument, type PathSegment } from '../document/parse'
import { compileFlow, FlowCompileError } from '../engine'
import { issue, asDocumentProblems, type Anchor, type FlowIssue } from '../flow/issues'
import { FlowLoadError, TestSuiteLoadError, loadFlowFile, loadTestSuiteFile } from '../flow/load'
import { planSuite } from '../runner/plan'
import { parseDuration } from '../runner/duration'
import { findWorkspaceRoot, workspaceRelative } from '../workspace/discover'
import {
  EXECUTORS,
  type ConversationScript,
  type Executor,
  type IntegrationMock,
  type LatencyModel,
  type LoadFlow,
  type LoadPlan,
  type LoadProfile,
  type ScriptStep,
  type Stage,
  type ThinkTime,
  type UserProfileChoice,
} from './model'
import { ThresholdSyntaxError, parseCondition, parseThresholdName, type ThresholdDefinition } from './thresholds'
import { isRecord } from '../../common/record'
import { CONVERSATION_KEYS, MOCK_KEYS, PROFILE_KEYS, SCENARIO_KEYS, STAGE_KEYS, STEP_KEYS, THRESHOLD_KEYS } from '../../common/load-schema'

/** A loaded scenario: what to run, how to judge it, and what the author should know. */
export interface LoadScenario {
  /** Workspace-relative path (as reports print it). */
  file: string
  absPath: string
  /** The workspace root the paths in reports are relative to. */
  root: string
  name?: string
  plan: LoadPlan
  thresholds: ThresholdDefinition[]
  /** Things that will not stop the run but probably surprise (an integration nobody mocks). */
  warnings: string[]
}

export class ScenarioLoadError extends DocumentParseError {
  override name = 'ScenarioLoadError'
}

export const DEFAULT_SEED = 1
export const DEFAULT_GRACEFUL_STOP_MS = 30_000
export const DEFAULT_WARMUP_MS = 1000

// The keys each mapping may hold come from the format's schema (resources/schema/load.schema.json
// is generated from the same definition), so the editor and the loader agree on them.
const TOP_KEYS = SCENARIO_KEYS

type Json = Record<string, unknown>


/** Collects problems at JSON paths; they are placed in the document at the end. */
class Problems {
  readonly list: FlowIssue[] = []

  add(path: PathSegment[], message: string, anchor: Anchor = 'key'): void {
    this.list.push(issue('scenario', 'error', path, message, anchor))
  }

  /** Keys that are not in `allowed`, with a suggestion for a likely typo. */
  unknownKeys(obj: Json, allowed: readonly string[], path: PathSegment[]): void {
    for (const k of Object.keys(obj)) {
      if (allowed.includes(k)) continue
      const near = closest(k, allowed)
      this.add([...path, k], `unknown key "${k}"${near ? ` (did you mean "${near}"?)` : ''}; expected one of ${allowed.filter((a) => a !== '$schema').join(', ')}`)
    }
  }
}

function closest(word: string, options: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Infinity
  for (const o of options) {
    const d = editDistance(word, o)
    if (d < bestDistance) {
      best = o
      bestDistance = d
    }
  }
  return bestDistance <= Math.max(2, Math.floor(word.length / 4)) ? best : undefined
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const keep = row[j]!
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1))
      prev = keep
    }
  }
  return row[b.length]!
}

/** A duration written with a unit ("30s", "500ms", "2m"); numbers are refused (is 30 seconds or ms?). */
function durationAt(p: Problems, value: unknown, path: PathSegment[], what: string): number | undefined {
  if (typeof value === 'string') {
    const ms = parseDuration(value)
    if (ms !== undefined) return ms
  }
  if (typeof value === 'number') p.add(path, `${what} needs a unit: write "${value}s" or "${value}ms"`, 'value')
  else p.add(path, `${what} must be a duration such as "30s", "500ms" or "2m"`, 'value')
  return undefined
}

function numberAt(p: Problems, value: unknown, path: PathSegment[], what: string, opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {}): number | undefined {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    p.add(path, `${what} must be a number`, 'value')
    return undefined
  }
  if (opts.integer && !Number.isInteger(value)) p.add(path, `${what} must be a whole number`, 'value')
  else if (opts.min !== undefined && (opts.exclusiveMin ? value <= opts.min : value < opts.min)) p.add(path, `${what} must be ${opts.exclusiveMin ? 'more than' : 'at least'} ${opts.min}`, 'value')
  else if (opts.max !== undefined && value > opts.max) p.add(path, `${what} must be at most ${opts.max}`, 'value')
  else return value
  return undefined
}

function thinkTimeAt(p: Problems, value: unknown, path: PathSegment[]): ThinkTime | undefined {
  if (isRecord(value)) {
    p.unknownKeys(value, ['min', 'max'], path)
    const min = value.min === undefined ? undefined : durationAt(p, value.min, [...path, 'min'], 'think_time.min')
    const max = value.max === undefined ? undefined : durationAt(p, value.max, [...path, 'max'], 'think_time.max')
    if (value.min === undefined || value.max === undefined) {
      p.add(path, 'think_time as a range needs both min and max, e.g. { min: 500ms, max: 3s }', 'key')
      return undefined
    }
    if (min === undefined || max === undefined) return undefined
    if (max < min) {
      p.add([...path, 'max'], 'think_time.max must not be less than min', 'value')
      return undefined
    }
    return min === max ? { fixed_ms: min } : { min_ms: min, max_ms: max }
  }
  const ms = durationAt(p, value, path, 'think_time')
  return ms === undefined ? undefined : { fixed_ms: ms }
}

/** "1%" or a fraction 0..1. */
function shareAt(p: Problems, value: unknown, path: PathSegment[], what: string): number | undefined {
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(value)
    if (m && Number(m[1]) <= 100) return Number(m[1]) / 100
    p.add(path, `${what} must be a share: a fraction from 0 to 1, or a percentage such as "1%"`, 'value')
    return undefined
  }
  return numberAt(p, value, path, what, { min: 0, max: 1 })
}

function latencyAt(p: Problems, value: unknown, path: PathSegment[]): LatencyModel | undefined {
  if (typeof value === 'number') {
    const ms = numberAt(p, value, path, 'latency_ms', { min: 0 })
    return ms === undefined ? undefined : { fixed_ms: ms }
  }
  if (isRecord(value)) {
    p.unknownKeys(value, ['p50', 'p99'], path)
    if (value.p50 === undefined || value.p99 === undefined) {
      p.add(path, 'latency_ms as a distribution needs p50 and p99 (milliseconds), e.g. { p50: 20, p99: 200 }')
      return undefined
    }
    const p50 = numberAt(p, value.p50, [...path, 'p50'], 'latency_ms.p50', { min: 0, exclusiveMin: true })
    const p99 = numberAt(p, value.p99, [...path, 'p99'], 'latency_ms.p99', { min: 0, exclusiveMin: true })
    if (p50 === undefined || p99 === undefined) return undefined
    if (p99 < p50) {
      p.add([...path, 'p99'], 'latency_ms.p99 must not be less than p50', 'value')
      return undefined
    }
    return p99 === p50 ? { fixed_ms: p50 } : { p50_ms: p50, p99_ms: p99 }
  }
  p.add(path, 'latency_ms must be a number of milliseconds or { p50, p99 }', 'value')
  return undefined
}

function readMock(p: Problems, value: unknown, path: PathSegment[]): IntegrationMock | undefined {
  if (!isRecord(value)) {
    p.add(path, 'a mocked integration must be a mapping, e.g. { latency_ms: 20, error_rate: 0.01 }', 'value')
    return undefined
  }
  p.unknownKeys(value, MOCK_KEYS, path)
  const mock: IntegrationMock = { error_rate: 0, error_status: 503, status_code: 200, block_every: 1 }
  if (value.latency_ms !== undefined) {
    const latency = latencyAt(p, value.latency_ms, [...path, 'latency_ms'])
    if (latency) mock.latency = latency
  }
  if (value.error_rate !== undefined) mock.error_rate = shareAt(p, value.error_rate, [...path, 'error_rate'], 'error_rate') ?? 0
  if (value.error_status !== undefined) {
    const s = numberAt(p, value.error_status, [...path, 'error_status'], 'error_status', { integer: true, min: 100, max: 599 })
    if (s !== undefined && s >= 200 && s < 300) p.add([...path, 'error_status'], 'error_status must not be a 2xx status: a 2xx answer is a success', 'value')
    else if (s !== undefined) mock.error_status = s
  }
  if (value.status_code !== undefined) mock.status_code = numberAt(p, value.status_code, [...path, 'status_code'], 'status_code', { integer: true, min: 100, max: 599 }) ?? 200
  if (value.data !== undefined) mock.data = value.data
  if (value.block_ms !== undefined) {
    const b = numberAt(p, value.block_ms, [...path, 'block_ms'], 'block_ms', { min: 0 })
    if (b !== undefined && b > 0) mock.block_ms = b
  }
  if (value.block_every !== undefined) {
    if (value.block_ms === undefined) p.add([...path, 'block_every'], 'block_every says which calls block, so it needs block_ms')
    mock.block_every = numberAt(p, value.block_every, [...path, 'block_every'], 'block_every', { integer: true, min: 1 }) ?? 1
  }
  return mock
}

function readNluMocks(p: Problems, value: unknown, path: PathSegment[]): Record<string, NluMock> {
  if (!isRecord(value)) {
    p.add(path, 'mocks.nlu must map an exact input to { intent, confidence?, entities? }', 'value')
    return {}
  }
  const out: Record<string, NluMock> = {}
  for (const [text, answer] of Object.entries(value)) {
    if (!isRecord(answer)) {
      p.add([...path, text], 'an NLU snapshot must be { intent, confidence?, entities? }', 'value')
      continue
    }
    p.unknownKeys(answer, ['intent', 'confidence', 'entities'], [...path, text])
    if (answer.intent !== undefined && answer.intent !== null && typeof answer.intent !== 'string') p.add([...path, text, 'intent'], 'intent must be a name or null', 'value')
    if (answer.confidence !== undefined) numberAt(p, answer.confidence, [...path, text, 'confidence'], 'confidence', { min: 0, max: 1 })
    if (answer.entities !== undefined && !isRecord(answer.entities)) p.add([...path, text, 'entities'], 'entities must be a mapping', 'value')
    out[text] = answer as NluMock
  }
  return out
}

function readStages(p: Problems, value: unknown, path: PathSegment[], what: 'rate' | 'virtual users'): Stage[] {
  if (!Array.isArray(value)) {
    p.add(path, 'stages must be a list of { target, duration }', 'value')
    return []
  }
  const out: Stage[] = []
  value.forEach((s, i) => {
    const at = [...path, i]
    if (!isRecord(s)) {
      p.add(at, 'a stage must be { target, duration }', 'value')
      return
    }
    p.unknownKeys(s, STAGE_KEYS, at)
    if (s.target === undefined) p.add(at, `a stage needs a target (${what})`, 'value')
    if (s.duration === undefined) p.add(at, 'a stage needs a duration, e.g. "30s"', 'value')
    const target = s.target === undefined ? undefined : numberAt(p, s.target, [...at, 'target'], 'target', { min: 0, integer: what === 'virtual users' })
    const duration = s.duration === undefined ? undefined : durationAt(p, s.duration, [...at, 'duration'], 'duration')
    if (target !== undefined && duration !== undefined) out.push({ target, duration_ms: duration })
  })
  return out
}

function readProfile(p: Problems, value: unknown): LoadProfile | undefined {
  const path: PathSegment[] = ['profile']
  if (value === undefined) {
    p.add([], 'a scenario needs a profile: { executor, rate, duration } (see docs/load-testing.md)', 'value')
    return undefined
  }
  if (!isRecord(value)) {
    p.add(path, 'profile must be a mapping with an executor', 'value')
    return undefined
  }
  p.unknownKeys(value, PROFILE_KEYS, path)
  // Without an executor, the keys say which one is meant (k6 would ask for it; the intent is plain).
  const hasStages = Array.isArray(value.stages) && value.stages.length > 0
  const inferred = value.vus !== undefined || value.start_vus !== undefined
    ? (hasStages ? 'ramping-vus' : 'constant-vus')
    : value.rate !== undefined || value.start_rate !== undefined || hasStages
      ? (hasStages ? 'ramping-arrival-rate' : 'constant-arrival-rate')
      : undefined
  const executor = value.executor ?? inferred
  if (typeof executor !== 'string' || !(EXECUTORS as readonly string[]).includes(executor)) {
    p.add([...path, 'executor'], `executor must be one of ${EXECUTORS.join(', ')}`, executor === undefined ? 'parent' : 'value')
    return undefined
  }
  const ex = executor as Executor
  const out: LoadProfile = { executor: ex, stages: [], duration_ms: 0, arrivals: 'uniform', graceful_stop_ms: DEFAULT_GRACEFUL_STOP_MS, warmup_ms: DEFAULT_WARMUP_MS }
  const open = ex === 'constant-arrival-rate' || ex === 'ramping-arrival-rate'
  const ramping = ex === 'ramping-arrival-rate' || ex === 'ramping-vus'
  const refuse = (key: string, why: string): void => {
    if (value[key] !== undefined) p.add([...path, key], `${key} does not apply to ${ex}: ${why}`)
  }
  if (open) {
    refuse('vus', 'the open model starts conversations at a rate; use constant-vus or ramping-vus for virtual users')
    refuse('start_vus', 'it is for ramping-vus')
  } else {
    refuse('rate', 'virtual users start a new conversation when their last one ends; use an arrival-rate executor for a rate')
    refuse('start_rate', 'it is for ramping-arrival-rate')
    refuse('arrivals', 'it spaces the arrivals of the open model')
    refuse('max_in_flight', 'virtual users are the in-flight limit of the closed model')
  }
  if (ex === 'constant-arrival-rate') {
    refuse('start_rate', 'it is for ramping-arrival-rate')
    if (value.rate === undefined) p.add([...path, 'executor'], 'constant-arrival-rate needs a rate (conversations started per second)')
    else {
      const rate = numberAt(p, value.rate, [...path, 'rate'], 'rate', { min: 0, exclusiveMin: true })
      if (rate !== undefined) out.rate = rate
    }
  }
  if (ex === 'constant-vus') {
    refuse('start_vus', 'it is for ramping-vus')
    if (value.vus === undefined) p.add([...path, 'executor'], 'constant-vus needs vus (the number of virtual users)')
    else {
      const vus = numberAt(p, value.vus, [...path, 'vus'], 'vus', { min: 1, integer: true })
      if (vus !== undefined) out.vus = vus
    }
  }
  if (ex === 'ramping-arrival-rate' && value.start_rate !== undefined) {
    const r = numberAt(p, value.start_rate, [...path, 'start_rate'], 'start_rate', { min: 0 })
    if (r !== undefined) out.start_rate = r
  }
  if (ex === 'ramping-vus' && value.start_vus !== undefined) {
    const v = numberAt(p, value.start_vus, [...path, 'start_vus'], 'start_vus', { min: 0, integer: true })
    if (v !== undefined) out.start_vus = v
  }
  const stagesGiven = Array.isArray(value.stages) ? value.stages.length > 0 : value.stages !== undefined
  if (ramping) {
    if (!stagesGiven) p.add([...path, value.stages === undefined ? 'executor' : 'stages'], `${ex} needs stages: [{ target, duration }, …]`)
    else out.stages = readStages(p, value.stages, [...path, 'stages'], open ? 'rate' : 'virtual users')
    const total = out.stages.reduce((s, st) => s + st.duration_ms, 0)
    out.duration_ms = total
    if (value.duration !== undefined) {
      const d = durationAt(p, value.duration, [...path, 'duration'], 'duration')
      if (d !== undefined && out.stages.length && d !== total) {
        p.add([...path, 'duration'], `duration (${d} ms) disagrees with the stages, which last ${total} ms: a ramping profile lasts as long as its stages (leave duration out)`)
      }
    }
    if (stagesGiven && total <= 0 && out.stages.length) p.add([...path, 'stages'], 'the stages must last longer than 0s')
  } else {
    if (stagesGiven) p.add([...path, 'stages'], `${ex} takes no stages (it holds one ${open ? 'rate' : 'number of users'}); use ${open ? 'ramping-arrival-rate' : 'ramping-vus'} to ramp`)
    if (value.duration === undefined) p.add([...path, 'executor'], `${ex} needs a duration, e.g. "30s"`)
    else {
      const d = durationAt(p, value.duration, [...path, 'duration'], 'duration')
      if (d !== undefined && d <= 0) p.add([...path, 'duration'], 'duration must be longer than 0s', 'value')
      else if (d !== undefined) out.duration_ms = d
    }
  }
  if (value.arrivals !== undefined && open) {
    if (value.arrivals === 'uniform' || value.arrivals === 'poisson') out.arrivals = value.arrivals
    else p.add([...path, 'arrivals'], 'arrivals must be uniform (evenly spaced) or poisson', 'value')
  }
  if (value.max_in_flight !== undefined && open) {
    const m = numberAt(p, value.max_in_flight, [...path, 'max_in_flight'], 'max_in_flight', { min: 1, integer: true })
    if (m !== undefined) out.max_in_flight = m
  }
  if (value.graceful_stop !== undefined) {
    const g = durationAt(p, value.graceful_stop, [...path, 'graceful_stop'], 'graceful_stop')
    if (g !== undefined) out.graceful_stop_ms = g
  }
  if (value.warmup !== undefined) {
    const w = value.warmup === 0 ? 0 : durationAt(p, value.warmup, [...path, 'warmup'], 'warmup')
    if (w !== undefined) out.warmup_ms = w
  }
  if (value.workers !== undefined) {
    const w = numberAt(p, value.workers, [...path, 'workers'], 'workers', { min: 1, integer: true })
    if (w !== undefined) out.workers = w
  }
  return out
}

function readThresholds(p: Problems, value: unknown, targets: { states: Set<string>; integrations: Set<string> }): ThresholdDefinition[] {
  if (value === undefined) return []
  if (!isRecord(value)) {
    p.add(['thresholds'], 'thresholds must map a metric to a condition, e.g. turn_latency_p95: "< 5ms"', 'value')
    return []
  }
  const out: ThresholdDefinition[] = []
  for (const [name, spec] of Object.entries(value)) {
    const at: PathSegment[] = ['thresholds', name]
    let head: ReturnType<typeof parseThresholdName>
    try {
      head = parseThresholdName(name, targets)
    } catch (err) {
      if (err instanceof ThresholdSyntaxError) {
        p.add(at, err.message)
        continue
      }
      throw err
    }
    let texts: Array<{ text: unknown; path: PathSegment[] }> = []
    let abort = false
    let delay = 0
    if (typeof spec === 'string') texts = [{ text: spec, path: at }]
    else if (Array.isArray(spec)) texts = spec.map((t, i) => ({ text: t, path: [...at, i] }))
    else if (isRecord(spec)) {
      p.unknownKeys(spec, THRESHOLD_KEYS, at)
      const key = spec.condition !== undefined ? 'condition' : 'threshold'
      const c = spec[key]
      if (c === undefined) p.add(at, 'a threshold needs a condition, e.g. { condition: "< 5ms", abort_on_fail: true }')
      else if (Array.isArray(c)) texts = c.map((t, i) => ({ text: t, path: [...at, key, i] }))
      else texts = [{ text: c, path: [...at, key] }]
      if (spec.abort_on_fail !== undefined) {
        if (typeof spec.abort_on_fail === 'boolean') abort = spec.abort_on_fail
        else p.add([...at, 'abort_on_fail'], 'abort_on_fail must be true or false', 'value')
      }
      if (spec.delay_abort_eval !== undefined) delay = durationAt(p, spec.delay_abort_eval, [...at, 'delay_abort_eval'], 'delay_abort_eval') ?? 0
    } else {
      p.add(at, 'a threshold is a condition such as "< 5ms", a list of them, or { condition, abort_on_fail, delay_abort_eval }', 'value')
      continue
    }
    if (!texts.length && !isRecord(spec)) p.add(at, 'the threshold lists no condition', 'value')
    const conditions = []
    for (const t of texts) {
      if (typeof t.text !== 'string') {
        p.add(t.path, 'a condition is a string such as "< 5ms"', 'value')
        continue
      }
      try {
        conditions.push(parseCondition(t.text, head.kind, head.metric))
      } catch (err) {
        if (err instanceof ThresholdSyntaxError) p.add(t.path, err.message, 'value')
        else throw err
      }
    }
    if (conditions.length) out.push({ ...head, conditions, abort_on_fail: abort, delay_abort_eval_ms: delay })
  }
  return out
}

/** Integration ids and states of a flow document. */
function flowTargets(doc: LoadFlow['document']): { integrations: string[]; states: string[] } {
  const integrations = new Set<string>()
  const states = Object.keys(doc.states ?? {})
  for (const state of Object.values(doc.states ?? {})) {
    const config = (state as { config?: Json }).config
    if (!config) continue
    if (typeof config.integration_id === 'string') integrations.add(config.integration_id)
    if (Array.isArray(config.tasks)) {
      for (const task of config.tasks) if (isRecord(task) && typeof task.integration_id === 'string') integrations.add(task.integration_id)
    }
  }
  return { integrations: [...integrations], states }
}

interface LoadContext {
  p: Problems
  dir: string
  root: string
  flows: LoadFlow[]
  flowIndex: Map<string, number>
  /** Problems of other files (a flow or test file that does not load). */
  foreign: DocumentProblem[]
  scenarioFile: string
}

async function flowAt(ctx: LoadContext, absPath: string, path: PathSegment[]): Promise<number | undefined> {
  const known = ctx.flowIndex.get(absPath)
  if (known !== undefined) return known
  const display = workspaceRelative(ctx.root, absPath)
  try {
    const loaded = await loadFlowFile(absPath, display)
    try {
      compileFlow(loaded.document)
    } catch (err) {
      if (err instanceof FlowCompileError) {
        ctx.foreign.push(...err.issues.map((i) => ({ file: display, message: i.message, ...(i.path.length ? { path: i.path.join('.') } : {}) })))
        return undefined
      }
      throw err
    }
    const targets = flowTargets(loaded.document)
    const index = ctx.flows.length
    ctx.flows.push({ file: display, document: loaded.document, ...targets })
    ctx.flowIndex.set(absPath, index)
    return index
  } catch (err) {
    if (err instanceof FlowLoadError && err.stage === 'read') {
      ctx.p.add(path, `cannot read the flow ${display}: ${err.problems[0]?.message.replace(/^cannot read the file: /, '') ?? 'unreadable'}`, 'value')
      return undefined
    }
    if (err instanceof DocumentParseError) {
      ctx.foreign.push(...err.problems)
      return undefined
    }
    throw err
  }
}

async function readConversations(ctx: LoadContext, doc: Json): Promise<{ scripts: ConversationScript[] }> {
  const { p } = ctx
  const scripts: ConversationScript[] = []
  const value = doc.conversations
  const defaultFlow = typeof doc.flow === 'string' ? resolve(ctx.dir, doc.flow) : undefined
  if (doc.flow !== undefined && typeof doc.flow !== 'string') p.add(['flow'], 'flow must be the path of a flow file, relative to this scenario', 'value')
  let defaultFlowIndex: number | undefined
  if (defaultFlow) defaultFlowIndex = await flowAt(ctx, defaultFlow, ['flow'])
  if (value === undefined) {
    p.add([], 'a scenario needs conversations: a list of { weight, steps: [...] } or { weight, tests: file }', 'value')
    return { scripts }
  }
  if (!Array.isArray(value) || !value.length) {
    p.add(['conversations'], 'conversations must be a non-empty list of { weight, steps } or { weight, tests }', 'value')
    return { scripts }
  }
  for (let i = 0; i < value.length; i++) {
    const entry = value[i]
    const at: PathSegment[] = ['conversations', i]
    if (!isRecord(entry)) {
      p.add(at, 'a conversation is { weight, steps: [...] } or { weight, tests: file }', 'value')
      continue
    }
    p.unknownKeys(entry, CONVERSATION_KEYS, at)
    const weight = entry.weight === undefined ? 1 : numberAt(p, entry.weight, [...at, 'weight'], 'weight', { min: 0, exclusiveMin: true })
    const think = entry.think_time === undefined ? undefined : thinkTimeAt(p, entry.think_time, [...at, 'think_time'])
    if (entry.user_profile !== undefined && !isRecord(entry.user_profile)) p.add([...at, 'user_profile'], 'user_profile must be a mapping', 'value')
    for (const k of ['user_id', 'tenant_id', 'name'] as const) {
      if (entry[k] !== undefined && typeof entry[k] !== 'string') p.add([...at, k], `${k} must be a string`, 'value')
    }
    const hasSteps = entry.steps !== undefined
    const hasTests = entry.tests !== undefined
    if (hasSteps === hasTests) {
      p.add(at, hasSteps ? 'a conversation takes steps or tests, not both' : 'a conversation needs steps (a list of user messages) or tests (a test file whose user steps it replays)', 'value')
      continue
    }
    let flowIndex = defaultFlowIndex
    if (entry.flow !== undefined) {
      if (typeof entry.flow !== 'string') p.add([...at, 'flow'], 'flow must be the path of a flow file', 'value')
      else flowIndex = await flowAt(ctx, resolve(ctx.dir, entry.flow), [...at, 'flow'])
    }
    const baseSeed: ConversationScript['seed'] = {}
    if (isRecord(entry.user_profile)) baseSeed.user_profile = entry.user_profile
    if (typeof entry.user_id === 'string') baseSeed.user_id = entry.user_id
    if (typeof entry.tenant_id === 'string') baseSeed.tenant_id = entry.tenant_id
    if (hasSteps) {
      const steps = readSteps(p, entry.steps, [...at, 'steps'])
      if (flowIndex === undefined && defaultFlow === undefined && entry.flow === undefined) p.add(at, 'no flow to run: give the scenario a flow, or this conversation one', 'value')
      if (!steps || flowIndex === undefined || weight === undefined) continue
      scripts.push({
        name: typeof entry.name === 'string' ? entry.name : `conversations[${i}]`,
        flow: flowIndex,
        weight,
        steps,
        seed: baseSeed,
        ...(think ? { think } : {}),
      })
      continue
    }
    if (typeof entry.tests !== 'string') {
      p.add([...at, 'tests'], 'tests must be the path of a test file, relative to this scenario', 'value')
      continue
    }
    const testsAbs = resolve(ctx.dir, entry.tests)
    const display = workspaceRelative(ctx.root, testsAbs)
    let suite
    try {
      suite = await loadTestSuiteFile(testsAbs, display)
    } catch (err) {
      if (err instanceof TestSuiteLoadError && err.stage === 'read') {
        p.add([...at, 'tests'], `cannot read the test file ${display}: ${err.problems[0]?.message.replace(/^cannot read the file: /, '') ?? 'unreadable'}`, 'value')
        continue
      }
      if (err instanceof DocumentParseError) {
        ctx.foreign.push(...err.problems)
        continue
      }
      throw err
    }
    if (entry.flow === undefined) flowIndex = await flowAt(ctx, resolve(dirname(testsAbs), suite.document.flow), [...at, 'tests'])
    if (flowIndex === undefined || weight === undefined) continue
    const planned = planSuite(suite.document, 0, String(flowIndex), 0).filter((t) => !t.skip && t.problem === undefined)
    const fromTests: ConversationScript[] = []
    for (const t of planned) {
      const steps: ScriptStep[] = []
      for (const s of t.steps) {
        if (s.kind === 'user') steps.push({ kind: 'message', text: s.text })
        else if (s.kind === 'event') steps.push({ kind: 'event', event: s.event })
      }
      if (!steps.length) continue
      const seed = { ...t.seed, ...baseSeed, user_profile: { ...t.seed.user_profile, ...baseSeed.user_profile } }
      if (!Object.keys(seed.user_profile).length) delete (seed as { user_profile?: unknown }).user_profile
      fromTests.push({
        name: `${display}: ${t.name}`,
        flow: flowIndex,
        weight: 0,
        steps,
        seed,
        ...(Object.keys(t.mocks.nlu).length ? { nlu: t.mocks.nlu } : {}),
        ...(think ? { think } : {}),
      })
    }
    if (!fromTests.length) {
      p.add([...at, 'tests'], `${display} has no test with user steps to replay`, 'value')
      continue
    }
    // The entry's weight is shared by its tests, so one entry weighs the same however many tests it holds.
    for (const s of fromTests) s.weight = weight / fromTests.length
    scripts.push(...fromTests)
  }
  return { scripts }
}

function readSteps(p: Problems, value: unknown, path: PathSegment[]): ScriptStep[] | undefined {
  if (!Array.isArray(value) || !value.length) {
    p.add(path, 'steps must be a non-empty list of user messages', 'value')
    return undefined
  }
  const out: ScriptStep[] = []
  let ok = true
  value.forEach((s, i) => {
    const at = [...path, i]
    if (typeof s === 'string') {
      out.push({ kind: 'message', text: s })
      return
    }
    if (typeof s === 'number' || typeof s === 'boolean') {
      out.push({ kind: 'message', text: String(s) })
      return
    }
    if (!isRecord(s)) {
      p.add(at, 'a step is a message, { user: text, think_time? } or { event: approve|reject }', 'value')
      ok = false
      return
    }
    p.unknownKeys(s, STEP_KEYS, at)
    const think = s.think_time === undefined ? undefined : thinkTimeAt(p, s.think_time, [...at, 'think_time'])
    if ((s.user === undefined) === (s.event === undefined)) {
      p.add(at, 'a step has either user (a message) or event (approve or reject)', 'value')
      ok = false
      return
    }
    if (s.user !== undefined) {
      if (typeof s.user !== 'string') {
        p.add([...at, 'user'], 'user must be the message text', 'value')
        ok = false
        return
      }
      out.push({ kind: 'message', text: s.user, ...(think ? { think } : {}) })
      return
    }
    if (s.event !== 'approve' && s.event !== 'reject') {
      p.add([...at, 'event'], 'event must be approve or reject', 'value')
      ok = false
      return
    }
    out.push({ kind: 'event', event: s.event, ...(think ? { think } : {}) })
  })
  return ok ? out : undefined
}

function readUsers(p: Problems, value: unknown): UserProfileChoice[] {
  if (value === undefined) return []
  if (!Array.isArray(value) || !value.length) {
    p.add(['users'], 'users must be a non-empty list of { weight, user_profile }', 'value')
    return []
  }
  const out: UserProfileChoice[] = []
  value.forEach((u, i) => {
    const at: PathSegment[] = ['users', i]
    if (!isRecord(u)) {
      p.add(at, 'a user is { weight, user_profile }', 'value')
      return
    }
    p.unknownKeys(u, ['weight', 'user_profile', 'tenant_id'], at)
    const weight = u.weight === undefined ? 1 : numberAt(p, u.weight, [...at, 'weight'], 'weight', { min: 0, exclusiveMin: true })
    if (u.user_profile !== undefined && !isRecord(u.user_profile)) p.add([...at, 'user_profile'], 'user_profile must be a mapping', 'value')
    if (u.tenant_id !== undefined && typeof u.tenant_id !== 'string') p.add([...at, 'tenant_id'], 'tenant_id must be a string', 'value')
    if (weight === undefined) return
    out.push({
      weight,
      user_profile: isRecord(u.user_profile) ? u.user_profile : {},
      ...(typeof u.tenant_id === 'string' ? { tenant_id: u.tenant_id } : {}),
    })
  })
  return out
}

/** Loads and checks a scenario; throws ScenarioLoadError (or the flow's/test file's load error) listing every problem. */
export async function loadScenarioFile(absPath: string, options: { root?: string } = {}): Promise<LoadScenario> {
  const root = options.root ?? findWorkspaceRoot(absPath)
  const file = workspaceRelative(root, absPath)
  let text: string
  try {
    text = await readFile(absPath, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : (err as Error).message
    throw new ScenarioLoadError([{ file, message: `cannot read the scenario: ${reason}` }])
  }
  return loadScenarioText(text, absPath, { root })
}

/** Loads a scenario from its text; `absPath` places the relative paths it names. */
export async function loadScenarioText(text: string, absPath: string, options: { root?: string } = {}): Promise<LoadScenario> {
  const root = options.root ?? findWorkspaceRoot(absPath)
  const file = workspaceRelative(root, absPath)
  let parsed: ParsedDocument
  try {
    parsed = parseDocumentText(text, file)
  } catch (err) {
    if (err instanceof DocumentParseError) throw new ScenarioLoadError(err.problems)
    throw err
  }
  const p = new Problems()
  const doc = parsed.value
  if (!isRecord(doc)) throw new ScenarioLoadError([{ file, line: 1, column: 1, message: 'a load scenario must be a mapping: flow, conversations, profile, mocks, thresholds' }])
  p.unknownKeys(doc, TOP_KEYS, [])
  const ctx: LoadContext = { p, dir: dirname(absPath), root, flows: [], flowIndex: new Map(), foreign: [], scenarioFile: file }
  const { scripts } = await readConversations(ctx, doc)
  const users = readUsers(p, doc.users)
  const think = doc.think_time === undefined ? undefined : thinkTimeAt(p, doc.think_time, ['think_time'])
  const profile = readProfile(p, doc.profile)
  let seed = DEFAULT_SEED
  if (doc.seed !== undefined) seed = numberAt(p, doc.seed, ['seed'], 'seed', { min: 0, integer: true, max: 0xffff_ffff }) ?? DEFAULT_SEED

  const mocks: Record<string, IntegrationMock> = {}
  let nlu: Record<string, NluMock> = {}
  if (doc.mocks !== undefined) {
    if (!isRecord(doc.mocks)) p.add(['mocks'], 'mocks must be { integrations: {...}, nlu?: {...} }', 'value')
    else {
      p.unknownKeys(doc.mocks, ['integrations', 'nlu'], ['mocks'])
      const ints = doc.mocks.integrations
      if (ints !== undefined) {
        if (!isRecord(ints)) p.add(['mocks', 'integrations'], 'mocks.integrations must map an integration id to its simulated behaviour', 'value')
        else {
          for (const [id, spec] of Object.entries(ints)) {
            const mock = readMock(p, spec, ['mocks', 'integrations', id])
            if (mock) mocks[id] = mock
          }
        }
      }
      if (doc.mocks.nlu !== undefined) nlu = readNluMocks(p, doc.mocks.nlu, ['mocks', 'nlu'])
    }
  }

  const states = new Set(ctx.flows.flatMap((f) => f.states))
  const integrations = new Set(ctx.flows.flatMap((f) => f.integrations))
  const thresholds = readThresholds(p, doc.thresholds, { states, integrations })

  if (p.list.length || ctx.foreign.length) {
    throw new ScenarioLoadError([...asDocumentProblems(parsed, p.list), ...ctx.foreign])
  }

  const warnings: string[] = []
  const used = new Set<string>()
  for (const s of scripts) for (const id of ctx.flows[s.flow]!.integrations) used.add(id)
  for (const id of [...used].sort()) {
    if (!mocks[id]) warnings.push(noMockWarning(id))
  }
  for (const id of Object.keys(mocks)) {
    if (!integrations.has(id)) warnings.push(`mocks.integrations.${id}: no flow of this scenario calls "${id}"`)
  }

  const plan: LoadPlan = { flows: ctx.flows, scripts, users, mocks, nlu, profile: profile!, seed }
  if (think) plan.think = think
  const out: LoadScenario = { file, absPath, root, plan, thresholds, warnings }
  if (typeof doc.name === 'string') out.name = doc.name
  return out
}

/** The warning for an integration the scenario's flows call and its mocks do not answer (a plugin may still serve it). */
export function noMockWarning(id: string): string {
  return `integration "${id}" has no mock in mocks.integrations: its calls fail (no_provider), and the flow takes its error branch`
}

/** What the command line may change about a scenario for one run. */
export interface ScenarioOverrides {
  seed?: number
  duration_ms?: number
  /** Conversations per second (arrival-rate executors). */
  rate?: number
  /** Virtual users (VU executors). */
  vus?: number
  workers?: number
  warmup_ms?: number
}

export class OverrideError extends Error {
  override name = 'OverrideError'
}

/**
 * The scenario with command-line overrides applied. For ramping executors, `duration` scales
 * every stage in proportion and `rate`/`vus` scales every target so the peak equals it, so the
 * shape (ramp, spike, soak) is kept.
 */
export function withOverrides(scenario: LoadScenario, o: ScenarioOverrides): LoadScenario {
  const profile: LoadProfile = { ...scenario.plan.profile, stages: scenario.plan.profile.stages.map((s) => ({ ...s })) }
  const open = profile.executor === 'constant-arrival-rate' || profile.executor === 'ramping-arrival-rate'
  if (o.duration_ms !== undefined) {
    if (!(o.duration_ms > 0)) throw new OverrideError('--duration must be longer than 0s')
    if (profile.stages.length) {
      const total = profile.stages.reduce((s, st) => s + st.duration_ms, 0)
      const factor = o.duration_ms / total
      for (const st of profile.stages) st.duration_ms = Math.round(st.duration_ms * factor)
      profile.duration_ms = profile.stages.reduce((s, st) => s + st.duration_ms, 0)
    } else profile.duration_ms = o.duration_ms
  }
  if (o.rate !== undefined) {
    if (!open) throw new OverrideError(`--rate applies to arrival-rate executors; ${profile.executor} runs virtual users (use --vus)`)
    if (!(o.rate > 0)) throw new OverrideError('--rate must be more than 0')
    if (profile.executor === 'constant-arrival-rate') profile.rate = o.rate
    else scaleTargets(profile, o.rate, 'start_rate')
  }
  if (o.vus !== undefined) {
    if (open) throw new OverrideError(`--vus applies to virtual-user executors; ${profile.executor} starts conversations at a rate (use --rate)`)
    if (!(o.vus >= 1) || !Number.isInteger(o.vus)) throw new OverrideError('--vus must be a whole number of at least 1')
    if (profile.executor === 'constant-vus') profile.vus = o.vus
    else {
      scaleTargets(profile, o.vus, 'start_vus')
      for (const st of profile.stages) st.target = Math.round(st.target)
      if (profile.start_vus !== undefined) profile.start_vus = Math.round(profile.start_vus)
    }
  }
  if (o.workers !== undefined) profile.workers = o.workers
  if (o.warmup_ms !== undefined) profile.warmup_ms = o.warmup_ms
  const plan: LoadPlan = { ...scenario.plan, profile, seed: o.seed ?? scenario.plan.seed }
  return { ...scenario, plan }
}

function scaleTargets(profile: LoadProfile, peak: number, startKey: 'start_rate' | 'start_vus'): void {
  const currentPeak = Math.max(profile[startKey] ?? 0, ...profile.stages.map((s) => s.target))
  if (currentPeak <= 0) {
    for (const st of profile.stages) st.target = peak
    return
  }
  const factor = peak / currentPeak
  for (const st of profile.stages) st.target *= factor
  if (profile[startKey] !== undefined) profile[startKey] = profile[startKey]! * factor
}
