// State names as symbols of a flow document: which name is at a position, where it is defined and
// referenced, and the edits that rename it everywhere. Pure: works on the engine's StateLocations.
import type { SourceRange, StateLocations } from '../../../../src-main/common/api'

export interface FullRange {
  line: number
  column: number
  endLine: number
  endColumn: number
}

export interface StateOccurrence {
  name: string
  range: FullRange
  role: 'definition' | 'reference'
}

export function contains(range: FullRange, line: number, column: number): boolean {
  if (line < range.line || line > range.endLine) return false
  if (line === range.line && column < range.column) return false
  if (line === range.endLine && column > range.endColumn) return false
  return true
}

export function occurrences(locations: StateLocations): StateOccurrence[] {
  return [
    ...locations.states.map((s) => ({ name: s.name, range: s.definition, role: 'definition' as const })),
    ...locations.references.map((r) => ({ name: r.name, range: r.range, role: 'reference' as const })),
  ]
}

/** The state name under the cursor (on its definition key, on `initial_state` or on a `target_state`). */
export function occurrenceAt(locations: StateLocations, line: number, column: number): StateOccurrence | null {
  return occurrences(locations).find((o) => contains(o.range, line, column)) ?? null
}

export function definitionOf(locations: StateLocations, name: string): FullRange | null {
  return locations.states.find((s) => s.name === name)?.definition ?? null
}

export function referencesOf(locations: StateLocations, name: string, includeDeclaration: boolean): FullRange[] {
  return occurrences(locations)
    .filter((o) => o.name === name && (includeDeclaration || o.role === 'reference'))
    .map((o) => o.range)
}

/** Names that YAML and JSON accept unquoted as keys and that read well in a graph. */
export const STATE_NAME = /^[A-Za-z_][A-Za-z0-9_-]*$/

export function validateNewName(locations: StateLocations, oldName: string, newName: string): string | null {
  if (!newName) return 'A state name cannot be empty.'
  if (!STATE_NAME.test(newName)) return 'Use letters, digits, "_" or "-", starting with a letter or "_".'
  if (newName !== oldName && locations.states.some((s) => s.name === newName)) return `A state named "${newName}" already exists.`
  return null
}

/**
 * The replacement text for one occurrence: the engine's ranges cover the name as written, so a
 * quoted name (always in JSON, sometimes in YAML) keeps its quotes.
 */
export function replacementFor(written: string, newName: string): string {
  if (written.startsWith('"') && written.endsWith('"')) return JSON.stringify(newName)
  if (written.startsWith("'") && written.endsWith("'")) return `'${newName}'`
  return newName
}

export function rangeOf(r: SourceRange): FullRange {
  return { line: r.line, column: r.column, endLine: r.endLine ?? r.line, endColumn: r.endColumn ?? r.column }
}
