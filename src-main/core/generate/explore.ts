// The search behind `flowbench generate`: breadth-first over conversations, each one replayed
// from the start through the test runner's own code (runPlannedTest: fake clock, mocks, the real
// engine), so what a candidate reaches is what a test with the same steps and mocks reaches.
// A conversation is extended by one event at a time (a message, a wait for the state's timeout,
// approve/reject at a workflow gate); integrations called on the way get a success first, then
// each alternative answer (data variants, a failure) from the call on. A candidate is kept when it
// enters a state or takes a transition no shorter candidate did; it is extended further when it
// ends somewhere new (state, filled slots, variables set, workflow state).
import type { MockResponse } from '../../common/test-schema'
import type { CompiledFlow } from '../engine'
import { FlowCache, runPlannedTest, type BatchOptions, type RunContext } from '../runner/batch'
import type { TranscriptTurn } from '../runner/model'
import type { PlannedStep, PlannedTest } from '../runner/plan'
import type { IntegrationAnswers } from './inputs'

export type GeneratedStep =
  | { kind: 'user'; text: string }
  | { kind: 'event'; event: 'approve' | 'reject' }
  | { kind: 'wait'; ms: number; text: string }

/** A conversation the search ran: what it did and what it reached. */
export interface Candidate {
  profile: Record<string, unknown> | undefined
  steps: GeneratedStep[]
  /** The answers each integration gave, in call order. */
  mocks: Record<string, MockResponse[]>
  turns: TranscriptTurn[]
  states: Set<string>
  transitions: Set<string>
}

export interface ExploreInput {
  flow: CompiledFlow
  /** The flow's key for the runner's cache. */
  key: string
  messages: readonly string[]
  /** Messages to try first at a slot_filling state prompting for a slot. */
  slotAnswers?: (state: string, slot: string) => readonly string[]
  answers: ReadonlyMap<string, IntegrationAnswers>
  profiles: ReadonlyArray<Record<string, unknown> | undefined>
  /** The plugins a run may use (from the runner's plugin loading), if any. */
  plugins?: RunContext['plugins']
}

export interface ExploreResult {
  candidates: Candidate[]
  states: Set<string>
  transitions: Set<string>
  /** Conversations replayed. */
  runs: number
  /** The search stopped at its budget before it had tried everything. */
  exhausted: boolean
  messages: number
}

/** Events per conversation at most, and replays in all: a flow that needs more is not covered, and says so. */
const MAX_DEPTH = 50
const MAX_RUNS = 25_000
/** Alternative answers are tried for the first few calls of an integration within one event. */
const MAX_CALL_OFFSET = 3
/** Integrations given an alternative answer within one event at most. */
const MAX_FIXED = 3
/** Replays between two looks at the event loop. */
const YIELD_EVERY = 200

const OPTIONS: BatchOptions = { repeat: 1, bail: false, transcripts: 'all', testTimeoutMs: 10_000 }

interface RunOutcome {
  passed: boolean
  turns: TranscriptTurn[]
}

function formatWait(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0) return `${ms / 1000}s`
  return `${ms}ms`
}

/** Calls made per integration id over a transcript (each attempt takes one answer). */
function callsPerId(turns: readonly TranscriptTurn[]): Map<string, number> {
  const out = new Map<string, number>()
  for (const turn of turns) for (const c of turn.integration_calls) out.set(c.id, (out.get(c.id) ?? 0) + Math.max(1, c.attempts))
  return out
}

function signatureOf(turns: readonly TranscriptTurn[]): string {
  const last = turns[turns.length - 1]!
  return JSON.stringify([
    last.state,
    last.ended,
    Object.keys(last.slots).filter((k) => last.slots[k] !== undefined && last.slots[k] !== null && last.slots[k] !== '').sort(),
    Object.keys(last.variables).sort(),
    last.workflow?.state ?? null,
    last.workflow?.completed_tasks ?? null,
  ])
}

export async function explore(input: ExploreInput): Promise<ExploreResult> {
  const { flow, key, answers } = input
  const cache = new FlowCache()
  const ids = [...answers.keys()]
  let runs = 0
  const states = new Set<string>()
  const transitions = new Set<string>()
  const candidates: Candidate[] = []
  const seen = new Set<string>()

  const play = async (profile: Record<string, unknown> | undefined, steps: GeneratedStep[], mocks: Record<string, MockResponse[]>): Promise<RunOutcome> => {
    // A host serving other requests (the workbench) gets its event loop back now and then.
    if (++runs % YIELD_EVERY === 0) await new Promise<void>((resolve) => setImmediate(resolve))
    const integrations: Record<string, MockResponse[]> = {}
    for (const id of ids) integrations[id] = mocks[id]?.length ? mocks[id]! : [answers.get(id)!.success]
    const test: PlannedTest = {
      index: 0,
      suite: 0,
      source: 0,
      name: 'candidate',
      baseName: 'candidate',
      tags: [],
      skip: false,
      flow: key,
      seed: profile ? { user_profile: profile } : {},
      mocks: { nlu: {}, nlu_strict: false, integrations },
      steps: steps.map((s): PlannedStep => ({ ...s })),
    }
    const outcome = await runPlannedTest(flow, test, OPTIONS, { cache, ...(input.plugins ? { plugins: input.plugins } : {}) })
    return { passed: outcome.status === 'passed', turns: outcome.transcript ?? [] }
  }

  /** The conversations `parent` + `event` leads to: default answers, then each alternative answer of each new call. */
  const extend = async (parent: Candidate | undefined, profile: Record<string, unknown> | undefined, event: GeneratedStep | undefined): Promise<Candidate[]> => {
    const steps = event ? [...(parent?.steps ?? []), event] : []
    const before = parent?.mocks ?? {}
    const withTail = (id: string, tail: MockResponse[]) => [...(before[id] ?? []), ...tail]
    const out: Candidate[] = []
    const record = (r: RunOutcome, fixed: ReadonlyMap<string, MockResponse[]>) => {
      if (!r.passed || !r.turns.length) return
      const calls = callsPerId(r.turns)
      const mocks: Record<string, MockResponse[]> = {}
      for (const id of ids) {
        const made = calls.get(id) ?? 0
        if (!made) continue
        const seq = withTail(id, fixed.get(id) ?? [answers.get(id)!.success])
        // Calls beyond the fixed answers took the last one again (a sequence's last answer repeats).
        const last = seq[seq.length - 1]!
        while (seq.length < made) seq.push(last)
        mocks[id] = seq.slice(0, made)
      }
      const cand: Candidate = { profile, steps, mocks, turns: r.turns, states: new Set(), transitions: new Set() }
      for (const turn of r.turns) {
        for (const s of turn.path) cand.states.add(s)
        for (const t of turn.transitions) cand.transitions.add(t)
      }
      out.push(cand)
    }
    const mocksOf = (m: Map<string, MockResponse[]>) => Object.fromEntries(ids.map((id) => [id, withTail(id, m.get(id) ?? [answers.get(id)!.success])]))
    // Defaults first; then, for each integration a run called, each alternative answer from each
    // of its first calls on, and so on for what those runs call (a failure may lead to a second
    // integration whose own failure is the branch wanted).
    const work: Array<Map<string, MockResponse[]>> = [new Map()]
    const tried = new Set<string>()
    let baseCalls: Map<string, number> | undefined
    while (work.length) {
      const fixed = work.shift()!
      if (runs >= MAX_RUNS) break
      const r = await play(profile, steps, mocksOf(fixed))
      record(r, fixed)
      if (fixed.size >= MAX_FIXED) continue
      const calls = callsPerId(r.turns)
      baseCalls ??= calls
      for (const id of ids) {
        if (fixed.has(id)) continue
        // Past the default run, only integrations an alternative answer newly led to are varied.
        if (fixed.size && (calls.get(id) ?? 0) <= (baseCalls.get(id) ?? 0)) continue
        const made = (calls.get(id) ?? 0) - (before[id]?.length ?? 0)
        for (let n = 0; n < Math.min(made, MAX_CALL_OFFSET); n++) {
          for (const alt of answers.get(id)!.alternatives) {
            const next = new Map(fixed).set(id, [...Array<MockResponse>(n).fill(answers.get(id)!.success), alt])
            const sig = JSON.stringify([...next].sort(([a], [b]) => (a < b ? -1 : 1)))
            if (tried.has(sig)) continue
            tried.add(sig)
            work.push(next)
          }
        }
      }
    }
    return out
  }

  const queue: Candidate[] = []
  const consider = (c: Candidate) => {
    let fresh = false
    for (const s of c.states) if (!states.has(s)) { states.add(s); fresh = true }
    for (const t of c.transitions) if (!transitions.has(t)) { transitions.add(t); fresh = true }
    const sig = signatureOf(c.turns)
    const newPlace = !seen.has(sig)
    if (fresh) candidates.push(c)
    if (newPlace) {
      seen.add(sig)
      if (!c.turns[c.turns.length - 1]!.ended && c.steps.length < MAX_DEPTH) queue.push(c)
    }
  }

  for (const profile of input.profiles) for (const c of await extend(undefined, profile, undefined)) consider(c)

  let exhausted = false
  while (queue.length) {
    const node = queue.shift()!
    const last = node.turns[node.turns.length - 1]!
    const state = flow.states.get(last.state)!
    const events: GeneratedStep[] = []
    if (state.type === 'workflow' && last.workflow?.state === 'waiting_approval') {
      events.push({ kind: 'event', event: 'approve' }, { kind: 'event', event: 'reject' })
    }
    if (state.timeoutMs !== null && state.hasTimeoutTransition) events.push({ kind: 'wait', ms: state.timeoutMs, text: formatWait(state.timeoutMs) })
    const slot = state.type === 'slot_filling' ? last.missing_slots[0] : undefined
    const first = slot !== undefined && input.slotAnswers ? input.slotAnswers(state.name, slot) : []
    for (const text of new Set([...first, ...input.messages])) events.push({ kind: 'user', text })
    for (const event of events) {
      if (runs >= MAX_RUNS) {
        exhausted = true
        break
      }
      for (const c of await extend(node, node.profile, event)) consider(c)
    }
    if (exhausted) break
  }
  cache.clear()
  return { candidates, states, transitions, runs, exhausted, messages: input.messages.length }
}

/**
 * Greedy set cover: repeatedly the candidate that adds the most of `wanted` (ties: fewer steps,
 * then found first), until nothing more can be added.
 */
export function pickTests(candidates: readonly Candidate[], wanted: ReadonlySet<string>): Candidate[] {
  const left = new Set(wanted)
  const chosen: Candidate[] = []
  const gain = (c: Candidate) => {
    let n = 0
    for (const s of c.states) if (left.has(`state:${s}`)) n++
    for (const t of c.transitions) if (left.has(`transition:${t}`)) n++
    return n
  }
  while (left.size) {
    let best: Candidate | undefined
    let bestGain = 0
    for (const c of candidates) {
      const g = gain(c)
      if (g > bestGain || (g === bestGain && g > 0 && best && c.steps.length < best.steps.length)) {
        best = c
        bestGain = g
      }
    }
    if (!best) break
    chosen.push(best)
    for (const s of best.states) left.delete(`state:${s}`)
    for (const t of best.transitions) left.delete(`transition:${t}`)
  }
  return chosen
}
