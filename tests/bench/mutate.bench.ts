// `npm run bench -- mutate`: mutation testing throughput: 200 mutants against a suite of 100
// tests (the sample support flow's tests repeated with varied inputs) on a 2-thread pool, and the
// same inline, from loading the files to the report (baseline run included).
import { mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, cpSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parse, stringify } from 'yaml'
import { runMutation } from '../../src-main/core/mutate'
import { TestPool } from '../../src-main/core/pool/pool'

const MUTANTS = 200
const TESTS = 100

export default async function bench(): Promise<Record<string, number | string>> {
  const root = process.env.FLOWBENCH_ROOT ?? process.cwd()
  const ws = mkdtempSync(join(tmpdir(), 'flowbench-mutate-bench-'))
  try {
    cpSync(join(root, 'resources/samples'), ws, { recursive: true })
    // 100 tests: the support suite's tests, copied (renamed) until there are 100.
    const suite = parse(readFileSync(join(ws, 'tests/support.test.yaml'), 'utf8')) as { tests: Array<{ name: string }> }
    const base = suite.tests
    const tests = Array.from({ length: TESTS }, (_, i) => ({ ...base[i % base.length]!, name: `${base[i % base.length]!.name} #${i}` }))
    rmSync(join(ws, 'tests'), { recursive: true })
    mkdirSync(join(ws, 'tests'))
    writeFileSync(join(ws, 'tests/support.test.yaml'), stringify({ ...suite, tests }))
    const pool = new TestPool({ threads: 2, workerFile: join(root, 'out/cli/worker.mjs') })
    try {
      await pool.warmUp()
      let t0 = performance.now()
      const pooled = await runMutation({ root: ws, maxMutants: MUTANTS, seed: 1, pool })
      const poolMs = performance.now() - t0
      t0 = performance.now()
      const inline = await runMutation({ root: ws, maxMutants: MUTANTS, seed: 1 })
      const inlineMs = performance.now() - t0
      const testRuns = pooled.mutants.reduce((a, m) => a + m.tests_run, 0)
      return {
        mutants: pooled.summary.total,
        tests: pooled.tests.total,
        'test runs (mutant × test, stopping at the first kill)': testRuns,
        'score %': pooled.summary.score,
        'pool, 2 threads (s)': Math.round(poolMs) / 1000,
        'inline, 1 thread (s)': Math.round(inlineMs) / 1000,
        'same verdicts pool vs inline': String(pooled.mutants.every((m, i) => m.status === inline.mutants[i]!.status)),
      }
    } finally {
      await pool.destroy()
    }
  } finally {
    rmSync(ws, { recursive: true, force: true })
  }
}
