// Checks one turn against a step's `expect`: every key of spec/test-format.md, each failing
// key reported once with what was expected and what the turn produced.
import type { JsonValue } from '../../common/api'
import type { Expectation } from '../../common/test-schema'
import type { MemorySnapshot, TurnResult } from '../../common/turn'
import { describeExpected, describeValue, isMatcher, isPlainObject, matchValue, TestDefinitionError } from './matchers'

/** A failing expectation before it is tied to a step. */
export interface FieldFailure {
  field: string
  expected: JsonValue
  actual: JsonValue
  message: string
}

type Check = (expected: unknown, turn: TurnResult) => FieldFailure | undefined

/**
 * Every failing field of the step, in the order the test wrote them; an unexpected turn error
 * (the step does not expect `error`) comes first, as it usually explains the rest.
 */
export function checkTurn(expect: Expectation | undefined, turn: TurnResult): FieldFailure[] {
  const failures: FieldFailure[] = []
  if (turn.errors.length && (expect === undefined || expect.error === undefined)) {
    const codes = turn.errors.map((e) => e.code)
    failures.push({
      field: 'error',
      expected: null,
      actual: oneOrList(codes),
      message: `unexpected turn error ${turn.errors.map((e) => `${e.code} (${e.message})`).join(', ')}`,
    })
  }
  if (!expect) return failures
  for (const key in expect) {
    const expected = (expect as Record<string, unknown>)[key]
    if (expected === undefined) continue
    const check = CHECKS[key]
    if (!check) throw new TestDefinitionError(`unknown expectation "${key}"`)
    const failure = check(expected, turn)
    if (failure) failures.push(failure)
  }
  return failures
}

/** Reply texts are strings; a number or boolean written in the test compares by its text. */
function matchText(expected: unknown, text: string): boolean {
  if (typeof expected === 'number' || typeof expected === 'boolean') return String(expected) === text
  return matchValue(expected, text)
}

function oneOrList<T extends JsonValue>(items: T[]): JsonValue {
  return items.length === 1 ? items[0]! : items.length === 0 ? null : items
}

function json(v: unknown): JsonValue {
  return v === undefined ? null : (v as JsonValue)
}

function fail(field: string, expected: unknown, actual: unknown, message?: string): FieldFailure {
  return {
    field,
    expected: json(expected),
    actual: json(actual),
    message: message ?? `${field}: expected ${describeExpected(expected)}, got ${describeValue(actual)}`,
  }
}

function simple(field: string, pick: (turn: TurnResult) => unknown): Check {
  return (expected, turn) => {
    const actual = pick(turn)
    return matchValue(expected, actual) ? undefined : fail(field, expected, actual)
  }
}

function list(field: string, expected: unknown): unknown[] {
  if (!Array.isArray(expected)) throw new TestDefinitionError(`expect.${field} takes a list, not ${describeValue(expected)}`)
  return expected
}

/** Every listed key matches; other keys of the actual object are ignored. */
function keyed(field: 'entities' | 'slots' | 'variables'): Check {
  return (expected, turn) => {
    if (!isPlainObject(expected)) throw new TestDefinitionError(`expect.${field} takes a map of names to values, not ${describeValue(expected)}`)
    const actualAll = (turn[field] ?? {}) as Record<string, unknown>
    const picked: Record<string, unknown> = {}
    const wrong: string[] = []
    for (const k in expected) {
      picked[k] = actualAll[k] === undefined ? null : actualAll[k]
      if (!matchValue(expected[k], actualAll[k])) {
        wrong.push(`${field}.${k}: expected ${describeExpected(expected[k])}, got ${describeValue(actualAll[k])}`)
      }
    }
    return wrong.length ? fail(field, expected, picked, wrong.join('; ')) : undefined
  }
}

/** A request matches when every key the test lists matches (nested objects likewise): a subset. */
function matchSubset(expected: unknown, actual: unknown): boolean {
  if (isPlainObject(expected) && !isMatcher(expected)) {
    if (!isPlainObject(actual)) return false
    for (const k in expected) if (!matchSubset(expected[k], actual[k])) return false
    return true
  }
  return matchValue(expected, actual)
}

const CHECKS: Record<string, Check> = {
  reply: (expected, turn) => {
    const texts = turn.replies.map((r) => r.text)
    if (texts.some((t) => matchText(expected, t))) return undefined
    return fail('reply', expected, oneOrList(texts), `reply: expected a reply ${isMatcher(expected) ? describeExpected(expected) : `equal to ${describeValue(expected)}`}, got ${texts.length ? describeValue(texts) : 'no reply'}`)
  },
  replies: (expected, turn) => {
    const wanted = list('replies', expected)
    const texts = turn.replies.map((r) => r.text)
    const ok = wanted.length === texts.length && wanted.every((w, i) => matchText(w, texts[i]!))
    if (ok) return undefined
    const why = wanted.length !== texts.length
      ? `expected ${wanted.length} ${wanted.length === 1 ? 'reply' : 'replies'}, got ${texts.length}`
      : `reply ${wanted.findIndex((w, i) => !matchText(w, texts[i]!))} differs`
    return fail('replies', expected, texts, `replies: ${why}: expected ${describeValue(expected)}, got ${describeValue(texts)}`)
  },
  no_reply: (expected, turn) => {
    const texts = turn.replies.map((r) => r.text)
    if ((texts.length === 0) === Boolean(expected)) return undefined
    return fail('no_reply', expected, texts, expected ? `no_reply: expected no reply, got ${describeValue(texts)}` : 'no_reply: expected a reply, got none')
  },
  state: simple('state', (t) => t.state),
  path: (expected, turn) => {
    list('path', expected)
    return matchValue(expected, turn.path) ? undefined : fail('path', expected, turn.path)
  },
  intent: simple('intent', (t) => t.intent),
  confidence: simple('confidence', (t) => t.confidence),
  entities: keyed('entities'),
  slots: keyed('slots'),
  variables: keyed('variables'),
  missing_slots: (expected, turn) => {
    list('missing_slots', expected)
    return matchValue(expected, turn.missing_slots) ? undefined : fail('missing_slots', expected, turn.missing_slots)
  },
  integration_calls: (expected, turn) => {
    const wanted = list('integration_calls', expected)
    const calls = turn.integration_calls.map((c) => ({ id: c.id, request: c.request, success: c.success }))
    const used = new Set<number>()
    const missing: string[] = []
    for (const w of wanted) {
      if (!isPlainObject(w) || typeof w.id !== 'string') throw new TestDefinitionError(`expect.integration_calls lists {id, request?}, not ${describeValue(w)}`)
      const i = calls.findIndex((c, ci) =>
        !used.has(ci) && c.id === w.id &&
        (w.request === undefined || matchSubset(w.request, c.request)) &&
        (w.success === undefined || matchValue(w.success, c.success)))
      if (i < 0) missing.push(describeValue(w))
      else used.add(i)
    }
    if (!missing.length) return undefined
    return fail('integration_calls', expected, calls, `integration_calls: no matching call for ${missing.join(', ')}; calls made: ${calls.length ? describeValue(calls) : 'none'}`)
  },
  workflow: (expected, turn) => {
    if (!isPlainObject(expected)) throw new TestDefinitionError(`expect.workflow takes {state?, completed_tasks?}, not ${describeValue(expected)}`)
    const wf = turn.workflow
    const actual = wf ? { state: wf.state, completed_tasks: wf.completed_tasks, ...(wf.failed_task ? { failed_task: wf.failed_task } : {}) } : null
    if (actual) {
      let ok = true
      for (const k in expected) if (!matchValue(expected[k], (actual as Record<string, unknown>)[k])) ok = false
      if (ok) return undefined
    }
    return fail('workflow', expected, actual, actual ? undefined : `workflow: expected ${describeValue(expected)}, but no workflow has run`)
  },
  ended: simple('ended', (t) => t.ended),
  error: (expected, turn) => {
    const codes = turn.errors.map((e) => e.code)
    if (codes.some((c) => matchValue(expected, c))) return undefined
    return fail('error', expected, oneOrList(codes), `error: expected turn error ${describeExpected(expected)}, got ${codes.length ? codes.join(', ') : 'none'}`)
  },
}

/** The memory values `expect.context` reads, by key. */
const CONTEXT_VALUES: Record<string, (m: MemorySnapshot) => unknown> = {
  token_count: (m) => m.token_count,
  compression_applied: (m) => m.compression_applied,
  compressions: (m) => m.compressions,
  summarised_turns: (m) => m.summarised_turns,
  summary: (m) => m.summary,
  turns: (m) => new Set(m.turns.map((e) => e.turn)).size,
}

CHECKS['context'] = (expected, turn) => {
  if (!isPlainObject(expected)) throw new TestDefinitionError(`expect.context takes {token_count?, compression_applied?, compressions?, summarised_turns?, summary?, turns?}, not ${describeValue(expected)}`)
  for (const k in expected) {
    if (!Object.prototype.hasOwnProperty.call(CONTEXT_VALUES, k)) throw new TestDefinitionError(`unknown expectation "context.${k}" (expected one of ${Object.keys(CONTEXT_VALUES).join(', ')})`)
  }
  const m = turn.memory
  if (m === undefined) return fail('context', expected, null, 'context: the flow keeps no context memory: add settings.memory (max_turns, token_budget) to the flow')
  const picked: Record<string, unknown> = {}
  const wrong: string[] = []
  for (const k in expected) {
    const actual = CONTEXT_VALUES[k]!(m)
    picked[k] = actual
    if (!matchValue(expected[k], actual)) wrong.push(`context.${k}: expected ${describeExpected(expected[k])}, got ${describeValue(actual)}`)
  }
  return wrong.length ? fail('context', expected, picked, wrong.join('; ')) : undefined
}

export const EXPECTATION_KEYS: readonly string[] = Object.keys(CHECKS)
