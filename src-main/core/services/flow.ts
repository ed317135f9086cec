// The flow service: editor diagnostics (the loader's problems and the linter's findings, worded
// exactly as `flowbench lint` words them), the graph view, state locations and the JSON Schemas.
import { readFile } from 'node:fs/promises'
import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Node } from 'yaml'
import flowSchemaJson from '../../../resources/schema/flow.schema.json'
import testSchemaJson from '../../../resources/schema/test.schema.json'
import {
  ApiError,
  type Diagnostic,
  type FlowGraph,
  type FlowGraphEdge,
  type FlowGraphNode,
  type FlowService,
  type JsonSchema,
  type JsonValue,
  type StateLocations,
} from '../../common/api'
import type { Transition } from '../../common/flow-schema'
import { DocumentParseError, formatPath, parseDocumentText, type DocumentProblem, type ParsedDocument } from '../document/parse'
import { transitionKey } from '../engine/compile'
import { lintFlow, type Finding } from '../lint'
import { innerRange, lineStarts, tokenRange, type FullRange } from './ranges'
import type { WorkspaceState } from './workspace'
import { toWorkspacePath } from './paths'
import { isRecord } from '../../common/record'

const DEFAULT_PRIORITY = 100


/** The editor's text when it sent one, else the file as saved. */
async function flowText(workspace: WorkspaceState, path: string, text: unknown): Promise<{ file: string; text: string }> {
  const abs = workspace.resolve(path)
  const file = toWorkspacePath(workspace.current().root, abs)
  if (text !== undefined && text !== null) {
    if (typeof text !== 'string') throw new ApiError('bad_request', 'the flow text must be a string')
    return { file, text }
  }
  try {
    return { file, text: await readFile(abs, 'utf8') }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new ApiError('not_found', `${file} does not exist`)
    throw err
  }
}

function problemToDiagnostic(problem: DocumentProblem, rule: string, text: string, starts: number[]): Diagnostic {
  const line = problem.line ?? 1
  const column = problem.column ?? 1
  return { ...tokenRange(text, starts, line, column), severity: 'error', message: problem.message, rule, path: problem.path ?? '' }
}

/**
 * The lint findings of flow text — the loader's errors (schema, unknown targets, cycles, regexes)
 * and the warning rules — exactly as `flowbench lint` reports them; text that is not YAML/JSON
 * yields its syntax errors.
 */
export function diagnoseFlowText(text: string, file: string): Diagnostic[] {
  const starts = lineStarts(text)
  let findings: Finding[]
  try {
    findings = lintFlow(text, file)
  } catch (err) {
    if (err instanceof DocumentParseError) return err.problems.map((p) => problemToDiagnostic(p, 'syntax', text, starts))
    throw err
  }
  return findings.map((f) => ({
    ...tokenRange(text, starts, f.line, f.column),
    severity: f.severity,
    message: f.message,
    rule: f.rule,
    path: f.path,
  }))
}

function parseForView(text: string, file: string): ParsedDocument {
  try {
    return parseDocumentText(text, file)
  } catch (err) {
    if (err instanceof DocumentParseError) {
      throw new ApiError('invalid_flow', `${file} is not valid YAML or JSON`, {
        problems: err.problems.map((p) => ({ line: p.line ?? 1, column: p.column ?? 1, message: p.message })),
      })
    }
    throw err
  }
}

/** States and transitions as written, even while the flow does not load yet (unknown targets are kept, marked unresolved). */
export function flowGraph(text: string, file: string): FlowGraph {
  const parsed = parseForView(text, file)
  const doc = isRecord(parsed.value) ? parsed.value : {}
  const states = isRecord(doc.states) ? doc.states : {}
  const initial = typeof doc.initial_state === 'string' ? doc.initial_state : null
  const nodes: FlowGraphNode[] = []
  const edges: FlowGraphEdge[] = []
  for (const [name, raw] of Object.entries(states)) {
    const state = isRecord(raw) ? raw : {}
    nodes.push({
      id: name,
      type: typeof state.type === 'string' ? state.type : 'unknown',
      description: typeof state.description === 'string' ? state.description : null,
      line: parsed.locateKey(['states', name])?.line ?? 0,
      initial: name === initial,
    })
    const transitions = Array.isArray(state.transitions) ? state.transitions : []
    transitions.forEach((t: unknown, i: number) => {
      if (!isRecord(t) || typeof t.target_state !== 'string' || typeof t.condition !== 'string') return
      edges.push({
        from: name,
        to: t.target_state,
        condition: t.condition,
        value: (t.condition_value ?? null) as JsonValue,
        priority: typeof t.priority === 'number' ? t.priority : DEFAULT_PRIORITY,
        key: transitionKey(name, t as unknown as Transition),
        line: parsed.locate(['states', name, 'transitions', i])?.line ?? 0,
        resolved: Object.prototype.hasOwnProperty.call(states, t.target_state),
      })
    })
  }
  return { name: typeof doc.name === 'string' ? doc.name : null, initial_state: initial, nodes, edges }
}

function scalarKey(node: unknown): string | null {
  return isScalar(node) && (typeof node.value === 'string' || typeof node.value === 'number') ? String(node.value) : null
}

function pairOf(map: unknown, key: string): { key: Node; value: Node | null } | null {
  if (!isMap(map)) return null
  for (const item of map.items) {
    if (isPair(item) && scalarKey(item.key) === key) return { key: item.key as Node, value: (item.value as Node | null) ?? null }
  }
  return null
}

/** Definitions (state keys) and references (initial_state, target_state values), with exact ranges. */
export function stateLocations(text: string, file: string): StateLocations {
  parseForView(text, file)
  const lineCounter = new LineCounter()
  const doc = parseDocument(text, { lineCounter, keepSourceTokens: false })
  const starts = lineStarts(text)
  const rangeOf = (node: Node): FullRange => {
    const pos = lineCounter.linePos(node.range![0])
    return innerRange(text, starts, tokenRange(text, starts, pos.line, pos.col))
  }
  const out: StateLocations = { states: [], references: [] }
  const root = doc.contents
  const initial = pairOf(root, 'initial_state')
  if (initial?.value && isScalar(initial.value) && typeof initial.value.value === 'string' && initial.value.range) {
    out.references.push({ name: initial.value.value, path: 'initial_state', range: rangeOf(initial.value) })
  }
  const states = pairOf(root, 'states')?.value
  if (!isMap(states)) return out
  for (const item of states.items) {
    if (!isPair(item)) continue
    const name = scalarKey(item.key)
    if (name === null || !(item.key as Node).range) continue
    out.states.push({ name, definition: rangeOf(item.key as Node) })
    const transitions = pairOf(item.value, 'transitions')?.value
    if (!isSeq(transitions)) continue
    transitions.items.forEach((t, i) => {
      const target = pairOf(t, 'target_state')?.value
      if (target && isScalar(target) && typeof target.value === 'string' && target.range) {
        out.references.push({
          name: target.value,
          path: formatPath(['states', name, 'transitions', i, 'target_state']),
          range: rangeOf(target),
        })
      }
    })
  }
  return out
}

const SCHEMAS: Record<'flow' | 'test', JsonSchema> = {
  flow: flowSchemaJson as unknown as JsonSchema,
  test: testSchemaJson as unknown as JsonSchema,
}

export function createFlowService(workspace: WorkspaceState): FlowService {
  return {
    async diagnostics(path, text) {
      const source = await flowText(workspace, path, text)
      return diagnoseFlowText(source.text, source.file)
    },
    async graph(path, text) {
      const source = await flowText(workspace, path, text)
      return flowGraph(source.text, source.file)
    },
    async stateLocations(path, text) {
      const source = await flowText(workspace, path, text)
      return stateLocations(source.text, source.file)
    },
    async schema(kind) {
      const schema = kind === 'flow' || kind === 'test' ? SCHEMAS[kind] : undefined
      if (!schema) throw new ApiError('bad_request', `there is no schema for "${String(kind)}": ask for "flow" or "test"`)
      // A copy: the caller may annotate it.
      return JSON.parse(JSON.stringify(schema)) as JsonSchema
    },
  }
}
