// `flowbench test [paths...]`: runs conversation tests through the core's test runner and
// writes the reports asked for. Exit 0 all passed, 1 something failed or a gate was missed,
// 2 the run could not start (bad usage, a missing path).
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { Option, type Command } from 'commander'
import { UsageError } from '../exit'
import { addPluginOptions, pluginSpec, type PluginCommandOptions } from '../plugins'
import type { SetExitCode } from './index'
import type { ReporterSpec } from '../../../core/reporters'
import type { TestRunReport } from '../../../core/runner/model'

interface TestCommandOptions extends PluginCommandOptions {
  reporter?: string[]
  workers?: string
  grep?: string
  tag?: string[]
  shard?: string
  repeat?: string
  bail?: boolean
  minStateCoverage?: string
  minTransitionCoverage?: string
  transcripts?: 'all' | 'failures' | 'none'
  timeout?: string
  /** false with --no-history. */
  history: boolean
  faults?: boolean
  faultsStrict?: boolean
  /** --changed [REF]: true without a ref. */
  changed?: string | boolean
  changedReport?: string
}

/** Repeatable options collect their values (no default, so help does not print an empty list). */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

function positiveInteger(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\s*\d+\s*$/.test(value) || Number(value) < 1) throw new UsageError(`${option} takes a whole number of at least 1, got "${value}"`)
  return Number(value)
}

export function registerTest(program: Command, setExitCode: SetExitCode): void {
  const test = program
    .command('test')
    .description('run conversation tests (*.test.yaml, *.test.yml, *.test.json)')
    .argument('[paths...]', "test files or folders (default: the workspace's tests)")
    .option('--reporter <name[=file]>', 'console, json, junit or html; repeatable; name=FILE writes to a file (default: console)', collect)
    .option('--workers <n>', 'threads to run tests on (default: chosen by the number of tests)')
    .option('--grep <regex>', 'run only tests whose name matches; the others are skipped')
    .option('--tag <tag>', 'run only tests with this tag (repeatable: any of them); the others are skipped', collect)
    .option('--shard <i/n>', 'run the i-th of n slices of the ordered tests (i from 1)')
    .option('--repeat <n>', 'run each test n times; each reports its worst outcome and its stability')
    .option('--bail', 'stop after the first failed or errored test')
    .option('--min-state-coverage <percent>', 'fail unless at least this share of states was entered (80 or 80%)')
    .option('--min-transition-coverage <percent>', 'fail unless at least this share of transitions was taken')
    .addOption(new Option('--transcripts <which>', 'which tests keep their conversation in the reports').choices(['all', 'failures', 'none']))
    .option('--timeout <ms>', 'real time a single test may take before it is abandoned as hung (default 10000)')
    .option('--no-history', 'do not record the run in the run history ($FLOWBENCH_HOME)')
    .option('--faults', 'then rerun each test once per integration it calls, failing it each way (error, timeout, network, malformed): the fault matrix')
    .option('--faults-strict', 'with --faults: exit 1 when a failure ends in no_transition or an engine error')
    .option('--changed [ref]', 'run only the tests whose recorded paths touch states or transitions changed since REF (git), or since the last run; plus new or edited test files')
    .option('--changed-report <file>', 'with --changed: the JSON report (--reporter json=FILE) whose recorded paths to use instead of the run history')
  addPluginOptions(test)
    .action(async (paths: string[], options: TestCommandOptions, command: Command) => {
      const [{ parseReporterSpec }, { parseShard }, { parsePercent }, discover] = await Promise.all([
        import('../../../core/reporters'),
        import('../../../core/runner/select'),
        import('../../../core/runner/coverage'),
        import('../../../core/workspace/discover'),
      ])
      const reporters: ReporterSpec[] = []
      for (const text of options.reporter?.length ? options.reporter : ['console']) {
        const spec = parseReporterSpec(text)
        if (typeof spec === 'string') throw new UsageError(spec)
        reporters.push(spec)
      }
      const workers = positiveInteger('--workers', options.workers)
      const repeat = positiveInteger('--repeat', options.repeat)
      const timeout = positiveInteger('--timeout', options.timeout)
      let shard
      if (options.shard !== undefined) {
        const parsed = parseShard(options.shard)
        if (typeof parsed === 'string') throw new UsageError(parsed)
        shard = parsed
      }
      const percent = (option: string, value: string | undefined): number | undefined => {
        if (value === undefined) return undefined
        const p = parsePercent(value)
        if (p === undefined) throw new UsageError(`${option} takes a percentage from 0 to 100 (e.g. 80 or 80%), got "${value}"`)
        return p
      }
      const minStateCoverage = percent('--min-state-coverage', options.minStateCoverage)
      const minTransitionCoverage = percent('--min-transition-coverage', options.minTransitionCoverage)
      if (options.grep !== undefined) {
        try {
          new RegExp(options.grep)
        } catch (err) {
          throw new UsageError(`--grep "${options.grep}" is not a regular expression: ${(err as Error).message.replace(/^Invalid regular expression: /, '')}`)
        }
      }
      const absPaths = paths.map((p) => resolve(p))
      const missing = discover.missingPaths(absPaths)
      if (missing.length) throw new UsageError(`no such file or folder: ${missing.map((m) => paths[absPaths.indexOf(m)] ?? m).join(', ')}`)
      const root = discover.findWorkspaceRoot(absPaths[0] ?? process.cwd())
      const plugins = pluginSpec(root, options)

      // The console report moves to stderr when another report takes stdout.
      const stdoutTaken = reporters.some((r) => r.name !== 'console' && r.file === undefined)
      const consoleSpec = reporters.find((r) => r.name === 'console')
      const { ConsoleReporter } = consoleSpec ? await import('../../../core/reporters/console') : { ConsoleReporter: undefined }
      const consoleStream = consoleSpec?.file === undefined && stdoutTaken ? process.stderr : process.stdout
      const consoleReporter = ConsoleReporter && consoleSpec && consoleSpec.file === undefined
        ? new ConsoleReporter(consoleStream, { tty: consoleStream.isTTY === true, color: consoleStream.isTTY === true && !process.env.NO_COLOR, warnings: process.stderr })
        : undefined

      const controller = new AbortController()
      const onSigint = () => controller.abort()
      process.once('SIGINT', onSigint)
      // --changed: select the tests the change touches (one line says what and why).
      let changedSelect: import('../../../core/runner/select').TestSelector[] | undefined
      if (options.changed !== undefined || options.changedReport !== undefined) {
        const impact = await import('../../../core/impact')
        const recordedModule = await import('../../../core/impact/recorded')
        let plan
        try {
          const source = options.changedReport !== undefined
            ? await recordedModule.readRecordedReport(options.changedReport)
            : await recordedModule.readRecordedHistory((await import('../../server/home')).flowbenchHome(), root)
          plan = await impact.planImpact({ root, paths: absPaths, ...(typeof options.changed === 'string' ? { ref: options.changed } : {}), recorded: source.recorded, recordedLabel: source.label })
        } catch (err) {
          if (err instanceof impact.GitError || err instanceof recordedModule.ImpactInputError) throw new UsageError(err.message)
          throw err
        }
        ;(consoleReporter ? consoleStream : process.stderr).write(`Changed   ${plan.message}\n`)
        if (!plan.all && !plan.selected) {
          process.removeListener('SIGINT', onSigint)
          setExitCode(0)
          return
        }
        if (!plan.all) changedSelect = plan.select
      }
      const { runTests, TestRunInputError } = await import('../../../core/runner/service')
      let report: TestRunReport
      try {
        report = await runTests(
          {
            root,
            paths: absPaths,
            ...(options.grep !== undefined ? { grep: options.grep } : {}),
            tags: (options.tag ?? []).flatMap((t) => t.split(',')).map((t) => t.trim()).filter(Boolean),
            ...(shard ? { shard } : {}),
            ...(repeat !== undefined ? { repeat } : {}),
            bail: options.bail === true,
            ...(workers !== undefined ? { workers } : {}),
            ...(options.transcripts ? { transcripts: options.transcripts } : {}),
            ...(minStateCoverage !== undefined ? { minStateCoverage } : {}),
            ...(minTransitionCoverage !== undefined ? { minTransitionCoverage } : {}),
            ...(timeout !== undefined ? { testTimeoutMs: timeout } : {}),
            plugins,
            ...(changedSelect ? { select: changedSelect } : {}),
            signal: controller.signal,
            ...(consoleReporter ? { onEvent: (e) => consoleReporter.onEvent(e) } : {}),
          },
          { version: (command.parent ?? program).version() ?? '0.0.0' },
        )
      } catch (err) {
        if (err instanceof TestRunInputError) throw new UsageError(err.message)
        throw err
      } finally {
        process.removeListener('SIGINT', onSigint)
      }

      if ((options.faults || options.faultsStrict) && !report.cancelled && report.files > 0) {
        const { runFaultsWithPool } = await import('../../../core/faults')
        // Ctrl-C during the fault phase stops it like an interrupted run: no partial matrix, exit 1.
        process.once('SIGINT', onSigint)
        try {
          const matrix = await runFaultsWithPool({ root, paths: absPaths, ...(workers !== undefined ? { workers } : {}), ...(plugins ? { plugins } : {}), signal: controller.signal })
          if (controller.signal.aborted) report.cancelled = true
          else report.faults = matrix
        } finally {
          process.removeListener('SIGINT', onSigint)
        }
      }
      if (consoleReporter) {
        consoleReporter.finish(report)
        if (report.faults) consoleStream.write(`\n${(await import('../../../core/faults/report')).renderFaultTable(report.faults)}`)
      } else {
        // Without a console report on a stream, broken plugins are still named once on stderr.
        for (const p of report.plugins ?? []) process.stderr.write(`flowbench: warning: ${p.error}\n`)
      }
      const { renderReport } = await import('../../../core/reporters')
      for (const spec of reporters) {
        if (spec.name === 'console') {
          if (spec.file === undefined) continue
          const { ConsoleReporter: FileConsole } = await import('../../../core/reporters/console')
          await writeReport(spec.file, new FileConsole({ write: () => undefined }, { tty: false, color: false }).render(report).replace(/^\n/, ''))
          continue
        }
        const text = await renderReport(spec.name, report)
        if (spec.file === undefined) process.stdout.write(text)
        else await writeReport(spec.file, text)
      }
      await (await import('../history')).recordTestRun(report, root, { history: options.history })
      if (report.files === 0) {
        process.stderr.write(`flowbench: no test files (*.test.yaml, *.test.yml, *.test.json) under ${paths.length ? paths.join(', ') : root}\n`)
        setExitCode(1)
        return
      }
      // Tests tagged quarantine are reported like any other, but their failures do not fail the run.
      const { countedFailures } = await import('../../../core/runner/model')
      const failed = countedFailures(report) > 0 || report.gates.some((g) => !g.passed) || report.cancelled || (options.faultsStrict === true && (report.faults?.unhandled ?? 0) > 0)
      setExitCode(failed ? 1 : 0)
    })
}

async function writeReport(file: string, text: string): Promise<void> {
  const abs = resolve(file)
  try {
    await mkdir(dirname(abs), { recursive: true })
    await writeFile(abs, text)
  } catch (err) {
    throw new UsageError(`cannot write the report to ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`)
  }
}
