// JUnit XML as CI servers read it: testsuites > testsuite > testcase with failure / error /
// skipped, counts and times in seconds. A suite that could not run is one errored testcase.
import type { TestCaseReport, TestRunReport, TestSuiteReport, TranscriptTurn } from '../runner/model'
import { location, showValue, stepLabel } from './text'

// XML 1.0 allows tab, LF, CR and U+0020 upwards (minus surrogates and U+FFFE/U+FFFF); anything
// else cannot be escaped and is dropped.
const INVALID_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g

export function escapeXml(text: string): string {
  return text
    .replace(INVALID_XML, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;')
    .replace(/\r/g, '&#13;')
}

/** Attribute values also keep their line breaks and tabs (an XML parser would fold them into spaces). */
function attr(text: string): string {
  return escapeXml(text).replace(/\n/g, '&#10;').replace(/\t/g, '&#9;')
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3)
}

function counts(tests: readonly TestCaseReport[]): { failures: number; errors: number; skipped: number } {
  let failures = 0
  let errors = 0
  let skipped = 0
  for (const t of tests) {
    if (t.status === 'failed') failures++
    else if (t.status === 'error') errors++
    else if (t.status === 'skipped') skipped++
  }
  return { failures, errors, skipped }
}

function failureBody(suite: TestSuiteReport, test: TestCaseReport): string {
  return test.failures
    .map((f) => `step ${f.step} (${stepLabel(f)}) at ${location(suite.file, f.line, f.column)}\n  ${f.field}: expected ${showValue(f.expected, 2000)}\n  ${' '.repeat(f.field.length)}  actual   ${showValue(f.actual, 2000)}\n  ${f.message}`)
    .join('\n\n')
}

/** The conversation as plain text for `<system-out>`: what the user did, what the bot said, where it went. */
export function transcriptText(transcript: readonly TranscriptTurn[]): string {
  const lines: string[] = []
  for (const t of transcript) {
    const did = t.step === null ? 'start' : t.event === 'message' ? `step ${t.step} user: ${t.input ?? ''}` : `step ${t.step} ${t.event}`
    lines.push(`${did}  → ${t.state}${t.ended ? ' (ended)' : ''}`)
    for (const r of t.replies) lines.push(`  bot: ${r.text}`)
    for (const e of t.errors) lines.push(`  error ${e.code}: ${e.message}`)
  }
  return lines.join('\n')
}

/** `--repeat` and quarantine, as testcase properties: stability (the JSON object), its score, flaky, quarantined. */
function testProperties(test: TestCaseReport): string {
  const props: string[] = []
  if (test.stability) {
    props.push(`<property name="stability" value="${attr(JSON.stringify(test.stability))}"/>`)
    props.push(`<property name="stability_score" value="${test.stability.score}"/>`)
    props.push(`<property name="flaky" value="${test.stability.flaky}"/>`)
  }
  if (test.quarantined) props.push('<property name="quarantined" value="true"/>')
  return props.length ? `\n      <properties>${props.join('')}</properties>` : ''
}

function testcase(suite: TestSuiteReport, test: TestCaseReport): string {
  const attrs = [
    `name="${attr(test.name)}"`,
    `classname="${attr(suite.file)}"`,
    `time="${seconds(test.duration_ms)}"`,
    `file="${attr(suite.file)}"`,
  ]
  if (test.line !== undefined) attrs.push(`line="${test.line}"`)
  const open = `    <testcase ${attrs.join(' ')}`
  const out = test.transcript?.length ? `\n      <system-out>${escapeXml(transcriptText(test.transcript))}</system-out>` : ''
  const props = testProperties(test)
  if (test.status === 'passed') return out || props ? `${open}>${props}${out}\n    </testcase>` : `${open}/>`
  let inner: string
  if (test.status === 'failed') {
    const first = test.failures[0]
    const message = first ? first.message : 'failed'
    inner = `<failure message="${attr(message)}" type="${attr(first?.field ?? 'failure')}">${escapeXml(failureBody(suite, test))}</failure>`
  } else if (test.status === 'error') {
    const message = test.error ?? 'the test could not run'
    inner = `<error message="${attr(message.split('\n')[0]!)}" type="error">${escapeXml(message)}</error>`
  } else {
    inner = `<skipped message="${attr(test.skip_reason ?? 'skipped')}"/>`
  }
  return `${open}>${props}\n      ${inner}${out}\n    </testcase>`
}

export function renderJUnit(report: TestRunReport): string {
  const s = report.summary
  const out: string[] = ['<?xml version="1.0" encoding="UTF-8"?>']
  out.push(`<testsuites name="flowbench" tests="${s.total}" failures="${s.failed}" errors="${s.errors}" skipped="${s.skipped}" time="${seconds(report.duration_ms)}" timestamp="${attr(report.started_at)}">`)
  report.suites.forEach((suite, id) => {
    const c = counts(suite.tests)
    out.push(`  <testsuite name="${attr(suite.name)}" id="${id}" tests="${suite.tests.length}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${seconds(suite.duration_ms)}" timestamp="${attr(report.started_at)}" file="${attr(suite.file)}">`)
    if (suite.flow) out.push(`    <properties><property name="flow" value="${attr(suite.flow)}"/></properties>`)
    for (const test of suite.tests) out.push(testcase(suite, test))
    out.push('  </testsuite>')
  })
  out.push('</testsuites>', '')
  return out.join('\n')
}
