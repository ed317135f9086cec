// exportRun(): any run (test or load) as a report file in one of five formats. Redaction works on
// the run's data before anything is rendered, so every format carries the same placeholders.
import type { ReportFormat } from '../../common/api-reports'
import { renderLoadReport } from '../load/html'
import type { LoadResult } from '../load/result'
import { redactionLine, renderHtml } from '../reporters/html'
import { toJsonReport } from '../reporters/json'
import { escapeXml, renderJUnit } from '../reporters/junit'
import type { TestRunReport } from '../runner/model'
import { flowGraphs } from './graph'
import { loadMarkdown, testMarkdown } from './markdown'
import { findChromium, printPdf } from './pdf'
import { Redactor, redactLoadResult, redactTestReport, type RedactionPattern, type RedactionSummary } from './redact'
import type { LoadedRun } from './source'

export interface ExportRunOptions {
  /** Replace personal data by placeholders (on by default everywhere; the caller says when not). */
  redact: boolean
  /** Configured and extra patterns, beyond emails and phone numbers. */
  patterns?: readonly RedactionPattern[]
  /** The browser that prints PDFs ($FLOWBENCH_CHROMIUM, read by the host); else the usual locations. */
  chromium?: string
}

export interface ExportedRun {
  fileName: string
  mimeType: string
  content: string | Buffer
  redaction: RedactionSummary
}

const MIME: Record<ReportFormat, string> = {
  html: 'text/html',
  junit: 'application/xml',
  json: 'application/json',
  md: 'text/markdown',
  pdf: 'application/pdf',
}
const EXTENSION: Record<ReportFormat, string> = { html: 'html', junit: 'xml', json: 'json', md: 'md', pdf: 'pdf' }

/** The run with personal data replaced (or as it is), and what was replaced. */
export function redactRun(run: LoadedRun, options: Pick<ExportRunOptions, 'redact' | 'patterns'>): { run: LoadedRun; redaction: RedactionSummary } {
  if (!options.redact) return { run, redaction: { redacted: false, counts: {}, occurrences: 0 } }
  const r = new Redactor(options.patterns ?? [])
  const redacted: LoadedRun = run.kind === 'test' ? { ...run, report: redactTestReport(run.report, r) } : { ...run, result: redactLoadResult(run.result, r) }
  return { run: redacted, redaction: r.summary() }
}

/** `flowbench-<run>-test.html`: the run id (or result file's name) made safe for a file name. */
export function reportFileName(run: LoadedRun, format: ReportFormat): string {
  const base = run.id.split(/[\\/]/).pop()!.replace(/\.json$/i, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '') || 'run'
  const suffix = format === 'junit' ? '-junit' : ''
  return `flowbench-${base}${suffix}.${EXTENSION[format]}`
}

/** A load run in JUnit: each threshold is a testcase, so CI shows a missed one as a failure. */
function loadJUnit(r: LoadResult): string {
  const failures = r.thresholds.filter((t) => !t.passed).length
  const seconds = (r.duration_ms / 1000).toFixed(3)
  const cases = r.thresholds.map((t) => {
    const open = `    <testcase name="${escapeXml(`${t.name} ${t.condition}`)}" classname="${escapeXml(r.scenario)}" time="0.000"`
    if (t.passed) return `${open}/>`
    const message = `${t.name}: ${t.value === null ? 'no data' : `${t.value} ${t.unit}`}, expected ${t.condition}${t.note ? ` (${t.note})` : ''}`
    return `${open}>\n      <failure message="${escapeXml(message)}" type="threshold">${escapeXml(message)}</failure>\n    </testcase>`
  })
  const summary = `turns ${r.totals.turns}, throughput ${r.throughput.turns_per_s}/s, p50 ${r.turn_latency_ms.p50} ms, p95 ${r.turn_latency_ms.p95} ms, p99 ${r.turn_latency_ms.p99} ms, errors ${r.totals.errors}`
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="flowbench load" tests="${r.thresholds.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${escapeXml(r.started_at)}">`,
    `  <testsuite name="${escapeXml(r.scenario)}" id="0" tests="${r.thresholds.length}" failures="${failures}" errors="0" skipped="0" time="${seconds}" timestamp="${escapeXml(r.started_at)}">`,
    ...cases,
    `    <system-out>${escapeXml(summary)}</system-out>`,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n')
}

async function testHtml(report: TestRunReport, workspace: string | null, redaction: RedactionSummary): Promise<string> {
  const { graphs, notes } = await flowGraphs(workspace ?? (report.workspace || null), report.coverage)
  return renderHtml(report, { graphs, graphNotes: notes, redaction })
}

export async function renderRunHtml(run: LoadedRun, redaction: RedactionSummary): Promise<string> {
  return run.kind === 'test' ? testHtml(run.report, run.workspace, redaction) : renderLoadReport(run.result, undefined, { redaction: redactionLine(redaction) })
}

export async function exportRun(source: LoadedRun, format: ReportFormat, options: ExportRunOptions): Promise<ExportedRun> {
  const { run, redaction } = redactRun(source, options)
  const line = redactionLine(redaction)
  let content: string | Buffer
  switch (format) {
    case 'html':
      content = await renderRunHtml(run, redaction)
      break
    case 'pdf': {
      const executablePath = findChromium(options.chromium)
      content = (await printPdf(await renderRunHtml(run, redaction), { executablePath })).pdf
      break
    }
    case 'json': {
      const body = run.kind === 'test' ? toJsonReport(run.report) : { ...run.result }
      content = `${JSON.stringify({ ...body, redaction: { redacted: redaction.redacted, counts: redaction.counts } }, null, 2)}\n`
      break
    }
    case 'junit': {
      // The JUnit schema has no place for it: the redaction line is a comment after the declaration.
      const xml = run.kind === 'test' ? renderJUnit(run.report) : loadJUnit(run.result)
      content = xml.replace(/^(<\?xml[^>]*\?>\n)/, `$1<!-- ${line.replace(/--/g, '- -')} -->\n`)
      break
    }
    case 'md':
      content = run.kind === 'test' ? testMarkdown(run.report, line) : loadMarkdown(run.result, line)
      break
  }
  return { fileName: reportFileName(run, format), mimeType: MIME[format], content, redaction }
}
