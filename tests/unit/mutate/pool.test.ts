// The one integration test through the real worker pool (out/cli/worker.mjs, built by the test set-up).
import { afterAll, describe, expect, it } from 'vitest'
import { runMutation } from '../../../src-main/core/mutate'
import { resolveWorkerFile, TestPool } from '../../../src-main/core/pool/pool'
import { writeFixture } from './fixture'

const fx = writeFixture()
const pool = new TestPool({ threads: 2, workerFile: resolveWorkerFile() })
afterAll(async () => {
  await pool.destroy()
  fx.dispose()
})

describe('mutation on the worker pool', () => {
  it('gives the same verdicts as running inline', async () => {
    const inline = await runMutation({ root: fx.root, seed: 5 })
    const pooled = await runMutation({ root: fx.root, seed: 5, pool })
    const strip = (r: typeof inline) => r.mutants.map(({ id, status, killed_by, tests_run, hint, description }) => ({ id, status, killed_by, tests_run, hint, description }))
    expect(strip(pooled)).toEqual(strip(inline))
    expect(pooled.summary).toEqual(inline.summary)
    expect(pooled.workers).toBe(2)
  })
})
