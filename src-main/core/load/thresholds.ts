// Thresholds in k6's style: `turn_latency_p95: "< 5ms"`, `error_rate: "< 1%"`,
// `throughput: "> 1000/s"`, optionally narrowed with `{state=NAME}` or `{integration=ID}`.
// A threshold on a metric, tag, state or integration that does not exist is an error: it
// could never fail, so it would pass silently.
import type { Histogram } from './histogram'
import { percentileMs } from './histogram'

export type MetricKind = 'latency' | 'rate' | 'per_second'
export type TagKey = 'state' | 'integration'

interface MetricInfo {
  kind: MetricKind
  tags: readonly TagKey[]
  /** One line for error messages and docs. */
  about: string
}

const BOTH: readonly TagKey[] = ['state', 'integration']

/** Latency metrics take a statistic suffix: `turn_latency_p95`. */
export const LATENCY_METRICS: Readonly<Record<string, MetricInfo>> = {
  turn_latency: { kind: 'latency', tags: BOTH, about: 'from each turn\'s intended start to its end' },
  service_time: { kind: 'latency', tags: BOTH, about: 'the engine\'s own time for a turn, without waiting' },
  queue_wait: { kind: 'latency', tags: [], about: 'from a turn\'s intended start to when the engine began it' },
  harness_lag: { kind: 'latency', tags: [], about: 'the part of queue_wait caused by the load generator itself' },
  conversation_duration: { kind: 'latency', tags: [], about: 'from a conversation\'s intended start to its last turn\'s end' },
  integration_latency: { kind: 'latency', tags: ['integration'], about: 'a mocked integration call, as the engine waited for it' },
}

export const STATISTICS: Readonly<Record<string, number>> = { p50: 50, p90: 90, p95: 95, p99: 99, p999: 99.9, max: 100 }

export const PLAIN_METRICS: Readonly<Record<string, MetricInfo>> = {
  error_rate: { kind: 'rate', tags: BOTH, about: 'share of turns with a turn error (with {integration=ID}: share of its calls that failed)' },
  dropped_rate: { kind: 'rate', tags: [], about: 'share of arrivals refused by max_in_flight' },
  intent_fallback_rate: { kind: 'rate', tags: [], about: 'share of turns that took a fallback transition' },
  throughput: { kind: 'per_second', tags: BOTH, about: 'turns per second (with {integration=ID}: its calls per second)' },
  conversations_per_s: { kind: 'per_second', tags: [], about: 'conversations completed per second' },
}

/** Every threshold name a scenario may use (statistics spelled out), for messages and docs. */
export function knownThresholdNames(): string[] {
  const stats = Object.keys(STATISTICS).join('|')
  return [...Object.keys(LATENCY_METRICS).map((m) => `${m}_${stats}`), ...Object.keys(PLAIN_METRICS)]
}

export type Operator = '<' | '<=' | '>' | '>=' | '==' | '!='

export interface ThresholdCondition {
  /** As written, e.g. "< 5ms". */
  text: string
  op: Operator
  /** In the metric's report unit: ms for latency, % for rates, per second for throughput. */
  value: number
}

export interface ThresholdDefinition {
  /** As written, e.g. `service_time_p95{state=detect_intent}`. */
  name: string
  metric: string
  /** Percentile (0..100) for latency metrics. */
  percentile?: number
  kind: MetricKind
  tag?: { key: TagKey; value: string }
  conditions: ThresholdCondition[]
  /** Stop the run as soon as this threshold is missed (after `delay_abort_eval_ms`). */
  abort_on_fail: boolean
  delay_abort_eval_ms: number
}

export class ThresholdSyntaxError extends Error {
  override name = 'ThresholdSyntaxError'
  constructor(message: string, readonly part: 'name' | 'condition') {
    super(message)
  }
}

export interface ThresholdTargets {
  states: ReadonlySet<string>
  integrations: ReadonlySet<string>
}

const NAME = /^([a-z][a-z0-9_]*?)(?:\{\s*([a-z_]+)\s*=\s*([^}]*?)\s*\})?$/

/** Parses `metric[_stat][{tag=value}]`; throws ThresholdSyntaxError naming what is wrong. */
export function parseThresholdName(name: string, targets?: ThresholdTargets): Omit<ThresholdDefinition, 'conditions' | 'abort_on_fail' | 'delay_abort_eval_ms'> {
  const m = NAME.exec(name.trim())
  if (!m) throw new ThresholdSyntaxError(`"${name}" is not a threshold name: write metric[_stat][{state=NAME}|{integration=ID}], e.g. turn_latency_p95`, 'name')
  const base = m[1]!
  let metric: string | undefined
  let percentile: number | undefined
  let info: MetricInfo | undefined
  if (PLAIN_METRICS[base]) {
    metric = base
    info = PLAIN_METRICS[base]
  } else {
    for (const [latency, latencyInfo] of Object.entries(LATENCY_METRICS)) {
      if (!base.startsWith(`${latency}_`)) continue
      const stat = base.slice(latency.length + 1)
      if (STATISTICS[stat] === undefined) {
        throw new ThresholdSyntaxError(`unknown statistic "${stat}" of ${latency}: use one of ${Object.keys(STATISTICS).join(', ')} (e.g. ${latency}_p95)`, 'name')
      }
      metric = latency
      percentile = STATISTICS[stat]
      info = latencyInfo
    }
    if (LATENCY_METRICS[base]) {
      throw new ThresholdSyntaxError(`${base} needs a statistic: ${Object.keys(STATISTICS).map((s) => `${base}_${s}`).join(', ')}`, 'name')
    }
  }
  if (!metric || !info) {
    const near = nearestName(base)
    throw new ThresholdSyntaxError(`unknown metric "${base}"${near ? ` (did you mean ${near}?)` : ''}: thresholds can use ${knownThresholdNames().join(', ')}`, 'name')
  }
  const out: ReturnType<typeof parseThresholdName> = { name, metric, kind: info.kind }
  if (percentile !== undefined) out.percentile = percentile
  if (m[2] !== undefined) {
    const key = m[2]
    const value = m[3] ?? ''
    if (key !== 'state' && key !== 'integration') {
      throw new ThresholdSyntaxError(`unknown tag "${key}" in ${name}: a threshold can be narrowed with {state=NAME} or {integration=ID}`, 'name')
    }
    if (!info.tags.includes(key)) {
      const allowed = info.tags.length ? `only {${info.tags.map((t) => `${t}=…`).join('} or {')}}` : 'no tag'
      throw new ThresholdSyntaxError(`${metric} cannot be narrowed by ${key}: it takes ${allowed}`, 'name')
    }
    if (!value) throw new ThresholdSyntaxError(`{${key}=} in ${name} names no ${key}`, 'name')
    if (targets) {
      const known = key === 'state' ? targets.states : targets.integrations
      if (!known.has(value)) {
        const list = [...known].sort()
        throw new ThresholdSyntaxError(
          `${name}: the flow has no ${key} "${value}"${list.length ? ` (${key === 'state' ? 'states' : 'integrations'}: ${list.join(', ')})` : ''}`,
          'name',
        )
      }
    }
    out.tag = { key, value }
  }
  return out
}

/** The known name closest to a misspelt one (at most a few edits away). */
function nearestName(name: string): string | undefined {
  const candidates = [
    ...Object.keys(LATENCY_METRICS).flatMap((m) => Object.keys(STATISTICS).map((s) => `${m}_${s}`)),
    ...Object.keys(PLAIN_METRICS),
  ]
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(name, c)
    if (d < bestDistance) {
      best = c
      bestDistance = d
    }
  }
  return bestDistance <= 3 ? best : undefined
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j)
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!
      row[j] = Math.min(above + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1))
      diagonal = above
    }
  }
  return row[b.length]!
}

const CONDITION = /^\s*(<=|>=|==|!=|<|>|=)\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*(ms|s|%|\/s)?\s*$/i

/** Parses "< 5ms" for a metric of `kind`; the value is converted to the metric's report unit. */
export function parseCondition(text: string, kind: MetricKind, metricName: string): ThresholdCondition {
  const m = CONDITION.exec(text)
  if (!m) {
    throw new ThresholdSyntaxError(`"${text}" is not a condition: write an operator (< <= > >= == !=) and a value, e.g. "< 5ms", "< 1%", "> 1000/s"`, 'condition')
  }
  const op = (m[1] === '=' ? '==' : m[1]) as Operator
  const number = Number(m[2])
  const unit = m[3]?.toLowerCase()
  let value: number
  switch (kind) {
    case 'latency':
      if (unit !== undefined && unit !== 'ms' && unit !== 's') throw unitError(text, metricName, 'a duration (ms or s)')
      value = unit === 's' ? number * 1000 : number
      break
    case 'rate':
      if (unit !== undefined && unit !== '%') throw unitError(text, metricName, 'a share (%, or a fraction such as 0.01)')
      // A bare number is a fraction, as in k6 (`rate<0.01`); reports use percent.
      value = unit === '%' ? number : number * 100
      break
    case 'per_second':
      if (unit !== undefined && unit !== '/s') throw unitError(text, metricName, 'a rate per second (/s)')
      value = number
      break
  }
  return { text: text.trim(), op, value }
}

function unitError(text: string, metric: string, expected: string): ThresholdSyntaxError {
  return new ThresholdSyntaxError(`"${text}": ${metric} is compared with ${expected}`, 'condition')
}

export function compare(value: number, op: Operator, target: number): boolean {
  switch (op) {
    case '<': return value < target
    case '<=': return value <= target
    case '>': return value > target
    case '>=': return value >= target
    case '==': return value === target
    case '!=': return value !== target
  }
}

/** What thresholds are evaluated against: the merged metrics of a run (or of its first seconds). */
export interface MetricSource {
  /** A latency histogram (µs) of `metric`, narrowed by the tag; undefined when nothing was recorded. */
  latency(metric: string, tag?: ThresholdDefinition['tag']): Histogram | undefined
  /** Events and the population they are a share of (e.g. turns with errors, turns). */
  ratio(metric: string, tag?: ThresholdDefinition['tag']): { part: number; whole: number }
  /** Events counted and the seconds they were counted over. */
  perSecond(metric: string, tag?: ThresholdDefinition['tag']): { count: number; seconds: number }
}

export type { ThresholdVerdict } from '../../common/load-result'
import type { ThresholdVerdict } from '../../common/load-result'

const UNITS: Record<MetricKind, ThresholdVerdict['unit']> = { latency: 'ms', rate: '%', per_second: '/s' }

/** The metric's value in its report unit, or null when there is nothing to judge. */
export function metricValue(def: ThresholdDefinition, source: MetricSource): number | null {
  switch (def.kind) {
    case 'latency': {
      const h = source.latency(def.metric, def.tag)
      if (!h || h.totalCount === 0) return null
      return percentileMs(h, def.percentile ?? 50)
    }
    case 'rate': {
      const { part, whole } = source.ratio(def.metric, def.tag)
      if (whole === 0) return null
      return Math.round((part / whole) * 100 * 10_000) / 10_000
    }
    case 'per_second': {
      const { count, seconds } = source.perSecond(def.metric, def.tag)
      if (seconds <= 0) return null
      return Math.round((count / seconds) * 100) / 100
    }
  }
}

/** One verdict per condition. A metric with no data fails: a threshold never passes unjudged. */
export function evaluateThresholds(defs: readonly ThresholdDefinition[], source: MetricSource): ThresholdVerdict[] {
  const out: ThresholdVerdict[] = []
  for (const def of defs) {
    const value = metricValue(def, source)
    for (const c of def.conditions) {
      const verdict: ThresholdVerdict = {
        name: def.name,
        condition: c.text,
        value,
        unit: UNITS[def.kind],
        passed: value !== null && compare(value, c.op, c.value),
      }
      if (value === null) verdict.note = noDataNote(def)
      if (def.abort_on_fail) verdict.abort_on_fail = true
      out.push(verdict)
    }
  }
  return out
}

function noDataNote(def: ThresholdDefinition): string {
  const scope = def.tag ? ` for ${def.tag.key} ${def.tag.value}` : ''
  switch (def.kind) {
    case 'latency': return `no samples of ${def.metric}${scope}: nothing to judge`
    case 'rate': return `no ${def.metric === 'dropped_rate' ? 'arrivals' : def.tag?.key === 'integration' ? 'calls' : 'turns'}${scope}: nothing to judge`
    case 'per_second': return `the run measured no time: nothing to judge`
  }
}

/**
 * The thresholds that require aborting now: abort_on_fail, past their delay, with data, and
 * missed. Evaluated on the metrics merged so far.
 */
export function thresholdsToAbort(defs: readonly ThresholdDefinition[], source: MetricSource, elapsedMs: number): ThresholdVerdict[] {
  const due = defs.filter((d) => d.abort_on_fail && elapsedMs >= d.delay_abort_eval_ms)
  if (!due.length) return []
  return evaluateThresholds(due, source).filter((v) => v.value !== null && !v.passed)
}
