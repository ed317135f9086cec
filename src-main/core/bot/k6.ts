// `flowbench load --export k6`: a load scenario as a k6 script against the bot server's HTTP API
// (docs/bot-server.md), so the same traffic can run on k6 or k6-operator across many machines.
// The profile maps to a k6 scenario (the four executors are k6's own), thresholds to k6
// thresholds where k6 can measure the same thing; what cannot be mapped is said in the script (as
// comments) and returned as warnings. Mocks and NLU snapshots cannot travel: over HTTP the bot
// server answers with the workspace's plugins.
import type { LoadScenario } from '../load'
import type { ThinkTime } from '../load/model'
import type { ThresholdDefinition } from '../load/thresholds'

export interface K6Export {
  script: string
  /** What the script cannot reproduce (also written into it as comments). */
  warnings: string[]
}

interface K6Threshold {
  metric: string
  expressions: string[]
  abortOnFail: boolean
  delayAbortEvalMs: number
}

const js = (value: unknown): string => JSON.stringify(value)
const dur = (ms: number): string => (ms % 1000 === 0 ? `${ms / 1000}s` : `${Math.round(ms)}ms`)

function statisticOf(def: ThresholdDefinition): string {
  if (def.percentile === undefined) return 'avg'
  if (def.percentile >= 100) return 'max'
  return `p(${def.percentile})`
}

/** One flowbench threshold as k6 thresholds, or the reason it cannot be one. */
function mapThreshold(def: ThresholdDefinition): K6Threshold | { unmapped: string } {
  if (def.tag) return { unmapped: `${def.name}: k6 cannot tag a request with the ${def.tag.key} it ends in before sending it` }
  const cond = (stat: string, scale = 1) => def.conditions.map((c) => `${stat}${c.op === '==' ? '===' : c.op}${round(c.value * scale)}`)
  const base = { abortOnFail: def.abort_on_fail, delayAbortEvalMs: def.delay_abort_eval_ms }
  switch (def.metric) {
    case 'turn_latency':
      return { metric: 'http_req_duration{name:turn}', expressions: cond(statisticOf(def)), ...base }
    case 'service_time':
      return { metric: 'engine_time', expressions: cond(statisticOf(def)), ...base }
    case 'conversation_duration':
      return { metric: 'iteration_duration', expressions: cond(statisticOf(def)), ...base }
    case 'error_rate':
      return { metric: 'turn_errors', expressions: cond('rate', 0.01), ...base }
    case 'throughput':
      return { metric: 'http_reqs{name:turn}', expressions: cond('rate'), ...base }
    case 'conversations_per_s':
      return { metric: 'iterations', expressions: cond('rate'), ...base }
    case 'dropped_rate':
      return { unmapped: `${def.name}: k6 counts dropped iterations (dropped_iterations) but has no rate of them; watch that counter instead` }
    case 'intent_fallback_rate':
      return { unmapped: `${def.name}: the HTTP answer does not say whether a fallback transition was taken` }
    case 'queue_wait':
    case 'harness_lag':
      return { unmapped: `${def.name}: a property of Flowbench's own load generator; k6 measures from its side of the network` }
    case 'integration_latency':
      return { unmapped: `${def.name}: integration calls happen inside the bot server, out of k6's sight` }
    default:
      return { unmapped: `${def.name}: no k6 equivalent` }
  }
}

function round(n: number): number {
  return Math.round(n * 1e6) / 1e6
}

function thinkJs(t: ThinkTime | undefined): unknown {
  if (!t) return null
  return 'fixed_ms' in t ? { fixed_ms: t.fixed_ms } : { min_ms: t.min_ms, max_ms: t.max_ms }
}

function k6Scenario(scenario: LoadScenario, maxConcurrency: number): Record<string, unknown> {
  const p = scenario.plan.profile
  const graceful = { gracefulStop: dur(p.graceful_stop_ms) }
  const stages = p.stages.map((s) => ({ duration: dur(s.duration_ms), target: s.target }))
  const peakRate = Math.max(p.rate ?? 0, p.start_rate ?? 0, ...p.stages.map((s) => s.target))
  // VUs an arrival-rate run may need: every conversation in flight holds one.
  const maxVUs = p.max_in_flight ?? Math.max(10, Math.ceil(peakRate * maxConcurrency))
  const preAllocatedVUs = Math.max(1, Math.min(maxVUs, Math.ceil(peakRate)))
  switch (p.executor) {
    case 'constant-arrival-rate':
      return { executor: 'constant-arrival-rate', rate: p.rate ?? 1, timeUnit: '1s', duration: dur(p.duration_ms), preAllocatedVUs, maxVUs, ...graceful }
    case 'ramping-arrival-rate':
      return { executor: 'ramping-arrival-rate', startRate: p.start_rate ?? 0, timeUnit: '1s', stages, preAllocatedVUs, maxVUs, ...graceful }
    case 'constant-vus':
      return { executor: 'constant-vus', vus: p.vus ?? 1, duration: dur(p.duration_ms), ...graceful }
    case 'ramping-vus':
      return { executor: 'ramping-vus', startVUs: p.start_vus ?? 0, stages, gracefulRampDown: dur(p.graceful_stop_ms), ...graceful }
  }
}

/** The scenario as a k6 script (an ES module). */
export function exportK6(scenario: LoadScenario): K6Export {
  const plan = scenario.plan
  const warnings: string[] = []
  const thresholds: Record<string, unknown[]> = {}
  for (const def of scenario.thresholds) {
    const m = mapThreshold(def)
    if ('unmapped' in m) {
      warnings.push(`threshold ${m.unmapped}`)
      continue
    }
    const list = (thresholds[m.metric] ??= [])
    for (const e of m.expressions) {
      list.push(m.abortOnFail ? { threshold: e, abortOnFail: true, delayAbortEval: dur(m.delayAbortEvalMs) } : e)
    }
  }
  if (Object.keys(plan.mocks).length > 0) {
    warnings.push(`mocks of ${Object.keys(plan.mocks).sort().join(', ')} are not exported: over HTTP the bot server calls the workspace's plugins (integrations no plugin serves fail, and the flow takes its error branches)`)
  }
  const snapshots = new Set([...Object.keys(plan.nlu), ...plan.scripts.flatMap((s) => Object.keys(s.nlu ?? {}))]).size
  if (snapshots > 0) warnings.push(`${snapshots} NLU snapshot(s) are not exported: the bot server classifies with the flow's own NLU`)
  if (plan.profile.arrivals === 'poisson') warnings.push('arrivals: poisson has no k6 executor; k6 spaces arrivals evenly')
  if (plan.profile.warmup_ms > 0) warnings.push('warmup is not exported: k6 has no untimed warm-up phase (run a short k6 test first if the server was just started)')

  const maxSteps = Math.max(1, ...plan.scripts.map((s) => s.steps.length))
  const scripts = plan.scripts.map((s) => ({
    name: s.name,
    flow: plan.flows[s.flow]?.file ?? '',
    weight: s.weight,
    seed: s.seed,
    think: thinkJs(s.think),
    steps: s.steps.map((st) => (st.kind === 'message' ? { message: st.text, think: thinkJs(st.think) } : { event: st.event, think: thinkJs(st.think) })),
  }))
  const users = plan.users.map((u) => ({ weight: u.weight, user_profile: u.user_profile, ...(u.tenant_id !== undefined ? { tenant_id: u.tenant_id } : {}) }))
  const options = { scenarios: { [scenarioName(scenario)]: k6Scenario(scenario, maxSteps) }, thresholds }

  const lines = [
    `// k6 load test exported by \`flowbench load --export k6\` from ${scenario.file}.`,
    '// It drives the Flowbench bot API (docs/bot-server.md). Start the server, then run k6:',
    '//   npx flowbench api WORKSPACE --rate-limit 0 --port 8787      (prints the API key)',
    '//   k6 run -e BASE_URL=http://127.0.0.1:8787 -e API_KEY=<key> script.js',
    '// On many machines: k6-operator (a TestRun with parallelism N) with BASE_URL pointing at the server.',
    ...(warnings.length ? ['//', '// Not reproduced here:', ...warnings.map((w) => `//  - ${w}`)] : []),
    "import http from 'k6/http'",
    "import { check, sleep } from 'k6'",
    "import { Rate, Trend } from 'k6/metrics'",
    '',
    `export const options = ${JSON.stringify(options, null, 2)}`,
    '',
    "const BASE_URL = (__ENV.BASE_URL || 'http://127.0.0.1:8787').replace(/\\/+$/, '')",
    "const HEADERS = { 'Content-Type': 'application/json', Authorization: `Bearer ${__ENV.API_KEY || ''}` }",
    `const SCRIPTS = ${JSON.stringify(scripts, null, 2)}`,
    `const USERS = ${JSON.stringify(users, null, 2)}`,
    `const THINK = ${js(thinkJs(plan.think))}`,
    '',
    "const turnErrors = new Rate('turn_errors')",
    "const engineTime = new Trend('engine_time', true)",
    '',
    'function pick(items) {',
    '  let total = 0',
    '  for (const item of items) total += item.weight',
    '  let r = Math.random() * total',
    '  for (const item of items) {',
    '    r -= item.weight',
    '    if (r < 0) return item',
    '  }',
    '  return items[items.length - 1]',
    '}',
    '',
    'function think(t) {',
    '  if (!t) return',
    '  const ms = t.fixed_ms !== undefined ? t.fixed_ms : t.min_ms + Math.random() * (t.max_ms - t.min_ms)',
    '  if (ms > 0) sleep(ms / 1000)',
    '}',
    '',
    'export default function () {',
    '  const script = pick(SCRIPTS)',
    '  const user = USERS.length > 0 ? pick(USERS) : null',
    '  const body = Object.assign({ flow: script.flow }, script.seed)',
    '  if (user) {',
    '    body.user_profile = Object.assign({}, user.user_profile, script.seed.user_profile || {})',
    '    if (user.tenant_id !== undefined && body.tenant_id === undefined) body.tenant_id = user.tenant_id',
    '  }',
    "  const started = http.post(`${BASE_URL}/v1/sessions`, JSON.stringify(body), { headers: HEADERS, tags: { name: 'session' } })",
    "  const created = check(started, { 'session created': (r) => r.status === 201 })",
    '  if (!created) {',
    '    turnErrors.add(1)',
    '    return',
    '  }',
    "  const id = started.json('session_id')",
    '  for (const step of script.steps) {',
    '    think(step.think || script.think || THINK)',
    '    const res = step.message !== undefined',
    "      ? http.post(`${BASE_URL}/v1/sessions/${id}/messages`, JSON.stringify({ text: step.message }), { headers: HEADERS, tags: { name: 'turn' } })",
    "      : http.post(`${BASE_URL}/v1/sessions/${id}/events`, JSON.stringify({ type: step.event }), { headers: HEADERS, tags: { name: 'turn' } })",
    '    const answered = res.status === 200',
    "    const clean = answered && res.json('errors').length === 0",
    "    check(res, { 'turn answered': () => answered, 'turn without errors': () => clean })",
    '    turnErrors.add(!clean)',
    "    if (answered) engineTime.add(res.json('timing.engine_ms'))",
    "    if (!answered || res.json('ended')) break",
    '  }',
    "  http.del(`${BASE_URL}/v1/sessions/${id}`, null, { headers: HEADERS, tags: { name: 'end' } })",
    '}',
    '',
  ]
  return { script: lines.join('\n'), warnings }
}

function scenarioName(scenario: LoadScenario): string {
  const base = (scenario.name ?? scenario.file.split('/').pop() ?? 'flowbench').replace(/\.load\.(json|ya?ml)$/i, '')
  const id = base.toLowerCase().replace(/[^a-z0-9_]+/g, '_').replace(/^_+|_+$/g, '')
  return id || 'flowbench'
}
