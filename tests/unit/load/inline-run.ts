// A load run on virtual time with worker runtimes in this thread standing in for the pool.
import { join, resolve } from 'node:path'
import { LoadRuntime } from '../../../src-main/core/load/runtime'
import { runLoadTest, type LoadChannel } from '../../../src-main/core/load/run'
import { loadScenarioText } from '../../../src-main/core/load/scenario'
import type { LoadTask, WorkerReport } from '../../../src-main/core/load/protocol'
import type { LoadResult } from '../../../src-main/core/load/result'
import { VirtualTime } from './virtual-time'

const fixtures = resolve(__dirname, '../../fixtures/load')

/** Worker runtimes in this thread, on the test's virtual time. */
export class InlineChannel implements LoadChannel {
  readonly tasks: Array<{ worker: number; type: string; arrivals: number }> = []
  private readonly workers = new Map<number, { runtime: LoadRuntime; epoch: { at: number } }>()

  constructor(private readonly vt: VirtualTime, readonly threads: number) {}

  async start(): Promise<void> {}

  async run(worker: number, task: LoadTask): Promise<WorkerReport> {
    this.tasks.push({ worker, type: task.type, arrivals: task.type === 'arrivals' ? task.times.length : 0 })
    const idle = { worker, seconds: [], in_flight: 0, pending: 0, vus: 0, finished: false, last_end_ms: -1 }
    if (task.type === 'init') {
      const epoch = { at: 0 }
      const runtime = new LoadRuntime({ plan: task.plan, worker, workers: task.workers, time: this.vt.loadTime(() => epoch.at), shared: task.shared, spinMs: 0 })
      this.workers.set(worker, { runtime, epoch })
      return idle
    }
    const w = this.workers.get(worker)!
    if (task.type === 'begin') {
      w.epoch.at = task.epoch
      w.runtime.begin()
      return idle
    }
    return w.runtime.handle(task)
  }

  async destroy(): Promise<void> {}
}

/** Runs the scenario text (the tiny fixture flow is prepended) to completion on virtual time. */
export async function runInline(scenarioText: string, o: { threads?: number; signalAfterMs?: number; stopAfterMs?: number } = {}): Promise<{ result: LoadResult; channel: InlineChannel }> {
  const scenario = await loadScenarioText(`flow: ../flows/tiny.flow.yaml\n${scenarioText}`, join(fixtures, 'load/inline.load.yaml'))
  const vt = new VirtualTime()
  const channel = new InlineChannel(vt, o.threads ?? 2)
  const controller = new AbortController()
  const stop = new AbortController()
  let done = false
  const pending = runLoadTest(scenario, {
    channel,
    clock: vt,
    warmupMs: 0,
    commit: 'abc1234',
    signal: controller.signal,
    stop: stop.signal,
    sampleMain: () => ({ rss_mb: 100, heap_mb: 10 }),
    mainUtilization: () => () => 0.05,
  }).finally(() => (done = true))
  for (let i = 0; i < 10_000 && !done; i++) {
    await vt.advance(10)
    if (o.signalAfterMs !== undefined && vt.now() >= o.signalAfterMs) controller.abort()
    if (o.stopAfterMs !== undefined && vt.now() >= o.stopAfterMs) stop.abort()
  }
  return { result: await pending, channel }
}

