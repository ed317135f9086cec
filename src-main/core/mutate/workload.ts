// What fault injection and mutation testing run on: the test files under some paths, their
// flows (with source positions, to place findings) and the planned tests, plus one baseline run
// of every test that keeps its transcript — the recorded paths both features select tests by.
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { FlowDocument } from '../../common/flow-schema'
import type { ParsedDocument } from '../document/parse'
import { hashString } from '../engine/random'
import { loadFlowFile, loadTestSuiteText } from '../flow/load'
import type { PluginLoadSpec } from '../plugins'
import type { TestPool } from '../pool/pool'
import { FlowCache, runTestBatch, type BatchOptions, type TestBatch, type TestOutcome } from '../runner/batch'
import type { TranscriptTurn } from '../runner/model'
import { planSuite, type PlannedTest } from '../runner/plan'
import { findFiles, missingPaths, workspaceRelative } from '../workspace/discover'

export interface WorkloadFlow {
  /** Path and content hash, as the runner keys flows (a changed text is another key). */
  key: string
  /** Workspace-relative path. */
  file: string
  abs: string
  document: FlowDocument
  parsed: ParsedDocument
}

/** A planned test and where it is written. */
export interface WorkloadTest extends PlannedTest {
  /** The test file, workspace-relative. */
  file: string
}

/** A test file that could not be used (it does not parse, or its flow does not load). */
export interface WorkloadProblem {
  file: string
  message: string
}

export interface Workload {
  root: string
  flows: Map<string, WorkloadFlow>
  tests: WorkloadTest[]
  problems: WorkloadProblem[]
  /** Test files found under the paths. */
  files: number
}

/** Bad input for the whole run (a path that does not exist). */
export class WorkloadInputError extends Error {
  override name = 'WorkloadInputError'
}

/** Loads every test file under `paths` (default: the root) and plans its tests (skipped ones left out). */
export async function loadWorkload(root: string, paths?: readonly string[]): Promise<Workload> {
  const abs = (paths?.length ? paths : [root]).map((p) => resolve(root, p))
  const missing = missingPaths(abs)
  if (missing.length) throw new WorkloadInputError(`no such file or folder: ${missing.join(', ')}`)
  const files = await findFiles(abs, 'test')
  const flows = new Map<string, WorkloadFlow>()
  const byPath = new Map<string, Promise<WorkloadFlow | Error>>()
  const tests: WorkloadTest[] = []
  const problems: WorkloadProblem[] = []
  for (let i = 0; i < files.length; i++) {
    const testAbs = files[i]!
    const file = workspaceRelative(root, testAbs)
    let doc
    try {
      doc = loadTestSuiteText(await readFile(testAbs, 'utf8'), file).document
    } catch (err) {
      problems.push({ file, message: (err as Error).message })
      continue
    }
    const flowAbs = resolve(dirname(testAbs), doc.flow)
    let pending = byPath.get(flowAbs)
    if (!pending) {
      pending = loadWorkloadFlow(root, flowAbs)
      byPath.set(flowAbs, pending)
    }
    const flow = await pending
    if (flow instanceof Error) {
      problems.push({ file, message: `the flow ${JSON.stringify(doc.flow)} does not load: ${flow.message}` })
      continue
    }
    flows.set(flow.key, flow)
    for (const t of planSuite(doc, i, flow.key, 0)) {
      if (t.skip) continue
      t.index = tests.length
      tests.push({ ...t, file })
    }
  }
  return { root, flows, tests, problems, files: files.length }
}

async function loadWorkloadFlow(root: string, abs: string): Promise<WorkloadFlow | Error> {
  try {
    const file = workspaceRelative(root, abs)
    const loaded = await loadFlowFile(abs, file)
    return { key: `${file}#${hashString(loaded.parsed.text).toString(36)}`, file, abs, document: loaded.document, parsed: loaded.parsed }
  } catch (err) {
    return err instanceof Error ? err : new Error(String(err))
  }
}

/** What a test did in the baseline run. */
export interface RecordedTest {
  index: number
  status: TestOutcome['status']
  transcript: TranscriptTurn[]
  /** States entered and transitions taken, up to where the test stopped. */
  states: Set<string>
  transitions: Set<string>
}

/** Runs planned tests, here or on the pool, in tasks of a given size; results in test order. */
export class TestExecutor {
  private readonly cache = new FlowCache()

  constructor(
    private readonly flows: ReadonlyMap<string, WorkloadFlow>,
    private readonly pool: TestPool | undefined,
    private readonly plugins: PluginLoadSpec | undefined,
  ) {}

  get threads(): number {
    return this.pool?.threads ?? 1
  }

  async run(tests: readonly PlannedTest[], options: BatchOptions, signal?: AbortSignal, onBatch?: (done: number) => void): Promise<TestOutcome[]> {
    const size = Math.max(1, Math.min(200, Math.ceil(tests.length / (this.threads * 4))))
    const chunks: PlannedTest[][] = []
    for (let i = 0; i < tests.length; i += size) chunks.push(tests.slice(i, i + size))
    let done = 0
    const results = await Promise.all(
      chunks.map(async (chunk) => {
        if (signal?.aborted) return []
        const batch: TestBatch = { flows: this.flowsOf(chunk), tests: chunk, options }
        if (this.plugins) batch.plugins = this.plugins
        const result = this.pool ? await this.pool.runBatch(batch) : await runTestBatch(batch, this.cache, signal)
        done += result.outcomes.length
        onBatch?.(done)
        return result.outcomes
      }),
    )
    return results.flat()
  }

  private flowsOf(tests: readonly PlannedTest[]): Record<string, FlowDocument> {
    const out: Record<string, FlowDocument> = {}
    for (const t of tests) if (!out[t.flow]) out[t.flow] = this.flows.get(t.flow)!.document
    return out
  }
}

export const RECORDING: BatchOptions = { repeat: 1, bail: false, transcripts: 'all', testTimeoutMs: 10_000 }

/** The baseline run: every test once, transcripts kept, paths recorded. */
export async function recordBaseline(workload: Workload, executor: TestExecutor, signal?: AbortSignal): Promise<RecordedTest[]> {
  const outcomes = await executor.run(workload.tests, RECORDING, signal)
  return outcomes.map((o) => recorded(o))
}

export function recorded(o: TestOutcome): RecordedTest {
  const states = new Set<string>()
  const transitions = new Set<string>()
  const transcript = o.transcript ?? []
  for (const turn of transcript) {
    for (const s of turn.path) states.add(s)
    for (const t of turn.transitions) transitions.add(t)
  }
  return { index: o.index, status: o.status, transcript, states, transitions }
}
