// shadowed-transition (duplicates, intents already matched, held fallbacks) and impossible-intent,
// on crafted flows, and the sample flows stay free of both.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lintFlow, type Finding } from '../../../src-main/core/lint'
import { openCore, tempWorkspace } from '../services/helpers'

const lint = (text: string): Finding[] => lintFlow(text, 'flows/t.flow.yaml')
const ofRule = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule)
const flow = (states: string, head = 'intents:\n  help: [help]\n  bye: [bye]\n  billing: [billing]\n') => `name: t\ninitial_state: start\n${head}states:\n${states}  end: { type: end }\n`

describe('shadowed-transition: duplicates and intents already matched', () => {
  it('flags a transition with the same condition as an earlier one, naming both and what to do', () => {
    const findings = ofRule(lint(flow(`  start:
    type: response
    config: { response_templates: { default: x } }
    transitions:
      - { condition: intent_match, condition_value: help, target_state: end }
      - { condition: entity_present, condition_value: email, target_state: end }
      - { condition: intent_match, condition_value: help, target_state: start }
      - { condition: expression, condition_value: { left: "{slots.a}", operator: eq, right: 1 }, target_state: end }
      - { condition: expression, condition_value: { operator: eq, right: 1, left: "{slots.a}" }, target_state: start }
`)), 'shadowed-transition')
    expect(findings.map((f) => f.path)).toEqual(['states.start.transitions[2]', 'states.start.transitions[4]'])
    expect(findings[0]!.message).toBe('never taken: transitions[0] (intent_match help, priority 100) has the same condition and is evaluated first, so transitions[2] (intent_match help, priority 100) never fires; remove the duplicate or change its condition')
    expect(findings[1]!.message).toContain('transitions[3] (expression')
  })

  it('flags an intent_match whose intents earlier intent_matches already take, by priority order', () => {
    const findings = ofRule(lint(flow(`  start:
    type: response
    config: { response_templates: { default: x } }
    transitions:
      - { condition: intent_match, condition_value: [help, bye], target_state: start, priority: 50 }
      - { condition: intent_match, condition_value: bye, target_state: end, priority: 10 }
      - { condition: intent_match, condition_value: billing, target_state: end, priority: 60 }
      - { condition: intent_match, condition_value: [help, billing], target_state: end, priority: 70 }
`)), 'shadowed-transition')
    expect(findings.map((f) => f.path)).toEqual(['states.start.transitions[3]'])
    expect(findings[0]!.message).toBe('never taken: intents "help", "billing" are already matched by transitions[0] (intent_match help, bye, priority 50) and transitions[2] (intent_match billing, priority 60), evaluated first; give this transition a lower priority number than that one, or remove it')
  })

  it('does not flag different conditions, different values, or transitions after a fallback a slot state holds back', () => {
    expect(ofRule(lint(flow(`  start:
    type: response
    config: { response_templates: { default: x } }
    transitions:
      - { condition: intent_match, condition_value: help, target_state: end }
      - { condition: intent_match, condition_value: [help, bye], target_state: start }
      - { condition: entity_present, condition_value: email, target_state: end }
      - { condition: entity_present, condition_value: phone, target_state: end }
  ask:
    type: slot_filling
    config: { required_slots: [x], prompts: { x: "x?" }, max_attempts: 2 }
    transitions:
      - { condition: fallback, target_state: end }
      - { condition: all_slots_filled, target_state: start }
`, 'entities:\n  email: { type: email }\n  phone: { type: phone }\nintents:\n  help: [help]\n  bye: [bye]\n')), 'shadowed-transition')).toEqual([])
  })
})

describe('impossible-intent (warning)', () => {
  it('flags an intent_match an intent state cannot produce (not in its intent_patterns), at the value', () => {
    const findings = ofRule(lint(flow(`  start:
    type: intent
    config: { intent_patterns: [help, bye] }
    transitions:
      - { condition: intent_match, condition_value: help, target_state: end }
      - { condition: intent_match, condition_value: [bye, billing], target_state: end }
      - { condition: fallback, target_state: end, priority: 999 }
`)), 'impossible-intent')
    expect(findings.map((f) => f.path)).toEqual(['states.start.transitions[1].condition_value[1]'])
    expect(findings[0]!.message).toBe('intent "billing" can never match here: intent state "start" only recognises help, bye (its intent_patterns); add "billing" to intent_patterns or remove this transition')
    expect(findings[0]!.severity).toBe('warning')
  })

  it('flags intent_match in a flow without intents or an NLU plugin, and not with a plugin', () => {
    const states = `  start:
    type: response
    config: { response_templates: { default: x } }
    transitions:
      - { condition: intent_match, condition_value: help, target_state: end }
      - { condition: any_input, target_state: end }
`
    const none = ofRule(lint(flow(states, '')), 'impossible-intent')
    expect(none.map((f) => f.path)).toEqual(['states.start.transitions[0].condition_value'])
    expect(none[0]!.message).toContain('the flow declares no intents and names no NLU plugin')
    expect(ofRule(lint(flow(states, 'settings: { nlu: my-nlu }\n')), 'impossible-intent')).toEqual([])
  })

  it('leaves intent states without intent_patterns and response states to unknown-intent', () => {
    const findings = lint(flow(`  start:
    type: intent
    transitions:
      - { condition: intent_match, condition_value: refund, target_state: end }
      - { condition: fallback, target_state: end, priority: 999 }
`))
    expect(ofRule(findings, 'impossible-intent')).toEqual([])
    expect(ofRule(findings, 'unknown-intent')).toHaveLength(1)
  })
})

describe('the sample flows', () => {
  const dir = join(__dirname, '../../../resources/samples/flows')
  it.each(readdirSync(dir).filter((f) => f.endsWith('.flow.yaml')))('%s has no shadowed or impossible transitions', (file) => {
    const findings = lint(readFileSync(join(dir, file), 'utf8'))
    expect(findings.filter((f) => f.rule === 'shadowed-transition' || f.rule === 'impossible-intent')).toEqual([])
  })
})

describe('in the editor', () => {
  it('both rules are flow.diagnostics of the workbench, as the CLI words them', async () => {
    const text = flow(`  start:
    type: intent
    config: { intent_patterns: [help] }
    transitions:
      - { condition: intent_match, condition_value: help, target_state: end }
      - { condition: intent_match, condition_value: help, target_state: start }
      - { condition: intent_match, condition_value: bye, target_state: end }
      - { condition: fallback, target_state: end, priority: 999 }
`)
    const ws = tempWorkspace({ 'flowbench.json': '{}', 'flows/t.flow.yaml': text })
    const core = await openCore(ws)
    try {
      const diagnostics = await core.api.flow.diagnostics('flows/t.flow.yaml')
      const mine = diagnostics.filter((d) => d.rule === 'shadowed-transition' || d.rule === 'impossible-intent').map((d) => ({ rule: d.rule, severity: d.severity, message: d.message, line: d.line, path: d.path }))
      const cli = lint(text).filter((f) => f.rule === 'shadowed-transition' || f.rule === 'impossible-intent').map((f) => ({ rule: f.rule, severity: f.severity, message: f.message, line: f.line, path: f.path }))
      expect(mine.map((d) => d.rule).sort()).toEqual(['impossible-intent', 'shadowed-transition'])
      expect(mine).toEqual(cli)
    } finally {
      await core.dispose()
      ws.cleanup()
    }
  })
})
