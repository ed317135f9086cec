// The smallest change to the tests that would kill a surviving mutant, read from the baseline
// run's transcripts: which test reaches the element, at which step, and what to expect there.
import type { TranscriptTurn } from '../runner/model'
import type { MutantSpec } from './operators'
import type { RecordedTest, Workload, WorkloadFlow } from './workload'

interface Sighting {
  rec: RecordedTest
  turn: TranscriptTurn
}

export function hintFor(spec: MutantSpec, flow: WorkloadFlow, workload: Workload, baseline: readonly RecordedTest[], noCoverage: boolean): string | undefined {
  const passing = baseline
    .filter((b) => b.status === 'passed' && workload.tests[b.index]!.flow === flow.key)
    .sort((a, b) => workload.tests[a.index]!.steps.length - workload.tests[b.index]!.steps.length || a.index - b.index)
  const name = (rec: RecordedTest) => {
    const t = workload.tests[rec.index]!
    return `test "${t.name}" (${t.file})`
  }
  const stepOf = (turn: TranscriptTurn) => (turn.step === null ? 'the first step (start)' : `step ${turn.step}`)
  const find = (match: (turn: TranscriptTurn) => boolean): Sighting | undefined => {
    for (const rec of passing) for (const turn of rec.transcript) if (match(turn)) return { rec, turn }
    return undefined
  }

  if (spec.intent !== undefined) {
    const written = spec.example !== undefined && !spec.example.startsWith('/') ? spec.example : undefined
    const example = written ?? flow.document.intents?.[spec.intent]?.find((e) => !e.startsWith('/'))
    const seen = find((t) => t.intent === spec.intent)
    const add = example !== undefined ? `add a step \`user: ${JSON.stringify(example)}\` with \`expect: { intent: ${spec.intent} }\`` : `add a step whose message is an example of ${spec.intent}, with \`expect: { intent: ${spec.intent} }\``
    if (!seen) return `no test sends a message classified as ${spec.intent}: ${add}`
    return `no test sends ${written !== undefined ? `the example ${JSON.stringify(written)}` : 'a message that only this example'} of ${spec.intent}: ${add}`
  }
  const state = spec.state
  if (state === null) return undefined
  if (noCoverage) {
    return `no passing test enters state ${state}: add a test that reaches it (\`flowbench generate --only-uncovered\` can write one)`
  }
  switch (spec.operator) {
    case 'change-template': {
      const seen = find((t) => t.replies.some((r) => r.state === state && r.text !== ''))
      if (!seen) return `no test expects the reply of state ${state}: add \`expect: { reply: … }\` where ${state} answers`
      const reply = seen.turn.replies.find((r) => r.state === state)!.text
      return `no test expects the reply of state ${state}: add \`expect: { reply: ${JSON.stringify(reply)} }\` to ${stepOf(seen.turn)} of ${name(seen.rec)}`
    }
    case 'drop-required-slot': {
      const seen = find((t) => t.path.includes(state))
      if (!seen) return `no test checks that ${state} asks for slot ${spec.slot}: add \`expect: { missing_slots: [${spec.slot}] }\` where ${state} prompts`
      return `no test checks that ${state} asks for slot ${spec.slot}: add \`expect: { missing_slots: ${JSON.stringify(seen.turn.missing_slots)} }\` to ${stepOf(seen.turn)} of ${name(seen.rec)}`
    }
    case 'swap-priority': {
      const seen = find((t) => t.path.includes(state))
      const both = `a message at state ${state} for which both ${spec.transition} and ${spec.swappedWith} hold`
      return seen ? `no test sends ${both}: add one after ${stepOf(seen.turn)} of ${name(seen.rec)}, expecting the first one's target state` : `no test sends ${both}: add one, expecting the first one's target state`
    }
    default:
      break
  }
  if (spec.transition !== undefined && spec.comparison === undefined) {
    const key = spec.transition
    const seen = find((t) => t.transitions.includes(key))
    if (seen) {
      return `${name(seen.rec)} takes ${key} at ${stepOf(seen.turn)} but does not check where it leads: add \`expect: { state: ${seen.turn.state} }\` (or the path ${JSON.stringify(seen.turn.path)}) there`
    }
    return `no test reaches transition ${key} with input that makes its condition true: add a step at state ${state} that does, expecting the target state`
  }
  if (spec.comparison !== undefined) {
    const seen = find((t) => t.path.includes(state))
    const where = spec.transition ?? `state ${state}`
    if (!seen) return `no test decides \`${spec.comparison}\` at ${where}: add one where it is true and one where it is false`
    const other = spec.operator === 'change-value' ? 'at the boundary value' : 'on the other side'
    return `no test tells \`${spec.comparison}\` at ${where} true from false: add a test with the value ${other}, or \`expect: { state: ${seen.turn.state} }\` at ${stepOf(seen.turn)} of ${name(seen.rec)}`
  }
  return undefined
}
