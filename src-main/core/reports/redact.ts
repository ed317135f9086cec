// PII redaction before export: emails, phone numbers and configured patterns in what people
// typed and what the bot said (transcripts, slots, variables, entities, integration payloads,
// failure values and messages, test names) become stable placeholders (`<email-1>`): the same
// value gets the same placeholder everywhere in one report. Flow structure (files, states,
// transitions, intents, tags) is authored, not personal, and stays as it is.
import type { LoadResult } from '../load/result'
import type { TestCaseReport, TestRunReport, TranscriptTurn } from '../runner/model'
import { isRecord } from '../../common/record'

export interface RedactionPattern {
  /** Names the placeholder: `<name-1>`. */
  name: string
  regex: RegExp
}

/** What a report says about its redaction (in its header). */
export interface RedactionSummary {
  redacted: boolean
  /** Distinct values replaced, by kind. */
  counts: Record<string, number>
  /** Replacements made (a value met three times counts three). */
  occurrences: number
}

/** A pattern the user configured that is not usable: the message says where and why. */
export class RedactionPatternError extends Error {
  override name = 'RedactionPatternError'
}

const EMAIL = /(?<![\w.%+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![\w-]|@)/g

// Phone numbers need a shape only phone numbers have: a leading +country code with 8–15 digits,
// an area code in parentheses, or 3-3-4 / 2-2-2-2-2 groups with one separator throughout. A
// number glued to letters, dashes, slashes or more digit groups (order ids, dates, versions, IP
// addresses, times) is left alone.
const NOT_BEFORE = String.raw`(?<![\w+./:#-])`
const NOT_AFTER = String.raw`(?![\w/-]|[.:,]\d)`
const PHONE = new RegExp(
  [
    String.raw`\+\d{1,3}(?:[ .-]?\(\d{1,4}\)|[ .-]?\d{1,5}){1,6}`,
    String.raw`(?:1[ .-]?)?\(\d{3}\)[ .-]?\d{3}[ .-]\d{4}`,
    String.raw`(?:1([ .-]))?\d{3}([ .-])\d{3}\2\d{4}`,
    String.raw`0\d([ .-])\d{2}\3\d{2}\3\d{2}\3\d{2}`,
  ]
    .map((alt) => `${NOT_BEFORE}(?:${alt})${NOT_AFTER}`)
    .join('|'),
  'g',
)

function digitCount(text: string): number {
  return text.replace(/\D/g, '').length
}

function plausiblePhone(text: string): boolean {
  const digits = digitCount(text)
  if (text.startsWith('+')) return digits >= 8 && digits <= 15
  return digits >= 10 && digits <= 11
}

const NAME = /^[a-z][a-z0-9_-]*$/i

function compile(source: string, flags: string, where: string): RegExp {
  let re: RegExp
  try {
    re = new RegExp(source, flags.includes('g') ? flags : `${flags}g`)
  } catch (err) {
    throw new RedactionPatternError(`${where}: not a valid regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`)
  }
  if (re.test('')) throw new RedactionPatternError(`${where}: the pattern matches empty text; it must match the values to hide`)
  re.lastIndex = 0
  return re
}

/** `REGEX` (placeholders `<pattern-1>`) or `name=REGEX` (placeholders `<name-1>`). */
export function parsePattern(text: string, where: string): RedactionPattern {
  const eq = /^([a-z][a-z0-9_-]*)=(.+)$/is.exec(text)
  if (eq) return { name: eq[1]!.toLowerCase(), regex: compile(eq[2]!, '', where) }
  if (!text) throw new RedactionPatternError(`${where}: the pattern is empty`)
  return { name: 'pattern', regex: compile(text, '', where) }
}

/**
 * flowbench.json `redaction.patterns`: a list of `"REGEX"`, `"name=REGEX"` or
 * `{ "name": "...", "pattern": "REGEX", "flags": "i" }`.
 */
export function configuredPatterns(settings: unknown, file = 'flowbench.json'): RedactionPattern[] {
  if (!isRecord(settings) || settings.redaction === undefined) return []
  const redaction = settings.redaction
  if (!isRecord(redaction)) throw new RedactionPatternError(`${file}: "redaction" must be an object such as {"patterns": ["order=ORD-\\\\d+"]}`)
  if (redaction.patterns === undefined) return []
  if (!Array.isArray(redaction.patterns)) throw new RedactionPatternError(`${file}: "redaction.patterns" must be a list of patterns`)
  return redaction.patterns.map((p, i) => {
    const where = `${file}: redaction.patterns[${i}]`
    if (typeof p === 'string') return parsePattern(p, where)
    if (isRecord(p) && typeof p.pattern === 'string') {
      const name = p.name === undefined ? 'pattern' : p.name
      if (typeof name !== 'string' || !NAME.test(name)) throw new RedactionPatternError(`${where}: "name" must be a word such as "order" (letters, digits, - and _)`)
      const flags = typeof p.flags === 'string' ? p.flags : ''
      if (!/^[imsu]*$/.test(flags)) throw new RedactionPatternError(`${where}: "flags" may hold only i, m, s and u`)
      return { name: name.toLowerCase(), regex: compile(p.pattern, flags, where) }
    }
    throw new RedactionPatternError(`${where}: expected "REGEX", "name=REGEX" or {"name", "pattern"}`)
  })
}

/** Replaces values by placeholders, remembering which value got which so a report stays consistent. */
export class Redactor {
  private readonly detectors: Array<{ kind: string; regex: RegExp; accept?: (match: string) => boolean }>
  private readonly placeholders = new Map<string, string>()
  private readonly issued = new Map<string, number>()
  private replaced = 0

  /** Configured patterns come first: they are the more specific (an account id may look like a phone number). */
  constructor(patterns: readonly RedactionPattern[] = []) {
    this.detectors = [
      ...patterns.map((p) => ({ kind: p.name, regex: new RegExp(p.regex.source, p.regex.flags) })),
      { kind: 'email', regex: new RegExp(EMAIL.source, EMAIL.flags) },
      { kind: 'phone', regex: new RegExp(PHONE.source, PHONE.flags), accept: plausiblePhone },
    ]
  }

  private placeholder(kind: string, value: string): string {
    const k = `${kind}\u0000${value}`
    let p = this.placeholders.get(k)
    if (!p) {
      const n = (this.issued.get(kind) ?? 0) + 1
      this.issued.set(kind, n)
      p = `<${kind}-${n}>`
      this.placeholders.set(k, p)
    }
    return p
  }

  /** The text with every match replaced. Matches are found on the original text, so a placeholder is never matched again. */
  text(input: string): string {
    const ranges: Array<{ start: number; end: number; kind: string }> = []
    for (const d of this.detectors) {
      d.regex.lastIndex = 0
      for (const m of input.matchAll(d.regex)) {
        const start = m.index
        const end = start + m[0].length
        if (!m[0] || (d.accept && !d.accept(m[0]))) continue
        if (ranges.some((r) => start < r.end && end > r.start)) continue
        ranges.push({ start, end, kind: d.kind })
      }
    }
    if (!ranges.length) return input
    ranges.sort((a, b) => a.start - b.start)
    let out = ''
    let at = 0
    for (const r of ranges) {
      out += input.slice(at, r.start) + this.placeholder(r.kind, input.slice(r.start, r.end))
      at = r.end
    }
    this.replaced += ranges.length
    return out + input.slice(at)
  }

  /** Every string inside a JSON value (object keys stay). */
  value<T>(v: T): T {
    if (typeof v === 'string') return this.text(v) as T
    if (Array.isArray(v)) return v.map((x) => this.value(x)) as T
    if (isRecord(v)) {
      const out: Record<string, unknown> = {}
      for (const [k, x] of Object.entries(v)) out[k] = this.value(x)
      return out as T
    }
    return v
  }

  summary(): RedactionSummary {
    return { redacted: true, counts: Object.fromEntries(this.issued), occurrences: this.replaced }
  }
}

function turn(r: Redactor, t: TranscriptTurn): TranscriptTurn {
  return {
    ...t,
    input: t.input === null ? null : r.text(t.input),
    replies: t.replies.map((x) => ({ ...x, text: r.text(x.text) })),
    entities: r.value(t.entities),
    slots: r.value(t.slots),
    variables: r.value(t.variables),
    integration_calls: t.integration_calls.map((c) => ({
      ...c,
      request: r.value(c.request),
      ...(c.data !== undefined ? { data: r.value(c.data) } : {}),
      ...(c.message !== undefined ? { message: r.text(c.message) } : {}),
    })),
    errors: t.errors.map((e) => ({ ...e, message: r.text(e.message) })),
    warnings: t.warnings.map((w) => ({ ...w, message: r.text(w.message) })),
  }
}

function testCase(r: Redactor, t: TestCaseReport): TestCaseReport {
  return {
    ...t,
    name: r.text(t.name),
    failures: t.failures.map((f) => ({
      ...f,
      input: f.input === null ? null : r.text(f.input),
      expected: r.value(f.expected),
      actual: r.value(f.actual),
      message: r.text(f.message),
    })),
    ...(t.error !== undefined ? { error: r.text(t.error) } : {}),
    ...(t.transcript ? { transcript: t.transcript.map((x) => turn(r, x)) } : {}),
  }
}

/** A copy of the report with personal data replaced; the original is not touched. */
export function redactTestReport(report: TestRunReport, r: Redactor): TestRunReport {
  return {
    ...report,
    suites: report.suites.map((s) => ({ ...s, ...(s.error !== undefined ? { error: r.text(s.error) } : {}), tests: s.tests.map((t) => testCase(r, t)) })),
  }
}

/** Load results hold figures and state names; only their free-text warnings can carry data. */
export function redactLoadResult(result: LoadResult, r: Redactor): LoadResult {
  return { ...result, warnings: result.warnings.map((w) => r.text(w)) }
}
