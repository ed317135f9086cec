// The fault matrix as text (after the console summary) and as an HTML section of the test report.
import { escapeHtml } from '../reporters/html'
import { OUTCOME_LABEL, type FaultMatrix } from './index'

/** A plain-text table: one block per integration state, one line per failure kind. */
export function renderFaultTable(matrix: FaultMatrix): string {
  const lines: string[] = []
  lines.push(`Fault matrix: ${matrix.runs} faulted reruns of ${matrix.tests} tests, ${matrix.states.length} integration states`)
  if (!matrix.states.length) {
    lines.push('  no test calls an integration: nothing to fail')
    return `${lines.join('\n')}\n`
  }
  for (const s of matrix.states) {
    lines.push(`  ${s.flow}:${s.line}:${s.column} ${s.state} → ${s.integration}${s.task ? ` (task ${s.task})` : ''}`)
    for (const kind of matrix.kinds) {
      const k = s.kinds[kind]
      const what = k.outcome === 'handled' || k.outcome === 'unnoticed'
        ? `${OUTCOME_LABEL[k.outcome]}${k.handled_by.length ? ` by ${k.handled_by.join(', ')}` : ''}`
        : `${OUTCOME_LABEL[k.outcome].toUpperCase()}${k.errors.length ? ` (${k.errors[0]})` : ''}`
      const broke = k.broken.length ? `; ${k.broken.length} of ${k.tests} tests broke` : ''
      lines.push(`    ${kind.padEnd(9)} ${what}${broke}`)
    }
  }
  lines.push(matrix.unhandled ? `  ${matrix.unhandled} failure${matrix.unhandled === 1 ? '' : 's'} not handled (no_transition or an engine error)` : '  every failure is handled by a transition')
  return `${lines.join('\n')}\n`
}

const CELL_CLASS: Record<string, string> = { handled: 'passed', not_reached: 'skipped', unnoticed: 'skipped', no_transition: 'failed', error: 'error' }

/** The `<section>` the HTML test report shows when the run had a fault matrix. */
export function faultSection(matrix: FaultMatrix): string {
  const h = escapeHtml
  const head = matrix.kinds.map((k) => `<th>${h(k)}</th>`).join('')
  const rows = matrix.states.map((s) => {
    const cells = matrix.kinds.map((kind) => {
      const k = s.kinds[kind]
      const by = k.handled_by.length ? `<div class="muted">${h(k.handled_by.join(', '))}</div>` : ''
      const err = k.errors.length && k.outcome !== 'handled' ? `<div class="muted">${h(k.errors[0]!)}</div>` : ''
      const broke = k.broken.length ? `<div class="muted">${k.broken.length}/${k.tests} tests broke: ${h(k.broken.map((b) => b.name).join('; '))}</div>` : ''
      return `<td><span class="badge ${CELL_CLASS[k.outcome]}">${h(OUTCOME_LABEL[k.outcome])}</span>${by}${err}${broke}</td>`
    }).join('')
    return `<tr><td><b>${h(s.state)}</b> → ${h(s.integration)}${s.task ? ` (task ${h(s.task)})` : ''}<div class="muted">${h(`${s.flow}:${s.line}:${s.column}`)}</div></td>${cells}</tr>`
  })
  const body = rows.length ? `<table><thead><tr><th>integration state</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table>` : '<p class="muted">No test calls an integration: nothing to fail.</p>'
  return `<section id="faults"><h2>Fault matrix (${matrix.runs} faulted reruns, ${matrix.unhandled} unhandled)</h2><div class="box">${body}</div></section>`
}
