// Source ranges for the editor: from a token's start (what the parser locates) to its end, so
// squiggles, go-to-definition and rename cover exactly the word the author wrote.
import type { SourceRange } from '../../common/api'

export type FullRange = SourceRange & { endLine: number; endColumn: number }

/** Offsets of the start of every line (1-based lines map to index line-1). */
export function lineStarts(text: string): number[] {
  const starts = [0]
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) starts.push(i + 1)
  return starts
}

/**
 * The scalar token starting at line/column: a quoted string (quotes included) or a plain word that
 * ends at a `: `, `,`, `]`, `}`, ` #` or the end of the line. Never spans lines.
 */
export function tokenRange(text: string, starts: number[], line: number, column: number): FullRange {
  const lineStart = starts[line - 1]
  if (lineStart === undefined) return { line, column, endLine: line, endColumn: column }
  const lineEnd = line < starts.length ? starts[line]! - 1 : text.length
  const lineText = text.slice(lineStart, lineEnd).replace(/\r$/, '')
  const from = column - 1
  const first = lineText[from]
  let to: number
  if (first === '"' || first === "'") {
    to = from + 1
    while (to < lineText.length) {
      const c = lineText[to]!
      if (first === '"' && c === '\\') {
        to += 2
        continue
      }
      if (c === first) {
        // YAML escapes a single quote by doubling it.
        if (first === "'" && lineText[to + 1] === "'") {
          to += 2
          continue
        }
        to++
        break
      }
      to++
    }
  } else {
    const m = /^.*?(?=:\s|:$|,|\]|\}|\s#|\s*$)/.exec(lineText.slice(from))
    to = from + (m ? m[0].length : 0)
  }
  return { line, column, endLine: line, endColumn: Math.min(to, lineText.length) + 1 }
}

/** The range without its quotes: what a rename replaces. */
export function innerRange(text: string, starts: number[], range: FullRange): FullRange {
  const start = starts[range.line - 1]! + range.column - 1
  const c = text[start]
  if ((c === '"' || c === "'") && range.endColumn - range.column >= 2) {
    return { ...range, column: range.column + 1, endColumn: range.endColumn - 1 }
  }
  return range
}
