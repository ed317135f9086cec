// How a recorded run is named and summed up in one line, the same in the list and the view.
import type { RunRecord } from '../../../../src-main/common/api'

/** The view tab's title: kind and start time. */
export function runTitle(run: RunRecord): string {
  const d = new Date(run.startedAt)
  const when = Number.isNaN(d.getTime()) ? run.startedAt : d.toLocaleString(undefined, { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' })
  return `${run.kind === 'load' ? 'Load run' : 'Test run'} · ${when}`
}

function ms(value: number): string {
  return value >= 100 ? `${Math.round(value)} ms` : `${value.toFixed(value >= 10 ? 1 : 2)} ms`
}

/** Test runs: passed/failed/errors counts; load runs: p99 and throughput. */
export function runFigures(run: RunRecord): string {
  if (run.test) {
    const t = run.test
    const parts = [`${t.passed}/${t.total} passed`]
    if (t.failed) parts.push(`${t.failed} failed`)
    if (t.errors) parts.push(`${t.errors} errors`)
    return parts.join(' · ')
  }
  if (run.load) return `p99 ${ms(run.load.p99Ms)} · ${Math.round(run.load.throughput).toLocaleString()} turns/s`
  return ''
}

export function durationText(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`
}
