// Turns the raw errors of the generated Ajv validators into one human message per real problem:
// `states.greeting.type: must be one of response, intent, …`, not a dozen union-branch errors.
import type { PathSegment } from '../document/parse'
import type { SchemaError } from './schema-validators.generated'
import { issue, type Anchor, type FlowIssue } from './issues'

type JsonSchema = Record<string, unknown>

/** A raw error, or the message an `anyOf` was reduced to, with where it came from. */
interface Entry {
  instancePath: string
  schemaPath: string
  issue?: FlowIssue
  error?: SchemaError
}

/**
 * Describes a failed validation. `rootSchema` is the JSON Schema the validator was compiled
 * from (to name allowed keys and explain unions); `data` is the validated value (to tell list
 * indexes from keys in paths).
 */
export function describeSchemaErrors(errors: readonly SchemaError[], rootSchema: JsonSchema, data: unknown, rule = 'schema'): FlowIssue[] {
  const ctx: Context = { rootSchema, data, rule }
  const entries: Entry[] = []
  for (const error of errors) {
    // `if` failures only say "must match then": the `then` branch's own errors carry the news.
    if (error.keyword === 'if') continue
    if (error.keyword === 'anyOf') {
      entries.push(...reduceAnyOf(entries, error, ctx))
      continue
    }
    entries.push({ instancePath: error.instancePath, schemaPath: error.schemaPath, error })
  }
  const seen = new Set<string>()
  const out: FlowIssue[] = []
  for (const e of entries) {
    const found = e.issue ?? describeError(e.error!, ctx)
    if (!found) continue
    const key = `${JSON.stringify(found.path)}\u0000${found.message}`
    if (seen.has(key)) continue
    seen.add(key)
    out.push(found)
  }
  return out
}

interface Context {
  rootSchema: JsonSchema
  data: unknown
  rule: string
}

/** Pops the errors of the union's branches (they precede it) and replaces them with the best explanation. */
function reduceAnyOf(entries: Entry[], anyOf: SchemaError, ctx: Context): Entry[] {
  const P = anyOf.instancePath
  const S = anyOf.schemaPath
  const branchSchemas = (schemaAt(ctx.rootSchema, S) as JsonSchema[] | undefined) ?? []
  const popped: Entry[] = []
  while (entries.length) {
    const last = entries[entries.length - 1]!
    const within = last.instancePath === P || last.instancePath.startsWith(`${P}/`)
    if (!within || !last.schemaPath.startsWith(S)) break
    popped.unshift(entries.pop()!)
  }
  const byBranch = new Map<number, Entry[]>()
  for (const e of popped) {
    const b = branchOf(e, P, S, branchSchemas)
    byBranch.set(b, [...(byBranch.get(b) ?? []), e])
  }

  // An `x-param` branch only admits an `each` placeholder (`${param}`): a value that fits
  // nothing is explained by the real alternatives, never by the placeholder's pattern.
  branchSchemas.forEach((b, i) => {
    if (b['x-param'] === true) byBranch.delete(i)
  })
  if (byBranch.size === 1) return [...byBranch.values()][0]!

  const value = valueAt(ctx.data, pointerSegments(P, ctx.data))
  // A branch whose errors include a type/const/enum failure on the value itself does not fit
  // the value's shape at all; one that only misses required keys at the top nearly fits.
  const shapeMisfit = (es: Entry[]) => es.some((e) => e.error && e.instancePath === P && ['type', 'const', 'enum'].includes(e.error.keyword))
  const missesKeys = (es: Entry[]) => es.some((e) => e.error && e.instancePath === P && e.error.keyword === 'required')
  const branches = [...byBranch.entries()]
  const fitting = branches.filter(([, es]) => !shapeMisfit(es) && !missesKeys(es))
  const nearly = branches.filter(([, es]) => !shapeMisfit(es) && missesKeys(es))
  const path = pointerSegments(P, ctx.data)

  if (fitting.length) {
    // The value has the shape of this branch (e.g. a list where a list is allowed): its
    // errors are the real problems. Several fitting branches: the first declared wins.
    return fitting.sort((a, b) => a[0] - b[0])[0]![1]
  }
  if (nearly.length) {
    const alternatives = nearly
      .sort((a, b) => a[0] - b[0])
      .map(([, es]) => es.filter((e) => e.error?.keyword === 'required' && e.instancePath === P).map((e) => String(e.error!.params.missingProperty)).join(' and '))
    const message = alternatives.length === 1 ? `must have ${alternatives[0]}` : `must have ${alternatives.slice(0, -1).join(', ')} or ${alternatives[alternatives.length - 1]}`
    return [{ instancePath: P, schemaPath: S, issue: issue(ctx.rule, 'error', path, message, anchorFor(path)) }]
  }
  const expected = [...new Set(branchSchemas.filter((b) => b['x-param'] !== true).map(describeExpected))]
  const message = `must be ${joinOr(expected)}${describeActual(value)}`
  return [{ instancePath: P, schemaPath: S, issue: issue(ctx.rule, 'error', path, message, anchorFor(path)) }]
}

/** Which branch of the union at schema path S (value at instance path P) an entry came from. */
function branchOf(e: Entry, P: string, S: string, branchSchemas: JsonSchema[]): number {
  if (e.instancePath !== P) {
    // Deeper values: the branch is the one that declares the property (or items) they sit
    // under; the schema path alone cannot tell for recursive references.
    const next = decodePointerSegment(e.instancePath.slice(P.length + 1).split('/')[0]!)
    const declaring = branchSchemas.findIndex((b) => {
      if (/^\d+$/.test(next) && b.type === 'array') return true
      const props = b.properties as JsonSchema | undefined
      return (props && Object.prototype.hasOwnProperty.call(props, next)) || b.patternProperties !== undefined
    })
    if (declaring >= 0) return declaring
  }
  const m = /^\/(\d+)/.exec(e.schemaPath.slice(S.length))
  return m ? Number(m[1]) : 0
}

function describeError(error: SchemaError, ctx: Context): FlowIssue | undefined {
  const path = pointerSegments(error.instancePath, ctx.data)
  const value = valueAt(ctx.data, path)
  const schema = (schemaAt(ctx.rootSchema, parentPointer(error.schemaPath)) ?? {}) as JsonSchema
  const at = (message: string, p: PathSegment[] = path, anchor: Anchor = anchorFor(p)) => issue(ctx.rule, 'error', p, message, anchor)
  const params = error.params
  switch (error.keyword) {
    case 'required': {
      const missing = String(params.missingProperty)
      const props = schema.properties as Record<string, JsonSchema> | undefined
      const needs = (props?.[missing]?.required as string[] | undefined) ?? []
      const hint = needs.length ? ` (with ${needs.join(', ')})` : ''
      return at(`required${hint}`, [...path, missing], 'parent')
    }
    case 'additionalProperties': {
      const key = String(params.additionalProperty)
      const allowed = Object.keys((schema.properties as JsonSchema | undefined) ?? {}).filter((k) => k !== '$schema')
      return at(`unknown key "${key}"${allowed.length ? `; expected one of ${allowed.join(', ')}` : ''}`, [...path, key], 'key')
    }
    case 'type':
      return at(`must be ${describeType(String(params.type))}${describeActual(value)}`)
    case 'enum':
      return at(`must be one of ${(params.allowedValues as unknown[]).map(formatLiteral).join(', ')}`)
    case 'const':
      return at(`must be ${formatLiteral(params.allowedValue)}`)
    case 'minLength':
      return at(params.limit === 1 ? 'must not be empty' : `must have at least ${params.limit} characters`)
    case 'maxLength':
      return at(`must have at most ${params.limit} characters`)
    case 'minItems':
      return at(params.limit === 1 ? 'must not be empty' : `must have at least ${params.limit} items`)
    case 'maxItems':
      return at(`must have at most ${params.limit} items`)
    case 'minimum':
      return at(`must be at least ${params.limit}`)
    case 'maximum':
      return at(`must be at most ${params.limit}`)
    case 'exclusiveMinimum':
      return at(`must be greater than ${params.limit}`)
    case 'exclusiveMaximum':
      return at(`must be less than ${params.limit}`)
    case 'multipleOf':
      return at(`must be a multiple of ${params.multipleOf}`)
    case 'pattern': {
      // Schemas name what a pattern stands for in `x-expected` (JSON Schema ignores unknown keys).
      const expected = typeof schema['x-expected'] === 'string' ? schema['x-expected'] : `a string matching ${String(params.pattern)}`
      return at(`must be ${expected}${describeActual(value)}`)
    }
    case 'minProperties':
      return at('must not be empty')
    default:
      return at(`is not valid (${error.keyword})`)
  }
}

function describeType(type: string): string {
  switch (type) {
    case 'string': return 'a string'
    case 'number': return 'a number'
    case 'integer': return 'a whole number'
    case 'boolean': return 'true or false'
    case 'array': return 'a list'
    case 'object': return 'an object (a mapping of keys to values)'
    case 'null': return 'null'
    default: return type
  }
}

function describeExpected(schema: JsonSchema): string {
  if (Array.isArray(schema.enum)) return `one of ${schema.enum.map(formatLiteral).join(', ')}`
  if ('const' in schema) return formatLiteral(schema.const)
  if (schema.type === 'array') {
    const items = schema.items as JsonSchema | undefined
    return items?.type === 'string' ? 'a list of strings' : 'a list'
  }
  if (typeof schema.type === 'string') return describeType(schema.type)
  if (typeof schema.$ref === 'string') return 'an object'
  return 'a valid value'
}

function describeActual(value: unknown): string {
  if (value === undefined) return ''
  if (value === null) return ', not null'
  if (Array.isArray(value)) return ', not a list'
  if (typeof value === 'object') return ', not an object'
  if (typeof value === 'string') return `, not the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`
  if (typeof value === 'number') return `, not the number ${value}`
  return `, not ${String(value)}`
}

function formatLiteral(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v)
}

function joinOr(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? 'valid') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`
}

/** A missing or mistyped value that is a list item is shown at the item; anything else at its key. */
function anchorFor(path: PathSegment[]): 'key' | 'value' {
  return typeof path[path.length - 1] === 'string' ? 'key' : 'value'
}

function decodePointerSegment(s: string): string {
  return s.replace(/~1/g, '/').replace(/~0/g, '~')
}

/** `/states/a/transitions/0` → ['states', 'a', 'transitions', 0]: indexes where the data is a list. */
function pointerSegments(pointer: string, data: unknown): PathSegment[] {
  if (!pointer) return []
  const out: PathSegment[] = []
  let node: unknown = data
  for (const raw of pointer.slice(1).split('/')) {
    const seg = decodePointerSegment(raw)
    if (Array.isArray(node) && /^\d+$/.test(seg)) {
      out.push(Number(seg))
      node = node[Number(seg)]
    } else {
      out.push(seg)
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined
    }
  }
  return out
}

function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let node = data
  for (const seg of path) node = node && typeof node === 'object' ? (node as Record<string | number, unknown>)[seg] : undefined
  return node
}

function parentPointer(schemaPath: string): string {
  return schemaPath.slice(0, schemaPath.lastIndexOf('/'))
}

/**
 * The schema at a `#/…` pointer. Errors raised inside a `$ref`erenced definition carry
 * pointers relative to that definition, so the `$defs` are tried when the root has no match.
 */
function schemaAt(root: JsonSchema, pointer: string): unknown {
  const found = schemaAtIn(root, pointer)
  if (found !== undefined) return found
  for (const def of Object.values((root.$defs as Record<string, JsonSchema> | undefined) ?? {})) {
    const inDef = schemaAtIn(def, pointer)
    if (inDef !== undefined) return inDef
  }
  return undefined
}

function schemaAtIn(root: JsonSchema, pointer: string): unknown {
  let node: unknown = root
  for (const raw of pointer.replace(/^#\/?/, '').split('/')) {
    if (!raw) continue
    const seg = decodePointerSegment(decodeURIComponent(raw))
    node = node && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined
  }
  return node
}
