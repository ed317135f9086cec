// The JSON test report (spec/cli.md): the contract's keys first, in its order, then extras.
import type { TestCaseReport, TestRunReport, TestSuiteReport } from '../runner/model'

function testJson(t: TestCaseReport): Record<string, unknown> {
  const out: Record<string, unknown> = { name: t.name, status: t.status, duration_ms: t.duration_ms, failures: t.failures, tags: t.tags }
  if (t.error !== undefined) out.error = t.error
  if (t.error_step !== undefined) out.error_step = t.error_step
  if (t.skip_reason !== undefined) out.skip_reason = t.skip_reason
  if (t.stability !== undefined) out.stability = t.stability
  if (t.quarantined) out.quarantined = true
  if (t.line !== undefined) { out.line = t.line; out.column = t.column }
  if (t.path !== undefined) out.path = t.path
  if (t.transcript !== undefined) out.transcript = t.transcript
  return out
}

function suiteJson(s: TestSuiteReport): Record<string, unknown> {
  const out: Record<string, unknown> = { file: s.file, flow: s.flow, tests: s.tests.map(testJson), name: s.name, duration_ms: s.duration_ms }
  if (s.error !== undefined) { out.error = s.error; out.line = s.line; out.column = s.column }
  return out
}

/** The report as the JSON document `--reporter json` writes. */
export function toJsonReport(report: TestRunReport): Record<string, unknown> {
  const out: Record<string, unknown> = {
    tool: report.tool,
    version: report.version,
    started_at: report.started_at,
    duration_ms: report.duration_ms,
    summary: report.summary,
    suites: report.suites.map(suiteJson),
    coverage: report.coverage,
    coverage_total: report.coverage_total,
    workers: report.workers,
    repeat: report.repeat,
  }
  if (report.shard) out.shard = report.shard
  out.gates = report.gates
  out.bailed = report.bailed
  out.cancelled = report.cancelled
  if (report.plugins?.length) out.plugins = report.plugins
  if (report.quarantined?.total) out.quarantined = report.quarantined
  if (report.fingerprints) out.fingerprints = report.fingerprints
  if (report.faults) out.faults = report.faults
  return out
}

export function renderJson(report: TestRunReport): string {
  return `${JSON.stringify(toJsonReport(report), null, 2)}\n`
}
