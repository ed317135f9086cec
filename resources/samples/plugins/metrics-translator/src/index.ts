// A Flowbench plugin for the ops copilot: turns a metrics question into the query a monitoring
// backend understands (PromQL for metrics, LogQL for logs) and answers with that query and a
// deterministic fake series, so the copilot flow can be built and demoed without Prometheus.
//
//   "show me CPU usage for auth-service over the last hour"
//     → rate(cpu_usage{service="auth-service"}[1h])
//   "show me error logs for payments-service in the last 15 minutes"
//     → sum(count_over_time({service="payments-service"} |= "error" [15m]))
import { definePlugin, type CallContext, type GenerateContext, type GenerateRequest, type IntegrationRequest, type IntegrationResponse } from 'flowbench/plugin'

export type QueryLanguage = 'promql' | 'logql'
export type MetricName = 'cpu' | 'memory' | 'latency' | 'error_rate' | 'requests' | 'logs'

/** What the integration reads from `params` (request_mapping); the question fills in what is missing. */
export interface MetricsRequest {
  question?: string
  service?: string
  metric?: string
  /** `1h`, `15m`, `7d`, … (`range` is accepted too). */
  time_range?: string
  range?: string
  /** Resolution of the series, e.g. `60s`. */
  step?: string
}

export interface TranslatedQuery {
  language: QueryLanguage
  query: string
  service: string
  metric: MetricName
  range: string
  step: string
  label: string
  unit: string
  /** Above this the alert fires. */
  threshold: number
}

interface MetricSpec {
  label: string
  unit: string
  threshold: number
  /** Typical level and spread of the fake series. */
  baseline: number
  spread: number
  decimals: number
  query(service: string, range: string): string
}

const sel = (service: string): string => `service="${service}"`

const METRICS: Record<MetricName, MetricSpec> = {
  cpu: { label: 'CPU usage', unit: '%', threshold: 90, baseline: 45, spread: 30, decimals: 0, query: (s, r) => `rate(cpu_usage{${sel(s)}}[${r}])` },
  memory: { label: 'Memory usage', unit: '%', threshold: 85, baseline: 60, spread: 20, decimals: 0, query: (s, r) => `avg_over_time(memory_usage{${sel(s)}}[${r}])` },
  latency: {
    label: 'p99 latency',
    unit: 'ms',
    threshold: 800,
    baseline: 420,
    spread: 500,
    decimals: 0,
    query: (s, r) => `histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{${sel(s)}}[${r}]))) * 1000`,
  },
  error_rate: {
    label: 'Error rate',
    unit: '%',
    threshold: 5,
    baseline: 0.8,
    spread: 2.5,
    decimals: 1,
    query: (s, r) => `100 * sum(rate(http_requests_total{${sel(s)},status=~"5.."}[${r}])) / sum(rate(http_requests_total{${sel(s)}}[${r}]))`,
  },
  requests: { label: 'Request rate', unit: ' req/s', threshold: 5000, baseline: 900, spread: 700, decimals: 0, query: (s, r) => `sum(rate(http_requests_total{${sel(s)}}[${r}]))` },
  logs: { label: 'Log lines', unit: ' lines', threshold: 1000, baseline: 300, spread: 400, decimals: 0, query: (s, r) => `sum(count_over_time({${sel(s)}}[${r}]))` },
}

// Checked in order: the first keyword found names the metric ("error logs" are logs, not a rate).
const METRIC_WORDS: Array<[MetricName, RegExp]> = [
  ['logs', /\blogs?\b/i],
  ['cpu', /\b(cpu|processor)\b/i],
  ['memory', /\b(memory|mem|ram)\b/i],
  ['latency', /\b(latency|response times?|p99|p95|slow)\b/i],
  ['error_rate', /\b(error rate|errors?|5xx|failures?)\b/i],
  ['requests', /\b(requests?|throughput|traffic|rps|qps)\b/i],
]

const METRIC_ALIASES: Record<string, MetricName> = { errors: 'error_rate', error: 'error_rate', rps: 'requests', throughput: 'requests', log: 'logs', ram: 'memory', mem: 'memory' }

const UNIT_SECONDS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 }
const RANGE = /^(\d+)([smhdw])$/
// A Prometheus label value we are willing to put between quotes: no quotes, braces or spaces.
const SERVICE = /^[a-z0-9][a-z0-9._-]*$/i

/** A request the plugin refuses: answered with status 400 and the reason. */
class BadQuestion extends Error {}

function metricOf(params: MetricsRequest): MetricName {
  const given = params.metric?.trim().toLowerCase()
  if (given) {
    const name = (METRIC_ALIASES[given] ?? given) as MetricName
    if (name in METRICS) return name
    throw new BadQuestion(`unknown metric "${params.metric}"; ask for ${Object.keys(METRICS).join(', ')}`)
  }
  for (const [name, re] of METRIC_WORDS) if (params.question && re.test(params.question)) return name
  throw new BadQuestion('which metric? ask for CPU, memory, latency, errors, requests or logs')
}

function serviceOf(params: MetricsRequest): string {
  const given = params.service?.trim()
  if (given) {
    if (!SERVICE.test(given)) throw new BadQuestion(`"${given}" is not a service name (letters, digits, . _ -)`)
    return given
  }
  const m = params.question?.match(/\b([a-z0-9][a-z0-9-]*-(?:service|svc|api))\b/i)
  if (m) return m[1]!.toLowerCase()
  throw new BadQuestion('which service? name one, e.g. auth-service')
}

/** `1h`-style range from params, else from the question ("last 15 minutes", "yesterday"), else 1h. */
function rangeOf(params: MetricsRequest): string {
  const given = (params.time_range ?? params.range)?.trim()
  if (given) {
    if (!RANGE.test(given)) throw new BadQuestion(`time range "${given}" is not like 15m, 1h or 7d`)
    return given
  }
  const q = params.question ?? ''
  if (/\byesterday\b/i.test(q)) return '1d'
  const m = /\b(?:last|past)\s+(\d+\s+)?(minute|hour|day|week)s?\b/i.exec(q)
  if (!m) return '1h'
  const n = m[1] ? Number(m[1].trim()) : 1
  const unit = m[2]!.toLowerCase()
  return unit === 'week' ? `${n * 7}d` : `${n}${unit[0]}`
}

function seconds(range: string): number {
  const m = RANGE.exec(range)!
  return Number(m[1]) * UNIT_SECONDS[m[2]!]!
}

/** About 60 points over the range, on a round step. */
function stepFor(range: string): string {
  const s = seconds(range) / 60
  if (s <= 15) return '15s'
  if (s <= 60) return '60s'
  if (s <= 300) return '5m'
  if (s <= 900) return '15m'
  return '1h'
}

/** Translates a question into its query. Throws BadQuestion for what it cannot translate. */
export function translate(params: MetricsRequest): TranslatedQuery {
  const metric = metricOf(params)
  const service = serviceOf(params)
  const range = rangeOf(params)
  const step = params.step?.trim() || stepFor(range)
  if (!RANGE.test(step)) throw new BadQuestion(`step "${step}" is not like 15s, 60s or 5m`)
  const spec = METRICS[metric]
  if (metric === 'logs') {
    const errorsOnly = /\b(errors?|exceptions?|failures?|5xx)\b/i.test(params.question ?? '')
    const stream = `{${sel(service)}}${errorsOnly ? ' |= "error"' : ''}`
    return {
      language: 'logql',
      query: `sum(count_over_time(${stream} [${range}]))`,
      service,
      metric,
      range,
      step,
      label: errorsOnly ? 'Error log lines' : spec.label,
      unit: spec.unit,
      threshold: spec.threshold,
    }
  }
  return { language: 'promql', query: spec.query(service, range), service, metric, range, step, label: spec.label, unit: spec.unit, threshold: spec.threshold }
}

/** A small seeded generator: the same question always gets the same numbers. */
function seeded(text: string): () => number {
  let h = 2166136261
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619)
  let a = h >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const round = (v: number, decimals: number): number => Math.round(v * 10 ** decimals) / 10 ** decimals

/** The answer's data: the query, a fake series ending now (on the conversation's clock) and its summary. */
export function fakeAnswer(q: TranslatedQuery, nowMs: number): Record<string, unknown> {
  const spec = METRICS[q.metric]
  const random = seeded(`${q.service}|${q.metric}|${q.range}|${q.query}`)
  const stepMs = seconds(q.step) * 1000
  const points = Math.max(2, Math.min(120, Math.floor(seconds(q.range) / seconds(q.step))))
  const end = Math.floor(nowMs / stepMs) * stepMs
  const level = spec.baseline + (random() - 0.5) * spec.spread
  const series = Array.from({ length: points }, (_, i) => {
    const wave = Math.sin((i / points) * Math.PI * 2) * spec.spread * 0.25
    const v = Math.max(0, level + wave + (random() - 0.5) * spec.spread * 0.3)
    return { t: new Date(end - (points - 1 - i) * stepMs).toISOString(), v: round(v, spec.decimals) }
  })
  const values = series.map((p) => p.v)
  const current = values[values.length - 1]!
  const data: Record<string, unknown> = {
    language: q.language,
    query: q.query,
    service: q.service,
    metric: q.metric,
    range: q.range,
    step: q.step,
    label: q.label,
    unit: q.unit,
    summary: {
      current,
      max: Math.max(...values),
      avg: round(values.reduce((a, b) => a + b, 0) / values.length, spec.decimals),
    },
    alert: { firing: current > q.threshold, threshold: q.threshold },
    series,
  }
  if (q.language === 'logql') {
    data['lines'] = series.slice(-3).map((p, i) => ({
      t: p.t,
      level: q.label.startsWith('Error') ? 'error' : 'info',
      message: `${q.service}: ${q.label.startsWith('Error') ? 'upstream request failed' : 'request handled'} (sample ${i + 1})`,
    }))
  }
  return data
}

export async function answerMetricsQuery(req: IntegrationRequest, ctx: CallContext): Promise<IntegrationResponse> {
  let query: TranslatedQuery
  try {
    query = translate(req.params as MetricsRequest)
  } catch (err) {
    if (err instanceof BadQuestion) return { status_code: 400, error: err.message }
    throw err
  }
  // A real backend takes time; `latency_ms` in the flow's integrations section simulates it
  // on the conversation's clock (instant under tests) and stops when the call is aborted.
  const latency = req.config['latency_ms']
  if (typeof latency === 'number' && latency > 0) await ctx.clock.sleep(latency, ctx.signal)
  ctx.log.debug(`${query.language}: ${query.query}`)
  return { status_code: 200, data: fakeAnswer(query, ctx.clock.now()) }
}

/** What a metric means and when its alert fires, in one or two sentences. */
export function explanationOf(prompt: string): string {
  let metric: MetricName
  try {
    metric = metricOf({ question: prompt })
  } catch {
    return 'I can explain CPU, memory, latency, error rate, requests and logs: name one of them.'
  }
  const spec = METRICS[metric]
  const meaning: Record<MetricName, string> = {
    cpu: 'is the share of processor time the service spends working',
    memory: 'is the share of its memory limit the service holds',
    latency: 'is the time within which 99 of 100 requests are answered',
    error_rate: 'is the share of requests that fail with a 5xx status',
    requests: 'is how many requests the service answers per second',
    logs: 'counts the log lines the service writes',
  }
  const alert = metric === 'logs' || metric === 'requests' ? 'It has no alert threshold.' : `The alert fires above ${spec.threshold}${spec.unit}.`
  return `${spec.label} ${meaning[metric]}. ${alert}`
}

/**
 * Streams the explanation word by word, as a language model would, pausing `word_delay_ms` on the
 * conversation's clock between words (the flow's prompt may not set it: 15 ms). Stops as soon as
 * its signal aborts.
 */
export async function* explainMetric(req: GenerateRequest, ctx: GenerateContext): AsyncGenerator<string> {
  const words = explanationOf(req.prompt).split(/(?<= )/)
  for (const [i, word] of words.entries()) {
    if (ctx.signal.aborted) return
    if (i > 0) await ctx.clock.sleep(15, ctx.signal)
    yield word
  }
}

export default definePlugin({
  integrations: {
    metrics_query: {
      call: answerMetricsQuery,
      defaults: { timeout_ms: 5000, retries: 1, backoff_ms: 200 },
    },
  },
  generators: {
    explain_metric: { generate: explainMetric },
  },
})
