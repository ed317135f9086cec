// Runs mutants against their tests (in this thread or as a pool task `runMutantBatch`): each
// mutant is its flow with a few edits applied, compiled once; its tests run in the order given
// until one that passed on the unmutated flow fails or errors (the mutant is killed).
import type { FlowDocument } from '../../common/flow-schema'
import { compileFlow } from '../engine'
import type { PluginLoadSpec } from '../plugins'
import { runPlannedTest, Watchdog, type BatchOptions, type RunContext } from '../runner/batch'
import type { PlannedTest } from '../runner/plan'
import { flowPluginInfo, needsPlugins, pluginsFor, type RunPlugins } from '../runner/plugins'
import { applyEdits, type JsonEdit } from './operators'

export interface MutantJob {
  id: number
  /** Key of the flow it mutates (in the task's `flows`). */
  flow: string
  edits: JsonEdit[]
  /** Indexes (into the task's `tests`) of the tests to run, in order. */
  tests: number[]
}

/** A pool task: many mutants and the tests they need, the flows once. Plain data. */
export interface MutantBatch {
  flows: Record<string, FlowDocument>
  /** The tests the batch's mutants run, by their index in the run (sparse: only those needed). */
  tests: Record<number, PlannedTest>
  mutants: MutantJob[]
  testTimeoutMs: number
  plugins?: PluginLoadSpec
  /** Shared with the sending thread: 1 in slot 0 stops the batch between two tests. */
  control?: Int32Array
}

export type MutantStatus = 'killed' | 'survived' | 'invalid'

export interface MutantRun {
  id: number
  status: MutantStatus
  /** The index of the test that killed it. */
  killedBy?: number
  /** Tests run before the verdict. */
  testsRun: number
  /** Why the mutant is invalid (its flow does not compile). */
  error?: string
}

const OPTIONS = (testTimeoutMs: number): BatchOptions => ({ repeat: 1, bail: false, transcripts: 'none', testTimeoutMs })

export async function runMutantBatch(batch: MutantBatch): Promise<MutantRun[]> {
  const out: MutantRun[] = []
  const watchdog = new Watchdog(batch.testTimeoutMs)
  const options = OPTIONS(batch.testTimeoutMs)
  const infos = new Map<string, ReturnType<typeof flowPluginInfo>>()
  let plugins: RunPlugins | undefined
  try {
    for (const job of batch.mutants) {
      if (batch.control && Atomics.load(batch.control, 0) === 1) break
      const base = batch.flows[job.flow]
      if (!base) {
        out.push({ id: job.id, status: 'invalid', testsRun: 0, error: `the flow ${job.flow} was not sent with the mutant` })
        continue
      }
      let flow
      try {
        flow = compileFlow(applyEdits(base, job.edits))
      } catch (err) {
        out.push({ id: job.id, status: 'invalid', testsRun: 0, error: (err as Error).message.split('\n')[0] })
        continue
      }
      let info = infos.get(job.flow)
      if (!info) infos.set(job.flow, (info = flowPluginInfo(base)))
      let verdict: MutantRun = { id: job.id, status: 'survived', testsRun: 0 }
      for (const index of job.tests) {
        const test = batch.tests[index]
        if (!test) continue
        const ctx: RunContext = { watchdog }
        if (batch.plugins && needsPlugins(info, test)) {
          plugins ??= await pluginsFor(batch.plugins)
          ctx.plugins = { plugins, nlu: info.nlu }
        }
        const outcome = await runPlannedTest(flow, test, options, ctx)
        verdict.testsRun++
        if (outcome.status !== 'passed') {
          verdict = { ...verdict, status: 'killed', killedBy: index }
          break
        }
      }
      out.push(verdict)
    }
  } finally {
    watchdog.stop()
  }
  return out
}
