import { describe, expect, it } from 'vitest'
import { ConsoleReporter } from '../../../src-main/core/reporters/console'
import type { RunEvent } from '../../../src-main/core/runner/model'
import { sampleReport } from './sample'

function capture(tty: boolean): { out: string[]; reporter: ConsoleReporter } {
  const out: string[] = []
  return { out, reporter: new ConsoleReporter({ write: (s: string) => out.push(s) }, { tty, color: false }) }
}

function feed(reporter: ConsoleReporter): void {
  const report = sampleReport()
  let done = 0
  const total = report.summary.total
  for (const suite of report.suites) {
    for (const test of suite.tests) {
      done++
      const event: RunEvent = { kind: 'test', file: suite.file, test, done, total, summary: report.summary }
      reporter.onEvent(event)
    }
  }
  reporter.finish(report)
}

describe('console reporter', () => {
  it('prints one character per test when not on a terminal', () => {
    const { out, reporter } = capture(false)
    feed(reporter)
    expect(out.join('').split('\n')[0]).toBe('.FE-E')
  })

  it('redraws one progress line on a terminal', () => {
    const { out, reporter } = capture(true)
    feed(reporter)
    expect(out.join('')).toContain('\r\x1b[K')
    expect(out.join('')).not.toContain('.FE-E')
  })

  it('spells out each failure: test, step, input, field, expected vs actual, file:line', () => {
    const { out, reporter } = capture(false)
    feed(reporter)
    const text = out.join('')
    expect(text).toContain('FAILED tests/support.test.yaml › falls back <badly> & "loudly"')
    expect(text).toContain('step 1 · user "I need help" · tests/support.test.yaml:15:9')
    expect(text).toMatch(/state\s+expected "help_response"/)
    expect(text).toMatch(/actual\s+"fallback_response"/)
    expect(text).toContain('ERROR tests/support.test.yaml › strict miss')
    expect(text).toContain('step 0: nlu_strict')
    expect(text).toContain('tests/broken.test.yaml:3:5 unexpected end of the stream')
  })

  it('ends with the counts, coverage, the gates and the duration', () => {
    const { out, reporter } = capture(false)
    feed(reporter)
    const text = out.join('')
    expect(text).toContain('Tests     1 passed, 1 failed, 2 errored, 1 skipped (5 total)')
    expect(text).toContain('Coverage  states 75.0% (3/4), transitions 40.0% (2/5)')
    expect(text).toContain('states not entered: goodbye')
    expect(text).toContain('states coverage 75.0% (minimum 80.0%): missed')
    expect(text).toMatch(/Duration {2}1\.23 s/)
  })
})
