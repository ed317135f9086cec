// The worker pool for load runs: piscina threads, each task routed to a chosen thread (a
// worker keeps its conversations between tasks, so its batches must reach it and nobody else),
// and atomics off, so a thread with no task still runs its conversations' timers.
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResourceLimits } from 'node:worker_threads'
import type Piscina from 'piscina'
import type { LoadTask, WorkerReport } from './protocol'

export interface LoadPoolOptions {
  threads: number
  /** The worker entry; default: out/cli/load-worker.mjs (next to the built CLI, or of the checkout). */
  workerFile?: string
  resourceLimits?: ResourceLimits
}

/** Where the built load worker is: beside the bundled CLI, or in the checkout's out/cli (vitest). */
export function resolveLoadWorkerFile(): string {
  const candidates = [new URL('./load-worker.mjs', import.meta.url), new URL('../../../out/cli/load-worker.mjs', import.meta.url)]
  for (const url of candidates) {
    if (url.protocol !== 'file:') continue
    const path = fileURLToPath(url)
    if (existsSync(path)) return path
  }
  throw new Error('the load worker (out/cli/load-worker.mjs) has not been built: run `npm run build:cli`')
}

/** Threads a load run uses by default: one core stays with the main thread, which schedules. */
export function defaultLoadWorkers(): number {
  return Math.max(1, cpus().length - 1)
}

interface RoutedTask {
  thread?: number
}

export class LoadWorkerPool {
  private piscina: Piscina | undefined
  private threadIds: number[] = []
  private failure: Error | undefined
  private queueOptions: symbol | undefined

  constructor(private readonly options: LoadPoolOptions) {}

  get threads(): number {
    return this.options.threads
  }

  /** Starts every thread and waits until each answers. */
  async start(): Promise<void> {
    if (this.piscina) return
    const mod = await import('piscina')
    const PiscinaClass = mod.Piscina
    const kQueueOptions = mod.queueOptionsSymbol as symbol
    this.queueOptions = kQueueOptions
    const pool = new PiscinaClass({
      filename: pathToFileURL(this.options.workerFile ?? resolveLoadWorkerFile()).href,
      minThreads: this.options.threads,
      maxThreads: this.options.threads,
      idleTimeout: Infinity,
      // Atomics.wait between tasks would freeze a worker's timers (its conversations).
      atomics: 'disabled',
      concurrentTasksPerWorker: 1_000_000,
      ...(this.options.resourceLimits ? { resourceLimits: this.options.resourceLimits } : {}),
      loadBalancer: (task, workers) => {
        const wanted = (task[kQueueOptions as typeof mod.queueOptionsSymbol] as RoutedTask | null)?.thread
        if (wanted === undefined) {
          let best = null
          for (const w of workers) if (!best || w.currentUsage < best.currentUsage) best = w
          return best
        }
        for (const w of workers) if (w.id === wanted) return w
        // Not ready yet: piscina keeps the task queued and retries when a thread is ready.
        return null
      },
    })
    pool.on('error', (err: Error) => {
      this.failure ??= err
    })
    this.piscina = pool
    this.threadIds = pool.threads.map((t) => t.threadId)
    await Promise.all(this.threadIds.map((_, i) => this.runOn(i, {}, 'ping')))
  }

  private runOn(worker: number, task: object, name: string): Promise<unknown> {
    const pool = this.piscina
    if (!pool) return Promise.reject(new Error('the load pool has not been started'))
    if (this.failure) return Promise.reject(this.failure)
    const thread = this.threadIds[worker]
    if (thread === undefined) return Promise.reject(new Error(`no load worker ${worker}`))
    // The routing key rides on the task object; structured cloning drops symbol keys, so the
    // worker receives the task as it was.
    const routed = { ...task } as Record<string | symbol, unknown>
    routed[this.queueOptions!] = { thread } satisfies RoutedTask
    return pool.run(routed, { name }).catch((err: unknown) => {
      throw this.failure ?? err
    })
  }

  /** Runs a task on worker `worker` (0-based) and returns its report. */
  run(worker: number, task: LoadTask): Promise<WorkerReport> {
    return this.runOn(worker, task, 'load') as Promise<WorkerReport>
  }

  async destroy(): Promise<void> {
    const pool = this.piscina
    this.piscina = undefined
    if (pool) await pool.destroy()
  }
}
