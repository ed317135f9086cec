// Entity extraction from every user message: value lists with synonyms (whole words), flow
// patterns, and the built-in types email, phone, number, time_range and date.
import { compilePattern, escapePattern } from './pattern'
import { FlowIssue } from './issue'
import type { Clock } from './clock'

// "A match may not have a letter, digit or `_` right before or after it."
const BEFORE = '(?<![\\p{L}\\p{N}_])'
const AFTER = '(?![\\p{L}\\p{N}_])'

export type EntityKind = 'values' | 'pattern' | 'email' | 'phone' | 'number' | 'time_range' | 'date'

export interface EntityMatcher {
  readonly name: string
  readonly kind: EntityKind
  readonly regex: RegExp
  /** values: the lower-cased synonym (or canonical) -> canonical name. */
  readonly canonical: ReadonlyMap<string, string> | null
}

const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}/
// 7 to 15 digits, optionally led by + or (, separated by at most two of space ( ) . -
const PHONE = new RegExp(`${BEFORE}(?:\\+|\\()?\\d(?:[ ().-]{0,2}\\d){6,14}${AFTER}`, 'u')
const ISO_DATE_LIKE = /^\d{4}-\d{2}-\d{2}$/
// A number standing on its own ("$20", "5th" count; "v2", "abc123" do not), with optional
// thousands separators and decimals.
const NUMBER = /(?<![\p{L}\p{N}_.])-?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\p{N}_]|\.\d|,\d{3})/u
const TIME_RANGE = new RegExp(`${BEFORE}(?:(?:last|past)\\s+(?:(\\d+)\\s+)?(minute|hour|day|week)s?|(yesterday))${AFTER}`, 'iu')

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']
const MONTHS = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
const MONTH_RE = '(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)'
const DAY_RE = '(\\d{1,2})(?:st|nd|rd|th)?'
// Alternatives in one regex so the earliest mention in the text wins; at one position the
// longer forms come first ("day after tomorrow" before "day ...").
const DATE = new RegExp(
  BEFORE +
    '(?:' +
    [
      '(\\d{4})-(\\d{2})-(\\d{2})', // 1-3 ISO
      '(day after tomorrow)', // 4
      '(day before yesterday)', // 5
      '(today|tonight)', // 6
      '(tomorrow)', // 7
      '(yesterday)', // 8
      'in\\s+(\\d+)\\s+(day|week)s?', // 9-10
      '(\\d+)\\s+(day|week)s?\\s+ago', // 11-12
      '(?:(next|this|on)\\s+)?(sunday|monday|tuesday|wednesday|thursday|friday|saturday)', // 13-14
      `${MONTH_RE}\\s+${DAY_RE}(?:,?\\s+(\\d{4}))?`, // 15-17
      `${DAY_RE}\\s+(?:of\\s+)?${MONTH_RE}(?:,?\\s+(\\d{4}))?`, // 18-20
    ].join('|') +
    ')' +
    AFTER,
  'iu',
)

export function compileEntities(entities: Record<string, unknown> | undefined): EntityMatcher[] {
  if (entities === undefined || entities === null) return []
  return Object.keys(entities).map((name) => compileEntity(name, entities[name]))
}

function compileEntity(name: string, spec: unknown): EntityMatcher {
  const path = ['entities', name]
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) throw new FlowIssue(path, 'an entity needs {values}, {pattern} or {type}')
  const s = spec as Record<string, unknown>
  if ('values' in s) return compileValues(name, s['values'], [...path, 'values'])
  if ('pattern' in s) {
    if (typeof s['pattern'] !== 'string') throw new FlowIssue([...path, 'pattern'], 'pattern must be a string')
    try {
      return { name, kind: 'pattern', regex: compilePattern(s['pattern']), canonical: null }
    } catch (err) {
      throw new FlowIssue([...path, 'pattern'], (err as Error).message)
    }
  }
  switch (s['type']) {
    case 'email':
      return { name, kind: 'email', regex: EMAIL, canonical: null }
    case 'phone':
      return { name, kind: 'phone', regex: PHONE, canonical: null }
    case 'number':
      return { name, kind: 'number', regex: NUMBER, canonical: null }
    case 'time_range':
      return { name, kind: 'time_range', regex: TIME_RANGE, canonical: null }
    case 'date':
      return { name, kind: 'date', regex: DATE, canonical: null }
    default:
      throw new FlowIssue([...path, 'type'], `unknown entity type ${JSON.stringify(s['type'])} (expected email, phone, number, time_range or date)`)
  }
}

function compileValues(name: string, values: unknown, path: ReadonlyArray<string | number>): EntityMatcher {
  const canonical = new Map<string, string>()
  const add = (term: unknown, canon: string, at: ReadonlyArray<string | number>): void => {
    if (typeof term !== 'string') throw new FlowIssue(at, 'an entity value must be a string')
    if (term.trim() === '') return
    const key = term.toLowerCase()
    // The first declaration of a term wins, so a synonym shared by two values is deterministic.
    if (!canonical.has(key)) canonical.set(key, canon)
  }
  if (Array.isArray(values)) values.forEach((v, i) => add(v, v as string, [...path, i]))
  else if (values !== null && typeof values === 'object') {
    for (const canon of Object.keys(values)) {
      add(canon, canon, [...path, canon])
      const synonyms = (values as Record<string, unknown>)[canon]
      if (!Array.isArray(synonyms)) throw new FlowIssue([...path, canon], 'synonyms must be a list of strings')
      synonyms.forEach((syn, i) => add(syn, canon, [...path, canon, i]))
    }
  } else throw new FlowIssue(path, 'values must be a list or {canonical: [synonyms]}')
  // Longest first, so that at one position "new york" wins over "new".
  const terms = [...canonical.keys()].sort((a, b) => b.length - a.length || (a < b ? -1 : 1))
  const regex = terms.length === 0 ? /(?!)/ : new RegExp(`${BEFORE}(?:${terms.map(escapePattern).join('|')})${AFTER}`, 'iu')
  return { name, kind: 'values', regex, canonical }
}

/** The shared record of "no entities" (frozen). */
export const NO_ENTITIES: Readonly<Record<string, unknown>> = Object.freeze({})

/**
 * Extracts every entity found in `text`; the record keeps the flow's declaration order. When
 * nothing is found the shared frozen empty record comes back (no allocation per message).
 */
export function extract(matchers: readonly EntityMatcher[], text: string, clock: Clock): Record<string, unknown> {
  let out: Record<string, unknown> | null = null
  for (let i = 0; i < matchers.length; i++) {
    const m = matchers[i]!
    const value = extractOne(m, text, clock)
    if (value !== undefined) (out ??= {})[m.name] = value
  }
  return out ?? (NO_ENTITIES as Record<string, unknown>)
}

function extractOne(m: EntityMatcher, text: string, clock: Clock): unknown {
  const found = m.regex.exec(text)
  if (found === null) return undefined
  switch (m.kind) {
    case 'values': {
      const key = found[0].toLowerCase()
      const direct = m.canonical!.get(key)
      if (direct !== undefined) return direct
      // Unicode case folding can match spellings toLowerCase maps differently.
      for (const [term, canon] of m.canonical!) if (term.localeCompare(key, undefined, { sensitivity: 'accent' }) === 0) return canon
      return found[0]
    }
    case 'pattern':
    case 'email':
      return found[0]
    case 'phone':
      return phoneOf(text, found)
    case 'number':
      return Number(found[0].replace(/,/g, ''))
    case 'time_range':
      return timeRangeOf(found)
    case 'date':
      return dateOf(found, clock.now())
  }
}

function phoneOf(text: string, found: RegExpExecArray): string | undefined {
  // An ISO date has 8 digits too; it is not a phone number. Look further along the text.
  let m: RegExpExecArray | null = found
  let offset = 0
  while (m !== null) {
    if (!ISO_DATE_LIKE.test(m[0])) return m[0]
    offset += m.index + m[0].length
    m = PHONE.exec(text.slice(offset))
  }
  return undefined
}

function timeRangeOf(m: RegExpExecArray): string {
  if (m[3] !== undefined) return '1d'
  const n = m[1] !== undefined ? Number(m[1]) : 1
  switch (m[2]!.toLowerCase()) {
    case 'minute':
      return `${n}m`
    case 'hour':
      return `${n}h`
    case 'day':
      return `${n}d`
    default:
      return `${n * 7}d`
  }
}

const DAY_MS = 86_400_000

function ymd(ms: number): string {
  const d = new Date(ms)
  const y = d.getUTCFullYear()
  const mo = d.getUTCMonth() + 1
  const da = d.getUTCDate()
  return `${String(y).padStart(4, '0')}-${mo < 10 ? '0' : ''}${mo}-${da < 10 ? '0' : ''}${da}`
}

function calendar(year: number, month: number, day: number): string | undefined {
  const ms = Date.UTC(year, month - 1, day)
  const d = new Date(ms)
  // Reject dates that roll over (February 30th).
  if (d.getUTCFullYear() !== year || d.getUTCMonth() !== month - 1 || d.getUTCDate() !== day) return undefined
  return ymd(ms)
}

function monthIndex(text: string): number {
  const t = text.toLowerCase().slice(0, 3)
  return MONTHS.findIndex((m) => m.startsWith(t)) + 1
}

/** Dates are calendar days in UTC on the conversation's clock. */
function dateOf(m: RegExpExecArray, now: number): string | undefined {
  const today = Math.floor(now / DAY_MS) * DAY_MS
  if (m[1] !== undefined) return calendar(Number(m[1]), Number(m[2]), Number(m[3]))
  if (m[4] !== undefined) return ymd(today + 2 * DAY_MS)
  if (m[5] !== undefined) return ymd(today - 2 * DAY_MS)
  if (m[6] !== undefined) return ymd(today)
  if (m[7] !== undefined) return ymd(today + DAY_MS)
  if (m[8] !== undefined) return ymd(today - DAY_MS)
  if (m[9] !== undefined) return ymd(today + Number(m[9]) * (m[10]!.toLowerCase() === 'week' ? 7 : 1) * DAY_MS)
  if (m[11] !== undefined) return ymd(today - Number(m[11]) * (m[12]!.toLowerCase() === 'week' ? 7 : 1) * DAY_MS)
  if (m[14] !== undefined) {
    const target = WEEKDAYS.indexOf(m[14].toLowerCase())
    const current = new Date(today).getUTCDay()
    let ahead = (target - current + 7) % 7
    // "this friday" on a Friday is today; "friday" / "next friday" mean the coming one.
    if (ahead === 0 && (m[13] ?? '').toLowerCase() !== 'this') ahead = 7
    return ymd(today + ahead * DAY_MS)
  }
  const year = new Date(today).getUTCFullYear()
  if (m[15] !== undefined) return calendar(m[17] !== undefined ? Number(m[17]) : year, monthIndex(m[15]), Number(m[16]))
  if (m[20] !== undefined || m[19] !== undefined) return calendar(m[20] !== undefined ? Number(m[20]) : year, monthIndex(m[19]!), Number(m[18]))
  return undefined
}
