// Recording CLI runs in the run history at $FLOWBENCH_HOME (the same store the workbench reads).
// A store failure never fails the run: it costs one warning line on stderr.
import type { LoadResult } from '../../common/load-result'
import type { RunRecord } from '../../common/api-history'
import type { TestRunReport } from '../../core/runner/model'
import { flowbenchHome } from '../server/home'

export interface RecordOptions {
  /** false with --no-history. */
  history?: boolean
  /** The app-state folder (default: $FLOWBENCH_HOME, else the OS's per-user folder). */
  home?: string
  warn?: (line: string) => void
}

const stderrLine = (line: string) => {
  process.stderr.write(`${line}\n`)
}

async function openRunHistory(home: string) {
  // Loaded on use: commands that do not record start without the store's modules.
  const { historyLimits, openHistory, openStore } = await import('../../core/store')
  const store = await openStore(home)
  return openHistory(home, historyLimits(store))
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err)
}

/** Records a finished `flowbench test` run; null when skipped (--no-history, no test files) or the store failed. */
export async function recordTestRun(report: TestRunReport, workspace: string, options: RecordOptions = {}): Promise<RunRecord | null> {
  if (options.history === false || report.files === 0) return null
  try {
    const history = await openRunHistory(options.home ?? flowbenchHome())
    return await history.addTestRun(report, { workspace, host: 'cli' })
  } catch (err) {
    ;(options.warn ?? stderrLine)(`flowbench: warning: the run was not recorded in the history: ${describe(err)}`)
    return null
  }
}

/** Records a finished `flowbench load` run (`scenarioFile` workspace-relative); null when skipped or the store failed. */
export async function recordLoadRun(result: LoadResult, workspace: string, scenarioFile: string, options: RecordOptions = {}): Promise<RunRecord | null> {
  if (options.history === false) return null
  try {
    const history = await openRunHistory(options.home ?? flowbenchHome())
    return await history.addLoadRun(result, { workspace, host: 'cli', scenarioFile })
  } catch (err) {
    ;(options.warn ?? stderrLine)(`flowbench: warning: the run was not recorded in the history: ${describe(err)}`)
    return null
  }
}
