// Validation of parsed flow and test documents against the generated schema validators plus
// the load-time checks, as issues with JSON paths. No file system here: the editor and lint use
// it on text they already hold.
import { FlowSchema } from '../../common/flow-schema'
import { TestSuiteSchema, TestCaseSchema } from '../../common/test-schema'
import { validateFlow, validateTestSuite, validateTestCase } from './schema-validators.generated'
import { describeSchemaErrors } from './schema-problems'
import { checkFlowSemantics, asRecord } from './checks'
import { expandEach } from './test-checks'
import { issue, type FlowIssue } from './issues'

/** What went wrong: the file could not be read, is not valid YAML/JSON, breaks the schema, or fails a load-time check. */
export type LoadFailureStage = 'read' | 'syntax' | 'schema' | 'semantic'

/** The schema problems of a parsed flow (what the shipped flow.schema.json reports), as issues. */
export function flowSchemaIssues(value: unknown): FlowIssue[] {
  if (!asRecord(value)) return [issue('schema', 'error', [], `a flow must be an object (a mapping of keys to values), not ${describeKind(value)}`, 'value')]
  if (validateFlow(value)) return []
  return describeSchemaErrors(validateFlow.errors ?? [], FlowSchema as unknown as Record<string, unknown>, value)
}

/**
 * Every load-time problem of a parsed flow, schema and cross-reference checks together (the
 * checks skip what the schema already rejects), so one run shows the author everything.
 */
export function flowLoadIssues(value: unknown): { issues: FlowIssue[]; stage: LoadFailureStage } {
  const schema = flowSchemaIssues(value)
  const semantic = checkFlowSemantics(value)
  return { issues: [...schema, ...semantic], stage: schema.length ? 'schema' : 'semantic' }
}

/**
 * The schema problems of a parsed test suite. A test with `each` is checked once per parameter
 * map, after `${param}` substitution, since a parameter may supply a typed value
 * (`event: ${decision}`); problems shared by several expansions are reported once.
 */
export function testSuiteSchemaIssues(value: unknown): FlowIssue[] {
  const root = asRecord(value)
  if (!root) return [issue('schema', 'error', [], `a test file must be an object (a mapping of keys to values), not ${describeKind(value)}`, 'value')]
  const tests = Array.isArray(root.tests) ? root.tests : undefined
  const expansions = tests?.map((t) => expandEach(t)) ?? []
  const firstExpansion = tests ? { ...root, tests: tests.map((t, i) => expansions[i]![0] ?? t) } : root
  const out: FlowIssue[] = []
  if (!validateTestSuite(firstExpansion)) {
    out.push(...describeSchemaErrors(validateTestSuite.errors ?? [], TestSuiteSchema as unknown as Record<string, unknown>, firstExpansion))
  }
  const seen = new Set(out.map(issueKey))
  expansions.forEach((list, i) => {
    list.forEach((expanded, k) => {
      if (k === 0 || validateTestCase(expanded)) return
      for (const found of describeSchemaErrors(validateTestCase.errors ?? [], TestCaseSchema as unknown as Record<string, unknown>, expanded)) {
        const placed = { ...found, path: ['tests', i, ...found.path] }
        if (seen.has(issueKey(placed))) continue
        seen.add(issueKey(placed))
        out.push({ ...placed, message: `${placed.message} (with each[${k}])` })
      }
    })
  })
  return out
}

const issueKey = (i: FlowIssue) => `${JSON.stringify(i.path)}\u0000${i.message}`

function describeKind(value: unknown): string {
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'string') return 'a string'
  return typeof value === 'number' || typeof value === 'boolean' ? `the ${typeof value} ${String(value)}` : String(value)
}
