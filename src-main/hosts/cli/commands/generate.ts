// `flowbench generate FLOW`: writes a test file whose tests enter every reachable state and take
// every reachable transition (to --out FILE, else stdout), with --only-uncovered REPORT.json for
// just what a previous run left uncovered. Exit 0 written, 1 the suite did not pass as written,
// 2 it could not run (bad usage, a missing file, a flow that does not load: file:line:col).
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, relative, resolve, sep } from 'node:path'
import type { Command } from 'commander'
import { UsageError } from '../exit'
import { addPluginOptions, pluginSpec, type PluginCommandOptions } from '../plugins'
import type { SetExitCode } from './index'

interface GenerateCommandOptions extends PluginCommandOptions {
  out?: string
  onlyUncovered?: string
}

export function registerGenerate(program: Command, setExitCode: SetExitCode): void {
  const generate = program
    .command('generate')
    .description('write tests that enter every reachable state and take every reachable transition of a flow')
    .argument('<flow>', 'the flow file')
    .option('--out <file>', 'write the test file here (default: stdout); its flow: path is relative to this file')
    .option('--only-uncovered <report>', 'only for the states and transitions a JSON test report (--reporter json=FILE) lists as uncovered for this flow')
  addPluginOptions(generate)
    .action(async (flowArg: string, options: GenerateCommandOptions) => {
      setExitCode(await runGenerate(flowArg, options))
    })
}

async function runGenerate(flowArg: string, options: GenerateCommandOptions): Promise<number> {
  const [{ generateTests, GenerateVerificationError }, { DocumentParseError }, { findWorkspaceRoot }] = await Promise.all([
    import('../../../core/generate'),
    import('../../../core/document/parse'),
    import('../../../core/workspace/discover'),
  ])
  const flowPath = resolve(flowArg)
  const outFile = options.out !== undefined ? resolve(options.out) : undefined
  const root = findWorkspaceRoot(dirname(flowPath))
  const only = options.onlyUncovered !== undefined ? await uncoveredIn(options.onlyUncovered, flowPath, root) : undefined
  if (only && !only.states.length && !only.transitions.length) {
    process.stderr.write(`flowbench: ${options.onlyUncovered} lists nothing uncovered for ${flowArg}: no tests to write\n`)
    return 0
  }
  let result
  let failure: string | undefined
  try {
    result = await generateTests({
      flowPath,
      // On stdout the file is not written anywhere yet: the path is relative to the current folder.
      outFile: outFile ?? resolve('generated.test.yaml'),
      ...(only ? { only } : {}),
      plugins: pluginSpec(root, options),
    })
  } catch (err) {
    if (err instanceof DocumentParseError) throw new UsageError(err.message)
    if (err instanceof GenerateVerificationError) {
      result = err.result
      failure = err.message
    } else throw err
  }
  if (outFile) {
    try {
      await mkdir(dirname(outFile), { recursive: true })
      await writeFile(outFile, result.yaml)
    } catch (err) {
      throw new UsageError(`cannot write ${options.out}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
    }
  } else process.stdout.write(result.yaml)
  const where = outFile ? `wrote ${plural(result.tests, 'test')} to ${options.out}` : plural(result.tests, 'test')
  process.stderr.write(`flowbench: ${where}: ${plural(result.covers.states.length, 'state')} entered, ${plural(result.covers.transitions.length, 'transition')} taken\n`)
  if (result.unreachable.length) {
    process.stderr.write(`flowbench: not covered (${result.unreachable.length}):\n`)
    for (const u of result.unreachable) process.stderr.write(`  ${u.kind} ${u.id}: ${u.reason}\n`)
  }
  if (failure) {
    process.stderr.write(`flowbench: ${failure}; the file holds only the tests that pass\n`)
    return 1
  }
  return 0
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** The states and transitions a JSON test report lists as uncovered for this flow. */
async function uncoveredIn(reportFile: string, flowPath: string, root: string): Promise<{ states: string[]; transitions: string[] }> {
  let text: string
  try {
    text = await readFile(resolve(reportFile), 'utf8')
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code
    throw new UsageError(`--only-uncovered ${reportFile}: ${code === 'ENOENT' ? 'no such file' : code ?? (err as Error).message}`)
  }
  let report: unknown
  try {
    report = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--only-uncovered ${reportFile} is not JSON (${(err as Error).message}); pass the file written by flowbench test --reporter json=FILE`)
  }
  const r = report as { tool?: unknown; coverage?: unknown; workspace?: unknown }
  if (!r || typeof r !== 'object' || r.tool !== 'flowbench' || !r.coverage || typeof r.coverage !== 'object') {
    throw new UsageError(`--only-uncovered ${reportFile} is not a Flowbench test report; pass the file written by flowbench test --reporter json=FILE`)
  }
  const coverage = r.coverage as Record<string, { states?: { uncovered?: unknown }; transitions?: { uncovered?: unknown } }>
  const keys = new Set<string>()
  for (const base of [typeof r.workspace === 'string' ? r.workspace : undefined, root]) {
    if (base) keys.add(relative(base, flowPath).split(sep).join('/'))
  }
  const key = [...keys].find((k) => Object.prototype.hasOwnProperty.call(coverage, k))
  if (key === undefined) {
    const listed = Object.keys(coverage)
    throw new UsageError(`--only-uncovered ${reportFile} does not mention ${[...keys][0]} (it has coverage for ${listed.length ? listed.join(', ') : 'no flow'}); run its tests with --reporter json=FILE first`)
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [])
  return { states: strings(coverage[key]!.states?.uncovered), transitions: strings(coverage[key]!.transitions?.uncovered) }
}
