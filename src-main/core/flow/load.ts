// Loads flow and test files: syntax, schema and load-time checks, every problem named as
// `file:line:col path: message` (spec/flow-format.md, "Files").
import { readFile } from 'node:fs/promises'
import type { FlowDocument } from '../../common/flow-schema'
import type { TestSuiteDocument } from '../../common/test-schema'
import {
  DocumentParseError,
  EmptyDocumentError,
  parseDocumentText,
  type DocumentProblem,
  type ParsedDocument,
} from '../document/parse'
import { checkTestSuiteSemantics } from './test-checks'
import { asDocumentProblems } from './issues'
import { flowLoadIssues, testSuiteSchemaIssues, type LoadFailureStage } from './validate'

export { flowLoadIssues, flowSchemaIssues, testSuiteSchemaIssues, type LoadFailureStage } from './validate'

export interface LoadedFlow {
  /** The path the flow is known by in messages (as given, or workspace-relative). */
  file: string
  document: FlowDocument
  parsed: ParsedDocument
}

export interface LoadedTestSuite {
  file: string
  document: TestSuiteDocument
  parsed: ParsedDocument
}

export class FlowLoadError extends DocumentParseError {
  override name = 'FlowLoadError'
  constructor(problems: DocumentProblem[], readonly stage: LoadFailureStage) {
    super(problems)
  }
}

export class TestSuiteLoadError extends DocumentParseError {
  override name = 'TestSuiteLoadError'
  constructor(problems: DocumentProblem[], readonly stage: LoadFailureStage) {
    super(problems)
  }
}

type LoadErrorClass = new (problems: DocumentProblem[], stage: LoadFailureStage) => DocumentParseError

function parseOrThrow(text: string, file: string, ErrorClass: LoadErrorClass): ParsedDocument {
  try {
    return parseDocumentText(text, file)
  } catch (err) {
    // An empty document parses; it just is not a flow (or test file): a schema problem.
    if (err instanceof DocumentParseError) throw new ErrorClass(err.problems, err instanceof EmptyDocumentError ? 'schema' : 'syntax')
    throw err
  }
}

async function readOrThrow(absPath: string, file: string, ErrorClass: LoadErrorClass): Promise<string> {
  try {
    return await readFile(absPath, 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new ErrorClass([{ file, message: `cannot read the file: ${reason}` }], 'read')
  }
}

/** Validates a parsed flow and returns it typed, or throws FlowLoadError listing every problem. */
export function loadParsedFlow(parsed: ParsedDocument, file = parsed.file): LoadedFlow {
  const { issues, stage } = flowLoadIssues(parsed.value)
  if (issues.length) throw new FlowLoadError(asDocumentProblems(parsed, issues), stage)
  normaliseVersion(parsed)
  return { file, document: parsed.value as FlowDocument, parsed }
}

export function loadFlowText(text: string, file: string): LoadedFlow {
  return loadParsedFlow(parseOrThrow(text, file, FlowLoadError), file)
}

/** Reads and loads a flow; problems are reported under `displayPath` (default: the path given). */
export async function loadFlowFile(absPath: string, displayPath: string = absPath): Promise<LoadedFlow> {
  return loadFlowText(await readOrThrow(absPath, displayPath, FlowLoadError), displayPath)
}

export function loadParsedTestSuite(parsed: ParsedDocument, file = parsed.file): LoadedTestSuite {
  const schema = testSuiteSchemaIssues(parsed.value)
  const semantic = checkTestSuiteSemantics(parsed.value)
  if (schema.length || semantic.length) {
    throw new TestSuiteLoadError(asDocumentProblems(parsed, [...schema, ...semantic]), schema.length ? 'schema' : 'semantic')
  }
  return { file, document: parsed.value as TestSuiteDocument, parsed }
}

export function loadTestSuiteText(text: string, file: string): LoadedTestSuite {
  return loadParsedTestSuite(parseOrThrow(text, file, TestSuiteLoadError), file)
}

export async function loadTestSuiteFile(absPath: string, displayPath: string = absPath): Promise<LoadedTestSuite> {
  return loadTestSuiteText(await readOrThrow(absPath, displayPath, TestSuiteLoadError), displayPath)
}

/**
 * `version: 1.0` in YAML is the number 1; the author meant the string "1.0", so it is read back
 * from the source text (a scan, so a fast-path document never needs its positions built).
 */
function normaliseVersion(parsed: ParsedDocument): void {
  const doc = parsed.value as { version?: unknown }
  if (typeof doc.version !== 'number') return
  const written = /(?:^|[{,\s])["']?version["']?\s*:\s*(-?[0-9][0-9.eE+-]*)/.exec(parsed.text)?.[1]
  // A `version` key nested elsewhere could come first: only a token with the same value is trusted.
  doc.version = written !== undefined && Number(written) === doc.version ? written : String(doc.version)
}
