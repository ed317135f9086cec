// What the generator tries at each point of a conversation, read from the flow itself: messages
// (intent examples, entity values and synonyms, typed-entity samples, condition operands on the
// input, values that pass slot validations, one message that matches nothing), the answers of
// each integration (a success carrying data for every response_mapping path, data variants that
// make the flow's conditions true and false, a failure) and initial user profiles that decide
// conditions on user_profile.
import type { FlowDocument } from '../../common/flow-schema'
import type { MockResponse } from '../../common/test-schema'
import { classifyIntent, type CompiledFlow } from '../engine'
import { asArray, asRecord, asString, forEachCondition, statesOf } from '../flow/checks'

/** Samples for the built-in entity types (spec/flow-format.md, "entities"). */
const TYPED_SAMPLES: Record<string, string[]> = {
  email: ['alex@example.com'],
  phone: ['+1 415 555 0100'],
  number: ['42'],
  time_range: ['last 2 hours'],
  date: ['2026-11-20'],
}

/** Plain answers a person gives to prompts; each is kept only where some validation or condition wants it. */
const GENERIC_ANSWERS = ['Alex Morgan', 'alex@example.com', '42', 'yes', 'no', 'tomorrow', 'ok']

/** Candidates for a message that matches no intent (the first one the flow's NLU leaves unclassified wins). */
const NONSENSE = ['qwzx plorb', 'zzkv wubble frop', 'xq']

/** A `{path}` template that is exactly one placeholder → the path; otherwise undefined. */
export function soleReference(v: unknown): string | undefined {
  if (typeof v !== 'string') return undefined
  const m = /^\{\s*([A-Za-z_][\w.-]*)\s*\}$/.exec(v)
  return m ? m[1] : undefined
}

/** Every comparison of a flow: condition states' conditions and expression transitions. */
export function flowComparisons(doc: FlowDocument): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  for (const [, state] of statesOf(doc)) {
    for (const c of asArray(asRecord(state.config)?.conditions)) {
      const r = asRecord(c)
      if (r) out.push(r)
    }
    for (const t of asArray(state.transitions)) {
      const tr = asRecord(t)
      if (tr?.condition === 'expression') forEachCondition(tr.condition_value, [], (c) => out.push(c))
    }
  }
  return out
}

/** Values that make `operator right` true, then values that make it false (best effort). */
export function operandValues(operator: unknown, right: unknown): unknown[] {
  const other = (v: unknown): unknown => (typeof v === 'number' ? v + 1 : typeof v === 'boolean' ? !v : typeof v === 'string' ? `not ${v}` : 'other')
  switch (operator) {
    case 'eq':
    case 'ne':
      return right === undefined ? [] : [right, other(right)]
    case 'gt':
      return typeof right === 'number' ? [right + 1, right] : []
    case 'gte':
      return typeof right === 'number' ? [right, right - 1] : []
    case 'lt':
      return typeof right === 'number' ? [right - 1, right] : []
    case 'lte':
      return typeof right === 'number' ? [right, right + 1] : []
    case 'contains':
    case 'not_contains':
      return typeof right === 'string' ? [right, 'other'] : []
    case 'in':
    case 'not_in':
      return Array.isArray(right) && right.length ? [right[0], other(right[0])] : []
    case 'exists':
    case 'not_exists':
      return ['yes', undefined]
    case 'empty':
    case 'not_empty':
      return ['', 'something']
    default:
      return []
  }
}

/** Messages to try, most natural first, without duplicates. */
export function candidateMessages(doc: FlowDocument, flow: CompiledFlow): string[] {
  const out: string[] = []
  const add = (s: unknown) => {
    if (typeof s === 'string' && s.trim() !== '' && !out.includes(s)) out.push(s)
  }
  const intents = asRecord(doc.intents) ?? {}
  // First the first plain example of each intent, then up to two more of each: short paths use the most typical phrasing.
  const plain = (examples: unknown) => asArray(examples).filter((e): e is string => typeof e === 'string' && !/^\/.*\/[a-z]*$/.test(e))
  for (const name of Object.keys(intents)) {
    const examples = plain(intents[name])
    add(examples[0] ?? name)
  }
  for (const name of Object.keys(intents)) for (const e of plain(intents[name]).slice(1, 3)) add(e)
  for (const [, spec] of Object.entries(asRecord(doc.entities) ?? {})) {
    const s = asRecord(spec)
    if (!s) continue
    const values = s.values
    if (Array.isArray(values)) values.slice(0, 3).forEach(add)
    else if (asRecord(values)) {
      for (const [canonical, synonyms] of Object.entries(asRecord(values)!)) {
        add(canonical)
        add(asArray(synonyms)[0])
      }
    }
    const type = asString(s.type)
    if (type) TYPED_SAMPLES[type]?.forEach(add)
  }
  // Operands of conditions on the input, alone and after each one-word intent name (an input that
  // contains an intent's name scores 0.8, so the message both matches the intent and the condition).
  const oneWord = Object.keys(intents).filter((name) => /^[a-z0-9]+$/i.test(name))
  const combined: string[] = []
  for (const c of flowComparisons(doc)) {
    const left = soleReference(c.left)
    if (left !== 'input') continue
    for (const v of operandValues(c.operator, c.right)) {
      if (typeof v !== 'string' && typeof v !== 'number') continue
      add(String(v))
      if (flow.threshold <= 0.8) for (const name of oneWord) combined.push(`${name} ${String(v)}`)
    }
  }
  // Raw slot values: the generic answers that pass some slot's validation pattern.
  for (const [, state] of statesOf(doc)) {
    for (const rule of Object.values(asRecord(asRecord(state.config)?.validation) ?? {})) {
      const pattern = asString(asRecord(rule)?.pattern)
      if (!pattern) continue
      const re = toRegExp(pattern)
      const fit = re && GENERIC_ANSWERS.find((a) => re.test(a))
      if (fit) add(fit)
    }
  }
  add(nonsenseFor(flow))
  GENERIC_ANSWERS.forEach(add)
  combined.forEach(add)
  return out
}

/**
 * The messages to try at a slot_filling state that prompts for `slot`, first: the values of the
 * entity of that name, else the plain answers that pass the slot's validation (by the slot's
 * name: an email for an email slot, a name for a name slot).
 */
export function slotAnswers(doc: FlowDocument, state: string, slot: string): string[] {
  const out: string[] = []
  const entity = asRecord(asRecord(doc.entities)?.[slot])
  if (entity) {
    const values = entity.values
    if (Array.isArray(values)) out.push(...values.filter((v): v is string => typeof v === 'string').slice(0, 2))
    else if (asRecord(values)) out.push(...Object.keys(asRecord(values)!).slice(0, 2))
    const type = asString(entity.type)
    if (type) out.push(...(TYPED_SAMPLES[type] ?? []))
    return out
  }
  const rule = asRecord(asRecord(asRecord(asRecord(asRecord(doc.states)?.[state])?.config)?.validation)?.[slot])
  const pattern = asString(rule?.pattern)
  const re = pattern ? toRegExp(pattern) : undefined
  const byName = /mail/i.test(slot) ? 'alex@example.com' : /name/i.test(slot) ? 'Alex Morgan' : /(count|number|qty|quantity|amount|age|size)/i.test(slot) ? '42' : undefined
  for (const a of [byName, ...GENERIC_ANSWERS]) if (a && (!re || re.test(a)) && !out.includes(a)) out.push(a)
  return out
}

function toRegExp(pattern: string): RegExp | undefined {
  try {
    const m = /^\/(.*)\/([a-z]*)$/s.exec(pattern)
    return m ? new RegExp(m[1]!, m[2]!.replace(/[gy]/g, '')) : new RegExp(pattern)
  } catch {
    return undefined
  }
}

/** A message the flow's NLU classifies as no intent and that extracts no entity (for fallback and any_input). */
export function nonsenseFor(flow: CompiledFlow): string {
  for (const text of NONSENSE) if (classifyIntent(flow, text).intent === null) return text
  return NONSENSE[0]!
}

/** One integration's answers to try: the default success first, then data variants, then a failure. */
export interface IntegrationAnswers {
  success: MockResponse
  alternatives: MockResponse[]
}

/** A plausible value for a response field, by its name. */
function sampleValue(key: string): unknown {
  const k = key.toLowerCase()
  if (/(^|_)id$/.test(k) || k === 'id') return `${k === 'id' ? 'rec' : k.replace(/_?id$/, '')}-1001`
  if (/hours$/.test(k)) return 24
  if (/(count|hours|minutes|seconds|_ms|total|max|min|avg|average|current|threshold|size|number|amount|score|revision|passed|failed)$/.test(k)) return 1
  if (/^(is_|has_|can_)|(enabled|firing|active|healthy|priority_support)$/.test(k)) return false
  return `sample ${k.replace(/_/g, ' ')}`
}

function setPath(target: Record<string, unknown>, path: readonly string[], value: unknown): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target }
  if (!path.length) return out
  const [head, ...rest] = path
  if (!rest.length) {
    if (value === undefined) delete out[head!]
    else out[head!] = value
  } else out[head!] = setPath(asRecord(out[head!]) ?? {}, rest, value)
  return out
}

/**
 * The answers to try per integration id: a success whose data has every response_mapping path
 * of that id (plausible values), then a success per condition operand that decides on a mapped
 * value (so both branches of a condition on it can be reached), then `fail: error`.
 */
export function integrationAnswers(doc: FlowDocument): Map<string, IntegrationAnswers> {
  const ids = new Set<string>()
  /** variable → [integration id, path in data] */
  const mapped = new Map<string, Array<[string, string[]]>>()
  const paths = new Map<string, string[][]>()
  for (const [, state] of statesOf(doc)) {
    const config = asRecord(state.config)
    if (state.type === 'integration') {
      const id = asString(config?.integration_id)
      if (!id) continue
      ids.add(id)
      for (const [variable, p] of Object.entries(asRecord(config?.response_mapping) ?? {})) {
        if (typeof p !== 'string') continue
        const path = p === '' || p === '.' ? [] : p.split('.')
        if (!path.length) continue
        ;(paths.get(id) ?? paths.set(id, []).get(id)!).push(path)
        ;(mapped.get(variable) ?? mapped.set(variable, []).get(variable)!).push([id, path])
      }
    }
    if (state.type === 'workflow') for (const t of asArray(config?.tasks)) { const id = asString(asRecord(t)?.integration_id); if (id) ids.add(id) }
  }
  const out = new Map<string, IntegrationAnswers>()
  const base = new Map<string, Record<string, unknown>>()
  for (const id of ids) {
    let data: Record<string, unknown> = {}
    for (const path of paths.get(id) ?? []) data = setPath(data, path, sampleValue(path[path.length - 1]!))
    base.set(id, data)
    out.set(id, { success: Object.keys(data).length ? { respond: { status_code: 200, data } } : { respond: { status_code: 200 } }, alternatives: [] })
  }
  const seen = new Set<string>()
  for (const c of flowComparisons(doc)) {
    const left = soleReference(c.left)
    if (!left) continue
    const targets: Array<[string, string[]]> = []
    const parts = left.split('.')
    if ((parts[0] === 'variables' && parts.length === 2) || parts.length === 1) targets.push(...(mapped.get(parts[parts.length - 1]!) ?? []))
    if (parts[0] === 'integration_results' && parts[2] === 'data' && parts.length > 3) targets.push([parts[1]!, parts.slice(3)])
    for (const [id, path] of targets) {
      const answers = out.get(id)
      if (!answers) continue
      for (const value of operandValues(c.operator, c.right)) {
        const data = setPath(base.get(id)!, path, value)
        const key = `${id}\u0000${JSON.stringify(data)}`
        if (seen.has(key) || JSON.stringify(data) === JSON.stringify(base.get(id))) continue
        seen.add(key)
        answers.alternatives.push({ respond: { status_code: 200, data } })
      }
    }
  }
  for (const answers of out.values()) answers.alternatives.push({ fail: 'error' })
  return out
}

/** Initial user profiles to try besides none: one per value that decides a condition on user_profile.X. */
export function profileSeeds(doc: FlowDocument): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = []
  const seen = new Set<string>()
  for (const c of flowComparisons(doc)) {
    const left = soleReference(c.left)
    if (!left?.startsWith('user_profile.') || left.split('.').length !== 2) continue
    const key = left.slice('user_profile.'.length)
    for (const value of operandValues(c.operator, c.right)) {
      if (value === undefined) continue
      const seed = { [key]: value }
      const id = JSON.stringify(seed)
      if (!seen.has(id)) {
        seen.add(id)
        out.push(seed)
      }
    }
  }
  return out
}
