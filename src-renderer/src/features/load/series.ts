// The load dashboard's charts as data: which series each chart draws from a run's per-second
// timeline, and how figures are written. Pure, so the live view and the report share it and
// tests can read what the charts were given.
import type { TimelineEntry } from '../../../../src-main/common/load-result'

/** A colour token of the theme (read at draw time, so charts follow a theme switch). */
export type ColorToken = '--c-accent' | '--c-fg-muted' | '--c-success' | '--c-warning' | '--c-danger' | '--c-path' | '--c-info'

export interface SeriesSpec {
  label: string
  color: ColorToken
  pick: (e: TimelineEntry) => number
  /** Drawn dashed (a target, not a measurement). */
  dashed?: boolean
}

export interface ChartSpec {
  id: 'throughput' | 'latency' | 'errors' | 'memory'
  title: string
  unit: string
  series: SeriesSpec[]
}

export function chartSpecs(targetUnit: 'conv/s' | 'VUs'): ChartSpec[] {
  return [
    {
      id: 'throughput',
      title: 'Throughput and target',
      unit: '/s',
      series: [
        { label: 'turns/s', color: '--c-accent', pick: (e) => e.turns },
        { label: 'conversations started/s', color: '--c-success', pick: (e) => e.conversations_started },
        { label: targetUnit === 'VUs' ? 'target (VUs)' : 'target (conv/s)', color: '--c-fg-muted', pick: (e) => e.target, dashed: true },
      ],
    },
    {
      id: 'latency',
      title: 'Turn latency percentiles',
      unit: 'ms',
      series: [
        { label: 'p50', color: '--c-success', pick: (e) => e.p50_ms },
        { label: 'p95', color: '--c-warning', pick: (e) => e.p95_ms },
        { label: 'p99', color: '--c-danger', pick: (e) => e.p99_ms },
      ],
    },
    {
      id: 'errors',
      title: 'Errors and drops per second',
      unit: '/s',
      series: [
        { label: 'turn errors', color: '--c-danger', pick: (e) => e.errors },
        { label: 'dropped', color: '--c-warning', pick: (e) => e.dropped },
      ],
    },
    {
      id: 'memory',
      title: 'Memory',
      unit: 'MB',
      series: [
        { label: 'RSS (process)', color: '--c-path', pick: (e) => e.rss_mb },
        { label: 'heap (workers)', color: '--c-info', pick: (e) => e.heap_mb },
      ],
    },
  ]
}

/** Milliseconds for people: sub-millisecond figures keep two decimals, long ones go to seconds. */
export function ms(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–'
  if (value >= 10_000) return `${(value / 1000).toFixed(1)} s`
  if (value >= 100) return `${Math.round(value)} ms`
  if (value >= 10) return `${value.toFixed(1)} ms`
  return `${value.toFixed(2)} ms`
}

export function count(value: number): string {
  return Math.round(value).toLocaleString('en-US')
}

export function rate(value: number): string {
  return value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1)
}

export function pct(share: number): string {
  return `${(share * 100).toFixed(share > 0 && share < 0.001 ? 3 : 2)}%`
}

/** "1m 05s" / "12.5s". */
export function seconds(s: number): string {
  if (s >= 60) return `${Math.floor(s / 60)}m ${String(Math.round(s % 60)).padStart(2, '0')}s`
  return `${Math.round(s * 10) / 10}s`
}

/** A threshold's measured value with its unit. */
export function verdictValue(value: number | null, unit: 'ms' | '%' | '/s'): string {
  if (value === null) return 'no data'
  if (unit === 'ms') return ms(value)
  if (unit === '%') return `${value}%`
  return `${rate(value)}/s`
}
