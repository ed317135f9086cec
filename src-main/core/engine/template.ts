// Templates: `{path}` placeholders filled from the conversation context. Parsed once at
// compile time; rendering only looks values up, it never evaluates anything as code.

// Context path roots (spec "Context paths"), looked up before bare names.
export const ROOT_BARE = -1
export const ROOT_INPUT = 0
export const ROOT_INTENT = 1
export const ROOT_CONFIDENCE = 2
export const ROOT_ENTITIES = 3
export const ROOT_SLOTS = 4
export const ROOT_VARIABLES = 5
export const ROOT_USER_PROFILE = 6
export const ROOT_INTEGRATION_RESULTS = 7
export const ROOT_WORKFLOW = 8
export const ROOT_CONVERSATION_ID = 9
export const ROOT_USER_ID = 10
export const ROOT_TENANT_ID = 11
export const ROOT_TURN = 12

const ROOTS: ReadonlyMap<string, number> = new Map([
  ['input', ROOT_INPUT],
  ['intent', ROOT_INTENT],
  ['confidence', ROOT_CONFIDENCE],
  ['entities', ROOT_ENTITIES],
  ['slots', ROOT_SLOTS],
  ['variables', ROOT_VARIABLES],
  ['user_profile', ROOT_USER_PROFILE],
  ['integration_results', ROOT_INTEGRATION_RESULTS],
  ['workflow', ROOT_WORKFLOW],
  ['conversation_id', ROOT_CONVERSATION_ID],
  ['user_id', ROOT_USER_ID],
  ['tenant_id', ROOT_TENANT_ID],
  ['turn', ROOT_TURN],
])

/** A parsed `{path}`: a context root (or a bare name) and the segments below it. */
export interface PathRef {
  /** The placeholder as written, without braces. */
  readonly raw: string
  readonly root: number
  /** For a bare name: the name looked up in slots, variables, user_profile. */
  readonly head: string
  readonly rest: readonly string[]
}

/** Where templates read values from (the conversation implements it). */
export interface TemplateScope {
  rootValue(root: number): unknown
  bareValue(name: string): unknown
  /** A placeholder had no value; the scope turns it into a turn warning. */
  missing(raw: string): void
}

export interface CompiledTemplate {
  readonly source: string
  /** The text itself when there is no placeholder. */
  readonly literal: string | null
  /** The placeholder when the template is exactly one `{path}` (yields the raw value). */
  readonly single: PathRef | null
  readonly parts: ReadonlyArray<string | PathRef>
}

// A placeholder is a dotted path of word characters (hyphens allowed after the first
// segment, for ids such as `crm-lookup`). Anything else in braces stays literal text.
const PLACEHOLDER = /\{([A-Za-z_][\w-]*(?:\.[\w-]+)*)\}/g

export function parsePath(raw: string): PathRef {
  const segs = raw.split('.')
  const root = ROOTS.get(segs[0]!)
  if (root !== undefined) return { raw, root, head: segs[0]!, rest: segs.slice(1) }
  return { raw, root: ROOT_BARE, head: segs[0]!, rest: segs.slice(1) }
}

export function compileTemplate(source: string): CompiledTemplate {
  const parts: Array<string | PathRef> = []
  let last = 0
  PLACEHOLDER.lastIndex = 0
  for (let m = PLACEHOLDER.exec(source); m !== null; m = PLACEHOLDER.exec(source)) {
    if (m.index > last) parts.push(source.slice(last, m.index))
    parts.push(parsePath(m[1]!))
    last = m.index + m[0].length
  }
  if (last < source.length) parts.push(source.slice(last))
  if (parts.every((p) => typeof p === 'string')) return { source, literal: source, single: null, parts: [source] }
  const single = parts.length === 1 ? (parts[0] as PathRef) : null
  return { source, literal: null, single, parts }
}

const hasOwn = Object.prototype.hasOwnProperty

/** One step down a path; own properties only, so `{x.constructor}` finds nothing. */
export function child(value: unknown, seg: string): unknown {
  if (value === null || typeof value !== 'object') return undefined
  if (Array.isArray(value)) {
    if (seg === 'length') return value.length
    const i = Number(seg)
    return Number.isInteger(i) && i >= 0 ? value[i] : undefined
  }
  return hasOwn.call(value, seg) ? (value as Record<string, unknown>)[seg] : undefined
}

export function lookup(ref: PathRef, scope: TemplateScope): unknown {
  let v = ref.root === ROOT_BARE ? scope.bareValue(ref.head) : scope.rootValue(ref.root)
  for (let i = 0; i < ref.rest.length && v !== undefined; i++) v = child(v, ref.rest[i]!)
  return v
}

/** How a value reads inside text: strings as they are, objects as JSON, null as nothing. */
export function stringify(value: unknown): string {
  switch (typeof value) {
    case 'string':
      return value
    case 'number':
    case 'boolean':
    case 'bigint':
      return String(value)
    case 'undefined':
      return ''
    case 'object':
      if (value === null) return ''
      try {
        return JSON.stringify(value) ?? ''
      } catch {
        return String(value)
      }
    default:
      return ''
  }
}

/** Renders to text; a placeholder without a value renders empty and is reported to the scope. */
export function render(t: CompiledTemplate, scope: TemplateScope): string {
  if (t.literal !== null) return t.literal
  let out = ''
  for (let i = 0; i < t.parts.length; i++) {
    const part = t.parts[i]!
    if (typeof part === 'string') {
      out += part
      continue
    }
    const v = lookup(part, scope)
    if (v === undefined) scope.missing(part.raw)
    else out += stringify(v)
  }
  return out
}

/** A value from a flow (mapping, action value, condition operand) with its templates parsed. */
export type CompiledValue =
  | { readonly kind: 'literal'; readonly value: unknown }
  | { readonly kind: 'template'; readonly template: CompiledTemplate }
  | { readonly kind: 'array'; readonly items: readonly CompiledValue[] }
  | { readonly kind: 'object'; readonly entries: ReadonlyArray<readonly [string, CompiledValue]> }

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false
  const proto = Object.getPrototypeOf(v) as unknown
  return proto === Object.prototype || proto === null
}

function deepFreezeCopy(v: unknown): unknown {
  if (Array.isArray(v)) return Object.freeze(v.map(deepFreezeCopy))
  if (isPlainObject(v)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(v)) out[k] = deepFreezeCopy(v[k])
    return Object.freeze(out)
  }
  return v
}

function isLiteral(v: CompiledValue): boolean {
  return v.kind === 'literal'
}

export function compileValue(value: unknown): CompiledValue {
  if (typeof value === 'string') {
    const template = compileTemplate(value)
    return template.literal !== null ? { kind: 'literal', value } : { kind: 'template', template }
  }
  if (Array.isArray(value)) {
    const items = value.map(compileValue)
    // Literal structures are shared by every conversation, so they are frozen copies: a
    // consumer that mutates a turn result cannot change the compiled flow.
    return items.every(isLiteral) ? { kind: 'literal', value: deepFreezeCopy(value) } : { kind: 'array', items }
  }
  if (isPlainObject(value)) {
    const entries = Object.keys(value).map((k) => [k, compileValue(value[k])] as const)
    return entries.every((e) => isLiteral(e[1])) ? { kind: 'literal', value: deepFreezeCopy(value) } : { kind: 'object', entries }
  }
  return { kind: 'literal', value }
}

/**
 * Resolves a value: an exact `{path}` yields the value itself (undefined when missing);
 * other templates render to text; arrays and objects resolve member by member.
 * `report` decides whether a missing value becomes a warning (conditions test for presence,
 * so they do not report).
 */
export function resolveValue(v: CompiledValue, scope: TemplateScope, report: boolean): unknown {
  switch (v.kind) {
    case 'literal':
      return v.value
    case 'template': {
      const t = v.template
      if (t.single !== null) {
        const value = lookup(t.single, scope)
        if (value === undefined && report) scope.missing(t.single.raw)
        return value
      }
      return report ? render(t, scope) : renderQuiet(t, scope)
    }
    case 'array':
      return v.items.map((item) => resolveValue(item, scope, report))
    case 'object': {
      const out: Record<string, unknown> = {}
      for (const [k, item] of v.entries) {
        const value = resolveValue(item, scope, report)
        if (value !== undefined) out[k] = value
      }
      return out
    }
  }
}

function renderQuiet(t: CompiledTemplate, scope: TemplateScope): string {
  let out = ''
  for (const part of t.parts) out += typeof part === 'string' ? part : stringify(lookup(part, scope))
  return out
}
