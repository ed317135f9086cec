// Static checks of flow files: everything the loader rejects (as error findings) plus the
// warning rules, each finding placed at file, line, column and JSON path. The CLI's
// `flowbench lint` and the editor's diagnostics both come from here.
import { EmptyDocumentError, parseDocumentText, type ParsedDocument } from '../document/parse'
import { checkFlowSemantics } from '../flow/checks'
import type { LoadedFlow } from '../flow/load'
import { flowSchemaIssues } from '../flow/validate'
import { toFindings, type FlowIssue, type Finding } from '../flow/issues'
import { LINT_RULES } from './rules'

export type { Finding, Severity } from '../flow/issues'
export { LINT_RULES, type LintRule } from './rules'

/** The rules the loader enforces, reported by lint as errors. */
export const LOAD_RULES = [
  { id: 'schema', description: 'the document breaks the flow format (flow.schema.json): a missing key, a wrong type, an unknown state type…' },
  { id: 'unknown-target', description: 'a transition or initial_state names no state' },
  { id: 'workflow-cycle', description: 'workflow tasks depend on each other in a cycle' },
  { id: 'unknown-dependency', description: 'a workflow task depends on a task id the workflow does not have' },
  { id: 'duplicate-task', description: 'two tasks of a workflow share an id' },
  { id: 'invalid-regex', description: 'a regular expression (intent /re/ example, entity or slot pattern, literal matches operand) does not compile' },
] as const

/** Every issue of a parsed flow: schema and load-time errors, then the warning rules. */
export function lintIssues(value: unknown): FlowIssue[] {
  const issues = [...flowSchemaIssues(value), ...checkFlowSemantics(value)]
  for (const rule of LINT_RULES) issues.push(...rule.check(value))
  return issues
}

export function lintParsed(parsed: ParsedDocument): Finding[] {
  return toFindings(parsed, lintIssues(parsed.value))
}

/**
 * Lints a loaded flow, or flow text. Text that is not valid YAML/JSON throws
 * DocumentParseError (the CLI exits 2); anything that parses yields findings.
 */
export function lintFlow(loaded: LoadedFlow): Finding[]
export function lintFlow(text: string, file: string): Finding[]
export function lintFlow(input: LoadedFlow | string, file?: string): Finding[] {
  if (typeof input !== 'string') return lintParsed(input.parsed)
  let parsed: ParsedDocument
  try {
    parsed = parseDocumentText(input, file ?? '<flow>')
  } catch (err) {
    // An empty file parses; it is simply not a flow.
    if (err instanceof EmptyDocumentError) {
      return [{ rule: 'schema', severity: 'error', message: 'the file is empty: a flow needs name, initial_state and states', line: 1, column: 1, path: '' }]
    }
    throw err
  }
  return lintParsed(parsed)
}
