// Test impact (`flowbench test --changed [REF]`): which tests to run after a change. A test runs
// when its recorded path (the states it entered and transitions it took in the last run) touches
// a state or transition that changed — since REF (git: the flow files at REF against the working
// tree) or, without REF, since the last run (the flow fingerprints its report kept) — or when its
// test file is new or edited, or it has no recorded path. No recorded paths at all: run everything.
import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import type { TestSuiteDocument } from '../../common/test-schema'
import { parseDocumentText } from '../document/parse'
import { hashString } from '../engine/random'
import { loadTestSuiteText } from '../flow/load'
import { planSuite } from '../runner/plan'
import type { TestSelector } from '../runner/select'
import { findFiles, workspaceRelative } from '../workspace/discover'
import { compareFingerprints, fingerprintFlow, type FlowChange, type FlowFingerprint } from './fingerprint'
import { gitChanges } from './git'

export { GitError } from './git'
export { compareFingerprints, fingerprintFlow, type FlowChange, type FlowFingerprint } from './fingerprint'

/** The parts of a JSON test report (file or history) the selection reads. */
export interface RecordedRun {
  suites?: Array<{ file?: string; flow?: string | null; tests?: Array<{ name?: string; path?: { states?: string[]; transitions?: string[] } }> }>
  fingerprints?: { flows?: Record<string, FlowFingerprint>; tests?: Record<string, string> }
}

export interface ImpactOptions {
  /** The workspace root (report paths are relative to it). */
  root: string
  /** Absolute test files or folders the run covers. */
  paths: string[]
  /** A git ref: changes since it. Without one: since the recorded run. */
  ref?: string
  /** The last run of this workspace (its JSON report), or null when there is none. */
  recorded: RecordedRun | null
  /** How the recorded run is named in messages ("the last run (20261122-101500-ab12)", a file name). */
  recordedLabel: string
}

export interface ImpactPlan {
  /** Everything runs (no recorded paths to select by). */
  all: boolean
  /** The tests to run (when not `all`). */
  select: TestSelector[]
  selected: number
  total: number
  /** What was selected and why, in one line. */
  message: string
  /** Per flow that changed: what changed. */
  changes: Array<{ flow: string } & FlowChange>
}

interface CurrentTest {
  file: string
  name: string
  flow: string | null
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`

async function currentFlowFingerprint(abs: string): Promise<FlowFingerprint | undefined> {
  try {
    return fingerprintFlow(parseDocumentText(await readFile(abs, 'utf8'), abs).value)
  } catch {
    return undefined
  }
}

export async function planImpact(options: ImpactOptions): Promise<ImpactPlan> {
  const { root } = options
  const files = await findFiles(options.paths.length ? options.paths : [root], 'test')
  const tests: CurrentTest[] = []
  const fileHashes = new Map<string, string>()
  /** Test files whose tests cannot be listed (they do not load): selected whole. */
  const unreadable: string[] = []
  const flowFiles = new Map<string, string>()
  for (const abs of files) {
    const file = workspaceRelative(root, abs)
    let text: string
    try {
      text = await readFile(abs, 'utf8')
    } catch {
      unreadable.push(file)
      continue
    }
    fileHashes.set(file, hashString(text).toString(36))
    let doc: TestSuiteDocument
    try {
      doc = loadTestSuiteText(text, file).document
    } catch {
      unreadable.push(file)
      continue
    }
    const flowAbs = resolve(dirname(abs), doc.flow)
    const flow = workspaceRelative(root, flowAbs)
    flowFiles.set(flow, flowAbs)
    for (const t of planSuite(doc, 0, '', 0)) tests.push({ file, name: t.name, flow })
  }
  const total = tests.length
  const everything = (why: string): ImpactPlan => ({ all: true, select: [], selected: total, total, message: `all ${plural(total, 'test')}: ${why}`, changes: [] })

  const recorded = new Map<string, { states: Set<string>; transitions: Set<string> }>()
  for (const suite of options.recorded?.suites ?? []) {
    for (const t of suite.tests ?? []) {
      if (typeof suite.file !== 'string' || typeof t.name !== 'string' || !t.path) continue
      recorded.set(`${suite.file}\u0000${t.name}`, { states: new Set(t.path.states ?? []), transitions: new Set(t.path.transitions ?? []) })
    }
  }
  if (!options.recorded) return everything(`no recorded paths (no previous run of this workspace), so everything runs`)
  if (!recorded.size) return everything(`${options.recordedLabel} has no recorded test paths, so everything runs`)

  // What changed, per flow, and which test files are new or edited.
  const changes = new Map<string, FlowChange>()
  const editedTests = new Set<string>()
  let since: string
  if (options.ref !== undefined) {
    const git = await gitChanges(root, options.ref)
    since = `since ${options.ref}`
    for (const [flow, abs] of flowFiles) {
      if (!git.files.has(abs)) continue
      const old = await git.textAt(abs)
      let before: FlowFingerprint | undefined
      if (old !== undefined) {
        try {
          before = fingerprintFlow(parseDocumentText(old, flow).value)
        } catch {
          before = undefined
        }
      }
      changes.set(flow, compareFingerprints(before, await currentFlowFingerprint(abs)))
    }
    for (const abs of files) if (git.files.has(abs)) editedTests.add(workspaceRelative(root, abs))
  } else {
    const prints = options.recorded.fingerprints
    if (!prints?.flows) return everything(`${options.recordedLabel} did not record what its flows looked like, so everything runs`)
    since = `since ${options.recordedLabel}`
    for (const [flow, abs] of flowFiles) {
      const change = compareFingerprints(prints.flows[flow], await currentFlowFingerprint(abs))
      if (change.all || change.states.length || change.transitions.length) changes.set(flow, change)
    }
    for (const [file, hash] of fileHashes) if (prints.tests?.[file] !== hash) editedTests.add(file)
  }

  const select: TestSelector[] = unreadable.map((file) => ({ file, name: '' }))
  let byFlow = 0
  let byFile = 0
  let unrecorded = 0
  for (const t of tests) {
    const path = recorded.get(`${t.file}\u0000${t.name}`)
    let why: 'flow' | 'file' | 'unrecorded' | undefined
    if (editedTests.has(t.file)) why = 'file'
    else if (!path) why = 'unrecorded'
    else {
      const change = t.flow !== null ? changes.get(t.flow) : undefined
      if (change && (change.all || change.states.some((s) => path.states.has(s)) || change.transitions.some((k) => path.transitions.has(k)))) why = 'flow'
    }
    if (!why) continue
    select.push({ file: t.file, name: t.name })
    if (why === 'flow') byFlow++
    else if (why === 'file') byFile++
    else unrecorded++
  }
  const selected = select.length - unreadable.length
  const reasons: string[] = []
  const changeList = [...changes].filter(([, c]) => c.all || c.states.length || c.transitions.length)
  for (const [flow, c] of changeList) {
    if (c.all) reasons.push(`${flow} changed throughout (${c.why})`)
    else {
      const what = [c.states.length ? plural(c.states.length, 'state') : '', c.transitions.length ? plural(c.transitions.length, 'transition') : ''].filter(Boolean).join(' and ')
      reasons.push(`${what} changed in ${flow}`)
    }
  }
  if (byFile) reasons.push(`${plural(byFile, 'test')} in new or edited test files`)
  if (unrecorded) reasons.push(`${plural(unrecorded, 'test')} with no recorded path`)
  if (unreadable.length) reasons.push(`${plural(unreadable.length, 'test file')} that do not load`)
  const message = `${selected} of ${plural(total, 'test')}: ${reasons.length ? reasons.join('; ') : 'nothing the tests touch changed'} ${since}${byFlow ? ` (${byFlow} of them touch what changed)` : ''}`
  return { all: false, select, selected, total, message, changes: changeList.map(([flow, c]) => ({ flow, ...c })) }
}
