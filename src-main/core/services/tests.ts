// The test service: the explorer's list of test files and tests, and runs through the same
// TestRunner the CLI uses, streaming progress as events and keeping the last result.
import { randomUUID } from 'node:crypto'
import { readFile, stat } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import {
  ApiError,
  type Diagnostic,
  type TestCaseResult,
  type TestFileSummary,
  type TestProgress,
  type TestRunRequest,
  type TestRunResult,
  type TestService,
  type TestSuiteResult,
} from '../../common/api'
import { DocumentParseError, parseDocumentText, type ParsedDocument } from '../document/parse'
import { loadParsedTestSuite } from '../flow/load'
import type { RunEvent, TestCaseReport, TestRunReport, TestSuiteReport } from '../runner/model'
import { TestRunInputError, TestRunner, type TestRunnerOptions } from '../runner/service'
import type { TestSelector } from '../runner/select'
import { findFiles } from '../workspace/discover'
import type { AppStore } from '../store'
import { newRunId, type RunHistory } from '../store/history'
import { toErrorPayload } from './errors'
import type { CoreEvents } from './events'
import { toWorkspacePath } from './paths'
import type { PluginLoadSettings } from './plugins'
import type { WorkspaceState } from './workspace'
import { isRecord } from '../../common/record'

/** Runs of at most this many selected tests keep every transcript; larger runs keep failures' only. */
const ALL_TRANSCRIPTS_UP_TO = 200


function caseResult(t: TestCaseReport, withTranscript: boolean): TestCaseResult {
  const { stability: _stability, transcript, ...rest } = t
  return withTranscript && transcript ? { ...rest, transcript } : rest
}

function suiteResult(s: TestSuiteReport, withTranscripts: boolean): TestSuiteResult {
  const { line: _line, column: _column, ...rest } = s
  return { ...rest, tests: s.tests.map((t) => caseResult(t, withTranscripts)) }
}

/** The runner's report in the API's terms (run id added; run-machinery fields left out). */
export function toRunResult(runId: string, report: TestRunReport): TestRunResult {
  return {
    runId,
    started_at: report.started_at,
    duration_ms: report.duration_ms,
    cancelled: report.cancelled,
    summary: report.summary,
    suites: report.suites.map((s) => suiteResult(s, true)),
    coverage: report.coverage,
    coverage_total: report.coverage_total,
  }
}

/** Progress without transcripts: the stream stays light; the final result carries them. */
function toProgress(runId: string, event: Exclude<RunEvent, { kind: 'finished' }>): TestProgress {
  switch (event.kind) {
    case 'started':
      return { runId, kind: 'started', total: event.total, done: 0, passed: 0, failed: 0, errors: 0, skipped: 0 }
    case 'test':
      return { runId, kind: 'test', total: event.total, done: event.done, ...countsOf(event.summary), file: event.file, test: caseResult(event.test, false) }
    case 'suite':
      return { runId, kind: 'suite', total: event.total, done: event.done, ...countsOf(event.summary), file: event.suite.file, suite: suiteResult(event.suite, false) }
  }
}

function countsOf(s: { passed: number; failed: number; errors: number; skipped: number }) {
  return { passed: s.passed, failed: s.failed, errors: s.errors, skipped: s.skipped }
}

/**
 * The line each test starts on, read off the text for block-style YAML (`tests:` then `- ` items):
 * building the YAML parser's positioned document costs far more than the list itself. Null when
 * the text is laid out otherwise (JSON, flow style), and the parser is asked instead.
 */
export function blockTestLines(text: string, count: number): number[] | null {
  const lines = text.split(/\r?\n/)
  const start = lines.findIndex((l) => /^tests\s*:\s*(#.*)?$/.test(l))
  if (start < 0) return null
  const found: number[] = []
  let indent: number | null = null
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i]!
    if (/^\S/.test(line) && !line.startsWith('#')) break
    const m = /^(\s*)-(\s|$)/.exec(line)
    if (!m) continue
    indent ??= m[1]!.length
    if (m[1]!.length === indent) found.push(i + 1)
  }
  return found.length === count ? found : null
}

async function summarizeFile(root: string, abs: string): Promise<TestFileSummary> {
  const file = toWorkspacePath(root, abs)
  const fallbackName = file.split('/').pop()!.replace(/\.test\.(json|ya?ml)$/i, '')
  const summary: TestFileSummary = { file, flow: null, name: fallbackName, tests: [], problem: null }
  let parsed: ParsedDocument
  try {
    parsed = parseDocumentText(await readFile(abs, 'utf8'), file)
  } catch (err) {
    const first = err instanceof DocumentParseError ? err.problems[0] : undefined
    summary.problem = problemOf(first?.message ?? (err instanceof Error ? err.message : String(err)), first?.line, first?.column, first?.path, 'syntax')
    return summary
  }
  // Listed as written even when the suite does not validate, so the explorer shows what is there.
  const value = isRecord(parsed.value) ? parsed.value : {}
  if (typeof value.name === 'string' && value.name) summary.name = value.name
  if (typeof value.flow === 'string') summary.flow = toWorkspacePath(root, resolve(dirname(abs), value.flow))
  const tests = Array.isArray(value.tests) ? value.tests : []
  const lines = blockTestLines(parsed.text, tests.length)
  tests.forEach((t, i) => {
    if (!isRecord(t) || typeof t.name !== 'string') return
    summary.tests.push({
      name: t.name,
      tags: Array.isArray(t.tags) ? t.tags.filter((x): x is string => typeof x === 'string') : [],
      skip: t.skip === true,
      line: lines?.[i] ?? parsed.locate(['tests', i])?.line ?? 0,
    })
  })
  try {
    loadParsedTestSuite(parsed, file)
  } catch (err) {
    const first = err instanceof DocumentParseError ? err.problems[0] : undefined
    summary.problem = problemOf(first?.message ?? (err instanceof Error ? err.message : String(err)), first?.line, first?.column, first?.path, 'schema')
  }
  return summary
}

function problemOf(message: string, line: number | undefined, column: number | undefined, path: string | undefined, rule: string): Diagnostic {
  return { severity: 'error', message, line: line ?? 1, column: column ?? 1, rule, path: path ?? '' }
}

export function createTestService(
  workspace: WorkspaceState,
  store: AppStore,
  events: CoreEvents,
  runnerOptions: TestRunnerOptions = {},
  /** How the open workspace's plugins load now (its own only once trusted); runs without plugins when absent. */
  pluginSettings?: () => PluginLoadSettings,
  /** Where finished runs are recorded (the live run id is the history id); the last run is read back from it. */
  history?: RunHistory,
): { service: TestService; dispose(): Promise<void> } {
  const runner = new TestRunner({ version: '0.1.0', ...runnerOptions })
  const runs = new Map<string, { root: string; controller: AbortController }>()
  const last = new Map<string, TestRunResult>()

  workspace.onOpen(() => {
    // Runs of the previous workspace stop; their results would name files that are not shown.
    for (const run of runs.values()) run.controller.abort()
  })

  const lastResult = async (root: string): Promise<TestRunResult | null> => {
    const kept = last.get(root)
    if (kept || !history) return kept ?? null
    const [newest] = await history.list({ workspace: root, kind: 'test', limit: 1 }).catch(() => [])
    const report = newest ? await history.testReport(newest.id).catch(() => null) : null
    return newest && report ? toRunResult(newest.id, report) : null
  }

  const selection = async (root: string, request: TestRunRequest): Promise<{ paths?: string[]; select?: TestSelector[] }> => {
    const checkFile = (file: unknown) => toWorkspacePath(root, workspace.resolve(file))
    if (request.failedOnly) {
      const previous = await lastResult(root)
      const failed: TestSelector[] = []
      for (const suite of previous?.suites ?? []) {
        for (const t of suite.tests) if (t.status === 'failed' || t.status === 'error') failed.push({ file: suite.file, name: t.name })
      }
      if (!failed.length) throw new ApiError('not_found', previous ? 'nothing failed in the last run' : 'there is no previous run to take failed tests from')
      return { paths: [...new Set(failed.map((f) => f.file))], select: failed }
    }
    if (request.tests?.length) {
      const select = request.tests.map((t) => {
        if (!isRecord(t) || typeof t.name !== 'string') throw new ApiError('bad_request', 'each test to run is {file, name}')
        return { file: checkFile(t.file), name: t.name }
      })
      return { paths: [...new Set(select.map((s) => s.file))], select }
    }
    if (request.files?.length) return { paths: request.files.map(checkFile) }
    return {}
  }

  // The explorer asks again after every file change; unchanged files are not read again.
  const summaries = new Map<string, { stamp: string; summary: TestFileSummary }>()

  const service: TestService = {
    async list() {
      const root = workspace.current().root
      const files = await findFiles([root], 'test')
      const out: TestFileSummary[] = []
      for (const abs of files) {
        const st = await stat(abs).catch(() => null)
        if (!st) continue
        const stamp = `${root}\0${st.mtimeMs}\0${st.size}`
        let cached = summaries.get(abs)
        if (cached?.stamp !== stamp) {
          cached = { stamp, summary: await summarizeFile(root, abs) }
          summaries.set(abs, cached)
        }
        out.push(cached.summary)
      }
      for (const abs of summaries.keys()) if (!files.includes(abs)) summaries.delete(abs)
      return structuredClone(out)
    },

    async run(given = {}) {
      if (!isRecord(given)) throw new ApiError('bad_request', 'run takes {files?, tests?, failedOnly?, tags?, grep?}')
      const request: TestRunRequest = given
      if (request.tags !== undefined && (!Array.isArray(request.tags) || request.tags.some((t) => typeof t !== 'string'))) {
        throw new ApiError('bad_request', 'tags must be a list of strings')
      }
      const root = workspace.current().root
      const { paths, select } = await selection(root, request)
      if (request.grep !== undefined && typeof request.grep !== 'string') throw new ApiError('bad_request', 'grep must be a string')
      if (request.grep !== undefined) {
        try {
          new RegExp(request.grep)
        } catch (err) {
          throw new ApiError('bad_request', `grep is not a regular expression: ${(err as Error).message}`)
        }
      }
      const runId = history ? newRunId() : `run-${randomUUID().slice(0, 8)}`
      const controller = new AbortController()
      runs.set(runId, { root, controller })
      const transcripts = select && select.length <= ALL_TRANSCRIPTS_UP_TO ? 'all' : 'failures'
      // Decided now: trust revoked after this call does not reach into a run already started.
      const plugins = pluginSettings?.()
      // Started after this call answers, so the caller knows the run id before the first event.
      setImmediate(() => {
        runner
          .run({
            root,
            ...(paths ? { paths } : {}),
            ...(select ? { select } : {}),
            ...(request.tags?.length ? { tags: request.tags } : {}),
            ...(request.grep ? { grep: request.grep } : {}),
            transcripts,
            ...(plugins ? { plugins } : {}),
            signal: controller.signal,
            onEvent: (event) => {
              if (event.kind === 'finished') return
              events.emit('testProgress', toProgress(runId, event))
            },
          })
          .then(async (report) => {
            runs.delete(runId)
            const result = toRunResult(runId, report)
            last.set(root, result)
            // Recorded before the run is announced, so "Open in history" finds it; a store failure never fails the run.
            await history?.addTestRun(report, { workspace: root, host: 'workbench', id: runId }).catch((err: unknown) => {
              process.stderr.write(`flowbench: warning: the run could not be recorded in the history: ${err instanceof Error ? err.message : String(err)}\n`)
            })
            events.emit('testFinished', { runId, result, error: null })
          })
          .catch((err: unknown) => {
            runs.delete(runId)
            const error = err instanceof TestRunInputError ? { code: 'bad_request' as const, message: err.message } : toErrorPayload(err)
            events.emit('testFinished', { runId, result: null, error })
          })
      })
      return runId
    },

    async cancel(runId) {
      const run = typeof runId === 'string' ? runs.get(runId) : undefined
      if (!run) throw new ApiError('run_not_found', 'that run is not in progress')
      run.controller.abort()
    },

    async lastResult() {
      return lastResult(workspace.current().root)
    },
  }

  return {
    service,
    async dispose() {
      for (const run of runs.values()) run.controller.abort()
      await runner.dispose()
    },
  }
}
