// A fast reader for the plain YAML that flows and tests are written in (block mappings and
// sequences, one-line scalars and flow collections, literal and simple folded block scalars,
// comments). The full `yaml` parser reads about 1 MB/s; this is ~20x quicker. Anything outside
// that subset, and anything doubtful (duplicate keys, anchors, tags, multi-line plain or quoted
// scalars, tabs), makes it give up so the full parser handles the document and reports
// problems with positions. Where it answers, it answers what the full parser (YAML 1.2 core
// schema) would: tests compare the two on generated documents.

/** Thrown internally to abandon the fast path. */
class Unsupported extends Error {}
const giveUp = (): never => {
  throw new Unsupported()
}

interface Line {
  /** The line without its line break. */
  text: string
  /** Count of leading spaces. */
  indent: number
  /** Blank or a comment only. */
  blank: boolean
}

/** The document's value, or undefined when the fast path does not apply (use the full parser). */
export function parseYamlFast(text: string): { value: unknown } | undefined {
  // Tabs, control characters, a BOM and Unicode spaces (which JavaScript's trim removes but
  // YAML keeps) have rules of their own: leave them to the full parser.
  if (/[\t\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]/.test(text)) return undefined
  try {
    const value = new FastYamlReader(text).document()
    return value !== null && typeof value === 'object' ? { value } : undefined
  } catch (err) {
    if (err instanceof Unsupported) return undefined
    throw err
  }
}

const NULL_RE = /^(?:~|[Nn]ull|NULL)?$/
const BOOL_RE = /^(?:[Tt]rue|TRUE|[Ff]alse|FALSE)$/
const OCT_RE = /^0o[0-7]+$/
const INT_RE = /^[-+]?[0-9]+$/
const HEX_RE = /^0x[0-9a-fA-F]+$/
const NAN_INF_RE = /^(?:[-+]?\.(?:inf|Inf|INF)|\.nan|\.NaN|\.NAN)$/
const EXP_RE = /^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)[eE][-+]?[0-9]+$/
const FLOAT_RE = /^[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)$/

/** A plain scalar's value under the YAML 1.2 core schema, in the full parser's order of tests. */
function resolvePlain(s: string): unknown {
  const c = s.charCodeAt(0)
  // Quick exit for the common case: a word that cannot be null, bool or number.
  if (s.length && !(c === 0x7e || c === 0x2e || c === 0x2b || c === 0x2d || (c >= 0x30 && c <= 0x39) || 'nNtTfF'.includes(s[0]!))) return s
  if (NULL_RE.test(s)) return null
  if (BOOL_RE.test(s)) return s[0] === 't' || s[0] === 'T'
  if (OCT_RE.test(s)) return parseInt(s.substring(2), 8)
  if (INT_RE.test(s)) return parseInt(s, 10)
  if (HEX_RE.test(s)) return parseInt(s.substring(2), 16)
  if (NAN_INF_RE.test(s)) return s.slice(-3).toLowerCase() === 'nan' ? NaN : s[0] === '-' ? -Infinity : Infinity
  if (EXP_RE.test(s) || FLOAT_RE.test(s)) return parseFloat(s)
  return s
}

/** Characters a plain scalar may not start with (YAML indicators), besides `-?:` before a space. */
const INDICATOR_START = new Set(['-', '?', ':', ',', '[', ']', '{', '}', '#', '&', '*', '!', '|', '>', "'", '"', '%', '@', '`'])

const ESCAPES: Record<string, string> = {
  '0': '\0', a: '\x07', b: '\b', t: '\t', n: '\n', v: '\v', f: '\f', r: '\r', e: '\x1b',
  ' ': ' ', '"': '"', '/': '/', '\\': '\\', N: '\u0085', _: '\u00a0', L: '\u2028', P: '\u2029',
}

class FastYamlReader {
  private readonly lines: Line[]
  private i = 0

  constructor(text: string) {
    const raw = text.split('\n')
    // The text after the final line break is not a line (it matters to `|+` chomping).
    if (raw[raw.length - 1] === '') raw.pop()
    this.lines = raw.map((raw) => {
      const t = raw.endsWith('\r') ? raw.slice(0, -1) : raw
      let indent = 0
      while (t.charCodeAt(indent) === 0x20) indent++
      const blank = indent === t.length || t.charCodeAt(indent) === 0x23 /* # */
      return { text: t, indent, blank }
    })
  }

  document(): unknown {
    this.skipBlank()
    const first = this.lines[this.i]
    if (first && /^---(\s|$)/.test(first.text)) {
      // A leading document marker is harmless when nothing follows it on the line.
      if (first.text.slice(3).trim() && !first.text.slice(3).trim().startsWith('#')) giveUp()
      this.i++
      this.skipBlank()
    }
    for (let j = this.i; j < this.lines.length; j++) {
      const t = this.lines[j]!.text
      const c = t.charCodeAt(0)
      if ((c === 0x2d /* - */ || c === 0x2e /* . */ || c === 0x25 /* % */) && /^(---|\.\.\.)(\s|$)|^%/.test(t)) giveUp()
    }
    const line = this.lines[this.i]
    if (!line) return null
    if (line.indent !== 0) giveUp()
    const value = this.node(0, -1)
    this.skipBlank()
    if (this.i < this.lines.length) giveUp()
    return value
  }

  private skipBlank(): void {
    while (this.i < this.lines.length && this.lines[this.i]!.blank) this.i++
  }

  /** The node whose content starts at column `col` of the current line; `parent` is the enclosing indent. */
  private node(col: number, parent: number): unknown {
    const content = this.lines[this.i]!.text.slice(col)
    if (content === '-' || content.startsWith('- ') || content.startsWith('-#')) {
      if (content.startsWith('-#')) giveUp()
      return this.sequence(col)
    }
    if (keyAt(content)) return this.mapping(col)
    return this.inlineValue(content, parent)
  }

  /** The block node below a `key:` or `-` with nothing after it, or null when there is none. */
  private childBlock(parentCol: number, seqAtSameIndent: boolean): unknown {
    this.i++
    const from = this.i
    this.skipBlank()
    const line = this.lines[this.i]
    if (!line) return null
    if (line.indent > parentCol) {
      // A comment less indented than a scalar below it makes the full parser read that scalar
      // differently (or reject it): not ours. Before a mapping or list it is harmless.
      const content = line.text.slice(line.indent)
      const isCollection = content === '-' || content.startsWith('- ') || keyAt(content) !== undefined
      if (!isCollection) {
        for (let j = from; j < this.i; j++) {
          const skipped = this.lines[j]!
          if (skipped.indent < skipped.text.length && skipped.indent < line.indent) giveUp()
        }
      }
      return this.node(line.indent, parentCol)
    }
    const content = line.text.slice(line.indent)
    if (seqAtSameIndent && line.indent === parentCol && (content === '-' || content.startsWith('- '))) return this.sequence(parentCol)
    return null
  }

  private mapping(col: number): Record<string, unknown> {
    const out: Record<string, unknown> = {}
    let first = true
    for (;;) {
      if (!first) {
        this.skipBlank()
        const line = this.lines[this.i]
        if (!line || line.indent < col) break
        if (line.indent > col) giveUp()
        const content = line.text.slice(col)
        if (content === '-' || content.startsWith('- ')) break
      }
      first = false
      const text = this.lines[this.i]!.text
      const key = keyAt(text.slice(col)) ?? giveUp()
      if (Object.prototype.hasOwnProperty.call(out, key.name) || key.name === '__proto__' || key.name === '<<') giveUp()
      let rest = col + key.end
      while (text.charCodeAt(rest) === 0x20) rest++
      const after = text.slice(rest)
      // `key:` then only spaces: the full parser has its own reading of it.
      if (after === '' && rest > col + key.end) giveUp()
      out[key.name] = after === '' || after.startsWith('#') ? this.childBlock(col, true) : this.inlineValue(after, col)
    }
    return out
  }

  private sequence(col: number): unknown[] {
    const out: unknown[] = []
    let first = true
    for (;;) {
      if (!first) {
        this.skipBlank()
        const line = this.lines[this.i]
        if (!line || line.indent < col) break
        if (line.indent > col) giveUp()
        const content = line.text.slice(col)
        if (!(content === '-' || content.startsWith('- '))) break
      }
      first = false
      const text = this.lines[this.i]!.text
      let c = col + 1
      while (text.charCodeAt(c) === 0x20) c++
      const after = text.slice(c)
      if (after === '' && c > col + 1) giveUp()
      if (after === '' || after.startsWith('#')) out.push(this.childBlock(col, false))
      else out.push(this.node(c, col))
    }
    return out
  }

  /** A value that starts on the current line; the line after it must not be more indented than `parent`. */
  private inlineValue(content: string, parent: number): unknown {
    const c = content[0]!
    if (c === '|' || c === '>') return this.blockScalar(content, parent)
    let value: unknown
    let end: number
    if (c === '"' || c === "'") [value, end] = readQuoted(content, 0)
    else if (c === '[' || c === '{') [value, end] = readFlow(content, 0)
    else {
      // Of the indicators, only a leading `-` of a number (`-1`, `-.5`) is common enough to read here.
      if (INDICATOR_START.has(c) && !(c === '-' && /[0-9.]/.test(content[1] ?? ''))) giveUp()
      const text = plainUntilComment(content)
      if (text.includes(': ') || text.endsWith(':')) giveUp()
      value = resolvePlain(text)
      end = content.length
    }
    if (!restIsComment(content, end)) giveUp()
    this.i++
    this.skipBlank()
    // A more indented line would continue a multi-line scalar (or be an error): not ours.
    const next = this.lines[this.i]
    if (next && next.indent > parent) giveUp()
    return value
  }

  private blockScalar(header: string, parent: number): string {
    const m = /^([|>])([-+]?)(\s+#.*)?\s*$/.exec(header) ?? giveUp()
    const literal = m[1] === '|'
    const chomp = m[2]
    if (parent < 0) giveUp()
    this.i++
    const body: string[] = []
    let indent = -1
    while (this.i < this.lines.length) {
      const line = this.lines[this.i]!
      const isBlank = line.indent === line.text.length
      if (isBlank) {
        // Whitespace-only lines with spaces that might count as content: the full parser decides.
        if (line.text.length > 0 && (indent < 0 || line.text.length > indent)) giveUp()
        body.push('')
        this.i++
        continue
      }
      if (indent < 0) {
        if (line.indent <= parent) break
        indent = line.indent
      }
      if (line.indent < indent) break
      body.push(line.text.slice(indent))
      this.i++
    }
    // Trailing blank lines belong to the chomping, not the content.
    let trailing = 0
    while (body.length && body[body.length - 1] === '') { body.pop(); trailing++ }
    if (!body.length) {
      if (chomp === '+') giveUp()
      return ''
    }
    let text: string
    if (literal) text = body.join('\n')
    else {
      // Folding: more-indented lines and trailing spaces have rules of their own.
      if (body.some((l) => l.startsWith(' ') || l.endsWith(' '))) giveUp()
      text = ''
      for (let k = 0; k < body.length; k++) {
        const l = body[k]!
        if (k === 0) text = l
        else if (l === '') text += '\n'
        else text += body[k - 1] === '' ? l : ` ${l}`
      }
    }
    if (chomp === '-') return text
    if (chomp === '+') return text + '\n'.repeat(trailing + 1)
    return text + '\n'
  }
}

/** A `key:` at the start of `content`: the key and the offset just after the colon. */
function keyAt(content: string): { name: string; end: number } | undefined {
  const c = content[0]
  if (c === undefined) return undefined
  if (c === '"' || c === "'") {
    let parsed: [unknown, number]
    try {
      parsed = readQuoted(content, 0)
    } catch {
      return undefined
    }
    let k = parsed[1]
    while (content.charCodeAt(k) === 0x20) k++
    if (content[k] !== ':' || !(k + 1 === content.length || content[k + 1] === ' ')) return undefined
    return { name: parsed[0] as string, end: k + 1 }
  }
  if (c === '[' || c === '{' || c === '#' || c === '|' || c === '>') return undefined
  let k = content.indexOf(':')
  while (k >= 0) {
    if (k + 1 === content.length || content[k + 1] === ' ') break
    k = content.indexOf(':', k + 1)
  }
  if (k <= 0) return undefined
  const raw = content.slice(0, k)
  const hash = raw.indexOf(' #')
  if (hash >= 0) return undefined
  // `key : v` — the full parser keeps the space in a plain key; rare enough to leave to it.
  if (raw.endsWith(' ')) giveUp()
  const name = raw
  if (INDICATOR_START.has(name[0]!)) giveUp()
  // Keys that the core schema reads as null, booleans or numbers are stringified differently by the full parser.
  if (typeof resolvePlain(name) !== 'string') giveUp()
  return { name, end: k + 1 }
}

function plainUntilComment(content: string): string {
  const hash = content.indexOf(' #')
  return (hash >= 0 ? content.slice(0, hash) : content).trimEnd()
}

function restIsComment(content: string, from: number): boolean {
  const rest = content.slice(from)
  const trimmed = rest.trimStart()
  return trimmed === '' || (trimmed.startsWith('#') && rest.length > trimmed.length)
}

/** A quoted scalar that closes on this line: its value and the offset after the closing quote. */
function readQuoted(s: string, at: number): [string, number] {
  const q = s[at]
  let out = ''
  let k = at + 1
  if (q === "'") {
    for (;;) {
      const close = s.indexOf("'", k)
      if (close < 0) giveUp()
      out += s.slice(k, close)
      if (s[close + 1] === "'") { out += "'"; k = close + 2; continue }
      return [out, close + 1]
    }
  }
  for (;;) {
    const close = s.indexOf('"', k)
    const esc = s.indexOf('\\', k)
    if (close < 0) giveUp()
    if (esc < 0 || close < esc) {
      out += s.slice(k, close)
      return [out, close + 1]
    }
    out += s.slice(k, esc)
    const e = s[esc + 1]
    if (e === undefined) giveUp()
    if (e === 'x' || e === 'u' || e === 'U') {
      const len = e === 'x' ? 2 : e === 'u' ? 4 : 8
      const hex = s.slice(esc + 2, esc + 2 + len)
      if (hex.length !== len || !/^[0-9a-fA-F]+$/.test(hex)) giveUp()
      const code = parseInt(hex, 16)
      // Lone surrogates and out-of-range code points: leave the details to the full parser.
      if (code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) giveUp()
      out += String.fromCodePoint(code)
      k = esc + 2 + len
    } else {
      const mapped = ESCAPES[e!] ?? giveUp()
      out += mapped
      k = esc + 2
    }
  }
}

// Sticky, so they match at an offset without copying the rest of the line.
const FLOW_KEY = /[^,\[\]{}:#"'\s][^,\[\]{}:#]*/y
const FLOW_PLAIN = /[^,\[\]{}#]*/y

/** A flow collection that closes on this line: its value and the offset after it. */
function readFlow(s: string, at: number): [unknown, number] {
  const open = s[at]
  const close = open === '[' ? ']' : '}'
  const seq: unknown[] = []
  const map: Record<string, unknown> = {}
  let k = at + 1
  const skip = () => { while (s.charCodeAt(k) === 0x20) k++ }
  skip()
  if (s[k] === close) return [open === '[' ? seq : map, k + 1]
  for (;;) {
    skip()
    if (open === '[') {
      const [v, end] = readFlowValue(s, k)
      k = end
      skip()
      if (s[k] === ':') giveUp()
      seq.push(v)
    } else {
      let name: string
      if (s[k] === '"' || s[k] === "'") [name, k] = readQuoted(s, k)
      else {
        FLOW_KEY.lastIndex = k
        const m = FLOW_KEY.exec(s) ?? giveUp()
        name = m[0].trimEnd()
        k += m[0].length
        if (typeof resolvePlain(name) !== 'string' || INDICATOR_START.has(name[0]!)) giveUp()
      }
      const quotedKey = s[k - 1] === '"' || s[k - 1] === "'"
      skip()
      if (s[k] !== ':') giveUp()
      k++
      // After a plain key the colon must be followed by a space or a flow indicator, else it is
      // part of the key (`{http://x}`); after a quoted key JSON-style adjacency is fine.
      if (!quotedKey && k < s.length && !/[\s,\[\]{}]/.test(s[k]!)) giveUp()
      if (Object.prototype.hasOwnProperty.call(map, name) || name === '__proto__' || name === '<<') giveUp()
      skip()
      if (s[k] === ',' || s[k] === close) giveUp()
      const [v, end] = readFlowValue(s, k)
      map[name] = v
      k = end
      skip()
    }
    if (s[k] === ',') {
      k++
      skip()
      if (s[k] === close || s[k] === ',') giveUp()
      continue
    }
    if (s[k] === close) return [open === '[' ? seq : map, k + 1]
    giveUp()
  }
}

function readFlowValue(s: string, k: number): [unknown, number] {
  const c = s[k]
  if (c === undefined) giveUp()
  if (c === '"' || c === "'") return readQuoted(s, k)
  if (c === '[' || c === '{') return readFlow(s, k)
  if (INDICATOR_START.has(c!) && !(c === '-' && /[0-9.]/.test(s[k + 1] ?? ''))) giveUp()
  // A plain scalar in a flow collection ends at a flow indicator or a comment; a colon inside it is not ours.
  FLOW_PLAIN.lastIndex = k
  let text = FLOW_PLAIN.exec(s)![0]
  const hash = text.search(/\s#/)
  if (hash >= 0) giveUp()
  text = text.trimEnd()
  if (!text || text.includes(':')) giveUp()
  return [resolvePlain(text), k + text.length]
}
