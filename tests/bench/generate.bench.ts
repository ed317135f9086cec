// `flowbench generate`'s search: wall time of generateTests (search, set cover, YAML, the
// verifying run) on each sample flow and on a synthetic 60-state flow, best of a few runs, with
// the tests written and the transitions they take.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateTests } from '../../src-main/core/generate/index'

const ROOT = process.env.FLOWBENCH_ROOT ?? process.cwd()
const RUNS = 3

/** A chain of menus: each waits, routes by intent to the next menu or a side branch through an integration. */
function syntheticFlow(menus: number): string {
  const lines = ['name: Synthetic', 'initial_state: m0', 'intents:', '  next: ["next please", "go on"]', '  side: ["side branch", "detour"]', 'states:']
  for (let i = 0; i < menus; i++) {
    const next = i + 1 < menus ? `m${i + 1}` : 'done'
    lines.push(
      `  m${i}:`, '    type: response', `    config: { response_templates: { default: "Menu ${i}" } }`,
      '    transitions:',
      `      - { condition: intent_match, condition_value: next, target_state: ${next} }`,
      `      - { condition: intent_match, condition_value: side, target_state: call${i} }`,
      `      - { condition: any_input, target_state: m${i} }`,
      `  call${i}:`, '    type: integration', `    config: { integration_id: api${i % 3} }`,
      '    transitions:',
      `      - { condition: integration_success, target_state: ${next} }`,
      `      - { condition: integration_error, target_state: m0 }`,
    )
  }
  lines.push('  done: { type: end, config: { response_templates: { default: Done } } }', '')
  return lines.join('\n')
}

async function time(flowPath: string, outFile: string): Promise<{ ms: number; tests: number; transitions: number; unreachable: number }> {
  let best = Infinity
  let last: Awaited<ReturnType<typeof generateTests>> | undefined
  for (let r = 0; r < RUNS; r++) {
    const started = performance.now()
    last = await generateTests({ flowPath, outFile })
    best = Math.min(best, performance.now() - started)
  }
  return { ms: Math.round(best), tests: last!.tests, transitions: last!.covers.transitions.length, unreachable: last!.unreachable.length }
}

export default async function bench(): Promise<Record<string, number | string>> {
  const figures: Record<string, number | string> = {}
  const flows = join(ROOT, 'resources/samples/flows')
  for (const file of readdirSync(flows).filter((f) => f.endsWith('.flow.yaml')).sort()) {
    const r = await time(join(flows, file), join(ROOT, 'resources/samples/tests/generated.test.yaml'))
    figures[`${file}: ms (tests, transitions covered)`] = `${r.ms} (${r.tests}, ${r.transitions})`
  }
  const dir = mkdtempSync(join(tmpdir(), 'flowbench-generate-bench-'))
  try {
    const flow = join(dir, 'synthetic.flow.yaml')
    writeFileSync(flow, syntheticFlow(30))
    const r = await time(flow, join(dir, 'synthetic.test.yaml'))
    figures['synthetic 61 states / 150 transitions: ms (tests, transitions covered)'] = `${r.ms} (${r.tests}, ${r.transitions})`
    figures['synthetic: unreachable'] = r.unreachable
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
  return figures
}
