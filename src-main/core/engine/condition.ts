// Conditions `{left, operator, right?}` and `{all}`/`{any}` groups: compiled once, evaluated
// against the conversation context with fixed, documented coercion rules (docs/engine.md).
import { OPERATORS, type Operator } from '../../common/flow-vocabulary'
import { compilePattern } from './pattern'
import { compileValue, resolveValue, stringify, type CompiledValue, type TemplateScope } from './template'
import { FlowIssue } from './issue'
import { isRecord } from '../../common/record'

export interface CompiledComparison {
  readonly operator: Operator
  readonly left: CompiledValue
  readonly right: CompiledValue
  /** `matches` with a literal right operand: the regex, compiled once. */
  readonly regex: RegExp | null
}

export type CompiledExpression =
  | { readonly kind: 'comparison'; readonly comparison: CompiledComparison }
  | { readonly kind: 'all'; readonly items: readonly CompiledExpression[] }
  | { readonly kind: 'any'; readonly items: readonly CompiledExpression[] }

const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS)
const UNDEFINED_VALUE: CompiledValue = { kind: 'literal', value: undefined }


export function compileComparison(c: unknown, path: readonly (string | number)[]): CompiledComparison {
  if (!isRecord(c)) throw new FlowIssue(path, 'a condition must be an object {left, operator, right?}')
  const operator = c['operator']
  if (typeof operator !== 'string' || !OPERATOR_SET.has(operator)) {
    throw new FlowIssue([...path, 'operator'], `unknown operator ${JSON.stringify(operator)} (expected one of ${OPERATORS.join(', ')})`)
  }
  const right = 'right' in c ? compileValue(c['right']) : UNDEFINED_VALUE
  let regex: RegExp | null = null
  if (operator === 'matches' && right.kind === 'literal') {
    if (typeof right.value !== 'string') throw new FlowIssue([...path, 'right'], '`matches` needs a regular expression string on the right')
    try {
      regex = compilePattern(right.value)
    } catch (err) {
      throw new FlowIssue([...path, 'right'], (err as Error).message)
    }
  }
  return { operator: operator as Operator, left: compileValue(c['left']), right, regex }
}

export function compileExpression(v: unknown, path: readonly (string | number)[]): CompiledExpression {
  if (isRecord(v)) {
    if (Array.isArray(v['all'])) return { kind: 'all', items: v['all'].map((x, i) => compileExpression(x, [...path, 'all', i])) }
    if (Array.isArray(v['any'])) return { kind: 'any', items: v['any'].map((x, i) => compileExpression(x, [...path, 'any', i])) }
  }
  return { kind: 'comparison', comparison: compileComparison(v, path) }
}

/** Regexes built from templated right operands, cached per flow (bounded). */
export class RegexCache {
  private readonly map = new Map<string, RegExp | null>()
  get(source: string): RegExp | null {
    let re = this.map.get(source)
    if (re !== undefined) return re
    try {
      re = compilePattern(source)
    } catch {
      re = null
    }
    if (this.map.size >= 256) this.map.clear()
    this.map.set(source, re)
    return re
  }
}

// ---- coercion -------------------------------------------------------------------------

/** A number from a number or a numeric string; NaN for anything else. */
function toNumber(v: unknown): number {
  if (typeof v === 'number') return v
  if (typeof v === 'string') {
    const s = v.trim()
    return s === '' ? NaN : Number(s)
  }
  return NaN
}

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === null || b === null || typeof a !== 'object' || typeof b !== 'object') return false
  if (Array.isArray(a) !== Array.isArray(b)) return false
  if (Array.isArray(a)) {
    const bb = b as unknown[]
    if (a.length !== bb.length) return false
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], bb[i])) return false
    return true
  }
  const ka = Object.keys(a)
  const kb = Object.keys(b)
  if (ka.length !== kb.length) return false
  for (const k of ka) {
    if (!Object.prototype.hasOwnProperty.call(b, k)) return false
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false
  }
  return true
}

/**
 * `eq`: strict equality, plus: null equals a missing value; a number equals a string that
 * reads as that number ("42" eq 42); a boolean equals "true"/"false" (any case); objects and
 * arrays compare deeply. Strings compare case-sensitively.
 */
export function looseEquals(a: unknown, b: unknown): boolean {
  if (a === b) return true
  if (a === undefined || a === null || b === undefined || b === null) return (a === undefined || a === null) && (b === undefined || b === null)
  const ta = typeof a
  const tb = typeof b
  if (ta === 'number' && tb === 'string') return toNumber(b) === a
  if (ta === 'string' && tb === 'number') return toNumber(a) === b
  if (ta === 'boolean' && tb === 'string') return String(a) === (b as string).trim().toLowerCase()
  if (ta === 'string' && tb === 'boolean') return String(b) === (a as string).trim().toLowerCase()
  if (ta === 'object' && tb === 'object') return deepEqual(a, b)
  return false
}

/** gt/gte/lt/lte: numerically when both read as numbers, else both strings by code point, else false. */
function compare(a: unknown, b: unknown): number {
  const na = toNumber(a)
  const nb = toNumber(b)
  if (!Number.isNaN(na) && !Number.isNaN(nb)) return na < nb ? -1 : na > nb ? 1 : 0
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0
  return NaN
}

/** `contains`: substring of a string, element of an array (by eq), own key of an object. */
function contains(container: unknown, item: unknown): boolean {
  if (typeof container === 'string') return item !== undefined && item !== null && container.includes(stringify(item))
  if (Array.isArray(container)) {
    for (const el of container) if (looseEquals(el, item)) return true
    return false
  }
  if (isRecord(container)) return typeof item === 'string' && Object.prototype.hasOwnProperty.call(container, item)
  return false
}

/** `empty`: missing, null, a blank string, an empty array or an object without keys. */
function isEmpty(v: unknown): boolean {
  if (v === undefined || v === null) return true
  if (typeof v === 'string') return v.trim() === ''
  if (Array.isArray(v)) return v.length === 0
  if (typeof v === 'object') return Object.keys(v).length === 0
  return false
}

export function evaluateComparison(c: CompiledComparison, scope: TemplateScope, regexes: RegexCache): boolean {
  const left = resolveValue(c.left, scope, false)
  switch (c.operator) {
    case 'exists':
      return left !== undefined && left !== null
    case 'not_exists':
      return left === undefined || left === null
    case 'empty':
      return isEmpty(left)
    case 'not_empty':
      return !isEmpty(left)
    default:
      break
  }
  const right = resolveValue(c.right, scope, false)
  switch (c.operator) {
    case 'eq':
      return looseEquals(left, right)
    case 'ne':
      return !looseEquals(left, right)
    case 'gt':
      return compare(left, right) > 0
    case 'gte':
      return compare(left, right) >= 0
    case 'lt':
      return compare(left, right) < 0
    case 'lte':
      return compare(left, right) <= 0
    case 'contains':
      return contains(left, right)
    case 'not_contains':
      return !contains(left, right)
    case 'in':
      return contains(right, left)
    case 'not_in':
      return !contains(right, left)
    case 'matches': {
      if (left === undefined || left === null) return false
      const re = c.regex ?? (typeof right === 'string' ? regexes.get(right) : null)
      return re !== null && re.test(stringify(left))
    }
    default:
      return false
  }
}

export function evaluateExpression(e: CompiledExpression, scope: TemplateScope, regexes: RegexCache): boolean {
  switch (e.kind) {
    case 'comparison':
      return evaluateComparison(e.comparison, scope, regexes)
    case 'all':
      for (const item of e.items) if (!evaluateExpression(item, scope, regexes)) return false
      return true
    case 'any':
      for (const item of e.items) if (evaluateExpression(item, scope, regexes)) return true
      return false
  }
}
