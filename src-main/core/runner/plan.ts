// Turns a loaded test suite into the tests a run executes: `defaults` merged in, suite and test
// mocks merged, `each` expanded (`name [i]`, `${param}` substituted), steps checked and made
// ready to run. The result is plain data, so a worker thread can run it.
import type { MockResponse, Mocks, NluMock, Step, TestCase, TestSuiteDocument } from '../../common/test-schema'
import { substituteParams } from '../flow/test-checks'
import { parseDuration } from './duration'
import { isPlainObject } from './matchers'

/** The initial context of a test's conversation. */
export interface ConversationSeed {
  user_id?: string
  tenant_id?: string
  user_profile?: Record<string, unknown>
  slots?: Record<string, unknown>
  variables?: Record<string, unknown>
}

/** Suite and test mocks merged: what a test's conversation is answered with. */
export interface ResolvedMocks {
  nlu: Record<string, NluMock>
  nlu_strict: boolean
  integrations: Record<string, MockResponse[]>
}

export type PlannedStep =
  /** The first step holding only `expect`: checks what `start` produced. */
  | { kind: 'start'; expect?: Step['expect'] }
  | { kind: 'user'; text: string; expect?: Step['expect'] }
  | { kind: 'event'; event: 'approve' | 'reject'; expect?: Step['expect'] }
  | { kind: 'wait'; ms: number; text: string; expect?: Step['expect'] }

export interface PlannedTest {
  /** Position in the run: results are reported in this order. */
  index: number
  /** Index of the suite in the run. */
  suite: number
  /** Index of the test in its file's `tests` (to locate its steps). */
  source: number
  /** The `each` instance, when the test has `each`. */
  instance?: number
  name: string
  /** The name as written in the file (an `each` test's instances share it). */
  baseName: string
  tags: string[]
  skip: boolean
  /** Key of the flow the test runs against: its path and a hash of its text, so a stale compilation is never reused. */
  flow: string
  seed: ConversationSeed
  mocks: ResolvedMocks
  /** Steps in the test's own order; a leading start check is steps[0] too, so indexes match the file. */
  steps: PlannedStep[]
  /** Why the test cannot run as written: it ends as `error` without starting. */
  problem?: string
  /** The step the problem is at. */
  problemStep?: number
}

const NO_MOCKS: ResolvedMocks = Object.freeze({ nlu: {}, nlu_strict: false, integrations: {} }) as ResolvedMocks

const CONTEXT_KEYS = ['user_id', 'tenant_id', 'user_profile', 'slots', 'variables'] as const

/** Objects merge key by key (recursively); anything else: the override wins when it is set. */
export function mergeDeep(base: unknown, override: unknown): unknown {
  if (override === undefined) return base
  if (isPlainObject(base) && isPlainObject(override)) {
    const out: Record<string, unknown> = { ...base }
    for (const k in override) out[k] = mergeDeep(base[k], override[k])
    return out
  }
  return override
}

function normaliseSequence(value: MockResponse[] | MockResponse | undefined): MockResponse[] | undefined {
  if (value === undefined) return undefined
  return Array.isArray(value) ? value : [value]
}

/**
 * A test's mocks over the suite's: an integration id the test lists replaces the suite's whole
 * sequence for that id, an `nlu` input replaces the suite's answer for it, the rest is kept.
 */
export function mergeMocks(base: Mocks | undefined, override: Mocks | undefined): ResolvedMocks {
  if (!base && !override) return NO_MOCKS
  const integrations: Record<string, MockResponse[]> = {}
  for (const source of [base?.integrations, override?.integrations]) {
    if (!source) continue
    for (const id in source) {
      const seq = normaliseSequence(source[id] as MockResponse[] | MockResponse)
      if (seq) integrations[id] = seq
    }
  }
  return {
    nlu: { ...base?.nlu, ...override?.nlu },
    nlu_strict: override?.nlu_strict ?? base?.nlu_strict ?? false,
    integrations,
  }
}

/** `defaults` under a test: the test's own values win, objects merge key by key. */
export function applyDefaults(defaults: Record<string, unknown> | undefined, test: TestCase): TestCase {
  if (!defaults) return test
  const out: Record<string, unknown> = { ...test }
  for (const k in defaults) {
    if (k === 'name' || k === 'steps' || k === 'each') continue
    out[k] = mergeDeep(defaults[k], (test as Record<string, unknown>)[k])
  }
  return out as TestCase
}

/**
 * Every test of a suite as the run will execute it, in file order (`each` instances in
 * parameter order). `firstIndex` numbers them within the run.
 */
export function planSuite(doc: TestSuiteDocument, suite: number, flow: string, firstIndex: number): PlannedTest[] {
  const out: PlannedTest[] = []
  const defaults = doc.defaults as Record<string, unknown> | undefined
  const suiteMocks = doc.mocks
  doc.tests.forEach((written, source) => {
    const each = (written as { each?: unknown }).each
    if (each === undefined) {
      out.push(planTest(written, { suite, source, flow, index: firstIndex + out.length, defaults, suiteMocks }))
      return
    }
    if (!Array.isArray(each) || !each.length || !each.every(isPlainObject)) {
      out.push({
        ...emptyPlan(written, { suite, source, flow, index: firstIndex + out.length }),
        problem: Array.isArray(each) && !each.length ? 'each is empty: there is nothing to run' : 'each must be a list of parameter maps',
      })
      return
    }
    each.forEach((params, instance) => {
      const { each: _list, ...rest } = written as TestCase & { each?: unknown }
      const expanded = substituteParams(rest, params as Record<string, unknown>) as TestCase
      const planned = planTest(expanded, { suite, source, flow, index: firstIndex + out.length, defaults, suiteMocks })
      planned.instance = instance
      planned.name = `${stringName(expanded.name)} [${instance}]`
      planned.baseName = stringName(written.name)
      out.push(planned)
    })
  })
  return out
}

interface PlanPlace {
  suite: number
  source: number
  flow: string
  index: number
}

function stringName(name: unknown): string {
  return typeof name === 'string' ? name : JSON.stringify(name)
}

function emptyPlan(test: TestCase, place: PlanPlace): PlannedTest {
  const name = stringName(test.name)
  return {
    index: place.index,
    suite: place.suite,
    source: place.source,
    name,
    baseName: name,
    tags: Array.isArray(test.tags) ? test.tags.map(String) : [],
    skip: test.skip === true,
    flow: place.flow,
    seed: {},
    mocks: NO_MOCKS,
    steps: [],
  }
}

function planTest(written: TestCase, place: PlanPlace & { defaults?: Record<string, unknown>; suiteMocks?: Mocks }): PlannedTest {
  const test = applyDefaults(place.defaults, written)
  const planned = emptyPlan(test, place)
  planned.mocks = mergeMocks(place.suiteMocks, test.mocks)
  const seed: ConversationSeed = {}
  for (const k of CONTEXT_KEYS) {
    const v = (test as Record<string, unknown>)[k]
    if (v !== undefined) (seed as Record<string, unknown>)[k] = v
  }
  planned.seed = seed
  const steps = Array.isArray(test.steps) ? test.steps : []
  for (let i = 0; i < steps.length; i++) {
    const step = planStep(steps[i]!, i)
    if (typeof step === 'string') {
      planned.problem = `step ${i}: ${step}`
      planned.problemStep = i
      break
    }
    planned.steps.push(step)
  }
  for (const id in planned.mocks.integrations) {
    if (!planned.mocks.integrations[id]!.length) {
      planned.problem ??= `mocks.integrations.${id} lists no response`
    }
  }
  return planned
}

/** A ready step, or why the step cannot run. */
function planStep(step: Step, i: number): PlannedStep | string {
  if (!isPlainObject(step)) return 'a step must be a mapping'
  const actions = (['user', 'event', 'wait'] as const).filter((k) => step[k] !== undefined)
  if (actions.length > 1) return `a step does one thing, but this one has ${actions.join(' and ')}`
  const expect = step.expect
  if (expect !== undefined && !isPlainObject(expect)) return 'expect must be a mapping of expectations'
  if (!actions.length) {
    if (i > 0) return 'a step needs user, event or wait (only the first step may hold just expect, to check what start produced)'
    return { kind: 'start', expect }
  }
  if (step.user !== undefined) {
    const u = step.user as unknown
    // `user: ${n}` takes the parameter's type; a message is its text.
    if (typeof u !== 'string' && typeof u !== 'number' && typeof u !== 'boolean') return 'user takes the text of a message'
    return { kind: 'user', text: String(u), expect }
  }
  if (step.event !== undefined) {
    if (step.event !== 'approve' && step.event !== 'reject') return `event must be approve or reject, not ${JSON.stringify(step.event)}`
    return { kind: 'event', event: step.event, expect }
  }
  const text = String(step.wait)
  const ms = parseDuration(text)
  if (ms === undefined) return `wait takes a duration <n>(ms|s|m|h), e.g. "30s", not ${JSON.stringify(step.wait)}`
  return { kind: 'wait', ms, text, expect }
}
