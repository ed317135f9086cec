// The worker pool for test runs: piscina, created on first use, named task handlers,
// resource limits, cancellation by AbortSignal, destroyed on dispose.
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResourceLimits } from 'node:worker_threads'
import type Piscina from 'piscina'
import type { BatchResult, TestBatch } from '../runner/batch'
import type { MutantBatch, MutantRun } from '../mutate/execute'

export interface TestPoolOptions {
  /** Threads the pool may run. */
  threads: number
  /** The worker entry; default: out/cli/worker.mjs (next to the built CLI, or of the checkout). */
  workerFile?: string
  resourceLimits?: ResourceLimits
  /** Idle threads end after this long (the workbench keeps its pool between runs). */
  idleTimeoutMs?: number
}

/** Generous for conversations, but a runaway test cannot take the machine down. */
const DEFAULT_LIMITS: ResourceLimits = { maxOldGenerationSizeMb: 1024, maxYoungGenerationSizeMb: 64, stackSizeMb: 4 }

/**
 * Where the built worker is: beside this module in the bundled CLI (out/cli/*.mjs), or, when
 * the TypeScript sources run (vitest), in the checkout's out/cli, which the test set-up builds.
 */
export function resolveWorkerFile(): string {
  const candidates = [new URL('./worker.mjs', import.meta.url), new URL('../../../out/cli/worker.mjs', import.meta.url)]
  for (const url of candidates) {
    if (url.protocol !== 'file:') continue
    const path = fileURLToPath(url)
    if (existsSync(path)) return path
  }
  throw new Error('the test worker (out/cli/worker.mjs) has not been built: run `npm run build:cli`')
}

/** Threads a machine offers for test runs. */
export function availableThreads(): number {
  return Math.max(1, cpus().length)
}

export class TestPool {
  private piscina: Piscina | undefined
  private starting: Promise<Piscina> | undefined
  private destroyed = false

  constructor(private readonly options: TestPoolOptions) {}

  get threads(): number {
    return this.options.threads
  }

  private start(): Promise<Piscina> {
    if (this.destroyed) return Promise.reject(new Error('the test pool has been disposed'))
    this.starting ??= (async () => {
      const filename = pathToFileURL(this.options.workerFile ?? resolveWorkerFile()).href
      const { Piscina: PiscinaClass } = await import('piscina')
      const pool = new PiscinaClass({
        filename,
        minThreads: this.options.threads,
        maxThreads: this.options.threads,
        idleTimeout: this.options.idleTimeoutMs ?? 30_000,
        resourceLimits: this.options.resourceLimits ?? DEFAULT_LIMITS,
        // One task per thread at a time: a thread that dies then takes only its own batch with it,
        // and re-running that batch test by test finds exactly the tests that kill a thread.
        concurrentTasksPerWorker: 1,
      })
      this.piscina = pool
      return pool
    })()
    return this.starting
  }

  /** Starts the threads now, so they load while the caller still prepares work. */
  async warmUp(): Promise<void> {
    const pool = await this.start()
    await Promise.all(Array.from({ length: this.options.threads }, () => pool.run(null, { name: 'ping' }).catch(() => false)))
  }

  /**
   * Runs a batch on some thread; rejects when the thread dies. `signal` removes a batch that is
   * still queued; to stop a running one, prefer the batch's shared control block (aborting a
   * task that is just answering makes piscina throw outside the promise).
   */
  async runBatch(batch: TestBatch, signal?: AbortSignal): Promise<BatchResult> {
    const pool = await this.start()
    return (await pool.run(batch, { name: 'runTestBatch', ...(signal ? { signal } : {}) })) as BatchResult
  }

  /** Runs a batch of mutants (mutation testing) on some thread (piscina task `runMutantBatch`). */
  async runMutantBatch(batch: MutantBatch): Promise<MutantRun[]> {
    const pool = await this.start()
    return (await pool.run(batch, { name: 'runMutantBatch' })) as MutantRun[]
  }

  async destroy(): Promise<void> {
    this.destroyed = true
    const pool = this.piscina ?? (this.starting ? await this.starting.catch(() => undefined) : undefined)
    this.piscina = undefined
    if (pool) await pool.destroy()
  }
}

/** Whether an error is the rejection of an aborted task (not a thread that died). */
export function isAbortError(err: unknown): boolean {
  return (err as { name?: unknown } | null)?.name === 'AbortError'
}
