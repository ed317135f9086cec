// The engine's diagnostics as Monaco markers. Pure (the severity enum is passed in) so it is
// tested without loading Monaco.
import type { Diagnostic } from '../../../../src-main/common/api'

export interface MarkerSeverities {
  Error: number
  Warning: number
}

export interface MarkerData {
  severity: number
  message: string
  source: string
  code: string
  startLineNumber: number
  startColumn: number
  endLineNumber: number
  endColumn: number
}

/**
 * A diagnostic without an end is drawn over the rest of its line's token (Monaco widens an
 * empty range to the word at that position), so it is always visible; lines past the end of the
 * document (a stale analysis) are clamped.
 */
export function toMarkers(diagnostics: Diagnostic[], lineCount: number, severity: MarkerSeverities): MarkerData[] {
  return diagnostics.map((d) => {
    const line = Math.min(Math.max(1, d.line || 1), Math.max(1, lineCount))
    const column = Math.max(1, d.column || 1)
    const endLine = d.endLine ? Math.min(Math.max(line, d.endLine), Math.max(1, lineCount)) : line
    const endColumn = d.endColumn && (endLine > line || d.endColumn > column) ? d.endColumn : column
    return {
      severity: d.severity === 'error' ? severity.Error : severity.Warning,
      message: d.path ? `${d.path}: ${d.message}` : d.message,
      source: 'flowbench',
      code: d.rule,
      startLineNumber: line,
      startColumn: column,
      endLineNumber: endLine,
      endColumn,
    }
  })
}
