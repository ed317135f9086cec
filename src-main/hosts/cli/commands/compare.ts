// `flowbench compare A B`: what changed from run A (the base) to run B (the new run). Each is a
// run id from the history (or a unique prefix), `latest`, `baseline` or a JSON result file.
// Exit 1 on a regression, 0 otherwise, 2 when a run cannot be found or read or the kinds differ.
import type { Command } from 'commander'
import { UsageError } from '../exit'
import type { SetExitCode } from './index'
import { asUsageError, cliRunLookup } from './report'

interface CompareCommandOptions {
  json?: boolean
  md?: boolean
  workspace?: string
}

export function registerCompare(program: Command, setExitCode: SetExitCode): void {
  program
    .command('compare')
    .description('compare two runs (test runs or load runs): exit 1 when B regressed against A')
    .argument('<a>', 'the base run: a run id, "baseline", "latest" or a JSON result file')
    .argument('<b>', 'the new run: a run id, "latest", "baseline" or a JSON result file')
    .option('--json', 'print the comparison as JSON')
    .option('--md', 'print the comparison as Markdown (for a pull request)')
    .option('--workspace <dir>', 'the workspace "latest" and "baseline" refer to (default: around the current folder)')
    .action(async (a: string, b: string, o: CompareCommandOptions) => {
      if (o.json && o.md) throw new UsageError('choose one of --json and --md')
      const [{ resolvePair }, { compareRuns, formatComparisonMarkdown, formatComparisonText }] = await Promise.all([import('../../../core/reports'), import('../../../core/compare')])
      const lookup = await cliRunLookup(o.workspace)
      const comparison = await asUsageError(async () => {
        const [base, next] = await resolvePair(a, b, lookup)
        return compareRuns(base, next)
      })
      process.stdout.write(o.json ? `${JSON.stringify(comparison, null, 2)}\n` : o.md ? formatComparisonMarkdown(comparison) : formatComparisonText(comparison))
      setExitCode(comparison.regression ? 1 : 0)
    })
}
