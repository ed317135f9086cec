// `flowbench nlu FLOW [DATASET]`: how well the flow's NLU classifies a dataset of utterances (or,
// without one, its own examples by k-fold cross-validation): console tables, --json, --html,
// --compare / --baseline, and the --min-accuracy / --min-f1 gates (docs/nlu-evaluation.md).
// Exit 0 when it ran and the gates passed, 1 when a gate missed, 2 when it could not run.
import { readFile, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Command } from 'commander'
import type { NluComparison, NluReport } from '../../../common/api-nlu'
import type { PluginSet } from '../../../core/plugins'
import { UsageError } from '../exit'
import { addPluginOptions, pluginSpec, type PluginCommandOptions } from '../plugins'
import type { SetExitCode } from './index'

interface NluCommandOptions extends PluginCommandOptions {
  json?: string
  format: string
  html?: string
  minAccuracy?: string
  minF1?: string
  compare?: string
  baseline?: string
  folds?: string
  seed?: string
}

/** A gate value: 0..1, or a percentage such as 90 or 90%. */
function parseGate(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const m = /^\s*(\d+(?:\.\d+)?)\s*(%?)\s*$/.exec(value)
  if (!m) throw new UsageError(`${flag} takes a number from 0 to 1, or a percentage (e.g. 0.9 or 90%), not "${value}"`)
  const n = Number(m[1])
  const v = m[2] === '%' || n > 1 ? n / 100 : n
  if (v > 1) throw new UsageError(`${flag} ${value} is more than 100%`)
  return v
}

function parseWhole(flag: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^-?\d+$/.test(value.trim()) || Number(value) < min) throw new UsageError(`${flag} takes a whole number${min > 0 ? ` of at least ${min}` : ''}, not "${value}"`)
  return Number(value)
}

export function registerNlu(program: Command, setExitCode: SetExitCode): void {
  const nlu = program
    .command('nlu')
    .description("evaluate a flow's NLU on a dataset of utterances (or cross-validate its own intent examples)")
    .argument('<flow>', 'the flow file')
    .argument('[dataset]', 'a *.nlu.yaml or *.nlu.csv dataset; omitted: k-fold cross-validation of the flow\'s examples')
    .option('--format <format>', 'text or json (json prints the report on stdout)', 'text')
    .option('--json <file>', 'also write the report as JSON to this file')
    .option('--html <file>', 'also write the report as a self-contained HTML page')
    .option('--min-accuracy <p>', 'exit 1 when accuracy is below this (0.9 or 90%)')
    .option('--min-f1 <p>', 'exit 1 when macro F1 is below this (0.85 or 85%)')
    .option('--compare <flow2>', 'evaluate another version of the flow on the same data and show per-intent deltas (B = flow2)')
    .option('--baseline <file>', 'compare with a report written earlier by --json (A = the baseline)')
    .option('--folds <k>', 'cross-validation folds (without a dataset)', undefined)
    .option('--seed <n>', 'cross-validation shuffle seed (without a dataset)', undefined)
  addPluginOptions(nlu).action(async (flowArg: string, datasetArg: string | undefined, options: NluCommandOptions) => {
    setExitCode(await runNlu(flowArg, datasetArg, options))
  })
}

async function runNlu(flowArg: string, datasetArg: string | undefined, options: NluCommandOptions): Promise<number> {
  if (options.format !== 'text' && options.format !== 'json') throw new UsageError(`unknown --format "${options.format}" (text or json)`)
  const minAccuracy = parseGate('--min-accuracy', options.minAccuracy)
  const minF1 = parseGate('--min-f1', options.minF1)
  const folds = parseWhole('--folds', options.folds, 2)
  const seed = parseWhole('--seed', options.seed, Number.MIN_SAFE_INTEGER)
  if (datasetArg !== undefined && (folds !== undefined || seed !== undefined)) throw new UsageError('--folds and --seed apply to cross-validation: leave out the dataset, or drop them')
  if (options.compare !== undefined && options.baseline !== undefined) throw new UsageError('use --compare or --baseline, not both')
  for (const [what, path] of [['flow', flowArg], ['dataset', datasetArg], ['--compare flow', options.compare], ['--baseline file', options.baseline]] as const) {
    if (path !== undefined && !existsSync(resolve(path))) throw new UsageError(`no such ${what}: ${path}`)
  }

  const [nluEval, { DocumentParseError, formatProblem }, { findWorkspaceRoot }] = await Promise.all([
    import('../../../core/nlu-eval'),
    import('../../../core/document/parse'),
    import('../../../core/workspace/discover'),
  ])
  let pluginSet: Promise<PluginSet> | null = null
  const plugins = (): Promise<PluginSet> => {
    pluginSet ??= import('../../../core/plugins').then(async ({ loadPluginsCached, pluginProblems }) => {
      const set = await loadPluginsCached(pluginSpec(findWorkspaceRoot(resolve(flowArg)), options))
      for (const line of pluginProblems(set.plugins)) process.stderr.write(`flowbench: warning: ${line}\n`)
      return set
    })
    return pluginSet
  }
  /** Any problem loading inputs is bad usage (exit 2), named file:line:col without a stack. */
  const orUsage = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      return await work()
    } catch (err) {
      if (err instanceof DocumentParseError) throw new UsageError(err.problems.map(formatProblem).join('\n'))
      if (err instanceof nluEval.NluDatasetError) throw new UsageError(err.problems.map(nluEval.formatNotice).join('\n'))
      if (err instanceof nluEval.NluEvaluationError || err instanceof UsageError) throw new UsageError(err.message)
      throw err
    }
  }

  const dataset = datasetArg === undefined ? null : await orUsage(() => nluEval.loadDatasetFile(resolve(datasetArg), datasetArg))
  const evaluate = async (flowPath: string): Promise<NluReport> =>
    orUsage(async () => {
      const target = await nluEval.loadNluTarget(resolve(flowPath), flowPath, plugins)
      return dataset ? nluEval.evaluateDataset(target, dataset) : nluEval.crossValidate(target, { ...(folds !== undefined ? { folds } : {}), ...(seed !== undefined ? { seed } : {}) })
    })
  const report = await evaluate(flowArg)

  let comparison: NluComparison | undefined
  if (options.compare !== undefined) comparison = nluEval.compareReports(report, await evaluate(options.compare))
  if (options.baseline !== undefined) {
    const baselinePath = options.baseline
    const baseline = await orUsage(async () => {
      let value: unknown
      try {
        value = JSON.parse(await readFile(resolve(baselinePath), 'utf8'))
      } catch (err) {
        throw new UsageError(`${baselinePath}: not a JSON file (${err instanceof Error ? err.message.split('\n')[0] : String(err)}); write one with flowbench nlu --json`)
      }
      if (!nluEval.isNluReport(value)) throw new UsageError(`${baselinePath}: not an NLU report; write one with flowbench nlu FLOW [DATASET] --json FILE`)
      return value
    })
    comparison = nluEval.compareReports(baseline, report)
  }

  const json = `${JSON.stringify(comparison ? { ...report, comparison } : report, null, 2)}\n`
  if (options.json !== undefined) await writeOut(options.json, json)
  if (options.html !== undefined) await writeOut(options.html, nluEval.renderNluHtml(report, comparison))
  if (options.format === 'json') process.stdout.write(json)
  else {
    process.stdout.write(nluEval.formatNluReport(report))
    if (comparison) process.stdout.write(`\n${nluEval.formatNluComparison(comparison)}`)
  }

  const missed: string[] = []
  const pct = (x: number) => `${(x * 100).toFixed(1)}%`
  if (minAccuracy !== undefined && report.summary.accuracy < minAccuracy) missed.push(`accuracy ${pct(report.summary.accuracy)} is below --min-accuracy ${pct(minAccuracy)}`)
  if (minF1 !== undefined && report.summary.macro.f1 < minF1) missed.push(`macro F1 ${report.summary.macro.f1.toFixed(3)} is below --min-f1 ${minF1}`)
  for (const m of missed) process.stderr.write(`flowbench: gate missed: ${m}\n`)
  return missed.length > 0 ? 1 : 0
}

async function writeOut(path: string, content: string): Promise<void> {
  try {
    await writeFile(resolve(path), content)
  } catch (err) {
    throw new UsageError(`cannot write ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}
