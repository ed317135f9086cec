// Where `--changed` finds the recorded paths: a JSON test report given with --changed-report,
// else the run history of the workspace ($FLOWBENCH_HOME): each test's path from the newest of the
// last few runs that ran it (a run of a few tests does not make the others "unrecorded"), and the
// flow fingerprints of the newest run (what "since the last run" compares with).
import { readFile } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import type { RecordedRun } from './index'

/** The recorded run cannot be read (a report file that is missing or not a Flowbench report). */
export class ImpactInputError extends Error {
  override name = 'ImpactInputError'
}

/** Runs of the history whose test paths are merged. */
const RECENT_RUNS = 10

export interface RecordedSource {
  recorded: RecordedRun | null
  /** How messages name it. */
  label: string
}

export async function readRecordedReport(file: string): Promise<RecordedSource> {
  let text: string
  try {
    text = await readFile(resolve(file), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new ImpactInputError(`--changed-report ${file}: ${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new ImpactInputError(`--changed-report ${file} is not JSON (${(err as Error).message}); pass a report written by flowbench test --reporter json=FILE`)
  }
  const r = value as { tool?: unknown; suites?: unknown }
  if (!r || typeof r !== 'object' || r.tool !== 'flowbench' || !Array.isArray(r.suites)) {
    throw new ImpactInputError(`--changed-report ${file} is not a Flowbench test report; pass a report written by flowbench test --reporter json=FILE`)
  }
  return { recorded: value as RecordedRun, label: `the run in ${basename(file)}` }
}

/** The recorded paths of the workspace's recent test runs in the history at `home` (null when it has none). */
export async function readRecordedHistory(home: string, workspace: string): Promise<RecordedSource> {
  const { historyLimits, openHistory, openStore } = await import('../store')
  const store = await openStore(home)
  const history = await openHistory(home, historyLimits(store))
  const runs = await history.list({ workspace: resolve(workspace), kind: 'test', limit: RECENT_RUNS })
  if (!runs.length) return { recorded: null, label: 'the last run' }
  const merged: RecordedRun = { suites: [] }
  const seen = new Set<string>()
  let label = 'the last run'
  for (const [i, run] of runs.entries()) {
    const report = await history.testReport(run.id)
    if (!report) continue
    if (i === 0) {
      label = `the last run (${run.id})`
      if (report.fingerprints) merged.fingerprints = report.fingerprints
    }
    for (const suite of report.suites) {
      const tests = suite.tests.filter((t) => t.path && !seen.has(`${suite.file}\u0000${t.name}`))
      for (const t of tests) seen.add(`${suite.file}\u0000${t.name}`)
      if (tests.length) merged.suites!.push({ file: suite.file, flow: suite.flow, tests })
    }
  }
  return { recorded: merged, label }
}
