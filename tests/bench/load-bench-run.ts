// The load-testing benchmarks themselves (started by load.bench.ts): what the engine does on one thread (T1),
// what the worker pool does at saturation with 2 workers and with cores − 1, harness lag at 80%
// of capacity, memory per 100,000 idle conversations, and the demonstration that latency is
// honest (a mock that blocks its worker for 300 ms shows in turn latency, not in service time).
// The 10-minute soak is its own benchmark (soak.bench.ts). Figures are measured, never asserted.
import { cpus } from 'node:os'
import { join } from 'node:path'
import { compileFlow, Engine, type Conversation } from '../../src-main/core/engine'
import { BreakerRegistry, type IntegrationProvider } from '../../src-main/core/engine/resilience'
import type { ConversationEvent } from '../../src-main/common/turn'
import { SnapshotNlu } from '../../src-main/core/runner/mocks'
import { loadScenarioText, type LoadScenario } from '../../src-main/core/load/scenario'
import { LoadWorkerPool } from '../../src-main/core/load/pool'
import { runLoadTest } from '../../src-main/core/load/run'
import { searchCapacity } from '../../src-main/core/load/capacity'
import { steadySeconds } from '../../src-main/core/load/compare'
import type { LoadResult } from '../../src-main/core/load/result'

const root = process.env.FLOWBENCH_ROOT ?? process.cwd()
const workerFile = join(root, 'out/bench/load-bench-worker.mjs')
const samples = join(root, 'resources/samples')
const cores = cpus().length

/** The three sample flows, each conversation a script of the sample scenario or a sample test's user steps. */
export const SAMPLE_MIX = `
conversations:
  - { flow: ../flows/support.flow.yaml, weight: 6, steps: ["I can't log in to my account", "Dana Scully", "dana.scully@example.com", "no thanks"] }
  - { flow: ../flows/support.flow.yaml, weight: 3, steps: ["hi", "the app keeps crashing", "Sam Rivera", "sam.rivera@example.com", "bye"] }
  - { flow: ../flows/support.flow.yaml, weight: 1, steps: ["I need some help please", "can I talk to a real person?"] }
  - { weight: 2, tests: ../tests/support.test.yaml }
  - { weight: 3, tests: ../tests/metrics.test.yaml }
  - { weight: 2, tests: ../tests/deploy.test.yaml }
`

export const INSTANT_MOCKS = `
mocks:
  integrations:
    crm_lookup: { data: { id: C-1042, tier: gold, entitlements: { priority_support: false, sla_hours: 8 } } }
    create_ticket: { data: { ticket: { id: SUP-20931, queue: general } } }
    metrics_query: { data: { value: 42, unit: "%", alert: false, series: [1, 2, 3] } }
    ci_build: { data: { artifact: build-17 } }
    ci_test_unit: { data: { passed: 120 } }
    ci_test_integration: { data: { passed: 48 } }
    deployer: { data: { environment: staging } }
    health_check: { data: { healthy: true } }
`

async function scenario(text: string): Promise<LoadScenario> {
  return loadScenarioText(text, join(samples, 'load/bench.load.yaml'))
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

/** T1: engine turns per second on this thread, conversations back to back, integrations answering at once. */
async function singleThreadTurnsPerSecond(s: LoadScenario, flowFilter: number | undefined, seconds: number, warmupMs: number): Promise<{ turnsPerS: number; turns: number }> {
  const plan = s.plan
  const instant: IntegrationProvider = {
    has: (id) => plan.mocks[id] !== undefined,
    call: (id) => Promise.resolve({ status_code: 200, data: plan.mocks[id]!.data }),
  }
  const engines = plan.flows.map((f) => new Engine(compileFlow(f.document), { integrations: instant, breakers: new BreakerRegistry(), seed: 1 }))
  const scripts = plan.scripts
    .filter((x) => flowFilter === undefined || x.flow === flowFilter)
    .map((x) => ({
      engine: engines[x.flow]!,
      events: x.steps.map((st): ConversationEvent => (st.kind === 'message' ? { type: 'message', text: st.text } : { type: st.event })),
      nlu: x.nlu ? new SnapshotNlu(x.nlu, false) : undefined,
      profile: x.seed.user_profile,
    }))
  const run = async (limitMs: number): Promise<{ turns: number; ms: number }> => {
    let turns = 0
    let i = 0
    const started = performance.now()
    while (performance.now() - started < limitMs) {
      for (let batch = 0; batch < 50; batch++) {
        const script = scripts[i++ % scripts.length]!
        const c: Conversation = script.engine.createConversation({
          conversation_id: `t1-${i}`,
          ...(script.profile ? { user_profile: script.profile } : {}),
          ...(script.nlu ? { nlu: script.nlu } : {}),
        })
        let r = await c.start()
        for (const e of script.events) {
          if (r.ended) break
          r = await c.send(e)
          turns++
        }
      }
    }
    return { turns, ms: performance.now() - started }
  }
  // V8 reaches its optimising tier only after a few seconds of this; T1 is the steady state.
  await run(warmupMs)
  const { turns, ms } = await run(seconds * 1000)
  return { turnsPerS: turns / (ms / 1000), turns }
}

/**
 * Turns per second at steady state: the mean over the second half of the run's full seconds
 * (the first half is V8 warming up to its optimising tier; the last second is partial).
 */
function steadyTurnsPerSecond(r: LoadResult): number {
  const full = steadySeconds(r.timeline)
  const late = full.slice(Math.floor(full.length / 2))
  return late.length ? late.reduce((a, e) => a + e.turns, 0) / late.length : r.throughput.turns_per_s
}

async function saturation(s: LoadScenario, workers: number, seconds: number): Promise<{ turnsPerS: number; result: LoadResult }> {
  const pool = new LoadWorkerPool({ threads: workers, workerFile })
  try {
    // Enough users per worker that a worker never waits for one: the closed model at saturation.
    const sat = { ...s, plan: { ...s.plan, profile: { ...s.plan.profile, executor: 'constant-vus' as const, vus: 64 * workers, duration_ms: seconds * 1000 } } }
    const result = await runLoadTest(sat, { channel: pool, warmupMs: 2000 })
    return { turnsPerS: steadyTurnsPerSecond(result), result }
  } finally {
    await pool.destroy()
  }
}

async function openRun(s: LoadScenario, workers: number): Promise<LoadResult> {
  const pool = new LoadWorkerPool({ threads: workers, workerFile })
  try {
    return await runLoadTest(s, { channel: pool, warmupMs: 3000 })
  } finally {
    await pool.destroy()
  }
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) {
    g()
    g()
  }
}

/** Heap held by `count` started, idle conversations of the support flow (MB per 100,000). */
async function idleConversationMemory(s: LoadScenario, count: number): Promise<{ mbPer100k: number; bytesEach: number }> {
  const flow = compileFlow(s.plan.flows.find((f) => f.file.endsWith('support.flow.yaml'))!.document)
  const engine = new Engine(flow, { breakers: new BreakerRegistry() })
  gc()
  const before = process.memoryUsage().heapUsed
  const keep: Conversation[] = []
  for (let i = 0; i < count; i++) {
    const c = engine.createConversation({ conversation_id: `idle-${i}`, user_id: `u${i}`, user_profile: { returning_user: i % 4 === 0, first_name: 'Dana' } })
    await c.start()
    keep.push(c)
  }
  gc()
  const after = process.memoryUsage().heapUsed
  const bytes = after - before
  if (keep.length !== count) throw new Error('conversations were lost')
  return { mbPer100k: (bytes / count) * 100_000 / 2 ** 20, bytesEach: bytes / count }
}

export async function runLoadBench(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = {}
  const mix = await scenario(`${SAMPLE_MIX}profile: { executor: constant-vus, vus: 1, duration: 1s }\n${INSTANT_MOCKS}`)
  const flowIndex = (name: string) => mix.plan.flows.findIndex((f) => f.file.endsWith(name))

  // On a machine shared with other work a single measurement can be off by half, so T1 and the
  // saturation runs are measured twice, interleaved, and the better of each pair is the figure
  // (the other is shown): interference only ever slows a run down.
  const best = <T extends { turnsPerS: number }>(a: T, b: T): T => (a.turnsPerS >= b.turnsPerS ? a : b)
  const both = (a: { turnsPerS: number }, b: { turnsPerS: number }): string => `${Math.round(a.turnsPerS)} / ${Math.round(b.turnsPerS)}`

  // T1, measured in this run so the pool figures compare with it.
  const t1a = await singleThreadTurnsPerSecond(mix, undefined, 2.5, 3000)
  const workersMinusOne = Math.max(1, cores - 1)
  const twoA = await saturation(mix, 2, 8)
  const oneA = workersMinusOne === 2 ? twoA : await saturation(mix, workersMinusOne, 8)
  const t1b = await singleThreadTurnsPerSecond(mix, undefined, 2.5, 1000)
  const twoB = await saturation(mix, 2, 8)
  const oneB = workersMinusOne === 2 ? twoB : await saturation(mix, workersMinusOne, 8)
  const t1 = best(t1a, t1b)
  out['T1 engine turns/s, one thread (sample mix)'] = Math.round(t1.turnsPerS)
  out['T1 runs (turns/s)'] = both(t1a, t1b)
  for (const f of ['support.flow.yaml', 'metrics.flow.yaml', 'deploy.flow.yaml']) {
    out[`T1 engine turns/s, one thread (${f})`] = Math.round((await singleThreadTurnsPerSecond(mix, flowIndex(f), 1.5, 500)).turnsPerS)
  }

  // The pool at saturation: 2 workers, and cores − 1 (the main thread schedules on the last core).
  const target = 0.75 * cores * t1.turnsPerS
  out['pool target turns/s (0.75 × cores × T1)'] = Math.round(target)
  const two = best(twoA, twoB)
  out['pool turns/s at saturation, 2 workers'] = Math.round(two.turnsPerS)
  out['pool 2 workers runs (turns/s)'] = both(twoA, twoB)
  out['pool 2 workers / target'] = round(two.turnsPerS / target, 2)
  out['pool 2 workers: turns/s per worker vs T1'] = round(two.turnsPerS / 2 / t1.turnsPerS, 2)
  out['pool 2 workers: harness share of worker time'] = round(two.result.load_generator.harness_share, 3)
  const one = best(oneA, oneB)
  out[`pool turns/s at saturation, ${workersMinusOne} worker${workersMinusOne === 1 ? '' : 's'} (cores − 1)`] = Math.round(one.turnsPerS)
  out['pool cores − 1 runs (turns/s)'] = both(oneA, oneB)
  out['pool cores − 1 / target'] = round(one.turnsPerS / target, 2)
  out['pool turns/s per worker vs T1 (cores − 1)'] = round(one.turnsPerS / workersMinusOne / t1.turnsPerS, 2)
  out['pool target held by'] = [two.turnsPerS >= target ? '2 workers' : '', one !== two && one.turnsPerS >= target ? `${workersMinusOne} worker(s)` : ''].filter(Boolean).join(', ') || 'neither'

  const turnsPerConversation = one.result.totals.turns / Math.max(1, one.result.totals.completed_conversations)

  // Capacity (open model, cores − 1 workers): step the arrival rate up until turn latency p99
  // passes 50 ms or anything is dropped; the highest rate that held is the capacity.
  let capacity: number | null = null
  const searchPool = new LoadWorkerPool({ threads: workersMinusOne, workerFile })
  try {
    const slo = await scenario(`${SAMPLE_MIX}profile: { executor: constant-arrival-rate, rate: 1, duration: 1s }\n${INSTANT_MOCKS}thresholds:\n  turn_latency_p99: "< 50ms"\n  dropped_rate: "< 1%"\n`)
    const found = await searchCapacity(slo, {
      startRate: Math.max(1, round((0.4 * one.turnsPerS) / turnsPerConversation, 0)),
      factor: 1.3,
      stepDurationMs: 2500,
      refineSteps: 2,
      run: (step) => runLoadTest(step, { channel: searchPool, warmupMs: 1000 }),
    })
    capacity = found.highest_held_rate
    out[`capacity (open model, ${workersMinusOne} worker(s), turn latency p99 < 50 ms): conversations/s`] = capacity ?? 'none held'
    if (capacity !== null) out['capacity: turns/s'] = Math.round(capacity * turnsPerConversation)
    out['capacity search steps (conv/s, held ✓ / failed ✗)'] = found.steps.map((st) => `${st.rate}${st.held ? '✓' : '✗'}`).join(' ')
  } finally {
    await searchPool.destroy()
  }

  // Harness lag at 80% of that capacity (of the closed-model saturation if no step held).
  const rate = round(0.8 * (capacity ?? one.turnsPerS / turnsPerConversation), 0)
  const at80 = await openRun(await scenario(`${SAMPLE_MIX}profile: { executor: constant-arrival-rate, rate: ${rate}, duration: 8s }\n${INSTANT_MOCKS}`), workersMinusOne)
  out['80% of capacity: offered conversations/s'] = rate
  out['80% of capacity: turns/s'] = round(at80.throughput.turns_per_s, 0)
  out['80% of capacity: harness lag p99 (ms)'] = at80.harness_lag_ms.p99
  out['80% of capacity: harness lag p99.9 (ms)'] = at80.harness_lag_ms.p999
  out['80% of capacity: queue wait p99 (ms)'] = at80.queue_wait_ms.p99
  out['80% of capacity: turn latency p50 / p99 (ms)'] = `${at80.turn_latency_ms.p50} / ${at80.turn_latency_ms.p99}`
  out['80% of capacity: service time p99 (ms)'] = at80.service_time_ms.p99
  out['80% of capacity: worker busy / harness share'] = `${at80.load_generator.worker_utilization} / ${at80.load_generator.harness_share}`
  out['80% of capacity: load generator warning'] = at80.load_generator.bottleneck ? at80.load_generator.reasons.join('; ') : 'none'

  // Honest latency: one mocked call in 100 busy-blocks its worker for 300 ms.
  const honest = await openRun(await scenario(`
conversations:
  - { flow: ../flows/support.flow.yaml, steps: ["I can't log in to my account", "Dana Scully", "dana.scully@example.com", "no thanks"] }
profile: { executor: constant-arrival-rate, rate: 100, duration: 6s }
mocks:
  integrations:
    crm_lookup: { latency_ms: 2, data: { id: C-1, tier: gold, entitlements: { priority_support: false, sla_hours: 8 } } }
    create_ticket: { block_ms: 300, block_every: 100, data: { ticket: { id: SUP-1 } } }
`), Math.min(2, workersMinusOne + 1))
  out['block_ms 300 every 100th call: turn latency p50 (ms)'] = honest.turn_latency_ms.p50
  out['block_ms 300 every 100th call: turn latency p99 (ms)'] = honest.turn_latency_ms.p99
  out['block_ms 300 every 100th call: service time p99 (ms)'] = honest.service_time_ms.p99
  out['block_ms 300 every 100th call: queue wait p99 (ms)'] = honest.queue_wait_ms.p99
  out['block_ms 300 every 100th call: harness lag p99 (ms)'] = honest.harness_lag_ms.p99

  const memory = await idleConversationMemory(mix, 100_000)
  out['memory per 100,000 idle conversations, engine only (MB of heap, after GC)'] = round(memory.mbPer100k, 1)
  out['memory per idle conversation, engine only (bytes)'] = Math.round(memory.bytesEach)
  // The same under the load runtime: 100,000 virtual users on one worker (none in the first
  // second, all by the third), each thinking for a minute after its first turn; the heap of
  // the plateau minus that of the first second.
  const idle = await openRun(await scenario(`
conversations:
  - { flow: ../flows/support.flow.yaml, steps: ["hi", { user: "I need help", think_time: 60s }] }
profile:
  executor: ramping-vus
  stages: [{ target: 0, duration: 1s }, { target: 100000, duration: 2s }, { target: 100000, duration: 3s }]
  graceful_stop: 0s
`), 1)
  const heaps = idle.timeline.filter((e) => e.heap_mb > 0)
  const settled = idle.timeline.filter((e) => e.t_s >= 3 && e.t_s < 6 && e.heap_mb > 0)
  if (heaps.length && settled.length) {
    const base = heaps[0]!.heap_mb
    const held = settled.reduce((a, e) => a + e.heap_mb, 0) / settled.length
    out['memory per 100,000 idle conversations, under load (MB of heap, worker + main, no forced GC)'] = round(held - base, 1)
    out['idle conversations held'] = idle.totals.conversations - idle.totals.completed_conversations
  }

  out.cores = cores
  out.node = process.version
  return out
}
