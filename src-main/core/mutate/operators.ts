// Mutation operators over a flow document: each mutant is a few JSON edits (small enough to send
// to a worker, which applies them to the flow it already has), with the element it changes, the
// state it lives in and where it is written. Generation is deterministic for a seed.
import type { FlowDocument } from '../../common/flow-schema'
import type { JsonValue } from '../../common/api'
import { MUTATION_OPERATORS, type MutationOperator } from '../../common/api-quality'
import { isRecord } from '../../common/record'
import type { ParsedDocument, PathSegment } from '../document/parse'
import { transitionKey } from '../engine'
import { SeededRandom } from '../engine/random'

export { MUTATION_OPERATORS, type MutationOperator }

/** Sets (or, with `delete`, removes: an array element is spliced out) the value at a path. */
export interface JsonEdit {
  path: PathSegment[]
  value?: JsonValue
  delete?: true
}

/** What a mutant changes, in terms the tests' recorded paths speak. */
export interface MutantTarget {
  /** The state whose behaviour changes (null for a flow-wide intent example). */
  state: string | null
  /** The transition's coverage key, for transition mutants. */
  transition?: string
  /** The intent, for intent-example mutants. */
  intent?: string
  /** The slot, for drop-required-slot. */
  slot?: string
  /** Template mutants: what the state said before (for the hint). */
  template?: string
  /** Condition mutants: the comparison as written (for the hint). */
  comparison?: string
  /** Intent-example mutants: the example changed. */
  example?: string
  /** Swap mutants: the other transition's key. */
  swappedWith?: string
  /** Set when the mutant cannot change behaviour (why): it is left out of the score. */
  equivalent?: string
}

export interface MutantSpec extends MutantTarget {
  operator: MutationOperator
  /** One line: what was changed, from what to what. */
  description: string
  edits: JsonEdit[]
  /** Path of the mutated element, for its position. */
  at: PathSegment[]
}

const OPERATOR_FLIPS: Record<string, string> = {
  eq: 'ne', ne: 'eq', gt: 'lte', lte: 'gt', gte: 'lt', lt: 'gte',
  contains: 'not_contains', not_contains: 'contains', in: 'not_in', not_in: 'in',
  exists: 'not_exists', not_exists: 'exists', empty: 'not_empty', not_empty: 'empty',
}

const CONDITION_FLIPS: Record<string, string> = {
  integration_success: 'integration_error', integration_error: 'integration_success',
  condition_true: 'condition_false', condition_false: 'condition_true',
  workflow_completed: 'workflow_failed', workflow_failed: 'workflow_completed',
}

/** Every mutant of a flow the operators make, in document order. */
export function mutantsOf(doc: FlowDocument, operators: ReadonlySet<MutationOperator>, seed: number): MutantSpec[] {
  const random = new SeededRandom(seed)
  const out: MutantSpec[] = []
  const stateNames = Object.keys(doc.states)
  const intentNames = Object.keys(doc.intents ?? {})
  const on = (op: MutationOperator) => operators.has(op)
  for (const state of stateNames) {
    const raw: unknown = doc.states[state]
    if (!isRecord(raw)) continue
    const base: PathSegment[] = ['states', state]
    const transitions = Array.isArray(raw['transitions']) ? (raw['transitions'] as unknown[]) : []
    transitions.forEach((t, i) => {
      if (!isRecord(t) || typeof t['target_state'] !== 'string') return
      const key = transitionKey(state, t as never)
      const at: PathSegment[] = [...base, 'transitions', i]
      if (on('retarget-transition')) {
        const others = stateNames.filter((s) => s !== t['target_state'])
        if (others.length) {
          const to = others[Math.floor(random.next() * others.length)]!
          out.push({ operator: 'retarget-transition', state, transition: key, description: `${key} now goes to ${to}`, edits: [{ path: [...at, 'target_state'], value: to }], at })
        }
      }
      if (on('drop-transition')) out.push({ operator: 'drop-transition', state, transition: key, description: `dropped ${key}`, edits: [{ path: at, delete: true }], at })
      const condition = t['condition']
      if (on('flip-operator') && typeof condition === 'string' && CONDITION_FLIPS[condition]) {
        const flipped = CONDITION_FLIPS[condition]!
        out.push({ operator: 'flip-operator', state, transition: key, description: `${key}: ${condition} → ${flipped}`, edits: [{ path: [...at, 'condition'], value: flipped }], at: [...at, 'condition'] })
      }
      if (condition === 'expression') {
        for (const c of comparisons(t['condition_value'], [...at, 'condition_value'])) conditionMutants(out, operators, state, key, c)
      }
      if (on('change-value') && condition === 'intent_match') {
        const current = Array.isArray(t['condition_value']) ? t['condition_value'].map(String) : [String(t['condition_value'])]
        const others = intentNames.filter((n) => !current.includes(n))
        if (others.length) {
          const to = others[Math.floor(random.next() * others.length)]!
          out.push({ operator: 'change-value', state, transition: key, description: `${key}: intent ${current.join(',')} → ${to}`, edits: [{ path: [...at, 'condition_value'], value: to }], at: [...at, 'condition_value'] })
        }
      }
    })
    if (on('swap-priority')) swapMutants(out, state, transitions, base)
    const config = isRecord(raw['config']) ? raw['config'] : undefined
    if (config) {
      if (Array.isArray(config['conditions'])) {
        config['conditions'].forEach((c, i) => {
          for (const cmp of comparisons(c, [...base, 'config', 'conditions', i])) conditionMutants(out, operators, state, undefined, cmp)
        })
      }
      if (on('change-template')) {
        const templates = isRecord(config['response_templates']) ? config['response_templates'] : undefined
        if (templates) for (const variant in templates) templateMutants(out, state, templates[variant], [...base, 'config', 'response_templates', variant], `${variant} reply`)
        const prompts = isRecord(config['prompts']) ? config['prompts'] : undefined
        if (prompts) for (const slot in prompts) templateMutants(out, state, prompts[slot], [...base, 'config', 'prompts', slot], `prompt for ${slot}`)
      }
      if (on('drop-required-slot') && Array.isArray(config['required_slots'])) {
        config['required_slots'].forEach((slot, i) => {
          if (typeof slot !== 'string') return
          const at: PathSegment[] = [...base, 'config', 'required_slots', i]
          out.push({ operator: 'drop-required-slot', state, slot, description: `${state} no longer requires slot ${slot}`, edits: [{ path: at, delete: true }], at })
        })
      }
    }
    if (on('change-template') && Array.isArray(raw['actions'])) {
      raw['actions'].forEach((a, i) => {
        if (isRecord(a) && a['type'] === 'send_message' && typeof a['text'] === 'string') {
          templateMutants(out, state, a['text'], [...base, 'actions', i, 'text'], 'send_message text')
        }
      })
    }
  }
  if (on('change-intent-example')) {
    for (const intent of intentNames) {
      const examples = doc.intents![intent]
      if (!Array.isArray(examples) || !examples.length) continue
      examples.forEach((example, i) => {
        const at: PathSegment[] = ['intents', intent, i]
        if (examples.length > 1) {
          out.push({ operator: 'change-intent-example', state: null, intent, example, description: `intent ${intent}: removed the example ${JSON.stringify(example)}`, edits: [{ path: at, delete: true }], at })
        }
        if (typeof example !== 'string') return
        const donors = intentNames.filter((n) => n !== intent && (doc.intents![n]?.length ?? 0) > 0)
        if (!donors.length) return
        const donor = donors[Math.floor(random.next() * donors.length)]!
        const donated = doc.intents![donor]!
        const replacement = donated[Math.floor(random.next() * donated.length)]!
        out.push({
          operator: 'change-intent-example', state: null, intent, example,
          description: `intent ${intent}: the example ${JSON.stringify(example)} replaced by ${JSON.stringify(replacement)} (of ${donor})`,
          edits: [{ path: at, value: replacement }], at,
        })
      })
    }
  }
  return out.filter((m) => operators.has(m.operator))
}

interface Comparison {
  path: PathSegment[]
  left: unknown
  operator: string
  right: unknown
}

/** The comparisons `{left, operator, right}` in a condition or an {all}/{any} group. */
function comparisons(value: unknown, path: PathSegment[]): Comparison[] {
  if (!isRecord(value)) return []
  for (const group of ['all', 'any'] as const) {
    if (Array.isArray(value[group])) return value[group].flatMap((c, i) => comparisons(c, [...path, group, i]))
  }
  if (typeof value['operator'] !== 'string') return []
  return [{ path, left: value['left'], operator: value['operator'], right: value['right'] }]
}

function conditionMutants(out: MutantSpec[], operators: ReadonlySet<MutationOperator>, state: string, transition: string | undefined, c: Comparison): void {
  const written = `${String(c.left)} ${c.operator}${c.right === undefined ? '' : ` ${JSON.stringify(c.right)}`}`
  const target = { state, ...(transition ? { transition } : {}), comparison: written }
  const flipped = OPERATOR_FLIPS[c.operator]
  if (operators.has('flip-operator') && flipped) {
    out.push({ operator: 'flip-operator', ...target, description: `${written}: ${c.operator} → ${flipped}`, edits: [{ path: [...c.path, 'operator'], value: flipped }], at: [...c.path, 'operator'] })
  }
  const changed = changedValue(c.right)
  if (operators.has('change-value') && changed !== undefined) {
    out.push({ operator: 'change-value', ...target, description: `${written}: ${JSON.stringify(c.right)} → ${JSON.stringify(changed)}`, edits: [{ path: [...c.path, 'right'], value: changed }], at: [...c.path, 'right'] })
  }
}

/** A literal changed as a mutation tool would: numbers by one, booleans negated, strings altered; templates left alone. */
function changedValue(v: unknown): JsonValue | undefined {
  if (typeof v === 'number') return v + 1
  if (typeof v === 'boolean') return !v
  if (typeof v === 'string' && !/^\{[^{}]+\}$/.test(v.trim())) return v === '' ? 'mutated' : `${v}_mutated`
  return undefined
}

/** Adjacent transitions in evaluation order swap places: their priorities when they differ, else their order. */
function swapMutants(out: MutantSpec[], state: string, transitions: unknown[], base: PathSegment[]): void {
  const order = transitions
    .map((t, i) => ({ t, i, priority: isRecord(t) && typeof t['priority'] === 'number' ? t['priority'] : 100 }))
    .filter((e) => isRecord(e.t) && typeof e.t['target_state'] === 'string')
    .sort((a, b) => a.priority - b.priority || a.i - b.i)
  for (let k = 0; k + 1 < order.length; k++) {
    const a = order[k]!
    const b = order[k + 1]!
    const ka = transitionKey(state, a.t as never)
    const kb = transitionKey(state, b.t as never)
    if (ka === kb) continue
    const edits: JsonEdit[] = a.priority !== b.priority
      ? [{ path: [...base, 'transitions', a.i, 'priority'], value: b.priority }, { path: [...base, 'transitions', b.i, 'priority'], value: a.priority }]
      : [{ path: [...base, 'transitions', a.i], value: b.t as JsonValue }, { path: [...base, 'transitions', b.i], value: a.t as JsonValue }]
    const exclusive = mutuallyExclusive(a.t as Record<string, unknown>, b.t as Record<string, unknown>)
    out.push({
      operator: 'swap-priority', state, transition: ka, swappedWith: kb, description: `${ka} and ${kb} swap priorities`, edits, at: [...base, 'transitions', a.i],
      ...(exclusive ? { equivalent: exclusive } : {}),
    })
  }
}

const EXCLUSIVE_PAIRS = [
  ['condition_true', 'condition_false'], ['integration_success', 'integration_error'], ['workflow_completed', 'workflow_failed'],
  ['timeout', 'any_input'], ['timeout', 'intent_match'], ['timeout', 'entity_present'],
]

/** Why two transitions can never both be true (so their order cannot matter), or undefined. */
function mutuallyExclusive(a: Record<string, unknown>, b: Record<string, unknown>): string | undefined {
  const ca = String(a['condition'])
  const cb = String(b['condition'])
  if (EXCLUSIVE_PAIRS.some(([x, y]) => (ca === x && cb === y) || (ca === y && cb === x))) return `${ca} and ${cb} are never true together`
  if (ca === 'intent_match' && cb === 'intent_match') {
    const list = (v: unknown) => (Array.isArray(v) ? v.map(String) : [String(v)])
    const ia = list(a['condition_value'])
    const ib = list(b['condition_value'])
    if (!ia.some((i) => ib.includes(i))) return 'a turn has one intent: the two intent_match transitions never hold together'
  }
  return undefined
}

/** A template (or each of a list of messages) replaced by a text no test could be expecting. */
function templateMutants(out: MutantSpec[], state: string, value: unknown, path: PathSegment[], what: string): void {
  const texts: Array<{ text: string; path: PathSegment[] }> = typeof value === 'string'
    ? [{ text: value, path }]
    : Array.isArray(value) ? value.flatMap((v, i) => (typeof v === 'string' ? [{ text: v, path: [...path, i] }] : [])) : []
  for (const { text, path: at } of texts) {
    out.push({ operator: 'change-template', state, template: text, description: `${state} ${what}: ${JSON.stringify(shorten(text))} → ${JSON.stringify(mutatedText(state))}`, edits: [{ path: at, value: mutatedText(state) }], at })
  }
}

export function mutatedText(state: string): string {
  return `[mutant] ${state} says something else`
}

function shorten(text: string): string {
  return text.length > 40 ? `${text.slice(0, 37)}…` : text
}

/** The document with the edits applied (the original is not touched: the path to each edit is copied). */
export function applyEdits(doc: FlowDocument, edits: readonly JsonEdit[]): FlowDocument {
  const root = { ...(doc as unknown as Record<string, unknown>) }
  for (const edit of edits) {
    let node: Record<string, unknown> | unknown[] = root
    for (let i = 0; i < edit.path.length - 1; i++) {
      const seg = edit.path[i]!
      const child: unknown = (node as Record<string | number, unknown>)[seg]
      const copy: Record<string, unknown> | unknown[] = Array.isArray(child) ? [...child] : { ...(child as Record<string, unknown>) }
      ;(node as Record<string | number, unknown>)[seg] = copy
      node = copy
    }
    const last = edit.path[edit.path.length - 1]!
    if (edit.delete && Array.isArray(node) && typeof last === 'number') node.splice(last, 1)
    else if (edit.delete) delete (node as Record<string, unknown>)[last as string]
    else (node as Record<string | number, unknown>)[last] = edit.value
  }
  return root as unknown as FlowDocument
}

/** Where a mutated element is written (1-based), falling back to its nearest located ancestor. */
export function locateElement(parsed: ParsedDocument, path: readonly PathSegment[]): { line: number; column: number } {
  for (let n = path.length; n > 0; n--) {
    const at = parsed.locate(path.slice(0, n))
    if (at) return at
  }
  return { line: 1, column: 1 }
}
