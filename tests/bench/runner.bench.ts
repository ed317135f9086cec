// `flowbench test` end to end, as a user runs it: process start to exit of
// `node bin/flowbench.mjs test …`, on generated workspaces (a small flow, 5,000 and 10,000
// five-turn tests in YAML) with --workers 1, --workers 2 and the default, plus one small file.
// Each figure is the best of a few runs (the machine's other load only ever adds time).
import { spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'

const ROOT = process.env.FLOWBENCH_ROOT ?? process.cwd()
const BIN = join(ROOT, 'bin/flowbench.mjs')
const RUNS = 3
const TESTS_PER_FILE = 500

const FLOW = `name: Bench
initial_state: menu
intents:
  order: ["order", "i want to order", "buy something"]
  status: ["status", "where is my order"]
  bye: ["bye", "goodbye"]
entities:
  size:
    values: [small, medium, large]
states:
  menu:
    type: response
    config:
      response_templates:
        default: "What would you like?"
    transitions:
      - { condition: intent_match, condition_value: order, target_state: ask_size }
      - { condition: intent_match, condition_value: status, target_state: status_reply }
      - { condition: intent_match, condition_value: bye, target_state: goodbye }
      - { condition: fallback, target_state: menu, priority: 999 }
  ask_size:
    type: slot_filling
    config:
      required_slots: [size]
      prompts:
        size: "Which size?"
    transitions:
      - { condition: all_slots_filled, target_state: confirm }
  confirm:
    type: response
    config:
      response_templates:
        default: "A {slots.size} one. Anything else?"
    transitions:
      - { condition: intent_match, condition_value: bye, target_state: goodbye }
      - { condition: any_input, target_state: menu }
  status_reply:
    type: response
    config:
      response_templates:
        default: "It is on its way."
    transitions:
      - { condition: any_input, target_state: menu }
  goodbye:
    type: end
    config:
      response_templates:
        default: "Bye!"
`

const SIZES = ['small', 'medium', 'large']

/** One five-turn test: order, pick a size, carry on, ask for the status, carry on. */
function testYaml(i: number): string {
  const size = SIZES[i % 3]!
  return `  - name: conversation ${i}
    steps:
      - user: "i want to order"
        expect: { state: ask_size, reply: "Which size?" }
      - user: "${size} please"
        expect: { state: confirm, slots: { size: ${size} } }
      - user: "something else ${i}"
        expect: { state: menu, reply: { contains: like } }
      - user: "where is my order"
        expect: { state: status_reply, intent: status }
      - user: "ok"
        expect: { state: menu }
`
}

function workspace(tests: number): string {
  const dir = mkdtempSync(join(tmpdir(), `flowbench-bench-${tests}-`))
  mkdirSync(join(dir, 'flows'))
  mkdirSync(join(dir, 'tests'))
  writeFileSync(join(dir, 'flowbench.json'), '{}\n')
  writeFileSync(join(dir, 'flows/bench.flow.yaml'), FLOW)
  for (let f = 0; f * TESTS_PER_FILE < tests; f++) {
    let text = `flow: ../flows/bench.flow.yaml\nname: generated ${f}\ntests:\n`
    for (let i = f * TESTS_PER_FILE; i < Math.min(tests, (f + 1) * TESTS_PER_FILE); i++) text += testYaml(i)
    writeFileSync(join(dir, `tests/generated-${String(f).padStart(3, '0')}.test.yaml`), text)
  }
  return dir
}

/** Best wall time of a few runs of `flowbench test`, in ms; checks the run passed every test. */
function timeTest(dir: string, extra: string[], expected: number): number {
  const report = join(dir, 'report.json')
  let best = Infinity
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now()
    const run = spawnSync(process.execPath, [BIN, 'test', dir, '--reporter', `json=${report}`, ...extra], { encoding: 'utf8' })
    const took = performance.now() - started
    if (run.status !== 0) throw new Error(`flowbench test ${extra.join(' ')} exited ${run.status}: ${run.stderr.slice(0, 2000)}`)
    const json = JSON.parse(readFileSync(report, 'utf8')) as { summary: { passed: number } }
    if (json.summary.passed !== expected) throw new Error(`expected ${expected} passed tests, got ${json.summary.passed}`)
    best = Math.min(best, took)
  }
  return Math.round(best)
}

export default async function bench(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = { machine: `${cpus().length} cpus, Node ${process.version}` }
  const small = workspace(3)
  const five = workspace(5_000)
  const ten = workspace(10_000)
  try {
    figures['small file (3 tests), ms'] = timeTest(small, [], 3)
    for (const [name, dir, count] of [['5,000', five, 5_000], ['10,000', ten, 10_000]] as const) {
      figures[`${name} tests, --workers 1, ms`] = timeTest(dir, ['--workers', '1'], count)
      figures[`${name} tests, --workers 2, ms`] = timeTest(dir, ['--workers', '2'], count)
      figures[`${name} tests, default workers, ms`] = timeTest(dir, [], count)
    }
  } finally {
    for (const dir of [small, five, ten]) rmSync(dir, { recursive: true, force: true })
  }
  return figures
}
