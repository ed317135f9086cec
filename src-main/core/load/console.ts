// The console side of a load run: a live status line while it runs (redrawn in place on a
// terminal, one line every few seconds in a log), and the end-of-run summary.
import type { LatencyPercentiles, LoadResult } from './result'
import type { LiveSnapshot } from './run'

export interface TextSink {
  write(text: string): unknown
  isTTY?: boolean
}

const fmtMs = (ms: number): string => (ms >= 1000 ? `${(ms / 1000).toFixed(2)}s` : ms >= 100 ? `${ms.toFixed(0)}ms` : ms >= 10 ? `${ms.toFixed(1)}ms` : `${ms.toFixed(2)}ms`)
const fmtPct = (x: number): string => `${(x * 100).toFixed(x > 0 && x < 0.001 ? 3 : 2)}%`
const fmtRate = (x: number): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1))

export function formatSnapshot(s: LiveSnapshot): string {
  const clock = `${s.elapsed_s.toFixed(1)}s/${s.duration_s}s`
  const phase = s.phase === 'draining' ? ' draining' : ''
  return (
    `${clock}${phase}  ${fmtRate(s.target)} ${s.target_unit}  ${fmtRate(s.turns_per_s)} turns/s  ` +
    `p50 ${fmtMs(s.p50_ms)} p95 ${fmtMs(s.p95_ms)} p99 ${fmtMs(s.p99_ms)}  ` +
    `errors ${s.errors} (${fmtPct(s.error_rate)})  dropped ${s.dropped}  in flight ${s.in_flight}  turns ${s.turns}`
  )
}

/** Redraws one status line on a terminal; in a log, prints a line every `everySeconds`. */
export class LiveView {
  private lastPrinted = -Infinity
  private drawn = false

  constructor(private readonly out: TextSink, private readonly everySeconds = 5) {}

  update(s: LiveSnapshot): void {
    const line = formatSnapshot(s)
    if (this.out.isTTY) {
      this.out.write(`\r\x1b[2K${line}`)
      this.drawn = true
      return
    }
    if (s.elapsed_s - this.lastPrinted >= this.everySeconds) {
      this.lastPrinted = s.elapsed_s
      this.out.write(`${line}\n`)
    }
  }

  /** Leaves the terminal on a fresh line. */
  end(): void {
    if (this.drawn) this.out.write('\r\x1b[2K')
    this.drawn = false
  }
}

function latencyLine(label: string, p: LatencyPercentiles): string {
  return `  ${label.padEnd(22)} p50 ${fmtMs(p.p50).padStart(8)}  p90 ${fmtMs(p.p90).padStart(8)}  p95 ${fmtMs(p.p95).padStart(8)}  p99 ${fmtMs(p.p99).padStart(8)}  p99.9 ${fmtMs(p.p999).padStart(8)}  max ${fmtMs(p.max).padStart(8)}`
}

function describeProfile(r: LoadResult): string {
  const p = r.profile
  const seconds = `${p.duration_ms / 1000}s`
  switch (p.executor) {
    case 'constant-arrival-rate': return `${p.executor}, ${p.rate} conv/s for ${seconds}`
    case 'constant-vus': return `${p.executor}, ${p.vus} VUs for ${seconds}`
    case 'ramping-arrival-rate': return `${p.executor}, ${p.start_rate ?? 0} → ${p.stages.map((s) => s.target).join(' → ')} conv/s over ${seconds}`
    case 'ramping-vus': return `${p.executor}, ${p.start_vus ?? 0} → ${p.stages.map((s) => s.target).join(' → ')} VUs over ${seconds}`
  }
}

/** The end-of-run summary, k6-style: totals, latencies, per-state, thresholds, warnings. */
export function formatSummary(r: LoadResult): string {
  const lines: string[] = []
  const env = r.environment
  lines.push(`flowbench load ${r.scenario}${r.name ? ` (${r.name})` : ''}`)
  lines.push(`  ${describeProfile(r)}; ${env.workers} worker${env.workers === 1 ? '' : 's'}, seed ${env.seed}, Node ${env.node}, ${env.cpus} CPUs`)
  lines.push('')
  const t = r.totals
  const seconds = r.duration_ms / 1000
  lines.push(`  ${'turns'.padEnd(22)} ${String(t.turns).padStart(9)}   ${fmtRate(r.throughput.turns_per_s)}/s over ${seconds.toFixed(1)}s`)
  lines.push(`  ${'conversations'.padEnd(22)} ${String(t.conversations).padStart(9)}   ${fmtRate(r.throughput.conversations_per_s)}/s completed; ${t.dropped} dropped, ${t.interrupted} interrupted`)
  const codes = Object.entries(r.errors_by_code).sort((a, b) => b[1] - a[1]).map(([c, n]) => `${c} ${n}`).join(', ')
  lines.push(`  ${'turn errors'.padEnd(22)} ${String(t.errors).padStart(9)}   ${t.turns ? fmtPct(t.error_turns / t.turns) : '0%'} of turns${codes ? ` (${codes})` : ''}`)
  if (t.intent_fallbacks) lines.push(`  ${'intent fallbacks'.padEnd(22)} ${String(t.intent_fallbacks).padStart(9)}   ${fmtPct(t.intent_fallbacks / Math.max(1, t.turns))} of turns`)
  lines.push(latencyLine('turn latency', r.turn_latency_ms))
  lines.push(latencyLine('  service time', r.service_time_ms))
  lines.push(latencyLine('  queue wait', r.queue_wait_ms))
  lines.push(latencyLine('  harness lag', r.harness_lag_ms))
  lines.push(latencyLine('conversation duration', r.conversation_duration_ms))
  const ints = Object.entries(r.by_integration)
  if (ints.length) {
    lines.push('')
    lines.push('  integration            calls  failed   call p50   call p99   turn p99')
    for (const [id, b] of ints) {
      lines.push(`  ${id.padEnd(20)} ${String(b.calls).padStart(7)} ${String(b.failures).padStart(7)}   ${fmtMs(b.call_p50_ms).padStart(8)}   ${fmtMs(b.call_p99_ms).padStart(8)}   ${fmtMs(b.turn_p99_ms).padStart(8)}`)
    }
  }
  const states = Object.entries(r.by_state).sort((a, b) => b[1].turns - a[1].turns)
  if (states.length) {
    lines.push('')
    lines.push('  state                  turns  errors        p50        p99   service p99')
    for (const [name, s] of states.slice(0, 12)) {
      lines.push(`  ${name.padEnd(20)} ${String(s.turns).padStart(7)} ${String(s.errors).padStart(7)}   ${fmtMs(s.p50_ms).padStart(8)}   ${fmtMs(s.p99_ms).padStart(8)}      ${fmtMs(s.service_p99_ms).padStart(8)}`)
    }
    if (states.length > 12) lines.push(`  … ${states.length - 12} more states in the JSON and HTML reports`)
  }
  lines.push(`  peak memory: RSS ${r.memory.peak_rss_mb} MB, heap ${r.memory.peak_heap_mb} MB; worker event-loop delay p99 ${fmtMs(r.event_loop.worker_delay_p99_ms)}`)
  if (r.thresholds.length) {
    lines.push('')
    lines.push('  thresholds')
    for (const v of r.thresholds) {
      const value = v.value === null ? 'no data' : `${v.value}${v.unit === 'ms' ? ' ms' : v.unit}`
      lines.push(`    ${v.passed ? '✓' : '✗'} ${v.name} ${v.condition}  (${value}${v.note ? `: ${v.note}` : ''})`)
    }
  }
  if (r.aborted) {
    lines.push('')
    lines.push(r.aborted.reason === 'threshold'
      ? `  ABORTED at ${r.aborted.at_s}s: abort_on_fail threshold missed (${r.aborted.thresholds?.join('; ')})`
      : `  INTERRUPTED at ${r.aborted.at_s}s: the figures cover the run up to then`)
  }
  if (r.load_generator.bottleneck) {
    lines.push('')
    lines.push('  !!! WARNING: THE LOAD GENERATOR ITSELF WAS THE BOTTLENECK !!!')
    for (const reason of r.load_generator.reasons) lines.push(`  !!! ${reason}`)
  }
  const other = r.warnings.filter((w) => !w.startsWith('load generator: '))
  if (other.length) {
    lines.push('')
    for (const w of other) lines.push(`  warning: ${w}`)
  }
  lines.push('')
  lines.push(r.passed ? '  result: PASSED' : '  result: FAILED')
  return `${lines.join('\n')}\n`
}
