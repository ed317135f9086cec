// `flowbench report RUN --format html|junit|json|md|pdf`: a run from the history (id, unique
// prefix, `latest`, `baseline`) or a JSON result file as a report, redacted unless --no-redact.
// Exit 0 when written, 2 when the run or an option is wrong. Also the run lookup `compare` shares.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { REPORT_FORMATS, type ReportFormat } from '../../../common/api-reports'
import type { RunLookup } from '../../../core/reports'
import { flowbenchHome } from '../../server/home'
import { UsageError } from '../exit'
import type { SetExitCode } from './index'

export interface ReportCommandOptions {
  format: ReportFormat
  out?: string
  redact: boolean
  redactPattern?: string[]
  workspace?: string
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

/** The history at $FLOWBENCH_HOME and the workspace `latest`/`baseline` refer to (--workspace, else around the current folder). */
export async function cliRunLookup(workspaceOption: string | undefined): Promise<RunLookup> {
  const [{ openHistory }, { findWorkspaceRoot }] = await Promise.all([import('../../../core/store/history'), import('../../../core/workspace/discover')])
  let history: RunLookup['history'] = null
  try {
    history = await openHistory(flowbenchHome())
  } catch {
    // Without a readable history only result files can be named; resolveRun says so when one is not a file.
  }
  return { history, workspace: findWorkspaceRoot(resolve(workspaceOption ?? '.')) }
}

/** Errors the report modules raise for bad input become usage errors (exit 2, one line, no stack). */
export async function asUsageError<T>(work: () => Promise<T>): Promise<T> {
  const { RunSourceError, RedactionPatternError, ChromiumNotFoundError } = await import('../../../core/reports')
  const { ComparisonError } = await import('../../../core/compare')
  try {
    return await work()
  } catch (err) {
    if (err instanceof RunSourceError || err instanceof RedactionPatternError || err instanceof ChromiumNotFoundError || err instanceof ComparisonError) throw new UsageError(err.message)
    throw err
  }
}

async function runReport(ref: string, o: ReportCommandOptions): Promise<void> {
  if (o.format === 'pdf' && !o.out) throw new UsageError('--format pdf needs --out FILE (a PDF is not written to the terminal)')
  const { exportRun, extraPatterns, resolveRun, workspacePatterns } = await import('../../../core/reports')
  const lookup = await cliRunLookup(o.workspace)
  const exported = await asUsageError(async () => {
    const run = await resolveRun(ref, lookup)
    const patterns = o.redact ? [...(await workspacePatterns(run.workspace)), ...extraPatterns(o.redactPattern, (i) => `--redact-pattern ${JSON.stringify(o.redactPattern![i])}`)] : []
    return exportRun(run, o.format, { redact: o.redact, patterns, ...(process.env.FLOWBENCH_CHROMIUM ? { chromium: process.env.FLOWBENCH_CHROMIUM } : {}) })
  })
  if (!o.out) {
    process.stdout.write(exported.content)
    return
  }
  const file = resolve(o.out)
  try {
    await mkdir(dirname(file), { recursive: true })
    await writeFile(file, exported.content)
  } catch (err) {
    throw new UsageError(`cannot write ${o.out}: ${(err as NodeJS.ErrnoException).code === 'EACCES' ? 'permission denied' : (err as Error).message}`)
  }
  const r = exported.redaction
  const counts = Object.entries(r.counts).map(([k, n]) => `${n} ${k}`).join(', ')
  process.stderr.write(`flowbench: wrote ${o.out} (${r.redacted ? `redacted${counts ? `: ${counts}` : ', nothing found'}` : 'not redacted'})\n`)
}

export function registerReport(program: Command, _setExitCode: SetExitCode): void {
  program
    .command('report')
    .description('write a report of a run: a run id from the history (or a unique prefix, "latest", "baseline") or a JSON result file')
    .argument('<run>', 'run id, "latest", "baseline", or a result file of `flowbench test --reporter json=FILE` / `flowbench load --json FILE`')
    .addOption(new Option('--format <format>', 'report format').choices([...REPORT_FORMATS]).default('html'))
    .option('--out <file>', 'write the report to this file (default: stdout; required for pdf)')
    .option('--no-redact', 'keep emails, phone numbers and configured patterns as they are (redaction is on by default)')
    .option('--redact-pattern <regex>', 'also redact this pattern; "name=REGEX" names its placeholders <name-1> (repeatable)', collect)
    .option('--workspace <dir>', 'the workspace "latest" and "baseline" refer to, and result files are read against (default: around the current folder)')
    .action(async (ref: string, o: ReportCommandOptions) => {
      await runReport(ref, o)
    })
}
