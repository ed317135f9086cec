// Parses a YAML or JSON document and keeps where every value came from, so any error can
// name file, line, column and JSON path.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Node, type Document } from 'yaml'
import { parseYamlFast } from './yaml-fast'

export interface Position { line: number; column: number }

/** A problem found in a document, located as precisely as the parser knows. */
export interface DocumentProblem {
  file: string
  message: string
  /** 1-based; absent when the position is unknown. */
  line?: number
  column?: number
  /** JSON path of the offending value, e.g. `states.order.transitions[1].target_state`. */
  path?: string
}

export class DocumentParseError extends Error {
  override name = 'DocumentParseError'
  constructor(readonly problems: DocumentProblem[]) {
    super(problems.map(formatProblem).join('\n'))
  }
}

/** The document holds nothing (an empty file, only comments, or a bare `null`): it parses, but is no document. */
export class EmptyDocumentError extends DocumentParseError {
  override name = 'EmptyDocumentError'
}

export type PathSegment = string | number

export interface ParsedDocument<T = unknown> {
  file: string
  text: string
  value: T
  /** The position of the value at `path` (or of the nearest ancestor that exists). */
  locate(path: readonly PathSegment[]): Position | undefined
  /** The position of the key of the value at `path` (falls back to the value). */
  locateKey(path: readonly PathSegment[]): Position | undefined
}

/** `states.order.transitions[1].target_state`; keys that are not plain identifiers are quoted. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = ''
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(seg)) out += out ? `.${seg}` : seg
    else out += `[${JSON.stringify(seg)}]`
  }
  return out
}

/** `file:line:col path: message` — the one format every error and finding is printed in. */
export function formatProblem(p: DocumentProblem): string {
  const where = p.line !== undefined ? `${p.file}:${p.line}:${p.column ?? 1}` : p.file
  return `${where} ${p.path ? `${p.path}: ` : ''}${p.message}`
}

/**
 * Parses YAML or JSON text (JSON is read by the YAML 1.2 parser, which keeps positions for it
 * too). Plain documents take a fast path (JSON.parse, or the fast YAML reader) and build
 * positions only when asked; anything else, and every error, goes through the full parser.
 * Throws DocumentParseError naming line and column for syntax errors and duplicate keys.
 */
export function parseDocumentText<T = unknown>(text: string, file: string): ParsedDocument<T> {
  if (/\.json$/i.test(file)) {
    const fast = parseJsonFast<T>(text, file)
    if (fast) return fast
  } else {
    const fast = parseYamlFast(text)
    if (fast) return withLazyPositions(fast.value as T, text, file)
  }
  return parseWithPositions<T>(text, file)
}

/**
 * A parsed document whose positions are computed on first use: building the full YAML
 * document costs far more than reading the value, and positions are needed only to report a
 * problem.
 */
function withLazyPositions<T>(value: T, text: string, file: string): ParsedDocument<T> {
  let positioned: ParsedDocument<T> | null | undefined
  const positions = () => {
    if (positioned === undefined) {
      try {
        positioned = parseWithPositions<T>(text, file)
      } catch {
        positioned = null
      }
    }
    return positioned
  }
  return {
    file,
    text,
    value,
    locate: (path) => positions()?.locate(path),
    locateKey: (path) => positions()?.locateKey(path),
  }
}

/**
 * JSON fast path: `JSON.parse` is an order of magnitude quicker than building a YAML
 * document, and positions are only needed when something is wrong, so the YAML document is
 * built on the first `locate`. Returns undefined (and the caller takes the slow path, which
 * reports positions) when the text is not plain valid JSON or repeats a key.
 */
function parseJsonFast<T>(text: string, file: string): ParsedDocument<T> | undefined {
  let value: unknown
  try {
    // A byte-order mark (some Windows editors write one) is not JSON, but harmless.
    value = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  } catch (err) {
    // The YAML parser names line and column for most JSON mistakes; a few (a trailing
    // comma, a comment) are valid YAML, so JSON's own message is the fallback.
    const slow = parseWithPositionsOrProblem<T>(text, file)
    if (slow instanceof DocumentParseError) throw slow
    throw new DocumentParseError([jsonSyntaxProblem(text, file, (err as Error).message)])
  }
  if (value === null || hasDuplicateJsonKey(text)) return undefined
  return withLazyPositions(value as T, text, file)
}

function parseWithPositionsOrProblem<T>(text: string, file: string): ParsedDocument<T> | DocumentParseError {
  try {
    return parseWithPositions<T>(text, file)
  } catch (err) {
    if (err instanceof DocumentParseError) return err
    throw err
  }
}

function jsonSyntaxProblem(text: string, file: string, message: string): DocumentProblem {
  const clean = message.replace(/, "[\s\S]*" is not valid JSON$/, '')
  const at = /at position (\d+)/.exec(message)
  if (!at) return { file, message: `invalid JSON: ${clean}`, line: 1, column: 1 }
  const offset = Number(at[1])
  const before = text.slice(0, offset).split('\n')
  return {
    file,
    message: `invalid JSON: ${clean.replace(/ in JSON at position \d+.*$/, '').replace(/ at position \d+.*$/, '')}`,
    line: before.length,
    column: before[before.length - 1]!.length + 1,
  }
}

/** Whether some object of (already valid) JSON text repeats a key; one linear scan. */
export function hasDuplicateJsonKey(text: string): boolean {
  // One frame per open object/array: the keys seen so far (objects only) and whether the
  // next string in it is a key.
  const frames: Array<{ keys: Set<string> | null; expectKey: boolean }> = []
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if (c === 0x22 /* " */) {
      let j = i + 1
      let escaped = false
      for (; j < text.length; j++) {
        const d = text.charCodeAt(j)
        if (d === 0x5c /* \ */) { escaped = true; j++ } else if (d === 0x22) break
      }
      const frame = frames[frames.length - 1]
      if (frame?.keys && frame.expectKey) {
        const raw = text.slice(i + 1, j)
        const key = escaped ? (JSON.parse(`"${raw}"`) as string) : raw
        if (frame.keys.has(key)) return true
        frame.keys.add(key)
        frame.expectKey = false
      }
      i = j
    } else if (c === 0x7b /* { */) frames.push({ keys: new Set(), expectKey: true })
    else if (c === 0x5b /* [ */) frames.push({ keys: null, expectKey: false })
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) frames.pop()
    else if (c === 0x2c /* , */) {
      const frame = frames[frames.length - 1]
      if (frame?.keys) frame.expectKey = true
    }
  }
  return false
}

function parseWithPositions<T>(text: string, file: string): ParsedDocument<T> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true })
  const problems: DocumentProblem[] = []
  for (const err of doc.errors) {
    const pos = lineCounter.linePos(err.pos[0])
    const message = err.code === 'DUPLICATE_KEY' ? duplicateKeyMessage(text, err.pos[0]) : cleanYamlMessage(err.message)
    problems.push({ file, message, line: pos.line, column: pos.col })
  }
  if (problems.length) throw new DocumentParseError(problems)
  const value = doc.toJS({ maxAliasCount: 1000 }) as T
  if (value === null || value === undefined) {
    throw new EmptyDocumentError([{ file, message: 'the file is empty: expected a document', line: 1, column: 1 }])
  }
  const toPos = (offset: number): Position => {
    const p = lineCounter.linePos(offset)
    return { line: p.line, column: p.col }
  }
  return {
    file,
    text,
    value,
    locate: (path) => {
      const node = nodeAt(doc, path)
      return node?.range ? toPos(node.range[0]) : undefined
    },
    locateKey: (path) => {
      const key = keyNodeAt(doc, path)
      if (key?.range) return toPos(key.range[0])
      const node = nodeAt(doc, path)
      return node?.range ? toPos(node.range[0]) : undefined
    },
  }
}

/** `duplicate key "name"`, naming the key written at `offset`. */
function duplicateKeyMessage(text: string, offset: number): string {
  const written = /^("(?:[^"\\]|\\.)*"|'(?:[^']|'')*'|[^:,{}[\]\n]+)/.exec(text.slice(offset))?.[1]?.trim()
  let key = written
  if (written?.startsWith('"')) {
    try {
      key = JSON.parse(written) as string
    } catch {
      key = written.slice(1, -1)
    }
  } else if (written?.startsWith("'")) key = written.slice(1, -1).replace(/''/g, "'")
  return key === undefined ? 'duplicate key (keys must be unique)' : `duplicate key ${JSON.stringify(key)} (keys must be unique)`
}

function cleanYamlMessage(message: string): string {
  // The yaml package appends "at line X, column Y" and a code excerpt; we print positions ourselves.
  return message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '').trim()
}

function childNode(node: unknown, seg: PathSegment): { value: Node | null; key: Node | null } | undefined {
  if (isMap(node)) {
    for (const item of node.items) {
      if (!isPair(item)) continue
      const k = isScalar(item.key) ? item.key.value : item.key
      if (String(k) === String(seg)) return { value: (item.value as Node | null) ?? null, key: (item.key as Node | null) ?? null }
    }
    return undefined
  }
  if (isSeq(node) && typeof seg === 'number') {
    const v = node.items[seg]
    return v === undefined ? undefined : { value: v as Node, key: null }
  }
  return undefined
}

function nodeAt(doc: Document, path: readonly PathSegment[]): Node | undefined {
  let node: Node | null | undefined = doc.contents as Node | null
  let last: Node | undefined = node ?? undefined
  for (const seg of path) {
    const child = childNode(node, seg)
    if (!child) return last
    if (child.value) last = child.value
    else if (child.key) return child.key
    node = child.value
  }
  return last
}

function keyNodeAt(doc: Document, path: readonly PathSegment[]): Node | undefined {
  if (!path.length) return undefined
  const parent = path.slice(0, -1)
  let node: Node | null | undefined = doc.contents as Node | null
  for (const seg of parent) {
    const child = childNode(node, seg)
    if (!child) return undefined
    node = child.value
  }
  return childNode(node, path[path.length - 1]!)?.key ?? undefined
}
