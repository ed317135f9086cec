// `flowbench mutate [paths...]`: mutation testing of the flows under test. Paths are test files or
// folders (default: the workspace) and flow files (only their mutants). Exit 0 done (and the score
// meets --min-score), 1 the score is below --min-score or the run was cancelled, 2 it could not run.
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { Command } from 'commander'
import { UsageError } from '../exit'
import { addPluginOptions, pluginSpec, type PluginCommandOptions } from '../plugins'
import type { SetExitCode } from './index'

interface MutateCommandOptions extends PluginCommandOptions {
  operators?: string
  maxMutants?: string
  seed?: string
  json?: string
  html?: string
  minScore?: string
  workers?: string
}

function wholeNumber(option: string, value: string | undefined, min: number): number | undefined {
  if (value === undefined) return undefined
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < min) throw new UsageError(`${option} takes a whole number of at least ${min}, got "${value}"`)
  return Number(value)
}

export function registerMutate(program: Command, setExitCode: SetExitCode): void {
  const mutate = program
    .command('mutate')
    .description('mutation testing: change the flows under test in small ways and check that some test notices each change')
    .argument('[paths...]', 'test files or folders (default: the workspace), and flow files to mutate only those')
    .option('--operators <list>', 'comma-separated operators (default: all): retarget-transition, drop-transition, swap-priority, flip-operator, change-value, change-template, drop-required-slot, change-intent-example')
    .option('--max-mutants <n>', 'run at most n mutants, a seeded sample of them')
    .option('--seed <n>', 'seed for the choices operators make and for sampling (default 1)')
    .option('--json <file>', 'write the JSON mutation report here')
    .option('--html <file>', 'write the HTML mutation report here')
    .option('--min-score <percent>', 'exit 1 when the mutation score is below this (80 or 80%)')
    .option('--workers <n>', 'threads to run mutants on (default: the machine\'s cores; 1 runs in this thread)')
  addPluginOptions(mutate).action(async (paths: string[], options: MutateCommandOptions) => {
    setExitCode(await runMutate(paths, options))
  })
}

async function runMutate(paths: string[], options: MutateCommandOptions): Promise<number> {
  const [{ MUTATION_OPERATORS, runMutation }, { renderMutationText, renderMutationHtml }, discover, { parsePercent }, poolModule, { WorkloadInputError }] = await Promise.all([
    import('../../../core/mutate'),
    import('../../../core/mutate/report'),
    import('../../../core/workspace/discover'),
    import('../../../core/runner/coverage'),
    import('../../../core/pool/pool'),
    import('../../../core/mutate/workload'),
  ])
  let operators: Array<(typeof MUTATION_OPERATORS)[number]> | undefined
  if (options.operators !== undefined) {
    const names = options.operators.split(',').map((s) => s.trim()).filter(Boolean)
    const unknown = names.filter((n) => !(MUTATION_OPERATORS as readonly string[]).includes(n))
    if (unknown.length || !names.length) throw new UsageError(`--operators: unknown operator ${unknown.map((u) => `"${u}"`).join(', ') || '(none given)'}; choose from ${MUTATION_OPERATORS.join(', ')}`)
    operators = names as typeof operators
  }
  const maxMutants = wholeNumber('--max-mutants', options.maxMutants, 1)
  const seed = wholeNumber('--seed', options.seed, 0)
  const workers = wholeNumber('--workers', options.workers, 1)
  let minScore: number | undefined
  if (options.minScore !== undefined) {
    minScore = parsePercent(options.minScore)
    if (minScore === undefined) throw new UsageError(`--min-score takes a percentage from 0 to 100 (e.g. 80 or 80%), got "${options.minScore}"`)
  }
  const absPaths = paths.map((p) => resolve(p))
  const missing = discover.missingPaths(absPaths)
  if (missing.length) throw new UsageError(`no such file or folder: ${missing.map((m) => paths[absPaths.indexOf(m)] ?? m).join(', ')}`)
  const root = discover.findWorkspaceRoot(absPaths[0] ?? process.cwd())
  const flowPaths = absPaths.filter((p) => discover.fileKind(p) === 'flow')
  const testPaths = absPaths.filter((p) => discover.fileKind(p) !== 'flow')
  const threads = workers ?? poolModule.availableThreads()
  let pool
  if (threads > 1) {
    try {
      pool = new poolModule.TestPool({ threads, workerFile: poolModule.resolveWorkerFile() })
    } catch {
      pool = undefined
    }
  }
  const controller = new AbortController()
  const onSigint = () => controller.abort()
  process.once('SIGINT', onSigint)
  const progress = process.stderr.isTTY
    ? (p: { done: number; total: number }) => process.stderr.write(`\rmutants: ${p.done}/${p.total}`)
    : undefined
  let report
  try {
    report = await runMutation({
      root,
      ...(testPaths.length ? { paths: testPaths } : {}),
      ...(flowPaths.length ? { flows: flowPaths.map((p) => discover.workspaceRelative(root, p)) } : {}),
      ...(operators ? { operators } : {}),
      ...(maxMutants !== undefined ? { maxMutants } : {}),
      ...(seed !== undefined ? { seed } : {}),
      ...(pool ? { pool } : {}),
      plugins: pluginSpec(root, options),
      signal: controller.signal,
      ...(progress ? { onProgress: progress } : {}),
    })
  } catch (err) {
    if (err instanceof WorkloadInputError) throw new UsageError(err.message)
    throw err
  } finally {
    process.removeListener('SIGINT', onSigint)
    if (progress) process.stderr.write('\r\x1b[K')
    await pool?.destroy()
  }
  if (report.tests.total === 0 && !report.problems.length) {
    process.stderr.write(`flowbench: no test files (*.test.yaml, *.test.yml, *.test.json) under ${testPaths.length ? paths.filter((_, i) => discover.fileKind(absPaths[i]!) !== 'flow').join(', ') : root}: nothing can kill a mutant\n`)
    return 2
  }
  if (flowPaths.length && !report.mutants.length && report.generated === 0) {
    process.stderr.write(`flowbench: no test under ${root} runs ${paths.filter((_, i) => discover.fileKind(absPaths[i]!) === 'flow').join(', ')}: nothing to mutate\n`)
    return 2
  }
  if (report.tests.passed < report.tests.total) {
    process.stderr.write(`flowbench: warning: ${report.tests.total - report.tests.passed} of ${report.tests.total} tests do not pass on the unmutated flows; only passing tests can kill a mutant\n`)
  }
  process.stdout.write(renderMutationText(report))
  const write = async (file: string, text: string) => {
    try {
      await mkdir(dirname(resolve(file)), { recursive: true })
      await writeFile(resolve(file), text)
    } catch (err) {
      throw new UsageError(`cannot write the report to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  }
  if (options.json !== undefined) await write(options.json, `${JSON.stringify(report, null, 2)}\n`)
  if (options.html !== undefined) await write(options.html, renderMutationHtml(report))
  if (report.cancelled) return 1
  if (minScore !== undefined && report.summary.score < minScore) {
    process.stderr.write(`flowbench: mutation score ${report.summary.score}% is below --min-score ${minScore}%\n`)
    return 1
  }
  return 0
}
