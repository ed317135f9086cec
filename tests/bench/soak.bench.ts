// `npm run bench -- soak`: a 10-minute soak of the sample mix at a steady arrival rate on the
// worker pool, measuring memory over time (is it flat?) and whether latency holds. It runs only
// when asked for by name (or with FLOWBENCH_SOAK=1): a plain `npm run bench` keeps the figures of
// the last soak in docs/benchmarks.md instead of spending ten minutes. Never part of CI.
import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { loadScenarioText } from '../../src-main/core/load/scenario'
import { LoadWorkerPool } from '../../src-main/core/load/pool'
import { runLoadTest } from '../../src-main/core/load/run'
import type { TimelineEntry } from '../../src-main/common/load-result'
import { INSTANT_MOCKS, SAMPLE_MIX } from './load-bench-run'

const SOAK_MINUTES = Number(process.env.FLOWBENCH_SOAK_MINUTES ?? 10)
/** Conversations per second: well under what one worker sustains here (docs/benchmarks.md, load), so memory, not overload, is measured. */
const SOAK_RATE = Number(process.env.FLOWBENCH_SOAK_RATE ?? 400)

/** Whether this run was asked for by name: `npm run bench -- soak` (the runner's own arguments) or FLOWBENCH_SOAK=1. */
function askedFor(): boolean {
  if (process.env.FLOWBENCH_SOAK === '1') return true
  try {
    const parent = readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0')
    const at = parent.findIndex((a) => a.endsWith('bench.mjs'))
    return at >= 0 && parent.slice(at + 1).some((a) => a.includes('soak'))
  } catch {
    return false
  }
}

/** The figures of the last soak, as docs/benchmarks.md has them, so a full bench run does not drop them. */
function lastFigures(root: string): Record<string, string> {
  try {
    const doc = readFileSync(join(root, 'docs/benchmarks.md'), 'utf8')
    const section = doc.split(/\n(?=## )/).find((s) => s.startsWith('## soak'))
    const out: Record<string, string> = {}
    for (const line of section?.split('\n') ?? []) {
      const m = /^\| (.+?) \| (.+) \|$/.exec(line)
      if (m && m[1] !== 'figure' && m[1] !== '---' && !m[1]!.startsWith('not run')) out[m[1]!] = m[2]!
    }
    return out
  } catch {
    return {}
  }
}

const round = (x: number, digits = 1): number => Math.round(x * 10 ** digits) / 10 ** digits

/** Least-squares slope of y over x. */
function slope(points: Array<[number, number]>): number {
  const n = points.length
  if (n < 2) return 0
  const mx = points.reduce((a, [x]) => a + x, 0) / n
  const my = points.reduce((a, [, y]) => a + y, 0) / n
  const sxy = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0)
  const sxx = points.reduce((a, [x]) => a + (x - mx) ** 2, 0)
  return sxx ? sxy / sxx : 0
}

function perMinute(timeline: TimelineEntry[], pick: (e: TimelineEntry) => number): number[] {
  const out: number[] = []
  for (let m = 0; m < SOAK_MINUTES; m++) {
    const xs = timeline.filter((e) => e.t_s >= m * 60 && e.t_s < (m + 1) * 60 && pick(e) > 0).map(pick)
    out.push(xs.length ? round(xs.reduce((a, b) => a + b, 0) / xs.length) : 0)
  }
  return out
}

export default async function bench(): Promise<Record<string, number | string>> {
  const root = process.env.FLOWBENCH_ROOT ?? process.cwd()
  if (!askedFor()) {
    const kept = lastFigures(root)
    return Object.keys(kept).length ? kept : { 'not run (10 minutes; `npm run bench -- soak`)': 'no soak figures yet' }
  }
  // Its own copy of the load worker: out/cli is rebuilt whenever someone starts a test run.
  const requireFromRoot = createRequire(join(root, 'package.json'))
  const esbuild = (await import(pathToFileURL(requireFromRoot.resolve('esbuild')).href)) as typeof import('esbuild')
  const workerFile = join(root, 'out/soak-bench/load-worker.mjs')
  await esbuild.build({
    entryPoints: [join(root, 'src-main/core/load/worker.ts')],
    outfile: workerFile,
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['piscina', 'hdr-histogram-js', 'electron'],
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  })
  const workers = Math.max(1, cpus().length - 1)
  const scenario = await loadScenarioText(
    `${SAMPLE_MIX}think_time: { min: 100ms, max: 2s }\nprofile: { executor: constant-arrival-rate, rate: ${SOAK_RATE}, duration: ${SOAK_MINUTES}m }\n${INSTANT_MOCKS}`,
    join(root, 'resources/samples/load/soak.load.yaml'),
  )
  const pool = new LoadWorkerPool({ threads: workers, workerFile })
  let result
  try {
    result = await runLoadTest(scenario, { channel: pool, warmupMs: 3000 })
  } finally {
    await pool.destroy()
  }
  const t = result.timeline
  const heap = perMinute(t, (e) => e.heap_mb)
  const rss = perMinute(t, (e) => e.rss_mb)
  // Growth after the first minute (which fills up to the steady number of conversations in flight).
  const steady = t.filter((e) => e.t_s >= 60 && e.heap_mb > 0)
  const heapSlope = slope(steady.map((e) => [e.t_s / 60, e.heap_mb]))
  const rssSlope = slope(steady.filter((e) => e.rss_mb > 0).map((e) => [e.t_s / 60, e.rss_mb]))
  const p99 = perMinute(t, (e) => e.p99_ms)
  return {
    'soak: duration (min) / workers': `${SOAK_MINUTES} / ${workers}`,
    'soak: offered conversations/s': SOAK_RATE,
    'soak: turns / conversations': `${result.totals.turns} / ${result.totals.conversations}`,
    'soak: turns/s (mean)': result.throughput.turns_per_s,
    'soak: worker heap MB by minute': heap.join(' / '),
    'soak: process RSS MB by minute': rss.join(' / '),
    'soak: worker heap growth after minute 1 (MB/min)': round(heapSlope, 2),
    'soak: RSS growth after minute 1 (MB/min)': round(rssSlope, 2),
    'soak: peak RSS / peak heap (MB)': `${result.memory.peak_rss_mb} / ${result.memory.peak_heap_mb}`,
    'soak: turn latency p99 by minute (ms)': p99.join(' / '),
    'soak: turn latency p50 / p99 / max, whole run (ms)': `${result.turn_latency_ms.p50} / ${result.turn_latency_ms.p99} / ${result.turn_latency_ms.max}`,
    'soak: errors / dropped': `${result.totals.errors} / ${result.totals.dropped}`,
    'soak: load generator warning': result.load_generator.bottleneck ? result.load_generator.reasons.join('; ') : 'none',
    'soak: run on': new Date().toISOString().slice(0, 10),
  }
}
