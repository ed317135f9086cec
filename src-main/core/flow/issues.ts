// The problems the flow and test loaders and the linter find, before and after they are
// placed in the document (file, line, column, JSON path).
import {
  formatPath,
  type DocumentProblem,
  type ParsedDocument,
  type PathSegment,
  type Position,
} from '../document/parse'

export type Severity = 'error' | 'warning'

/**
 * Where a problem points: at the key of the value at `path` (a property the author wrote),
 * at the value itself (a list item), or — for something missing — at the key of its parent.
 */
export type Anchor = 'key' | 'value' | 'parent'

/** A problem before it has a position: rule, severity, JSON path and a message. */
export interface FlowIssue {
  rule: string
  severity: Severity
  path: PathSegment[]
  message: string
  anchor: Anchor
}

/** A lint finding, as `flowbench lint --format json` prints it (spec/cli.md). */
export interface Finding {
  rule: string
  severity: Severity
  message: string
  line: number
  column: number
  /** JSON path of the offending value, e.g. `states.order.transitions[1].target_state`. */
  path: string
}

export function issue(rule: string, severity: Severity, path: PathSegment[], message: string, anchor: Anchor = 'key'): FlowIssue {
  return { rule, severity, path, message, anchor }
}

/** The position an issue points at; line 1, column 1 when the document cannot say. */
export function positionOf(parsed: ParsedDocument, path: readonly PathSegment[], anchor: Anchor): Position {
  let pos: Position | undefined
  if (anchor === 'parent') {
    const parent = path.slice(0, -1)
    pos = typeof parent[parent.length - 1] === 'string' ? parsed.locateKey(parent) : parsed.locate(parent)
  } else if (anchor === 'key' && typeof path[path.length - 1] === 'string') {
    pos = parsed.locateKey(path)
  } else {
    pos = parsed.locate(path)
  }
  return pos ?? { line: 1, column: 1 }
}

/** Issues placed in the document, in document order. */
export function toFindings(parsed: ParsedDocument, issues: readonly FlowIssue[]): Finding[] {
  const findings = issues.map((i) => {
    const pos = positionOf(parsed, i.path, i.anchor)
    return { rule: i.rule, severity: i.severity, message: i.message, line: pos.line, column: pos.column, path: formatPath(i.path) }
  })
  return sortFindings(findings)
}

export function sortFindings<T extends { line: number; column: number }>(findings: T[]): T[] {
  // Array.prototype.sort is stable, so findings at one position keep the order the checks found them in.
  return findings.sort((a, b) => a.line - b.line || a.column - b.column)
}

export function asDocumentProblems(parsed: ParsedDocument, issues: readonly FlowIssue[]): DocumentProblem[] {
  return toFindings(parsed, issues).map((f) => ({ file: parsed.file, message: f.message, line: f.line, column: f.column, path: f.path || undefined }))
}
