// Small renderings shared by the reporters: locations, values, durations, percentages.
import type { Failure, TestCaseReport, TestSuiteReport } from '../runner/model'

/** `file:line:col`, or the file alone when the position is unknown. */
export function location(file: string, line?: number, column?: number): string {
  return line === undefined ? file : `${file}:${line}:${column ?? 1}`
}

/** A value as the test would write it (JSON), shortened when long. */
export function showValue(v: unknown, max = 300): string {
  if (v === undefined) return 'nothing'
  let s: string
  try {
    s = JSON.stringify(v) ?? String(v)
  } catch {
    s = String(v)
  }
  return s.length > max ? `${s.slice(0, max - 3)}...` : s
}

export function formatMs(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  return `${(ms / 1000).toFixed(2)} s`
}

export function formatPercent(p: number): string {
  return `${p.toFixed(1)}%`
}

/** What the step did, for failure headings: `user "I need help"`, `event approve`, `wait 30s`, `start`. */
export function stepLabel(failure: Pick<Failure, 'step' | 'input' | 'action'>): string {
  if (failure.input !== null && failure.input !== undefined) return `user ${showValue(failure.input)}`
  if (failure.action === 'approve' || failure.action === 'reject') return `event ${failure.action}`
  return failure.action ?? 'step'
}

/** `tests/x.test.yaml › name`. */
export function fullTitle(suite: TestSuiteReport, test: TestCaseReport): string {
  return `${suite.file} › ${test.name}`
}
