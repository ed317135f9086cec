// The console reporter: live progress while tests run (a status line on a terminal, one
// character per test otherwise), then every failure spelled out and the run's totals.
import type { CoverageRatio, RunEvent, TestCaseReport, TestRunReport, TestSuiteReport } from '../runner/model'
import { describeExpected, isMatcher } from '../runner/matchers'
import { formatMs, formatPercent, location, showValue, stepLabel } from './text'

export interface ConsoleOutput {
  write(text: string): unknown
}

export interface ConsoleReporterOptions {
  /** A terminal: redraw one progress line instead of printing a character per test. */
  tty: boolean
  color: boolean
  /** Failures described in full; the rest are listed by name. */
  maxDetailed?: number
  /**
   * Where warnings about the run itself go (plugins that could not be loaded), one line each, as
   * `finish` writes the report. Without it they are part of the report's text.
   */
  warnings?: ConsoleOutput
}

const MARK: Record<TestCaseReport['status'], string> = { passed: '.', failed: 'F', error: 'E', skipped: '-' }
const DOTS_PER_LINE = 80
const REDRAW_MS = 80

export class ConsoleReporter {
  private dots = 0
  private pending = ''
  private lastDraw = 0
  private progressShown = false

  constructor(
    private readonly out: ConsoleOutput,
    private readonly options: ConsoleReporterOptions,
  ) {}

  private paint(code: string, text: string): string {
    return this.options.color ? `\x1b[${code}m${text}\x1b[0m` : text
  }

  private red = (s: string) => this.paint('31', s)
  private green = (s: string) => this.paint('32', s)
  private yellow = (s: string) => this.paint('33', s)
  private dim = (s: string) => this.paint('2', s)
  private bold = (s: string) => this.paint('1', s)

  onEvent(event: RunEvent): void {
    if (event.kind === 'test') this.progress(event.test.status, event.done, event.total, event.summary)
  }

  private progress(status: TestCaseReport['status'], done: number, total: number, s: TestRunReport['summary']): void {
    if (!this.options.tty) {
      this.pending += MARK[status]
      if (++this.dots % DOTS_PER_LINE === 0) this.pending += '\n'
      // Written in chunks: thousands of one-byte writes cost more than the tests.
      if (this.pending.length >= 400) this.flushDots()
      return
    }
    const now = Date.now()
    if (done < total && now - this.lastDraw < REDRAW_MS) return
    this.lastDraw = now
    this.progressShown = true
    const parts = [`${done}/${total}`, this.green(`${s.passed} passed`)]
    if (s.failed) parts.push(this.red(`${s.failed} failed`))
    if (s.errors) parts.push(this.red(`${s.errors} errored`))
    if (s.skipped) parts.push(this.yellow(`${s.skipped} skipped`))
    this.out.write(`\r\x1b[K${this.dim('running')} ${parts.join(this.dim(' · '))}`)
  }

  private flushDots(): void {
    if (this.pending) this.out.write(this.pending)
    this.pending = ''
  }

  /** Everything after the run: failures, flaky tests, totals, coverage, gates, duration. */
  finish(report: TestRunReport): void {
    if (this.options.tty) {
      if (this.progressShown) this.out.write('\r\x1b[K')
    } else {
      this.flushDots()
      if (this.dots % DOTS_PER_LINE !== 0) this.out.write('\n')
    }
    const warnings = this.options.warnings
    if (warnings) for (const line of this.warningLines(report)) warnings.write(`flowbench: ${line}\n`)
    this.out.write(this.render(report, warnings === undefined))
  }

  /** The report as text; `withWarnings` puts the run's warnings (broken plugins) at its top. */
  render(report: TestRunReport, withWarnings = true): string {
    const lines: string[] = []
    if (withWarnings) for (const line of this.warningLines(report)) lines.push('', this.yellow(line))
    const max = this.options.maxDetailed ?? 50
    let detailed = 0
    const notDetailed: string[] = []
    for (const suite of report.suites) {
      if (suite.error !== undefined) {
        // The file or its flow does not load: one explanation for the whole file.
        lines.push('', ...this.describeSuiteError(suite))
        continue
      }
      for (const test of suite.tests) {
        if (test.status !== 'failed' && test.status !== 'error') continue
        if (detailed >= max) {
          notDetailed.push(`${suite.file} › ${test.name}`)
          continue
        }
        detailed++
        lines.push('', ...this.describeProblem(suite, test))
      }
    }
    if (notDetailed.length) {
      lines.push('', `${notDetailed.length} more not shown in full:`, ...notDetailed.map((n) => `  ${n}`))
    }
    const flaky = report.suites.flatMap((s) => s.tests.filter((t) => t.stability?.flaky).map((t) => ({ s, t })))
    if (flaky.length) {
      lines.push('', this.yellow(this.bold(`Flaky tests (${flaky.length}): the outcome changed between runs`)))
      for (const { s, t } of flaky) {
        const st = t.stability!
        const q = t.quarantined ? ' [quarantined]' : ''
        lines.push(`  ${s.file} › ${t.name}${q}  ${this.dim(`stability ${st.score}: ${st.passed} passed, ${st.failed} failed, ${st.errors} errored of ${st.runs} runs`)}`)
      }
    }
    lines.push('', ...this.summaryLines(report), '')
    return lines.join('\n')
  }

  /** One line per plugin the run could not load (the message names the plugin and what is wrong). */
  private warningLines(report: TestRunReport): string[] {
    return (report.plugins ?? []).map((p) => `warning: ${p.error}`)
  }

  private describeSuiteError(suite: TestSuiteReport): string[] {
    const out = [`${this.red(this.bold('ERROR'))}  ${this.bold(suite.file)} ${this.dim('(the file could not run)')}`]
    for (const l of (suite.error ?? '').split('\n')) out.push(`  ${l}`)
    const named = suite.tests.filter((t) => t.name !== suite.file && t.status === 'error')
    if (named.length) out.push(`  ${this.dim(`its tests, each reported as an error: ${named.map((t) => t.name).join(', ')}`)}`)
    return out
  }

  private describeProblem(suite: TestSuiteReport, test: TestCaseReport): string[] {
    const out: string[] = []
    const head = test.status === 'failed' ? this.red(this.bold('FAILED')) : this.red(this.bold('ERROR'))
    out.push(`${head} ${this.bold(`${suite.file} › ${test.name}`)}${test.quarantined ? ` ${this.yellow('[quarantined: not counted]')}` : ''}`)
    if (test.status === 'error') {
      const where = test.error_step !== undefined ? `step ${test.error_step}: ` : ''
      out.push(`  ${where}${test.error ?? 'the test could not run'}`)
    }
    let lastStep: number | undefined
    for (const f of test.failures) {
      if (f.step !== lastStep) {
        lastStep = f.step
        out.push(`  step ${f.step} · ${stepLabel(f)} · ${this.dim(location(suite.file, f.line, f.column))}`)
      }
      const pad = ' '.repeat(Math.max(1, 16 - f.field.length))
      const expected = isMatcher(f.expected) ? describeExpected(f.expected) : showValue(f.expected)
      out.push(`    ${this.bold(f.field)}${pad}expected ${this.green(expected)}`)
      out.push(`    ${' '.repeat(f.field.length)}${pad}actual   ${this.red(showValue(f.actual))}`)
      if (f.field === 'error' || f.field === 'entities' || f.field === 'slots' || f.field === 'variables' || f.field === 'integration_calls') {
        out.push(`    ${this.dim(f.message)}`)
      }
    }
    if (test.stability) out.push(`  ${this.dim(`worst of ${test.stability.runs} runs: ${test.stability.passed} passed, ${test.stability.failed} failed, ${test.stability.errors} errored`)}`)
    return out
  }

  private summaryLines(report: TestRunReport): string[] {
    const s = report.summary
    const counts = [
      s.passed ? this.green(`${s.passed} passed`) : `${s.passed} passed`,
      s.failed ? this.red(`${s.failed} failed`) : `${s.failed} failed`,
      s.errors ? this.red(`${s.errors} errored`) : `${s.errors} errored`,
      s.skipped ? this.yellow(`${s.skipped} skipped`) : `${s.skipped} skipped`,
    ]
    const lines = [`${this.bold('Tests')}     ${counts.join(', ')} (${s.total} total)`]
    const q = report.quarantined
    if (q?.failed) lines.push(`          ${this.yellow(`${q.failed} quarantined failure${q.failed === 1 ? '' : 's'} (not counted)`)}`)
    const flows = Object.keys(report.coverage)
    if (flows.length) {
      const total = report.coverage_total
      lines.push(`${this.bold('Coverage')}  states ${ratio(total.states)}, transitions ${ratio(total.transitions)}`)
      if (flows.length > 1 || report.coverage[flows[0]!]!.states.uncovered.length || report.coverage[flows[0]!]!.transitions.uncovered.length) {
        for (const flow of flows) {
          const c = report.coverage[flow]!
          lines.push(`  ${flow}  states ${c.states.covered}/${c.states.total}, transitions ${c.transitions.covered}/${c.transitions.total}`)
          if (c.states.uncovered.length) lines.push(`    ${this.dim(`states not entered: ${c.states.uncovered.join(', ')}`)}`)
          if (c.transitions.uncovered.length) lines.push(`    ${this.dim(`transitions not taken: ${c.transitions.uncovered.join(', ')}`)}`)
        }
      }
    }
    for (const g of report.gates) {
      const verdict = g.passed ? this.green('met') : this.red('missed')
      lines.push(`${this.bold('Gate')}      ${g.kind} coverage ${formatPercent(g.actual)} (minimum ${formatPercent(g.minimum)}): ${verdict}`)
    }
    const notes: string[] = []
    if (report.shard) notes.push(`shard ${report.shard.index}/${report.shard.count}`)
    if (report.repeat > 1) notes.push(`each test run ${report.repeat} times`)
    notes.push(report.workers > 1 ? `${report.workers} workers` : 'in-process')
    if (report.bailed) notes.push('stopped by --bail')
    if (report.cancelled) notes.push('cancelled')
    lines.push(`${this.bold('Duration')}  ${formatMs(report.duration_ms)} ${this.dim(`(${notes.join(', ')})`)}`)
    return lines
  }
}

function ratio(r: CoverageRatio): string {
  return `${formatPercent(r.percent)} (${r.covered}/${r.total})`
}
