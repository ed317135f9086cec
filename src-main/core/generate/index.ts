// `flowbench generate`: tests that together enter every reachable state and take every reachable
// transition of a flow, found by a breadth-first search that runs real conversations (the test
// runner's own code, fake clock, mocks), reduced to the fewest tests by greedy set cover, written
// as editable YAML and run once more as written before they are returned.
import { dirname, relative, sep } from 'node:path'
import { parse } from 'yaml'
import type { MockResponse, TestSuiteDocument } from '../../common/test-schema'
import { compileFlow, listTransitions } from '../engine'
import { hashString } from '../engine/random'
import { loadFlowFile } from '../flow/load'
import type { PluginLoadSpec } from '../plugins'
import { FlowCache, runPlannedTest, type RunContext } from '../runner/batch'
import { planSuite } from '../runner/plan'
import { flowPluginInfo, pluginsFor } from '../runner/plugins'
import { findWorkspaceRoot, workspaceRelative } from '../workspace/discover'
import { explore, pickTests, type Candidate } from './explore'
import { candidateMessages, integrationAnswers, profileSeeds, slotAnswers } from './inputs'
import { suiteYaml, testName } from './suite'
import { explainUnreachable, type UnreachableItem } from './unreachable'

export interface GenerateOptions {
  /** Absolute path of the flow file. */
  flowPath: string
  /** Absolute path the YAML will be written to (the suite's `flow:` is made relative to its folder); default: the current directory + 'generated.test.yaml'. */
  outFile?: string
  /** Only write tests that reach these (ids as in coverage reports: state names and transition keys from src-main/core/engine transitionKey/listTransitions). */
  only?: { states?: string[]; transitions?: string[] }
  /** The plugins to load for integrations/NLU (same spec as the runner takes), if any. */
  plugins?: PluginLoadSpec
}

export interface GenerateResult {
  yaml: string
  tests: number
  /** What the generated suite enters/takes (ids as in coverage). */
  covers: { states: string[]; transitions: string[] }
  unreachable: Array<{ kind: 'state' | 'transition'; id: string; reason: string }>
}

/** The generated suite did not pass when run as written (a bug, or a flow that is not deterministic). */
export class GenerateVerificationError extends Error {
  override name = 'GenerateVerificationError'
  constructor(message: string, readonly result: GenerateResult) {
    super(message)
  }
}

/** A path as a test file writes it: forward slashes, relative to the file's folder. */
function flowReference(outFile: string, flowPath: string): string {
  const rel = relative(dirname(outFile), flowPath)
  return rel.split(sep).join('/')
}

export async function generateTests(options: GenerateOptions): Promise<GenerateResult> {
  const outFile = options.outFile ?? `${process.cwd()}${sep}generated.test.yaml`
  const label = displayPath(options.flowPath)
  // Throws FlowLoadError (a DocumentParseError naming file:line:col) for a flow that does not load.
  const loaded = await loadFlowFile(options.flowPath, label)
  const doc = loaded.document
  const flow = compileFlow(doc)
  const key = `${label}#${hashString(loaded.parsed.text).toString(36)}`
  const info = flowPluginInfo(doc)
  // Integrations are always mocked; plugins are only needed for the flow's NLU plugin.
  let plugins: RunContext['plugins']
  if (options.plugins && info.nlu !== undefined) plugins = { plugins: await pluginsFor(options.plugins), nlu: info.nlu }

  const answers = integrationAnswers(doc)
  const messages = candidateMessages(doc, flow)
  const profiles: Array<Record<string, unknown> | undefined> = [undefined, ...profileSeeds(doc)]
  const found = await explore({ flow, key, messages, answers, profiles, slotAnswers: (state, slot) => slotAnswers(doc, state, slot), ...(plugins ? { plugins } : {}) })

  const declaredStates = Object.keys(doc.states)
  const declaredTransitions = listTransitions(doc).map((t) => t.key)
  const onlyStates = options.only?.states
  const onlyTransitions = options.only?.transitions
  const restricted = options.only !== undefined
  const targetStates = restricted ? (onlyStates ?? []) : declaredStates
  const targetTransitions = restricted ? (onlyTransitions ?? []) : declaredTransitions
  const wanted = new Set([...targetStates.map((s) => `state:${s}`), ...targetTransitions.map((t) => `transition:${t}`)])
  const chosen = pickTests(found.candidates, wanted)

  const unreachable: UnreachableItem[] = explainUnreachable(
    { doc, states: found.states, transitions: found.transitions, messages: found.messages, runs: found.runs, exhausted: found.exhausted },
    { states: targetStates.filter((s) => !found.states.has(s)), transitions: targetTransitions.filter((t) => !found.transitions.has(t)) },
  )
  const defaults = new Map<string, MockResponse>()
  for (const id of answers.keys()) if (chosen.some((c) => c.mocks[id]?.length)) defaults.set(id, answers.get(id)!.success)

  const render = (tests: readonly Candidate[], problems: readonly UnreachableItem[]) => {
    const states = new Set(tests.flatMap((c) => [...c.states]))
    const transitions = new Set(tests.flatMap((c) => [...c.transitions]))
    return suiteYaml({
      flowRef: flowReference(outFile, options.flowPath),
      flowLabel: label,
      flowName: doc.name,
      tests,
      defaults,
      covered: {
        states: declaredStates.filter((s) => states.has(s)).length,
        transitions: declaredTransitions.filter((t) => transitions.has(t)).length,
        totalStates: declaredStates.length,
        totalTransitions: declaredTransitions.length,
      },
      unreachable: problems,
      only: restricted,
    })
  }

  const yaml = render(chosen, unreachable)
  // Run the file as written, through the runner's planning and execution.
  const verified = await verify(yaml, flow, key, plugins)
  const result: GenerateResult = {
    yaml,
    tests: chosen.length,
    covers: {
      states: declaredStates.filter((s) => verified.states.has(s)),
      transitions: declaredTransitions.filter((t) => verified.transitions.has(t)),
    },
    unreachable,
  }
  if (verified.failures.length) {
    const failing = new Set(verified.failures.map((f) => f.index))
    const kept = chosen.filter((_, i) => !failing.has(i))
    const partial = { ...result, yaml: render(kept, unreachable), tests: kept.length }
    const first = verified.failures[0]!
    throw new GenerateVerificationError(
      `the generated test "${testName(chosen[first.index]!)}" does not pass when run as written: ${first.why}${verified.failures.length > 1 ? ` (and ${verified.failures.length - 1} more)` : ''}`,
      partial,
    )
  }
  return result
}

async function verify(yaml: string, flow: ReturnType<typeof compileFlow>, key: string, plugins: RunContext['plugins']) {
  const suite = parse(yaml) as TestSuiteDocument
  const planned = planSuite(suite, 0, key, 0)
  const cache = new FlowCache()
  const states = new Set<string>()
  const transitions = new Set<string>()
  const failures: Array<{ index: number; why: string }> = []
  for (const test of planned) {
    const outcome = await runPlannedTest(flow, test, { repeat: 1, bail: false, transcripts: 'none', testTimeoutMs: 10_000 }, { cache, coverage: { states, transitions }, ...(plugins ? { plugins } : {}) })
    if (outcome.status !== 'passed') {
      const f = outcome.failures[0]
      failures.push({ index: test.index, why: outcome.error ?? (f ? `step ${f.step}: ${f.message}` : outcome.status) })
    }
  }
  return { states, transitions, failures }
}

/** The flow as messages name it: relative to the current folder when it is inside it. */
/** How messages and the file's header name the flow: from the current folder when it is inside it, else from its workspace's root. */
function displayPath(abs: string): string {
  const rel = relative(process.cwd(), abs)
  if (rel && !rel.startsWith('..') && !rel.startsWith(sep)) return rel.split(sep).join('/')
  return workspaceRelative(findWorkspaceRoot(abs), abs)
}
