// Where a report or a comparison gets its runs: JSON result files (`flowbench test --reporter
// json=…`, `flowbench load --json …`) and stored runs, brought to one shape.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { TestRunResult } from '../../common/api'
import { isRecord } from '../../common/record'
import { isLoadResult } from '../load/compare'
import type { LoadResult } from '../load/result'
import { totalCoverage } from '../runner/coverage'
import { summarize, type TestRunReport, type TestSuiteReport } from '../runner/model'

export type LoadedRun =
  | { kind: 'test'; id: string; report: TestRunReport; workspace: string | null }
  | { kind: 'load'; id: string; result: LoadResult; workspace: string | null }

/** A run that cannot be read: the message names the file (and line and column for JSON syntax). */
export class RunSourceError extends Error {
  override name = 'RunSourceError'
}

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)))
  const lines = before.split('\n')
  return { line: lines.length, column: lines[lines.length - 1]!.length + 1 }
}

/**
 * Where JSON text first goes wrong and why (JSON.parse's messages do not always carry a
 * position). Only called after JSON.parse failed, so speed does not matter.
 */
export function jsonSyntaxError(text: string): { offset: number; reason: string } {
  let i = 0
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i]!)) i++
  }
  const fail = (reason: string): never => {
    throw { offset: i, reason }
  }
  const found = () => (i >= text.length ? 'the text ends' : `unexpected ${JSON.stringify(text[i])}`)
  const string = () => {
    i++
    while (i < text.length && text[i] !== '"') {
      if (text[i] === '\\') {
        i++
        if (text[i] === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) fail('a \\u escape needs four hex digits')
          i += 4
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '')) fail('an invalid escape in a string')
      } else if (text.charCodeAt(i) < 0x20) fail('a control character (such as a line break) inside a string')
      i++
    }
    if (i >= text.length) fail('a string is not closed')
    i++
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') return void i++
      for (;;) {
        ws()
        if (text[i] !== '"') fail(`${found()} where a property name in double quotes belongs`)
        string()
        ws()
        if (text[i] !== ':') fail(`${found()} where ":" belongs`)
        i++
        value()
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === '}') return void i++
        fail(`${found()} where "," or "}" belongs`)
      }
    }
    if (c === '[') {
      i++
      ws()
      if (text[i] === ']') return void i++
      for (;;) {
        value()
        ws()
        if (text[i] === ',') { i++; continue }
        if (text[i] === ']') return void i++
        fail(`${found()} where "," or "]" belongs`)
      }
    }
    if (c === '"') return string()
    const literal = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i))
    if (!literal) fail(`${found()} where a value belongs`)
    i += literal![0].length
  }
  try {
    value()
    ws()
    if (i < text.length) fail(`${found()} after the end of the document`)
  } catch (err) {
    if (typeof err === 'object' && err !== null && 'offset' in err) return err as { offset: number; reason: string }
    throw err
  }
  return { offset: text.length, reason: 'the text is not JSON' }
}

/** JSON.parse with a message naming the file, line and column of a syntax error. */
export function parseJsonFile(text: string, file: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    const { offset, reason } = jsonSyntaxError(text)
    const { line, column } = lineColumn(text, offset)
    throw new RunSourceError(`${file}:${line}:${column}: not valid JSON: ${reason}`)
  }
}

/**
 * A test report from any of its shapes: the JSON reporter's file (spec/cli.md) or a run the
 * workbench recorded (TestRunResult). Fields a shape lacks get neutral values.
 */
export function toTestRunReport(value: unknown, where: string): TestRunReport {
  if (!isRecord(value) || !Array.isArray(value.suites) || !isRecord(value.summary)) {
    throw new RunSourceError(`${where} is not a Flowbench result: expected a test report (\`flowbench test --reporter json=FILE\`) or a load result (\`flowbench load --json FILE\`)`)
  }
  const v = value as Partial<TestRunReport> & Partial<TestRunResult>
  const suites: TestSuiteReport[] = (v.suites ?? []).map((s) => {
    const suite = s as Partial<TestSuiteReport>
    return {
      ...suite,
      file: String(suite.file ?? ''),
      flow: suite.flow ?? null,
      name: String(suite.name ?? suite.file ?? ''),
      duration_ms: Number(suite.duration_ms ?? 0),
      tests: (suite.tests ?? []).map((t) => ({ ...t, failures: t.failures ?? [], tags: t.tags ?? [], duration_ms: Number(t.duration_ms ?? 0) })),
    } as TestSuiteReport
  })
  const coverage = (isRecord(v.coverage) ? v.coverage : {}) as TestRunReport['coverage']
  return {
    tool: 'flowbench',
    version: typeof v.version === 'string' ? v.version : '0.1.0',
    started_at: typeof v.started_at === 'string' ? v.started_at : '',
    duration_ms: Number(v.duration_ms ?? 0),
    summary: isRecord(v.summary) ? (v.summary as unknown as TestRunReport['summary']) : summarize(suites),
    suites,
    coverage,
    coverage_total: v.coverage_total ?? totalCoverage(coverage),
    workspace: typeof v.workspace === 'string' ? v.workspace : '',
    files: typeof v.files === 'number' ? v.files : suites.length,
    workers: typeof v.workers === 'number' ? v.workers : 1,
    repeat: typeof v.repeat === 'number' ? v.repeat : 1,
    ...(v.shard ? { shard: v.shard } : {}),
    gates: Array.isArray(v.gates) ? v.gates : [],
    bailed: v.bailed === true,
    cancelled: v.cancelled === true,
    ...(v.plugins ? { plugins: v.plugins } : {}),
  }
}

/** A parsed result file as a run: a load result or a test report. */
export function toLoadedRun(value: unknown, id: string, workspace: string | null): LoadedRun {
  if (isLoadResult(value)) return { kind: 'load', id, result: value, workspace }
  return { kind: 'test', id, report: toTestRunReport(value, id), workspace }
}

/** Reads a JSON result file; `display` is how messages name it (as the user typed it). */
export async function readRunFile(path: string, display = path): Promise<LoadedRun> {
  let text: string
  try {
    text = await readFile(resolve(path), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a result file' : code === 'EACCES' ? 'permission denied' : (err as Error).message
    throw new RunSourceError(`cannot read ${display}: ${why}`)
  }
  return toLoadedRun(parseJsonFile(text, display), display, null)
}
