// The HTML report: one self-contained page (inline CSS and a little inline JS, nothing loaded
// from anywhere), readable offline: totals, each failure with expected vs actual and the
// conversation that led to it, every suite's tests, and coverage per flow.
import type { Failure, FlowCoverage, TestCaseReport, TestRunReport, TestSuiteReport, TranscriptTurn } from '../runner/model'
import { formatMs, formatPercent, location, showValue, stepLabel } from './text'
import { faultSection } from '../faults/report'

/** Escapes text for HTML; `://` is written as an entity so no address in a reply reads as a link to load. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;')
    .replace(/:\/\//g, '&#58;//')
}

const h = escapeHtml

const STYLE = `
:root{--fg:#1d2330;--muted:#5f6b7a;--line:#dfe3ea;--bg:#f6f7f9;--card:#fff;--pass:#1a7f37;--fail:#cf222e;--err:#9a3412;--skip:#8a6d00;--accent:#3451b2}
*{box-sizing:border-box}
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);background:var(--bg)}
header{background:var(--card);border-bottom:1px solid var(--line);padding:20px 32px}
header h1{margin:0 0 4px;font-size:20px}
header .meta{color:var(--muted);font-size:13px}
main{padding:24px 32px;max-width:1200px}
section{margin-bottom:28px}
h2{font-size:16px;margin:0 0 12px}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin-top:14px}
.card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:10px 16px;min-width:110px}
.card b{display:block;font-size:22px}
.card.passed b{color:var(--pass)}.card.failed b{color:var(--fail)}.card.error b{color:var(--err)}.card.skipped b{color:var(--skip)}
.box{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 18px;margin-bottom:12px}
.badge{display:inline-block;font-size:11px;font-weight:600;text-transform:uppercase;letter-spacing:.03em;border-radius:4px;padding:1px 6px;color:#fff}
.badge.passed{background:var(--pass)}.badge.failed{background:var(--fail)}.badge.error{background:var(--err)}.badge.skipped{background:var(--skip)}
.badge.flaky{background:#6e40c9}.badge.quarantined{background:#8a6d00}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
th{color:var(--muted);font-weight:600}
code,.mono{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:12.5px}
.expected{color:var(--pass)}.actual{color:var(--fail)}
.muted{color:var(--muted)}
.where{color:var(--muted);font-size:12px}
pre{white-space:pre-wrap;margin:6px 0;background:var(--bg);padding:8px;border-radius:6px}
details>summary{cursor:pointer;color:var(--accent);margin-top:8px}
.toolbar{display:flex;gap:8px;align-items:center;margin-bottom:12px;flex-wrap:wrap}
.toolbar button{border:1px solid var(--line);background:var(--card);border-radius:6px;padding:4px 10px;cursor:pointer;font:inherit}
.toolbar button.on{background:var(--accent);border-color:var(--accent);color:#fff}
.toolbar input{border:1px solid var(--line);border-radius:6px;padding:4px 8px;font:inherit;min-width:220px}
.bar{height:8px;background:var(--line);border-radius:4px;overflow:hidden;min-width:120px}
.bar>span{display:block;height:100%;background:var(--pass)}
.turn-step{color:var(--muted);white-space:nowrap}
.reply{display:block}
.err{color:var(--err)}
tr.hidden{display:none}
.redaction{margin-top:10px;font-size:13px;color:var(--muted)}
.redaction b{color:var(--fg)}
.flow-graph{display:block;margin:10px 0;background:var(--bg);border:1px solid var(--line);border-radius:6px}
.flow-graph .fg-edge path{fill:none;stroke-width:1.6}
.flow-graph .fg-edge.covered path{stroke:var(--pass)}
.flow-graph .fg-edge.uncovered path{stroke:var(--fail);stroke-dasharray:5 3}
.flow-graph .fg-arrow.covered{fill:var(--pass)}.flow-graph .fg-arrow.uncovered{fill:var(--fail)}
.flow-graph .fg-label rect{fill:var(--card);stroke:var(--line)}
.flow-graph .fg-label text{font-size:10px;fill:var(--muted)}
.flow-graph .fg-node .box{fill:var(--card);stroke-width:2}
.flow-graph .fg-node.covered .box{stroke:var(--pass);fill:#eaf6ec}
.flow-graph .fg-node.uncovered .box{stroke:var(--fail);fill:#fdecee;stroke-dasharray:5 3}
.flow-graph .fg-node.missing .box{stroke:var(--err);stroke-dasharray:4 3}
.flow-graph .fg-node .name{font-size:12.5px;font-weight:600;fill:var(--fg)}
.flow-graph .fg-node .type{font-size:11px;fill:var(--muted)}
.flow-graph .fg-start rect{fill:var(--accent)}.flow-graph .fg-start text{font-size:9px;fill:#fff}
.legend{display:flex;gap:16px;font-size:12px;color:var(--muted)}
.legend i{display:inline-block;width:12px;height:12px;border-radius:3px;border:2px solid;vertical-align:-2px;margin-right:4px}
.legend i.covered{border-color:var(--pass);background:#eaf6ec}.legend i.uncovered{border-color:var(--fail);border-style:dashed;background:#fdecee}
@media print{details>summary{display:none}details{display:block}.toolbar{display:none}body{background:#fff}}
table.tests td:nth-child(1){width:120px;white-space:nowrap}
table.tests td:nth-child(2){width:40%}
table.tests td:nth-child(3){width:80px;white-space:nowrap}
`

const SCRIPT = `
(function(){
  var filter='all', query='';
  function apply(){
    var rows=document.querySelectorAll('tr[data-status]');
    for(var i=0;i<rows.length;i++){
      var r=rows[i], s=r.getAttribute('data-status'), n=r.getAttribute('data-name')||'';
      var show=(filter==='all'||s===filter)&&(query===''||n.indexOf(query)>=0);
      r.className=show?'':'hidden';
    }
  }
  var buttons=document.querySelectorAll('.toolbar button');
  for(var i=0;i<buttons.length;i++){
    buttons[i].addEventListener('click',function(e){
      filter=e.target.getAttribute('data-filter');
      for(var j=0;j<buttons.length;j++) buttons[j].classList.toggle('on',buttons[j]===e.target);
      apply();
    });
  }
  var box=document.getElementById('search');
  if(box) box.addEventListener('input',function(){query=box.value.toLowerCase();apply();});
})();
`

function badge(status: string, label = status): string {
  return `<span class="badge ${h(status)}">${h(label)}</span>`
}

function value(v: unknown): string {
  return `<code>${h(showValue(v, 2000))}</code>`
}

function failureTable(suite: TestSuiteReport, failures: readonly Failure[]): string {
  const rows = failures.map((f) => `<tr>
<td class="mono">${f.step}</td>
<td>${h(stepLabel(f))}<div class="where">${h(location(suite.file, f.line, f.column))}</div></td>
<td class="mono">${h(f.field)}</td>
<td class="expected">${value(f.expected)}</td>
<td class="actual">${value(f.actual)}</td>
<td>${h(f.message)}</td></tr>`)
  return `<table><thead><tr><th>step</th><th>did</th><th>field</th><th>expected</th><th>actual</th><th>message</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function turnInput(t: TranscriptTurn): string {
  if (t.event === 'message') return `user: ${h(showValue(t.input))}`
  if (t.event === 'wait') return 'wait'
  return h(t.event)
}

function transcriptTable(transcript: readonly TranscriptTurn[]): string {
  const rows = transcript.map((t) => {
    const replies = t.replies.length ? t.replies.map((r) => `<span class="reply">${h(r.text)}</span>`).join('') : '<span class="muted">no reply</span>'
    const errors = t.errors.map((e) => `<div class="err">${h(e.code)}: ${h(e.message)}</div>`).join('')
    const intent = t.intent === null ? '<span class="muted">none</span>' : `${h(t.intent)}${t.confidence !== null && t.confidence !== undefined ? ` <span class="muted">${t.confidence.toFixed(2)}</span>` : ''}`
    return `<tr><td class="turn-step">${t.step === null ? 'start' : `step ${t.step}`}</td><td>${turnInput(t)}</td><td>${replies}${errors}</td><td class="mono">${h(t.state)}${t.ended ? ' <span class="muted">(ended)</span>' : ''}</td><td class="mono">${h(t.path.join(' → '))}</td><td>${intent}</td></tr>`
  })
  return `<table><thead><tr><th></th><th>input</th><th>bot</th><th>state</th><th>path</th><th>intent</th></tr></thead><tbody>${rows.join('')}</tbody></table>`
}

function problemBox(suite: TestSuiteReport, test: TestCaseReport): string {
  const parts: string[] = []
  const flaky = `${test.stability?.flaky ? ` ${badge('flaky')}` : ''}${test.quarantined ? ` ${badge('quarantined')}` : ''}`
  parts.push(`<div>${badge(test.status)}${flaky} <b>${h(test.name)}</b> <span class="where">${h(location(suite.file, test.line, test.column))}</span></div>`)
  if (test.error !== undefined) parts.push(`<pre>${test.error_step !== undefined ? `step ${test.error_step}: ` : ''}${h(test.error)}</pre>`)
  if (test.failures.length) parts.push(failureTable(suite, test.failures))
  if (test.stability) {
    const st = test.stability
    parts.push(`<div class="muted">Worst of ${st.runs} runs: ${st.passed} passed, ${st.failed} failed, ${st.errors} errored (stability ${st.score}).</div>`)
  }
  if (test.quarantined) {
    parts.push('<div class="muted">Quarantined (tag quarantine): this failure does not fail the run.</div>')
  }
  if (test.transcript?.length) parts.push(`<details open><summary>Conversation (${test.transcript.length} turns)</summary>${transcriptTable(test.transcript)}</details>`)
  return `<div class="box">${parts.join('')}</div>`
}

/** A test file that does not load (or whose flow does not): one box for the whole file. */
function suiteErrorBox(suite: TestSuiteReport): string {
  const named = suite.tests.filter((t) => t.name !== suite.file)
  const tests = named.length ? `<div class="muted">Its tests, each reported as an error: ${named.map((t) => h(t.name)).join(', ')}</div>` : ''
  return `<div class="box"><div>${badge('error')} <b>${h(suite.file)}</b> <span class="where">${h(location(suite.file, suite.line, suite.column))}</span></div><pre>${h(suite.error ?? '')}</pre>${tests}</div>`
}

function bar(percent: number): string {
  return `<div class="bar" title="${formatPercent(percent)}"><span style="width:${Math.max(0, Math.min(100, percent)).toFixed(1)}%"></span></div>`
}

function pct(covered: number, total: number): number {
  return total === 0 ? 100 : (covered / total) * 100
}

/** What an exported report adds to the run's own report (src-main/core/reports). */
export interface HtmlReportExtras {
  /** Inline SVG of each flow's graph, coloured by coverage, keyed by flow path. */
  graphs?: Record<string, string>
  /** Why a flow's graph is missing, keyed by flow path. */
  graphNotes?: Record<string, string>
  /** Shown in the header: whether personal data was replaced, and how much of each kind. */
  redaction?: { redacted: boolean; counts: Record<string, number>; occurrences: number }
}

const KIND_LABEL: Record<string, [string, string]> = { email: ['email address', 'email addresses'], phone: ['phone number', 'phone numbers'] }

/** The header line about redaction: on or off, and the distinct values replaced per kind. */
export function redactionLine(r: NonNullable<HtmlReportExtras['redaction']>): string {
  if (!r.redacted) return 'Not redacted: this report may contain personal data (emails, phone numbers).'
  const rank = (k: string): string => (k === 'email' ? '0' : k === 'phone' ? '1' : `2${k}`)
  const kinds = Object.entries(r.counts).filter(([, n]) => n > 0).sort(([a], [b]) => rank(a).localeCompare(rank(b)))
  if (!kinds.length) return 'Redacted: emails, phone numbers and configured patterns were searched for; none found.'
  const label = (k: string, n: number): string => `${n} ${(KIND_LABEL[k] ?? [`${k} value`, `${k} values`])[n === 1 ? 0 : 1]}`
  return `Redacted: ${kinds.map(([k, n]) => label(k, n)).join(', ')} replaced by placeholders (${r.occurrences} occurrence${r.occurrences === 1 ? '' : 's'}).`
}

function coverageGraphs(extras: HtmlReportExtras): string {
  const flows = [...new Set([...Object.keys(extras.graphs ?? {}), ...Object.keys(extras.graphNotes ?? {})])].sort()
  if (!flows.length) return ''
  const legend = '<div class="legend"><span><i class="covered"></i>entered / taken</span><span><i class="uncovered"></i>not entered / not taken</span></div>'
  const boxes = flows.map((flow) => {
    const svg = extras.graphs?.[flow]
    const note = extras.graphNotes?.[flow]
    return `<div class="box"><b class="mono">${h(flow)}</b>${svg ?? ''}${note ? `<div class="muted">${h(note)}</div>` : ''}</div>`
  })
  return `<section><h2>Flow graphs</h2>${legend}${boxes.join('')}</section>`
}

function coverageSection(coverage: Record<string, FlowCoverage>): string {
  const flows = Object.keys(coverage)
  if (!flows.length) return ''
  const rows = flows.map((flow) => {
    const c = coverage[flow]!
    const sp = pct(c.states.covered, c.states.total)
    const tp = pct(c.transitions.covered, c.transitions.total)
    const missing: string[] = []
    if (c.states.uncovered.length) missing.push(`<div><b>States not entered</b><ul>${c.states.uncovered.map((s) => `<li class="mono">${h(s)}</li>`).join('')}</ul></div>`)
    if (c.transitions.uncovered.length) missing.push(`<div><b>Transitions not taken</b><ul>${c.transitions.uncovered.map((s) => `<li class="mono">${h(s)}</li>`).join('')}</ul></div>`)
    const details = missing.length ? `<details><summary>What is not covered</summary>${missing.join('')}</details>` : '<div class="muted">Everything covered.</div>'
    return `<tr><td class="mono">${h(flow)}${details}</td>
<td>${c.states.covered}/${c.states.total} (${formatPercent(sp)})${bar(sp)}</td>
<td>${c.transitions.covered}/${c.transitions.total} (${formatPercent(tp)})${bar(tp)}</td></tr>`
  })
  return `<section><h2>Coverage</h2><div class="box"><table><thead><tr><th>flow</th><th>states entered</th><th>transitions taken</th></tr></thead><tbody>${rows.join('')}</tbody></table></div></section>`
}

function testsSection(report: TestRunReport): string {
  const suites = report.suites.map((suite) => {
    const rows = suite.tests.map((t) => {
      const note = t.error !== undefined ? h(t.error.split('\n')[0]!) : t.failures.length ? h(t.failures[0]!.message) : t.skip_reason ? h(`skipped (${t.skip_reason})`) : ''
      const flaky = `${t.stability?.flaky ? ` ${badge('flaky')}` : ''}${t.quarantined ? ` ${badge('quarantined')}` : ''}`
      return `<tr data-status="${h(t.status)}" data-name="${h(`${suite.file} ${t.name}`.toLowerCase())}"><td>${badge(t.status)}${flaky}</td><td>${h(t.name)}${t.tags.length ? ` <span class="muted">${t.tags.map((g) => `#${h(g)}`).join(' ')}</span>` : ''}</td><td class="mono">${t.duration_ms.toFixed(1)} ms</td><td>${note}</td></tr>`
    })
    return `<div class="box"><div><b>${h(suite.name)}</b> <span class="where">${h(suite.file)}${suite.flow ? ` · flow ${h(suite.flow)}` : ''}</span></div>
<table class="tests"><thead><tr><th>status</th><th>test</th><th>time</th><th>note</th></tr></thead><tbody>${rows.join('')}</tbody></table></div>`
  })
  return `<section><h2>Tests</h2>
<div class="toolbar"><button class="on" data-filter="all">All</button><button data-filter="failed">Failed</button><button data-filter="error">Errored</button><button data-filter="passed">Passed</button><button data-filter="skipped">Skipped</button><input id="search" type="search" placeholder="Filter by name"></div>
${suites.join('\n')}</section>`
}

export function renderHtml(report: TestRunReport, extras: HtmlReportExtras = {}): string {
  const s = report.summary
  const problems: string[] = []
  for (const suite of report.suites) {
    if (suite.error !== undefined) {
      problems.push(suiteErrorBox(suite))
      continue
    }
    for (const test of suite.tests) if (test.status === 'failed' || test.status === 'error') problems.push(problemBox(suite, test))
  }
  const total = report.coverage_total
  const verdict = s.failed || s.errors || report.gates.some((g) => !g.passed) ? badge('failed', 'failed') : badge('passed', 'passed')
  const meta = [
    `started ${h(report.started_at)}`,
    `took ${h(formatMs(report.duration_ms))}`,
    report.workers > 1 ? `${report.workers} workers` : 'in-process',
    report.repeat > 1 ? `each test run ${report.repeat} times` : '',
    report.shard ? `shard ${report.shard.index}/${report.shard.count}` : '',
    report.bailed ? 'stopped by --bail' : '',
    report.cancelled ? 'cancelled' : '',
    `flowbench ${h(report.version)}`,
  ].filter(Boolean)
  const gates = report.gates.map((g) => `<div>${badge(g.passed ? 'passed' : 'failed', g.passed ? 'met' : 'missed')} ${h(g.kind)} coverage ${formatPercent(g.actual)} (minimum ${formatPercent(g.minimum)})</div>`).join('')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Flowbench test report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Flowbench test report ${verdict}</h1>
<div class="meta">${meta.join(' · ')}</div>
<div class="cards">
<div class="card"><span class="muted">total</span><b>${s.total}</b></div>
<div class="card passed"><span class="muted">passed</span><b>${s.passed}</b></div>
<div class="card failed"><span class="muted">failed</span><b>${s.failed}</b></div>
<div class="card error"><span class="muted">errored</span><b>${s.errors}</b></div>
<div class="card skipped"><span class="muted">skipped</span><b>${s.skipped}</b></div>
${Object.keys(report.coverage).length ? `<div class="card"><span class="muted">states</span><b>${formatPercent(total.states.percent)}</b></div>
<div class="card"><span class="muted">transitions</span><b>${formatPercent(total.transitions.percent)}</b></div>` : ''}
</div>
${gates ? `<div style="margin-top:10px">${gates}</div>` : ''}
${extras.redaction ? `<div class="redaction" data-redacted="${extras.redaction.redacted}"><b>${extras.redaction.redacted ? 'Redacted.' : 'Not redacted.'}</b> ${h(redactionLine(extras.redaction).replace(/^(Not redacted|Redacted): ?/, ''))}</div>` : ''}
</header>
<main>
${problems.length ? `<section><h2>Failures (${problems.length})</h2>${problems.join('\n')}</section>` : ''}
${coverageSection(report.coverage)}
${report.faults ? faultSection(report.faults) : ''}
${coverageGraphs(extras)}
${testsSection(report)}
</main>
<script>${SCRIPT}</script>
</body>
</html>
`
}
