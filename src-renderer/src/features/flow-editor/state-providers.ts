// Go to definition, find references and rename for state names in flow documents (YAML and JSON),
// answered from the engine's StateLocations for the editor's current text.
import type { StateLocations } from '../../../../src-main/common/api'
import { isFlowPath, monaco, pathOfModel } from './monaco'
import { definitionOf, occurrenceAt, referencesOf, replacementFor, validateNewName, type FullRange } from './state-symbols'

export type LocateStates = (path: string, text: string) => Promise<StateLocations>

const toRange = (r: FullRange): monaco.IRange => ({
  startLineNumber: r.line,
  startColumn: r.column,
  endLineNumber: r.endLine,
  endColumn: r.endColumn,
})

let registered: monaco.IDisposable[] | null = null

export function registerStateProviders(locate: LocateStates): void {
  if (registered) return
  // One lookup per model version: a rename asks for the locations twice in a row.
  const cache = new WeakMap<monaco.editor.ITextModel, { version: number; locations: Promise<StateLocations> }>()
  const locationsFor = (model: monaco.editor.ITextModel): Promise<StateLocations> | null => {
    const path = pathOfModel(model)
    if (!path || !isFlowPath(path)) return null
    const version = model.getVersionId()
    const hit = cache.get(model)
    if (hit && hit.version === version) return hit.locations
    const locations = locate(path, model.getValue())
    cache.set(model, { version, locations })
    locations.catch(() => cache.delete(model))
    return locations
  }

  const definition: monaco.languages.DefinitionProvider = {
    async provideDefinition(model, position) {
      const locations = await locationsFor(model)
      if (!locations) return null
      const at = occurrenceAt(locations, position.lineNumber, position.column)
      const def = at && definitionOf(locations, at.name)
      return def ? { uri: model.uri, range: toRange(def) } : null
    },
  }

  const references: monaco.languages.ReferenceProvider = {
    async provideReferences(model, position, context) {
      const locations = await locationsFor(model)
      if (!locations) return null
      const at = occurrenceAt(locations, position.lineNumber, position.column)
      if (!at) return null
      return referencesOf(locations, at.name, context.includeDeclaration).map((r) => ({ uri: model.uri, range: toRange(r) }))
    },
  }

  const rename: monaco.languages.RenameProvider = {
    async resolveRenameLocation(model, position) {
      const locations = await locationsFor(model)
      const at = locations && occurrenceAt(locations, position.lineNumber, position.column)
      if (!at) return { range: new monaco.Range(position.lineNumber, position.column, position.lineNumber, position.column), text: '', rejectReason: 'Rename works on state names: put the cursor on a state key, initial_state or a target_state.' }
      const written = model.getValueInRange(toRange(at.range))
      // Offer only the bare name for editing, even when it is written with quotes.
      const quoted = /^["']/.test(written)
      const r = quoted ? { ...at.range, column: at.range.column + 1, endColumn: at.range.endColumn - 1 } : at.range
      return { range: toRange(r), text: at.name }
    },
    async provideRenameEdits(model, position, newName) {
      const locations = await locationsFor(model)
      const at = locations && occurrenceAt(locations, position.lineNumber, position.column)
      if (!locations || !at) return { edits: [], rejectReason: 'Not a state name.' }
      const problem = validateNewName(locations, at.name, newName)
      if (problem) return { edits: [], rejectReason: problem }
      const versionId = model.getVersionId()
      const edits = referencesOf(locations, at.name, true).map((r) => {
        const range = toRange(r)
        return {
          resource: model.uri,
          versionId,
          textEdit: { range, text: replacementFor(model.getValueInRange(range), newName) },
        }
      })
      return { edits }
    },
  }

  registered = ['yaml', 'json'].flatMap((language) => [
    monaco.languages.registerDefinitionProvider(language, definition),
    monaco.languages.registerReferenceProvider(language, references),
    monaco.languages.registerRenameProvider(language, rename),
  ])
}
