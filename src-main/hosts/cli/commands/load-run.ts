// The implementation of `flowbench load SCENARIO`: a load test of the engine on worker threads
// (spec/cli.md, "Load scenario"). Exit 0 when every threshold held, 1 when one was missed (or
// the run was aborted or interrupted), 2 when the scenario or the command line is wrong.
import { spawnSync } from 'node:child_process'
import { existsSync, statSync } from 'node:fs'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { DocumentParseError, formatProblem } from '../../../core/document/parse'
import { parseDuration } from '../../../core/runner/duration'
import {
  CapacityError,
  LiveView,
  LoadWorkerPool,
  OverrideError,
  compareResults,
  defaultLoadWorkers,
  formatComparison,
  formatSummary,
  isLoadResult,
  loadScenarioFile,
  noMockWarning,
  renderLoadReport,
  unmockedIntegrations,
  runLoadTest,
  searchCapacity,
  withOverrides,
  type Comparison,
  type LoadResult,
  type LoadScenario,
  type ScenarioOverrides,
} from '../../../core/load'
import { UsageError } from '../exit'
import { pluginSpec } from '../plugins'
import { recordLoadRun } from '../history'
import type { SetExitCode } from './index'

export interface LoadOptions {
  json?: string
  html?: string
  workers?: string
  seed?: string
  duration?: string
  rate?: string
  vus?: string
  warmup?: string
  compare?: string
  failOnRegression?: boolean
  capacity?: boolean
  stepDuration: string
  quiet?: boolean
  /** --export k6: write the scenario as a script instead of running it; --out: where. */
  export?: string
  out?: string
  /** false with --no-plugins. */
  plugins: boolean
  /** false with --no-history. */
  history: boolean
  pluginDir?: string[]
}

function positiveInteger(value: string, option: string, min = 1): number {
  const n = Number(value)
  if (!/^\s*\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new UsageError(`${option} must be a whole number of at least ${min}, got "${value}"`)
  return n
}

function positiveNumber(value: string, option: string): number {
  const n = Number(value)
  if (!/^\s*\d+(\.\d+)?\s*$/.test(value) || !(n > 0)) throw new UsageError(`${option} must be a number above 0, got "${value}"`)
  return n
}

function durationOption(value: string, option: string): number {
  const ms = parseDuration(value)
  if (ms === undefined || ms <= 0) throw new UsageError(`${option} must be a duration such as "10s", "500ms" or "2m", got "${value}"`)
  return ms
}

/** The workspace's commit for the report ("-dirty" with uncommitted changes); "unknown" outside git. */
function gitCommit(folder: string): string {
  try {
    const r = spawnSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: folder, encoding: 'utf8', timeout: 3000 })
    if (r.status !== 0) return 'unknown'
    const head = r.stdout.trim()
    if (!head) return 'unknown'
    const dirty = spawnSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: folder, encoding: 'utf8', timeout: 3000 })
    return dirty.status === 0 && dirty.stdout.trim() ? `${head}-dirty` : head
  } catch {
    return 'unknown'
  }
}

async function loadScenario(path: string): Promise<LoadScenario> {
  const abs = resolve(path)
  if (!existsSync(abs)) throw new UsageError(`${path} does not exist`)
  if (statSync(abs).isDirectory()) throw new UsageError(`${path} is a folder: give a scenario file (*.load.yaml)`)
  try {
    return await loadScenarioFile(abs)
  } catch (err) {
    if (err instanceof DocumentParseError) throw new UsageError(err.problems.map(formatProblem).join('\n'))
    throw err
  }
}

async function readBaseline(path: string): Promise<LoadResult> {
  const abs = resolve(path)
  let text: string
  try {
    text = await readFile(abs, 'utf8')
  } catch {
    throw new UsageError(`--compare: cannot read ${path}`)
  }
  let value: unknown
  try {
    value = JSON.parse(text)
  } catch (err) {
    throw new UsageError(`--compare: ${path} is not JSON (${(err as Error).message})`)
  }
  if (!isLoadResult(value)) throw new UsageError(`--compare: ${path} is not a result of \`flowbench load --json\``)
  return value
}

async function writeOutput(path: string, text: string): Promise<void> {
  if (path === '-') {
    process.stdout.write(text)
    return
  }
  const abs = resolve(path)
  await mkdir(dirname(abs), { recursive: true })
  await writeFile(abs, text)
}

function overridesFrom(o: LoadOptions): ScenarioOverrides {
  const out: ScenarioOverrides = {}
  if (o.seed !== undefined) out.seed = positiveInteger(o.seed, '--seed', 0)
  if (o.duration !== undefined) out.duration_ms = durationOption(o.duration, '--duration')
  if (o.rate !== undefined) out.rate = positiveNumber(o.rate, '--rate')
  if (o.vus !== undefined) out.vus = positiveInteger(o.vus, '--vus')
  if (o.workers !== undefined) out.workers = positiveInteger(o.workers, '--workers')
  if (o.warmup !== undefined) out.warmup_ms = o.warmup.trim() === '0' ? 0 : durationOption(o.warmup, '--warmup')
  return out
}

/** `flowbench load`, loaded only when the command runs (the load tester is the CLI's heaviest part). */
export async function runLoadCommand(scenarioPath: string, o: LoadOptions, setExitCode: SetExitCode): Promise<void> {
    const overrides = overridesFrom(o)
    const baseline = o.compare !== undefined ? await readBaseline(o.compare) : undefined
    let scenario = await loadScenario(scenarioPath)
    try {
      scenario = withOverrides(scenario, overrides)
    } catch (err) {
      if (err instanceof OverrideError) throw new UsageError(err.message)
      throw err
    }
    // --export writes the scenario (with --duration/--rate/--vus applied) for another load tool instead of running it.
    if (o.export !== undefined) {
      await exportScenario(scenario, o.export, o.out)
      setExitCode(0)
      return
    }
    // The workspace's plugins answer what the scenario does not mock (as under `flowbench test`).
    scenario = { ...scenario, plan: { ...scenario.plan, plugins: pluginSpec(scenario.root, o) } }
    const summaryOut = o.json === '-' ? process.stderr : process.stdout
    // Whether a plugin answers an unmocked integration is known once the workers loaded them:
    // the summary says it either way.
    const deferred = new Set(unmockedIntegrations(scenario.plan).map(noMockWarning))
    for (const w of scenario.warnings) if (!deferred.has(w)) process.stderr.write(`flowbench: warning: ${w}\n`)
    const workers = scenario.plan.profile.workers ?? defaultLoadWorkers()
    const commit = gitCommit(scenario.root)

    const controller = new AbortController()
    const onSignal = (): void => controller.abort()
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    try {
      if (o.capacity) {
        const stepMs = durationOption(o.stepDuration, '--step-duration')
        await runCapacity(scenario, { workers, commit, stepMs, json: o.json, quiet: !!o.quiet, signal: controller.signal, setExitCode })
        return
      }
      const view = o.quiet ? undefined : new LiveView(process.stderr)
      const result = await runLoadTest(scenario, {
        workers,
        commit,
        signal: controller.signal,
        ...(view ? { onProgress: (s) => view.update(s) } : {}),
      })
      view?.end()
      await recordLoadRun(result, scenario.root, scenario.file, { history: o.history })
      let comparison: Comparison | undefined
      if (baseline) comparison = compareResults(result, baseline)
      const out = comparison ? { ...result, comparison } : result
      if (o.json !== undefined) await writeOutput(o.json, `${JSON.stringify(out, null, 2)}\n`)
      if (o.html !== undefined) await writeOutput(o.html, renderLoadReport(result, comparison))
      summaryOut.write(formatSummary(result))
      if (comparison) summaryOut.write(formatComparison(comparison))
      const regressed = !!comparison?.regressed && !!o.failOnRegression
      setExitCode(result.passed && !regressed ? 0 : 1)
    } finally {
      process.off('SIGINT', onSignal)
      process.off('SIGTERM', onSignal)
    }
}

async function runCapacity(
  scenario: LoadScenario,
  o: { workers: number; commit: string; stepMs: number; json?: string; quiet: boolean; signal: AbortSignal; setExitCode: SetExitCode },
): Promise<void> {
  const profile = scenario.plan.profile
  const startRate = profile.rate ?? Math.max(1, profile.start_rate ?? 0, ...profile.stages.map((s) => s.target))
  if (!profile.executor.endsWith('arrival-rate')) throw new UsageError('--capacity steps an arrival rate: give the scenario an arrival-rate executor (its rate is the first step)')
  const pool = new LoadWorkerPool({ threads: o.workers })
  try {
    const found = await searchCapacity(scenario, {
      startRate,
      stepDurationMs: o.stepMs,
      run: (s) => {
        if (o.signal.aborted) throw new CapacityError('interrupted')
        return runLoadTest(s, { channel: pool, commit: o.commit, signal: o.signal })
      },
      onStep: (step) => {
        if (!o.quiet) {
          process.stderr.write(`  ${String(step.rate).padStart(9)} conv/s  ${step.held ? 'held  ' : 'FAILED'}  ${step.turns_per_s} turns/s  p99 ${step.p99_ms} ms  errors ${step.error_rate_pct}%${step.failures.length ? `  (${step.failures.join('; ')})` : ''}\n`)
        }
      },
    }).catch((err: unknown) => {
      if (err instanceof CapacityError) throw new UsageError(err.message)
      throw err
    })
    const report = { tool: 'flowbench', kind: 'load-capacity', scenario: scenario.file, step_duration_ms: o.stepMs, workers: o.workers, ...found }
    if (o.json !== undefined) await writeOutput(o.json, `${JSON.stringify(report, null, 2)}\n`)
    const out = o.json === '-' ? process.stderr : process.stdout
    out.write(found.highest_held_rate === null
      ? `capacity: even ${found.steps[0]?.rate} conv/s missed the thresholds\n`
      : `capacity: ${found.highest_held_rate} conv/s held${found.lowest_failed_rate !== null ? `; ${found.lowest_failed_rate} conv/s failed` : ' (the highest rate tried)'}\n`)
    o.setExitCode(found.highest_held_rate === null ? 1 : 0)
  } finally {
    await pool.destroy()
  }
}

/** `--export k6 [--out FILE]`: the scenario as a k6 script (docs/bot-server.md); what k6 cannot reproduce goes to stderr. */
async function exportScenario(scenario: LoadScenario, format: string, out: string | undefined): Promise<void> {
  if (format !== 'k6') throw new UsageError(`--export takes k6 (the only format so far), got "${format}"`)
  const { exportK6 } = await import('../../../core/bot/k6')
  const { script, warnings } = exportK6(scenario)
  for (const w of warnings) process.stderr.write(`flowbench: warning: not in the k6 script: ${w}\n`)
  await writeOutput(out ?? '-', script)
  if (out !== undefined && out !== '-') process.stderr.write(`flowbench: wrote the k6 script to ${out}\n`)
}
