// Finding the runs a report or comparison is about: a run id (or a unique prefix) in the history,
// `latest`, `baseline`, or a JSON result file. Shared by `flowbench report`, `flowbench compare`
// and the reports service.
import { existsSync, statSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, isAbsolute, join, resolve } from 'node:path'
import type { RunKind, RunRecord } from '../../common/api-history'
import type { HistoryError, RunHistory } from '../store/history'
import { findWorkspaceRoot } from '../workspace/discover'
import { configuredPatterns, parsePattern, type RedactionPattern } from './redact'
import { parseJsonFile, readRunFile, RunSourceError, type LoadedRun } from './source'

export const RUN_KEYWORDS = ['latest', 'baseline'] as const

export interface RunLookup {
  /** The run history (null when there is none to look in). */
  history: RunHistory | null
  /** The workspace `latest` and `baseline` are taken from, and the one result files are read against. */
  workspace: string | null
  /** Whether a reference may name a result file (the CLI); the workbench names stored runs only. */
  files?: boolean
}

function looksLikeFile(ref: string): boolean {
  return /\.json$/i.test(ref) || ref.includes('/') || ref.includes('\\') || existsSync(resolve(ref))
}

/**
 * The workspace a result file's paths are relative to: the given one when the report's flows are
 * there, else the workspace around the file.
 */
function workspaceFor(run: LoadedRun, file: string, given: string | null): string | null {
  const flows = run.kind === 'test' ? Object.keys(run.report.coverage) : []
  const candidates = [given, findWorkspaceRoot(dirname(resolve(file)))].filter((c): c is string => !!c)
  return candidates.find((c) => flows.every((f) => existsSync(isAbsolute(f) ? f : join(c, f)))) ?? candidates[0] ?? null
}

async function fromRecord(history: RunHistory, record: RunRecord): Promise<LoadedRun> {
  if (record.kind === 'test') {
    const report = await history.testReport(record.id)
    if (!report) throw new RunSourceError(`run ${record.id} has lost its results (its file in the history is missing or damaged)`)
    return { kind: 'test', id: record.id, report, workspace: record.workspace }
  }
  const result = await history.loadResult(record.id)
  if (!result) throw new RunSourceError(`run ${record.id} has lost its results (its file in the history is missing or damaged)`)
  return { kind: 'load', id: record.id, result, workspace: record.workspace }
}

async function findRecord(history: RunHistory, ref: string): Promise<RunRecord | null> {
  try {
    return await history.record(ref)
  } catch (err) {
    // A prefix that matches several runs: the message lists some of them.
    throw new RunSourceError((err as HistoryError).message)
  }
}

function needHistory(lookup: RunLookup, ref: string): RunHistory {
  if (!lookup.history) throw new RunSourceError(`"${ref}" is neither a result file nor a run in the history (there is no history to look in)`)
  return lookup.history
}

function needWorkspace(lookup: RunLookup, ref: string): string {
  if (!lookup.workspace) throw new RunSourceError(`"${ref}" needs a workspace: open one (or run the command inside one)`)
  return lookup.workspace
}

export interface ResolveHints {
  /** The kind of the other run of a comparison (for `latest` and `baseline`). */
  kind?: RunKind
  /** A load run's scenario, for the baseline of that scenario. */
  scenario?: string
}

/** One run by reference; RunSourceError says what was not found or could not be read. */
export async function resolveRun(ref: string, lookup: RunLookup, hints: ResolveHints = {}): Promise<LoadedRun> {
  const text = ref.trim()
  if (!text) throw new RunSourceError('a run is needed: a run id from the history, "latest", "baseline" or a JSON result file')
  if (text === 'latest') {
    const history = needHistory(lookup, text)
    const workspace = needWorkspace(lookup, text)
    const [record] = await history.list({ workspace, ...(hints.kind ? { kind: hints.kind } : {}), limit: 1 })
    if (!record) throw new RunSourceError(`there is no ${hints.kind ? `${hints.kind} ` : ''}run of ${workspace} in the history yet`)
    return fromRecord(history, record)
  }
  if (text === 'baseline') {
    const history = needHistory(lookup, text)
    const workspace = needWorkspace(lookup, text)
    const kind = hints.kind ?? 'test'
    const record = await history.baseline(workspace, kind, hints.scenario)
    if (!record) throw new RunSourceError(`${workspace} has no baseline ${kind} run${hints.scenario ? ` for ${hints.scenario}` : ''}: mark a run as the baseline in the Runs view first`)
    return fromRecord(history, record)
  }
  if (lookup.files === false) {
    if (!lookup.history) throw new RunSourceError('there is no run history to look in')
    const record = await findRecord(lookup.history, text)
    if (!record) throw new RunSourceError(`there is no run "${text}" in the history`)
    return fromRecord(lookup.history, record)
  }
  if (lookup.history && !looksLikeFile(text)) {
    const record = await findRecord(lookup.history, text)
    if (!record) throw new RunSourceError(`there is no run "${text}" in the history, and no file of that name`)
    return fromRecord(lookup.history, record)
  }
  if (!existsSync(resolve(text))) {
    throw new RunSourceError(lookup.history ? `${text}: no such file, and no run of that id in the history` : `${text}: no such file`)
  }
  if (statSync(resolve(text)).isDirectory()) throw new RunSourceError(`${text} is a folder: give a JSON result file or a run id`)
  const run = await readRunFile(text)
  return { ...run, workspace: workspaceFor(run, text, lookup.workspace) }
}

/**
 * The two runs of a comparison. A keyword takes its kind (and a load run's scenario) from the
 * other side, so `flowbench compare baseline latest` compares like with like.
 */
export async function resolvePair(a: string, b: string, lookup: RunLookup): Promise<[LoadedRun, LoadedRun]> {
  const keyword = (r: string) => (RUN_KEYWORDS as readonly string[]).includes(r.trim())
  const hintsOf = (run: LoadedRun): ResolveHints => (run.kind === 'load' ? { kind: 'load', scenario: run.result.scenario } : { kind: 'test' })
  if (keyword(a) && !keyword(b)) {
    const next = await resolveRun(b, lookup)
    return [await resolveRun(a, lookup, hintsOf(next)), next]
  }
  const base = await resolveRun(a, lookup)
  return [base, await resolveRun(b, lookup, hintsOf(base))]
}

/** The workspace's configured redaction patterns (flowbench.json `redaction.patterns`). */
export async function workspacePatterns(workspace: string | null): Promise<RedactionPattern[]> {
  if (!workspace) return []
  const file = join(workspace, 'flowbench.json')
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch {
    return []
  }
  return configuredPatterns(parseJsonFile(text, file), file)
}

/** Extra patterns given on the command line or in the export dialog. */
export function extraPatterns(texts: readonly string[] | undefined, where: (i: number) => string): RedactionPattern[] {
  return (texts ?? []).map((t, i) => parsePattern(t, where(i)))
}
