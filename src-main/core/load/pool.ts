// The worker pool for load runs: piscina threads, each task routed to a chosen thread (a
// worker keeps its conversations between tasks, so its batches must reach it and nobody else),
// and atomics off, so a thread with no task still runs its conversations' timers.
import { existsSync } from 'node:fs'
import { cpus } from 'node:os'
import { fileURLToPath, pathToFileURL } from 'node:url'
import type { ResourceLimits, Worker } from 'node:worker_threads'
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

/** A task's answer that will never come: the worker it was sent to died (or had died). */
export class LoadWorkerDied extends Error {
  override name = 'LoadWorkerDied'
  constructor(
    readonly worker: number,
    readonly reason: string,
  ) {
    super(`load worker ${worker} died (${reason})`)
  }
}

/** What the pool tells the coordinator about its threads. */
export type LoadWorkerEvent =
  /** Worker `worker` died; `cause` says how ("exited with code 1", "threw Error: boom"). A replacement is starting. */
  | { type: 'died'; worker: number; cause: string }
  /** A replacement thread for worker `worker` is up and takes that worker's tasks (it has no run yet). */
  | { type: 'replaced'; worker: number }

interface Slot {
  thread: Worker | undefined
  threadId: number
  /** Bumped at each death: a task sent to an earlier incarnation is answered by LoadWorkerDied. */
  generation: number
  /** Why the current incarnation died (undefined while it lives, or once replaced). */
  dead: string | undefined
}

export class LoadWorkerPool {
  private piscina: Piscina | undefined
  private slots: Slot[] = []
  private failure: Error | undefined
  private queueOptions: symbol | undefined
  private destroying = false
  private readonly listeners: Array<(e: LoadWorkerEvent) => void> = []
  /** Errors a worker threw (its death, handled through the slot, not a pool failure). */
  private readonly workerErrors = new WeakSet<object>()

  constructor(private readonly options: LoadPoolOptions) {}

  get threads(): number {
    return this.options.threads
  }

  /** Deaths and replacements of worker threads (piscina replaces a dead thread; the pool gives it the dead one's number). */
  onWorkerEvent(listener: (e: LoadWorkerEvent) => void): () => void {
    this.listeners.push(listener)
    return () => {
      const i = this.listeners.indexOf(listener)
      if (i >= 0) this.listeners.splice(i, 1)
    }
  }

  private emit(e: LoadWorkerEvent): void {
    for (const l of [...this.listeners]) l(e)
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
      // A worker's uncaught error with no task on it reaches the pool too (before the thread's own
      // 'error' listeners have run): that is a death, which the slot handles; anything else breaks the pool.
      queueMicrotask(() => {
        if (!this.workerErrors.has(err)) this.failure ??= err
      })
    })
    // piscina starts a thread in place of one that died; the first slot waiting for one gets it.
    pool.on('workerCreate', () => this.adoptReplacements())
    this.piscina = pool
    this.slots = pool.threads.map((thread, i) => {
      const slot: Slot = { thread, threadId: thread.threadId, generation: 0, dead: undefined }
      this.watch(i, slot, thread)
      return slot
    })
    await Promise.all(this.slots.map((_, i) => this.runOn(i, {}, 'ping')))
  }

  /** Notices the death of `thread` (an uncaught error, process.exit, a resource limit) as worker `index`'s. */
  private watch(index: number, slot: Slot, thread: Worker): void {
    let settled = false
    const died = (cause: string): void => {
      if (settled || this.destroying || slot.thread !== thread) return
      settled = true
      slot.thread = undefined
      slot.threadId = -1
      slot.generation++
      slot.dead = cause
      this.emit({ type: 'died', worker: index, cause })
    }
    thread.on('error', (err: unknown) => {
      if (err !== null && typeof err === 'object') this.workerErrors.add(err)
      died(`threw ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`)
    })
    thread.once('exit', (code: number) => died(`exited with code ${code}`))
  }

  private adoptReplacements(): void {
    const pool = this.piscina
    if (!pool || this.destroying) return
    const known = new Set(this.slots.map((s) => s.thread))
    for (const thread of pool.threads) {
      if (known.has(thread) || thread.threadId < 0) continue
      const index = this.slots.findIndex((s) => s.thread === undefined)
      if (index < 0) return
      const slot = this.slots[index]!
      slot.thread = thread
      slot.threadId = thread.threadId
      slot.dead = undefined
      this.watch(index, slot, thread)
      this.emit({ type: 'replaced', worker: index })
    }
  }

  private runOn(worker: number, task: object, name: string): Promise<unknown> {
    const pool = this.piscina
    if (!pool) return Promise.reject(new Error('the load pool has not been started'))
    if (this.failure) return Promise.reject(this.failure)
    const slot = this.slots[worker]
    if (slot === undefined) return Promise.reject(new Error(`no load worker ${worker}`))
    if (slot.thread === undefined) return Promise.reject(new LoadWorkerDied(worker, slot.dead ?? 'being replaced'))
    const generation = slot.generation
    // The routing key rides on the task object; structured cloning drops symbol keys, so the
    // worker receives the task as it was.
    const routed = { ...task } as Record<string | symbol, unknown>
    routed[this.queueOptions!] = { thread: slot.threadId } satisfies RoutedTask
    return pool.run(routed, { name }).catch((err: unknown) => {
      if (this.failure) throw this.failure
      // The thread died under the task (piscina rejects what was on it).
      if (slot.generation !== generation || (err !== null && typeof err === 'object' && this.workerErrors.has(err))) {
        throw new LoadWorkerDied(worker, slot.dead ?? (err instanceof Error ? err.message : String(err)))
      }
      throw err
    })
  }

  /** Runs a task on worker `worker` (0-based) and returns its report; rejects with LoadWorkerDied if that thread dies first. */
  run(worker: number, task: LoadTask): Promise<WorkerReport> {
    return this.runOn(worker, task, 'load') as Promise<WorkerReport>
  }

  async destroy(): Promise<void> {
    const pool = this.piscina
    this.piscina = undefined
    this.destroying = true
    if (pool) await pool.destroy()
  }
}
