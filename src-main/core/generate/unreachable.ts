// Why the generator could not reach a state or transition, in words a flow author understands:
// no path from initial_state, a state that is never entered, a transition an earlier one always
// pre-empts or whose intent the state never produces (the lint rules' own findings), a timeout
// that never fires, a condition whose operands are constants, or else what the search tried.
import type { FlowDocument } from '../../common/flow-schema'
import { transitionKey } from '../engine'
import { asArray, asRecord, asString, statesOf } from '../flow/checks'
import type { FlowIssue } from '../flow/issues'
import { impossibleIntent, shadowedTransition, unknownIntent } from '../lint/rules'
import { soleReference } from './inputs'

export interface UnreachableItem {
  kind: 'state' | 'transition'
  id: string
  reason: string
}

export interface ReasonContext {
  doc: FlowDocument
  /** What the search entered and took. */
  states: ReadonlySet<string>
  transitions: ReadonlySet<string>
  messages: number
  runs: number
  exhausted: boolean
}

/** States a path of transitions from initial_state leads to. */
function graphReachable(doc: FlowDocument): Set<string> {
  const states = asRecord(doc.states) ?? {}
  const start = asString(doc.initial_state)
  const reached = new Set<string>()
  if (!start || !(start in states)) return reached
  const queue = [start]
  reached.add(start)
  while (queue.length) {
    for (const t of asArray(asRecord(states[queue.shift()!])?.transitions)) {
      const to = asString(asRecord(t)?.target_state)
      if (to && to in states && !reached.has(to)) {
        reached.add(to)
        queue.push(to)
      }
    }
  }
  return reached
}

/** Lint findings on transitions, by transition key: the first message found for each. */
function lintReasons(doc: FlowDocument): Map<string, string> {
  const out = new Map<string, string>()
  const states = asRecord(doc.states) ?? {}
  const add = (issues: FlowIssue[]) => {
    for (const i of issues) {
      const [root, state, list, index] = i.path
      if (root !== 'states' || list !== 'transitions' || typeof state !== 'string' || typeof index !== 'number') continue
      const t = asRecord(asArray(asRecord(states[state])?.transitions)[index])
      if (!t) continue
      const key = transitionKey(state, t as never)
      if (!out.has(key)) out.set(key, i.message.replace(/^never taken: /, 'never fires: '))
    }
  }
  add(shadowedTransition.check(doc))
  add(impossibleIntent.check(doc))
  add(unknownIntent.check(doc))
  return out
}

function constantCondition(state: Record<string, unknown>): boolean | undefined {
  const conditions = asArray(asRecord(state.config)?.conditions).map(asRecord)
  if (!conditions.length || conditions.some((c) => !c || /\{/.test(JSON.stringify([c.left, c.right])))) return undefined
  const results = conditions.map((c) => literalCompare(c!.left, String(c!.operator), c!.right))
  if (results.some((r) => r === undefined)) return undefined
  return asRecord(state.config)?.mode === 'any' ? results.some(Boolean) : results.every(Boolean)
}

function literalCompare(left: unknown, op: string, right: unknown): boolean | undefined {
  switch (op) {
    case 'eq': return JSON.stringify(left) === JSON.stringify(right)
    case 'ne': return JSON.stringify(left) !== JSON.stringify(right)
    case 'gt': return typeof left === 'number' && typeof right === 'number' ? left > right : undefined
    case 'gte': return typeof left === 'number' && typeof right === 'number' ? left >= right : undefined
    case 'lt': return typeof left === 'number' && typeof right === 'number' ? left < right : undefined
    case 'lte': return typeof left === 'number' && typeof right === 'number' ? left <= right : undefined
    case 'exists': return left !== undefined && left !== null
    case 'not_exists': return left === undefined || left === null
    default: return undefined
  }
}

/** A reason for each state and transition key in `missing`. */
export function explainUnreachable(ctx: ReasonContext, missing: { states: readonly string[]; transitions: readonly string[] }): UnreachableItem[] {
  const { doc } = ctx
  const reachable = graphReachable(doc)
  const start = String(doc.initial_state)
  const lint = lintReasons(doc)
  const states = asRecord(doc.states) ?? {}
  const out: UnreachableItem[] = []
  const tried = `the search tried ${ctx.messages} messages from the flow, timeouts, approvals and integration answers in ${ctx.runs} conversations${ctx.exhausted ? ' before it hit its budget' : ''}`
  for (const name of missing.states) {
    let reason: string
    if (!Object.prototype.hasOwnProperty.call(states, name)) reason = 'the flow has no such state'
    else if (!reachable.has(name)) reason = `no path from initial_state "${start}" leads to it`
    else {
      const into = statesOf(doc).flatMap(([from, s]) => asArray(s.transitions).map(asRecord).filter((t) => t?.target_state === name).map((t) => transitionKey(from, t as never)))
      reason = `it is entered only through transitions that could not be taken (${into.join('; ')})`
    }
    out.push({ kind: 'state', id: name, reason })
  }
  const where = new Map<string, { from: string; t: Record<string, unknown> }>()
  for (const [from, s] of statesOf(doc)) for (const t of asArray(s.transitions)) { const r = asRecord(t); if (r) { const k = transitionKey(from, r as never); if (!where.has(k)) where.set(k, { from, t: r }) } }
  for (const key of missing.transitions) {
    const at = where.get(key)
    let reason: string
    if (!at) reason = 'the flow has no such transition'
    else if (!reachable.has(at.from)) reason = `its state "${at.from}" has no path from initial_state "${start}"`
    else if (!ctx.states.has(at.from)) reason = `its state "${at.from}" is never entered`
    else if (lint.has(key)) reason = lint.get(key)!
    else {
      const state = asRecord(states[at.from]) ?? {}
      const condition = String(at.t.condition)
      const constant = state.type === 'condition' ? constantCondition(state) : undefined
      if (condition === 'timeout' && typeof state.timeout_seconds !== 'number') reason = `never fires: state "${at.from}" sets no timeout_seconds`
      else if (condition === 'condition_true' && constant === false) reason = `the condition can never be true: the conditions of "${at.from}" compare constants and are always false`
      else if (condition === 'condition_false' && constant === true) reason = `the condition can never be false: the conditions of "${at.from}" compare constants and are always true`
      else if (condition === 'intent_match' && !hasExamples(doc, at.t.condition_value)) reason = `the flow gives no example phrases for ${JSON.stringify(at.t.condition_value)}, so the generator has no message that matches it`
      else if ((condition === 'integration_success' || condition === 'integration_error') && state.type !== 'integration') reason = `${condition} is only true in an integration state, and "${at.from}" is a ${String(state.type)} state`
      else if ((condition === 'workflow_completed' || condition === 'workflow_failed') && state.type !== 'workflow') reason = `${condition} is only true in a workflow state, and "${at.from}" is a ${String(state.type)} state`
      else if (condition === 'expression' && dependsOnUnknown(at.t.condition_value)) reason = `its expression reads values no message or mock answer the generator makes can set; ${tried}`
      else reason = `no conversation the generator tried makes it fire (an earlier transition of "${at.from}" was always true first, or its condition needs a value the flow does not suggest); ${tried}`
    }
    out.push({ kind: 'transition', id: key, reason })
  }
  return out
}

function hasExamples(doc: FlowDocument, value: unknown): boolean {
  const intents = asRecord(doc.intents) ?? {}
  const names = Array.isArray(value) ? value : [value]
  return names.some((n) => typeof n === 'string' && asArray(intents[n]).length > 0)
}

function dependsOnUnknown(expr: unknown): boolean {
  const text = JSON.stringify(expr) ?? ''
  return /\{\s*(user_id|tenant_id|conversation_id|turn)\s*\}/.test(text) || soleReference(asRecord(expr)?.left)?.startsWith('user_profile.') === true
}
