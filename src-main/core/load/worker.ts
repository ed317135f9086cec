// The load-test worker entry (built to out/cli/load-worker.mjs; piscina task `load`): each
// thread keeps the runtime of the current run between tasks, so conversations, think times
// and mocked latencies carry on while the main thread schedules the next batch.
import { monitorEventLoopDelay, performance, type EventLoopUtilization } from 'node:perf_hooks'
import type { LoadTime } from './mocks'
import type { InitTask, LoadTask, WorkerReport } from './protocol'
import { planPlugins } from './plugins'
import { LoadRuntime, type ProcessSampler } from './runtime'

let current: { run: string; runtime: LoadRuntime; time: ReturnType<typeof realLoadTime> } | undefined

/** Real time for a run; t = 0 is set by `begin` (performance.timeOrigin-based, shared by all threads). */
export function realLoadTime(): LoadTime & { begin(epoch: number): void } {
  let base = 0
  return {
    begin(epoch) {
      base = performance.timeOrigin - epoch
    },
    now: () => base + performance.now(),
    wallNow: () => Date.now(),
    setTimer: (fn, ms) => setTimeout(fn, ms),
    clearTimer: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
    immediate: (fn) => {
      setImmediate(fn)
    },
  }
}

/** Heap, event-loop delay and utilisation of this thread, per second. */
export function threadSampler(): ProcessSampler {
  const delay = monitorEventLoopDelay({ resolution: 10 })
  delay.enable()
  let lastElu: EventLoopUtilization = performance.eventLoopUtilization()
  return {
    sample() {
      const elu = performance.eventLoopUtilization(lastElu)
      lastElu = performance.eventLoopUtilization()
      const out = {
        heap_used_mb: Math.round((process.memoryUsage().heapUsed / 2 ** 20) * 10) / 10,
        loop_delay_p99_ms: delay.count ? Math.round(delay.percentile(99) / 1e4) / 100 : 0,
        loop_delay_max_ms: delay.count ? Math.round(delay.max / 1e4) / 100 : 0,
        utilization: Math.round(elu.utilization * 1000) / 1000,
      }
      delay.reset()
      return out
    },
    stop() {
      delay.disable()
    },
  }
}

function idle(worker: number): WorkerReport {
  return { worker, seconds: [], in_flight: 0, pending: 0, vus: 0, finished: false, last_end_ms: -1 }
}

async function prepare(task: InitTask): Promise<WorkerReport> {
  current?.runtime.abandon()
  const time = realLoadTime()
  // The workspace's plugins load once per thread (pluginsFor caches them), before anything is timed.
  const plugins = await planPlugins(task.plan)
  const runtime = new LoadRuntime({ plan: task.plan, worker: task.worker, workers: task.workers, time, shared: task.shared, ...(plugins ? { plugins } : {}) })
  current = { run: task.run, runtime, time }
  await runtime.warmUp(task.warmup_ms)
  const report = idle(task.worker)
  if (plugins) {
    report.plugin_served = runtime.pluginServed()
    report.plugin_problems = plugins.failure !== undefined ? [plugins.failure] : plugins.problems.map((p) => p.error)
  }
  return report
}

/** Every task of a load run (piscina task name `load`). */
export async function load(task: LoadTask): Promise<WorkerReport> {
  if (task.type === 'init') return prepare(task)
  if (!current || current.run !== task.run) throw new Error(`this worker has no load run "${task.run}" (it was not initialised, or a newer run replaced it)`)
  if (task.type === 'begin') {
    current.time.begin(task.epoch)
    current.runtime.begin(threadSampler())
    return idle(current.runtime.worker)
  }
  const report = current.runtime.handle(task)
  if (report.finished) current = undefined
  return report
}

/** Answers once the thread is up (task name `ping`), so the pool can start ahead of the run. */
export function ping(): number {
  return process.pid
}
