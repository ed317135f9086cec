import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { DocumentParseError } from '../../../src-main/core/document/parse'
import { loadFlowText } from '../../../src-main/core/flow/load'
import { LINT_RULES, LOAD_RULES, lintFlow, type Finding } from '../../../src-main/core/lint'

const FILE = 'flows/t.flow.yaml'
const lint = (text: string, file = FILE): Finding[] => lintFlow(text, file)
const ofRule = (findings: Finding[], rule: string) => findings.filter((f) => f.rule === rule)

/** A flow with one response state leading to an end; `extra` is spliced in under `states:`. */
function flow(states: string, head = ''): string {
  return `name: t\ninitial_state: start\n${head}states:\n${states}`
}

describe('lintFlow', () => {
  it('finds nothing in a flow that uses every state type well', () => {
    const text = readFileSync(join(__dirname, '../../fixtures/lint/clean/flows/support.flow.yaml'), 'utf8')
    expect(lint(text)).toEqual([])
    expect(lintFlow(loadFlowText(text, FILE))).toEqual([])
  })

  it('gives every finding rule, severity, message, line, column and path, in document order', () => {
    const findings = lint(flow(`  start:
    type: response
    config: { response_templates: { default: "Hi" } }
    transitions:
      - { condition: any_input, target_state: nowhere }
  lost: { type: end }
`))
    expect(findings).toEqual([
      { rule: 'unknown-target', severity: 'error', message: 'unknown state "nowhere"', line: 8, column: 33, path: 'states.start.transitions[0].target_state' },
      { rule: 'unreachable-state', severity: 'warning', message: 'state "lost" is unreachable: no transition path from initial_state "start" leads to it', line: 9, column: 3, path: 'states.lost' },
    ])
  })

  it('throws DocumentParseError for text that is not YAML/JSON, so the CLI can exit 2', () => {
    expect(() => lint('a: [1, 2\n')).toThrow(DocumentParseError)
    expect(() => lint('{"a": }', 'x.flow.json')).toThrow(DocumentParseError)
  })

  it('reports an empty file as a schema finding', () => {
    expect(lint('')).toEqual([{ rule: 'schema', severity: 'error', message: 'the file is empty: a flow needs name, initial_state and states', line: 1, column: 1, path: '' }])
  })

  it('reports schema problems as findings with positions instead of failing', () => {
    const findings = lint(flow(`  start:
    type: respond
  other:
    type: slot_filling
    config: { prompts: {} }
`))
    expect(ofRule(findings, 'schema')).toEqual([
      { rule: 'schema', severity: 'error', message: 'must be one of response, intent, slot_filling, integration, condition, workflow, end', line: 5, column: 5, path: 'states.start.type' },
      { rule: 'schema', severity: 'error', message: 'required', line: 8, column: 5, path: 'states.other.config.required_slots' },
    ])
  })

  it('documents every rule it can report', () => {
    const ids = [...LOAD_RULES.map((r) => r.id), ...LINT_RULES.map((r) => r.id)]
    expect(new Set(ids).size).toBe(ids.length)
    const docs = readFileSync(join(__dirname, '../../../docs/lint-rules.md'), 'utf8')
    for (const id of ids) expect(docs, id).toContain(`## \`${id}\``)
  })
})

describe('unknown-target (error)', () => {
  it('flags a transition and an initial_state that name no state', () => {
    const findings = ofRule(lint(`name: t\ninitial_state: begin\nstates:\n  start:\n    type: response\n    config: { response_templates: { default: x } }\n    transitions: [{ condition: any_input, target_state: strat }]\n`), 'unknown-target')
    expect(findings.map((f) => [f.path, f.message, f.severity])).toEqual([
      ['initial_state', 'unknown state "begin"', 'error'],
      ['states.start.transitions[0].target_state', 'unknown state "strat" (did you mean "start"?)', 'error'],
    ])
  })

  it('accepts targets that exist', () => {
    expect(ofRule(lint(flow('  start:\n    type: response\n    config: { response_templates: { default: x } }\n    transitions: [{ condition: any_input, target_state: start }]\n')), 'unknown-target')).toEqual([])
  })
})

describe('unreachable-state (warning)', () => {
  it('flags states no transition path reaches, following chains', () => {
    const findings = ofRule(lint(flow(`  start:
    type: response
    config: { response_templates: { default: x } }
    transitions: [{ condition: any_input, target_state: middle }]
  middle:
    type: condition
    config: { conditions: [] }
    transitions: [{ condition: condition_true, target_state: end }]
  end: { type: end }
  island:
    type: response
    config: { response_templates: { default: x } }
    transitions: [{ condition: any_input, target_state: island_end }]
  island_end: { type: end }
`)), 'unreachable-state')
    expect(findings.map((f) => [f.path, f.severity, f.line])).toEqual([['states.island', 'warning', 13], ['states.island_end', 'warning', 17]])
  })

  it('says nothing when initial_state is unknown (unknown-target says why)', () => {
    expect(ofRule(lint('name: t\ninitial_state: nope\nstates:\n  a: { type: end }\n'), 'unreachable-state')).toEqual([])
  })
})

describe('missing-fallback (warning)', () => {
  const intentState = (transitions: string) => flow(`  start:
    type: intent
    transitions:
${transitions}  done: { type: end }
`, 'intents:\n  yes: [yes]\n')

  it('flags an intent state with neither fallback nor always', () => {
    const findings = ofRule(lint(intentState('      - { condition: intent_match, condition_value: "yes", target_state: done }\n')), 'missing-fallback')
    expect(findings).toHaveLength(1)
    expect(findings[0]).toMatchObject({ severity: 'warning', path: 'states.start.transitions', line: 8, column: 5 })
  })

  it('flags an intent state without transitions at the state', () => {
    const findings = ofRule(lint(flow('  start: { type: intent }\n')), 'missing-fallback')
    expect(findings.map((f) => f.path)).toEqual(['states.start'])
  })

  it('accepts a fallback or an always transition', () => {
    expect(ofRule(lint(intentState('      - { condition: fallback, target_state: done, priority: 999 }\n')), 'missing-fallback')).toEqual([])
    expect(ofRule(lint(intentState('      - { condition: always, target_state: done }\n')), 'missing-fallback')).toEqual([])
  })
})

describe('undefined-variable (warning)', () => {
  const withTemplates = (templates: string, extra = '') => flow(`  start:
    type: slot_filling
    config:
      required_slots: [size]
      optional_slots: [note]
      prompts: { size: "Size?" }
    transitions: [{ condition: all_slots_filled, target_state: call }]
  call:
    type: integration
    config: { integration_id: crm, response_mapping: { tier: data.tier } }
    actions:
      - { type: set_variable, name: greeting, value: hi }
      - { type: set_slot, name: confirmed, value: true }
    transitions: [{ condition: always, target_state: say }]
  say:
    type: response
    config:
      response_templates:
        default: ${JSON.stringify(templates)}
${extra}`, 'entities:\n  colour: { values: [red] }\n')

  it('accepts slots, variables and bare names the flow sets, and every context path', () => {
    const t = '{slots.size} {slots.note} {slots.confirmed} {slots.colour} {variables.tier} {variables.greeting} {size} {tier} ' +
      '{user_profile.name} {entities.city} {integration_results.crm.data.x} {workflow.state} {input} {intent} {confidence} {conversation_id} {user_id} {tenant_id} {turn}'
    expect(ofRule(lint(withTemplates(t)), 'undefined-variable')).toEqual([])
  })

  it('flags slots, variables and bare names nothing sets, with a suggestion', () => {
    const findings = ofRule(lint(withTemplates('{slots.sise} then {variables.teir} and {nickname}')), 'undefined-variable')
    expect(findings.map((f) => f.message)).toEqual([
      '{slots.sise} names slot "sise", which no state or action of this flow sets (did you mean "size"?)',
      '{variables.teir} names variable "teir", which no mapping or action of this flow sets (did you mean "tier"?)',
      '{nickname} names "nickname", which is no context path and no slot or variable this flow sets (it renders empty unless user_profile has it)',
    ])
    expect(findings.every((f) => f.severity === 'warning' && f.path === 'states.say.config.response_templates.default' && f.line === 24)).toBe(true)
  })

  it('reads templates in prompts, actions, request mappings, condition operands and task params', () => {
    const text = flow(`  start:
    type: slot_filling
    config: { required_slots: [a], prompts: { a: "{slots.p1}" } }
    actions: [{ type: send_message, text: "{variables.p2}" }, { type: set_variable, name: v, value: "{variables.p3}" }]
    transitions: [{ condition: always, target_state: call }]
  call:
    type: integration
    config: { integration_id: crm, request_mapping: { q: "{slots.p4}", nested: { deep: "{slots.p5}" } } }
    transitions:
      - condition: expression
        condition_value: { all: [{ left: "{variables.p6}", operator: matches, right: "^a{2}$" }] }
        target_state: wf
      - { condition: integration_error, target_state: wf }
  wf:
    type: workflow
    config: { tasks: [{ id: t, params: { x: "{variables.p7}" } }] }
    transitions: [{ condition: workflow_completed, target_state: c }]
  c:
    type: condition
    config: { conditions: [{ left: "{slots.p8}", operator: eq, right: "{variables.p9}" }] }
`)
    expect(ofRule(lint(text), 'undefined-variable').map((f) => f.path)).toEqual([
      'states.start.config.prompts.a',
      'states.start.actions[0].text',
      'states.start.actions[1].value',
      'states.call.config.request_mapping.q',
      'states.call.config.request_mapping.nested.deep',
      'states.call.transitions[0].condition_value.all[0].left',
      'states.wf.config.tasks[0].params.x',
      'states.c.config.conditions[0].left',
      'states.c.config.conditions[0].right',
    ])
  })
})

describe('workflow-cycle, unknown-dependency, duplicate-task (errors)', () => {
  const workflow = (tasks: string) => flow(`  start:
    type: workflow
    config:
      tasks:
${tasks}    transitions: [{ condition: workflow_completed, target_state: done }]
  done: { type: end }
`)

  it('flags a cycle once, naming its tasks', () => {
    const findings = lint(workflow('        - { id: a, depends_on: [c] }\n        - { id: b, depends_on: [a] }\n        - { id: c, depends_on: [b] }\n'))
    expect(ofRule(findings, 'workflow-cycle')).toEqual([{
      rule: 'workflow-cycle', severity: 'error', line: 8, column: 20, path: 'states.start.config.tasks[0].depends_on',
      message: 'workflow dependency cycle between tasks "a", "c", "b": a -> c -> b -> a',
    }])
  })

  it('flags unknown dependencies and duplicate ids', () => {
    const findings = lint(workflow('        - { id: fetch }\n        - { id: store, depends_on: [fetsh] }\n        - { id: fetch }\n'))
    expect(ofRule(findings, 'unknown-dependency').map((f) => f.message)).toEqual(['task "store" depends on unknown task "fetsh" (did you mean "fetch"?)'])
    expect(ofRule(findings, 'duplicate-task').map((f) => f.path)).toEqual(['states.start.config.tasks[2].id'])
  })

  it('accepts an acyclic graph', () => {
    const findings = lint(workflow('        - { id: a }\n        - { id: b, depends_on: [a] }\n        - { id: c, depends_on: [a, b] }\n'))
    expect(findings.filter((f) => f.severity === 'error')).toEqual([])
  })
})

describe('invalid-regex (error)', () => {
  it('flags intent /re/ examples, entity and slot patterns and literal matches operands', () => {
    const text = flow(`  start:
    type: slot_filling
    config: { required_slots: [zip], prompts: { zip: "Zip?" }, validation: { zip: { pattern: "[0-9" } } }
    transitions:
      - condition: expression
        condition_value: { left: "{input}", operator: matches, right: "+" }
        target_state: start
`, 'intents:\n  help: ["/help(/", "(not a regex"]\nentities:\n  id: { pattern: "/x/z" }\n')
    expect(ofRule(lint(text), 'invalid-regex').map((f) => [f.path, f.severity])).toEqual([
      ['intents.help[0]', 'error'],
      ['entities.id.pattern', 'error'],
      ['states.start.config.validation.zip.pattern', 'error'],
      ['states.start.transitions[0].condition_value.right', 'error'],
    ])
  })

  it('leaves template operands and valid patterns alone', () => {
    const text = flow(`  start:
    type: condition
    config: { conditions: [{ left: "{input}", operator: matches, right: "{variables.pattern}" }, { left: x, operator: matches, right: "/^a{2,3}$/i" }] }
    transitions: [{ condition: condition_true, target_state: start }]
`)
    expect(ofRule(lint(text), 'invalid-regex')).toEqual([])
  })
})

describe('shadowed-transition (warning)', () => {
  it('flags transitions after an always/fallback that runs first, by priority then order', () => {
    const text = flow(`  start:
    type: response
    config: { response_templates: { default: x } }
    transitions:
      - { condition: always, target_state: start }
      - { condition: any_input, target_state: start }
      - { condition: timeout, target_state: start, priority: 50 }
      - { condition: fallback, target_state: start, priority: 999 }
`)
    const findings = ofRule(lint(text), 'shadowed-transition')
    expect(findings.map((f) => f.path)).toEqual(['states.start.transitions[1]', 'states.start.transitions[3]'])
    expect(findings[0]!.message).toBe('never taken: transitions[0] (always, priority 100) is always true and is evaluated first; give this transition a lower priority number than that one, or remove it')
  })

  it('flags message-driven transitions after any_input, but not timeouts', () => {
    const text = flow(`  start:
    type: response
    config: { response_templates: { default: x } }
    timeout_seconds: 5
    transitions:
      - { condition: any_input, target_state: start }
      - { condition: intent_match, condition_value: hi, target_state: start }
      - { condition: timeout, target_state: start }
`, 'intents:\n  hi: [hi]\n')
    expect(ofRule(lint(text), 'shadowed-transition').map((f) => f.path)).toEqual(['states.start.transitions[1]'])
  })

  it('accepts a fallback with the conventional priority 999 declared first', () => {
    const text = flow(`  start:
    type: intent
    transitions:
      - { condition: fallback, target_state: start, priority: 999 }
      - { condition: intent_match, condition_value: hi, target_state: start }
`, 'intents:\n  hi: [hi]\n')
    expect(ofRule(lint(text), 'shadowed-transition')).toEqual([])
  })
})

describe('unknown-intent (warning)', () => {
  const text = (settings = '') => flow(`  start:
    type: intent
    config: { intent_patterns: [help, refnud] }
    transitions:
      - { condition: intent_match, condition_value: halp, target_state: start }
      - { condition: intent_match, condition_value: [help, bye], target_state: start }
      - { condition: fallback, target_state: start }
`, `${settings}intents:\n  help: [help]\n  refund: [refund]\n`)

  it('flags intents the flow does not declare, under the built-in NLU', () => {
    expect(ofRule(lint(text()), 'unknown-intent').map((f) => [f.path, f.message])).toEqual([
      ['states.start.config.intent_patterns[1]', 'unknown intent "refnud": the flow declares help, refund (did you mean "refund"?)'],
      ['states.start.transitions[0].condition_value', 'unknown intent "halp": the flow declares help, refund (did you mean "help"?)'],
      ['states.start.transitions[1].condition_value[1]', 'unknown intent "bye": the flow declares help, refund'],
    ])
  })

  it('trusts an NLU plugin to know its own intents', () => {
    expect(ofRule(lint(text('settings: { nlu: my-nlu }\n')), 'unknown-intent')).toEqual([])
  })
})

describe('unknown-entity (warning)', () => {
  it('flags entity_present and slot validation entities the flow does not declare', () => {
    const text = flow(`  start:
    type: slot_filling
    config: { required_slots: [c], prompts: { c: "?" }, validation: { c: { entity: colour } } }
    transitions:
      - { condition: entity_present, condition_value: color, target_state: start }
      - { condition: entity_present, condition_value: size, target_state: start }
`, 'entities:\n  colour: { values: [red] }\n')
    expect(ofRule(lint(text), 'unknown-entity').map((f) => f.message)).toEqual([
      'unknown entity "color": the flow declares colour (did you mean "colour"?)',
      'unknown entity "size": the flow declares colour',
    ])
  })
})

describe('missing-prompt, missing-timeout, no-transitions, unhandled-integration-error (warnings)', () => {
  it('flags a required slot without a prompt', () => {
    const text = flow('  start:\n    type: slot_filling\n    config: { required_slots: [a, b], prompts: { a: "A?" } }\n')
    expect(ofRule(lint(text), 'missing-prompt').map((f) => f.path)).toEqual(['states.start.config.required_slots[1]'])
  })

  it('flags a timeout transition in a state without timeout_seconds', () => {
    const text = flow('  start:\n    type: response\n    config: { response_templates: { default: x } }\n    transitions: [{ condition: timeout, target_state: start }]\n')
    expect(ofRule(lint(text), 'missing-timeout').map((f) => f.path)).toEqual(['states.start.transitions[0].condition'])
    expect(ofRule(lint(text.replace('    transitions', '    timeout_seconds: 30\n    transitions')), 'missing-timeout')).toEqual([])
  })

  it('flags pass-through states without transitions, not waiting or end states', () => {
    const text = flow(`  start:
    type: condition
    config: { conditions: [] }
  wait_here:
    type: response
    config: { response_templates: { default: x } }
  done: { type: end }
`)
    expect(ofRule(lint(text), 'no-transitions').map((f) => f.path)).toEqual(['states.start.type'])
  })

  it('flags an integration state that does not handle failure', () => {
    const text = flow(`  start:
    type: integration
    config: { integration_id: crm }
    transitions: [{ condition: integration_success, target_state: start }]
`)
    expect(ofRule(lint(text), 'unhandled-integration-error').map((f) => f.path)).toEqual(['states.start.transitions'])
    expect(ofRule(lint(text.replace(']', ', { condition: integration_error, target_state: start }]')), 'unhandled-integration-error')).toEqual([])
  })
})

describe('unknown-property (warning)', () => {
  it('flags keys the format does not define, with a suggestion, and leaves x- keys alone', () => {
    const text = `name: t
initial_state: start
x-owner: team
states:
  start:
    type: response
    config: { response_templates: { default: x }, personalisation: true }
    trasitions: []
    transitions: [{ condition: any_input, target_state: start, priorty: 1 }]
`
    expect(ofRule(lint(text), 'unknown-property').map((f) => [f.path, f.message])).toEqual([
      ['states.start.config.personalisation', 'unknown key "personalisation" (did you mean "personalization"?); it is ignored'],
      ['states.start.trasitions', 'unknown key "trasitions" (did you mean "transitions"?); it is ignored'],
      ['states.start.transitions[0].priorty', 'unknown key "priorty" (did you mean "priority"?); it is ignored'],
    ])
  })
})
