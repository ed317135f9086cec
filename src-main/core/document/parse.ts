// Parses a YAML or JSON document and keeps where every value came from, so any error can
// name file, line, column and JSON path.
import { LineCounter, parseDocument, isMap, isSeq, isScalar, isPair, type Node, type Document } from 'yaml'

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
 * Parses YAML or JSON text (JSON is read by the YAML 1.2 parser, which keeps positions for it too).
 * Throws DocumentParseError naming line and column for syntax errors and duplicate keys.
 */
export function parseDocumentText<T = unknown>(text: string, file: string): ParsedDocument<T> {
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, strict: true })
  const problems: DocumentProblem[] = []
  for (const err of doc.errors) {
    const pos = lineCounter.linePos(err.pos[0])
    problems.push({ file, message: cleanYamlMessage(err.message), line: pos.line, column: pos.col })
  }
  if (problems.length) throw new DocumentParseError(problems)
  const value = doc.toJS({ maxAliasCount: 1000 }) as T
  if (value === null || value === undefined) {
    throw new DocumentParseError([{ file, message: 'the file is empty: expected a document', line: 1, column: 1 }])
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
