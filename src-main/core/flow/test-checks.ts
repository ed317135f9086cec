// Load-time checks of test suites beyond the schema: each step does one thing, and every
// `matches` regular expression compiles. Also the `each` expansion the checks run on.
import type { PathSegment } from '../document/parse'
import { asArray, asRecord } from './checks'
import { issue, type FlowIssue } from './issues'
import { regexProblem } from './regex'

const STEP_ACTIONS = ['user', 'event', 'wait'] as const

/**
 * A test once per `each` parameter map, with `${param}` replaced in every string of the test
 * (a string that is exactly `${param}` takes the parameter's value and type). A test without
 * `each` (or with a malformed one) is returned as written.
 */
export function expandEach(test: unknown): unknown[] {
  const t = asRecord(test)
  const each = t?.each
  if (!t || !Array.isArray(each) || !each.length || !each.every((p) => asRecord(p))) return [test]
  return each.map((params) => {
    const { each: list, ...rest } = t
    return { ...(substituteParams(rest, params as Record<string, unknown>) as Record<string, unknown>), each: list }
  })
}

const EXACT_PARAM = /^\$\{(\w+)\}$/
const PARAM = /\$\{(\w+)\}/g

/** Replaces `${param}` references; unknown names are left as written. */
export function substituteParams(value: unknown, params: Record<string, unknown>): unknown {
  if (typeof value === 'string') {
    const exact = EXACT_PARAM.exec(value)
    if (exact && Object.prototype.hasOwnProperty.call(params, exact[1]!)) return params[exact[1]!]
    if (!value.includes('${')) return value
    return value.replace(PARAM, (whole, name: string) => {
      if (!Object.prototype.hasOwnProperty.call(params, name)) return whole
      const v = params[name]
      return typeof v === 'string' ? v : JSON.stringify(v)
    })
  }
  if (Array.isArray(value)) return value.map((v) => substituteParams(v, params))
  const record = asRecord(value)
  if (!record) return value
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(record)) out[k] = substituteParams(v, params)
  return out
}

export function checkTestSuiteSemantics(suite: unknown): FlowIssue[] {
  const out: FlowIssue[] = []
  const seen = new Set<string>()
  const add = (found: FlowIssue) => {
    const key = `${JSON.stringify(found.path)}\u0000${found.message}`
    if (!seen.has(key)) { seen.add(key); out.push(found) }
  }
  asArray(asRecord(suite)?.tests).forEach((test, ti) => {
    for (const expanded of expandEach(test)) {
      asArray(asRecord(expanded)?.steps).forEach((s, si) => {
        const step = asRecord(s)
        if (!step) return
        const path: PathSegment[] = ['tests', ti, 'steps', si]
        const actions = STEP_ACTIONS.filter((a) => step[a] !== undefined)
        if (actions.length > 1) {
          add(issue('schema', 'error', path, `a step does one thing: it has ${actions.join(' and ')}; split it into ${actions.length} steps`, 'value'))
        } else if (!actions.length && (si > 0 || step.expect === undefined)) {
          add(issue('schema', 'error', path, si > 0
            ? 'a step needs user, event or wait (only the first step may hold just expect, to check what start produced)'
            : 'a step needs user, event or wait, or (as the first step) expect', 'value'))
        }
        if (step.expect !== undefined) checkMatcherRegexes(step.expect, [...path, 'expect'], add)
      })
    }
  })
  return out
}

/** Every `{matches: "re"}` matcher anywhere under an expectation must compile. */
function checkMatcherRegexes(value: unknown, path: PathSegment[], add: (i: FlowIssue) => void): void {
  if (Array.isArray(value)) {
    value.forEach((v, i) => checkMatcherRegexes(v, [...path, i], add))
    return
  }
  const record = asRecord(value)
  if (!record) return
  const keys = Object.keys(record)
  if (keys.length === 1 && keys[0] === 'matches' && typeof record.matches === 'string') {
    const problem = regexProblem(record.matches)
    if (problem) add(issue('invalid-regex', 'error', [...path, 'matches'], problem))
    return
  }
  for (const [k, v] of Object.entries(record)) checkMatcherRegexes(v, [...path, k], add)
}
