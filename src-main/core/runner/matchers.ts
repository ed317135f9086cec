// Matchers, usable wherever a test expects a value: a plain value (equality) or an object of
// contains / not_contains / matches / one_of / gte / lte / gt / lt (several keys: all must hold).
import { compileFlowRegex, regexProblem } from '../flow/regex'

export const MATCHER_KEYS = ['contains', 'not_contains', 'matches', 'one_of', 'gte', 'lte', 'gt', 'lt'] as const
export type MatcherKey = (typeof MATCHER_KEYS)[number]
const MATCHER_KEY_SET: ReadonlySet<string> = new Set(MATCHER_KEYS)

/** The test itself is wrong (a bad regex, a non-numeric bound): the test errors rather than fails. */
export class TestDefinitionError extends Error {
  override name = 'TestDefinitionError'
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

/** A matcher object: every key is a matcher key (so a plain object with other keys means equality). */
export function isMatcher(v: unknown): v is Partial<Record<MatcherKey, unknown>> {
  if (!isPlainObject(v)) return false
  let n = 0
  for (const k in v) {
    if (!MATCHER_KEY_SET.has(k)) return false
    n++
  }
  return n > 0
}

// Tests repeat the same patterns thousands of times: compile each once per thread.
const regexCache = new Map<string, RegExp>()
function regexFor(pattern: unknown): RegExp {
  if (typeof pattern !== 'string') throw new TestDefinitionError(`matches takes a regular expression string, not ${describeValue(pattern)}`)
  let re = regexCache.get(pattern)
  if (!re) {
    const problem = regexProblem(pattern)
    if (problem) throw new TestDefinitionError(problem)
    re = compileFlowRegex(pattern)
    regexCache.set(pattern, re)
  }
  return re
}

function bound(key: MatcherKey, n: unknown): number {
  if (typeof n !== 'number' || Number.isNaN(n)) throw new TestDefinitionError(`${key} takes a number, not ${describeValue(n)}`)
  return n
}

/** Whether `actual` satisfies `expected` (a plain value compared deeply, or a matcher). */
export function matchValue(expected: unknown, actual: unknown): boolean {
  if (isMatcher(expected)) return matchOperators(expected, actual)
  if (expected === null || expected === undefined) return actual === null || actual === undefined
  if (Array.isArray(expected)) {
    if (!Array.isArray(actual) || actual.length !== expected.length) return false
    for (let i = 0; i < expected.length; i++) if (!matchValue(expected[i], actual[i])) return false
    return true
  }
  if (isPlainObject(expected)) {
    if (!isPlainObject(actual)) return false
    for (const k in expected) if (!matchValue(expected[k], actual[k])) return false
    // Equality, not a subset: a key the test did not list must be absent (or undefined).
    for (const k in actual) if (!(k in expected) && actual[k] !== undefined) return false
    return true
  }
  return expected === actual
}

function matchOperators(m: Partial<Record<MatcherKey, unknown>>, actual: unknown): boolean {
  for (const key in m) {
    const arg = m[key as MatcherKey]
    if (!matchOperator(key as MatcherKey, arg, actual)) return false
  }
  return true
}

function matchOperator(key: MatcherKey, arg: unknown, actual: unknown): boolean {
  switch (key) {
    case 'contains':
      return contains(actual, arg)
    case 'not_contains':
      return !contains(actual, arg)
    case 'matches': {
      const re = regexFor(arg)
      if (typeof actual !== 'string' && typeof actual !== 'number' && typeof actual !== 'boolean') return false
      re.lastIndex = 0
      return re.test(String(actual))
    }
    case 'one_of':
      if (!Array.isArray(arg)) throw new TestDefinitionError(`one_of takes a list, not ${describeValue(arg)}`)
      return arg.some((option) => matchValue(option, actual))
    // The bound is checked first: a wrong bound is the test's mistake even when the value is missing.
    case 'gte': {
      const n = bound(key, arg)
      return typeof actual === 'number' && actual >= n
    }
    case 'lte': {
      const n = bound(key, arg)
      return typeof actual === 'number' && actual <= n
    }
    case 'gt': {
      const n = bound(key, arg)
      return typeof actual === 'number' && actual > n
    }
    case 'lt': {
      const n = bound(key, arg)
      return typeof actual === 'number' && actual < n
    }
  }
}

function contains(actual: unknown, needle: unknown): boolean {
  if (typeof actual === 'string') return typeof needle === 'string' || typeof needle === 'number' ? actual.includes(String(needle)) : false
  if (Array.isArray(actual)) return actual.some((item) => matchValue(needle, item))
  return false
}

/** A short, readable rendering of an expected value or matcher, for failure messages. */
export function describeExpected(expected: unknown): string {
  if (!isMatcher(expected)) return describeValue(expected)
  const parts: string[] = []
  for (const key in expected) {
    const arg = expected[key as MatcherKey]
    switch (key as MatcherKey) {
      case 'contains': parts.push(`containing ${describeValue(arg)}`); break
      case 'not_contains': parts.push(`not containing ${describeValue(arg)}`); break
      case 'matches': parts.push(`matching ${typeof arg === 'string' && arg.startsWith('/') ? arg : `/${String(arg)}/`}`); break
      case 'one_of': parts.push(`one of ${describeValue(arg)}`); break
      case 'gte': parts.push(`>= ${describeValue(arg)}`); break
      case 'lte': parts.push(`<= ${describeValue(arg)}`); break
      case 'gt': parts.push(`> ${describeValue(arg)}`); break
      case 'lt': parts.push(`< ${describeValue(arg)}`); break
    }
  }
  return parts.join(' and ')
}

/** JSON-like rendering; `undefined` reads as "nothing". */
export function describeValue(v: unknown): string {
  if (v === undefined) return 'nothing'
  try {
    const s = JSON.stringify(v)
    return s.length > 200 ? `${s.slice(0, 197)}...` : s
  } catch {
    return String(v)
  }
}
