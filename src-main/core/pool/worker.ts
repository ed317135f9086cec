// The worker-pool entry (built to out/cli/worker.mjs): named task handlers, each thread
// compiling every flow once. Imports only the engine and the test runner's execution half,
// so a worker starts quickly.
import { FlowCache, runTestBatch as runBatchInThread, type BatchResult, type TestBatch } from '../runner/batch'
import { runMutantBatch as runMutantsInThread, type MutantBatch, type MutantRun } from '../mutate/execute'

const flows = new FlowCache()

/** Runs a batch of planned tests (piscina task name `runTestBatch`). */
export function runTestBatch(batch: TestBatch): Promise<BatchResult> {
  return runBatchInThread(batch, flows)
}

/** Runs mutants against their tests (piscina task name `runMutantBatch`). */
export function runMutantBatch(batch: MutantBatch): Promise<MutantRun[]> {
  return runMutantsInThread(batch)
}

/** A no-op that answers once the worker is up (task name `ping`), to start workers ahead of work. */
export function ping(): boolean {
  return true
}
