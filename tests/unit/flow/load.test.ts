import { describe, expect, it } from 'vitest'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { DocumentParseError } from '../../../src-main/core/document/parse'
import { FlowLoadError, loadFlowFile, loadFlowText } from '../../../src-main/core/flow/load'

/** The formatted problems a flow is rejected with, one per line. */
function problems(text: string, file = 'flows/test.flow.yaml'): string[] {
  try {
    loadFlowText(text, file)
  } catch (err) {
    expect(err).toBeInstanceOf(FlowLoadError)
    expect(err).toBeInstanceOf(DocumentParseError)
    return (err as Error).message.split('\n')
  }
  throw new Error('the flow loaded, but problems were expected')
}

function loadError(text: string, file = 'flows/test.flow.yaml'): FlowLoadError {
  try {
    loadFlowText(text, file)
  } catch (err) {
    return err as FlowLoadError
  }
  throw new Error('the flow loaded, but problems were expected')
}

const MINIMAL = `name: Minimal
initial_state: hello
states:
  hello:
    type: response
    config:
      response_templates:
        default: "Hi"
    transitions:
      - condition: any_input
        target_state: bye
  bye:
    type: end
`

describe('loadFlowText: valid flows', () => {
  it('loads a YAML flow and keeps the document as written', () => {
    const loaded = loadFlowText(MINIMAL, 'flows/minimal.flow.yaml')
    expect(loaded.file).toBe('flows/minimal.flow.yaml')
    expect(loaded.document.name).toBe('Minimal')
    expect(loaded.document.states.hello!.type).toBe('response')
    expect(loaded.parsed.locate(['states', 'bye'])).toEqual({ line: 13, column: 5 })
  })

  it('loads a JSON flow', () => {
    const json = JSON.stringify({
      name: 'J', initial_state: 'a',
      states: { a: { type: 'response', config: { response_templates: { default: ['one', 'two'] } } } },
    }, null, 2)
    const loaded = loadFlowText(json, 'flows/j.flow.json')
    expect(loaded.document.states.a!.type).toBe('response')
    expect(loaded.parsed.locate(['states', 'a', 'type'])).toEqual({ line: 6, column: 15 })
  })

  it('reads `version: 1.0` (a YAML number) as the string "1.0"', () => {
    const loaded = loadFlowText(`version: 1.0\n${MINIMAL}`, 'f.flow.yaml')
    expect(loaded.document.version).toBe('1.0')
    expect(loadFlowText(`version: "2.1"\n${MINIMAL}`, 'f.flow.yaml').document.version).toBe('2.1')
  })

  it('accepts every state type with its config, and intent/end states without one', () => {
    const text = `name: All
initial_state: i
states:
  i: { type: intent, transitions: [{ condition: fallback, target_state: s }] }
  s:
    type: slot_filling
    config: { required_slots: [size], prompts: { size: "Size?" }, validation: { size: { pattern: "^(s|m|l)$" } } }
    transitions: [{ condition: all_slots_filled, target_state: n }]
  n:
    type: integration
    config: { integration_id: crm, request_mapping: { q: "{slots.size}" }, response_mapping: { tier: data.tier } }
    transitions: [{ condition: integration_success, target_state: c }, { condition: integration_error, target_state: e }]
  c:
    type: condition
    config: { conditions: [{ left: "{variables.tier}", operator: eq, right: gold }], mode: any }
    transitions: [{ condition: condition_true, target_state: w }, { condition: condition_false, target_state: e }]
  w:
    type: workflow
    config: { tasks: [{ id: a }, { id: b, depends_on: [a], approval: true }] }
    transitions: [{ condition: workflow_completed, target_state: e }]
  e: { type: end }
`
    expect(Object.keys(loadFlowText(text, 'all.flow.yaml').document.states)).toEqual(['i', 's', 'n', 'c', 'w', 'e'])
  })
})

describe('loadFlowText: syntax errors', () => {
  it('names line and column of a YAML syntax error', () => {
    const err = loadError('name: x\nstates: [a, b\n', 'flows/bad.flow.yaml')
    expect(err.stage).toBe('syntax')
    expect(err.problems[0]).toMatchObject({ file: 'flows/bad.flow.yaml', line: expect.any(Number), column: expect.any(Number) })
    expect(err.message).toMatch(/^flows\/bad\.flow\.yaml:\d+:\d+ /)
  })

  it('rejects duplicate keys in YAML at the second key', () => {
    const err = loadError('name: a\nname: b\ninitial_state: x\nstates: {}\n', 'flows/dup.flow.yaml')
    expect(err.stage).toBe('syntax')
    expect(err.message).toBe('flows/dup.flow.yaml:2:1 duplicate key "name" (keys must be unique)')
  })

  it('rejects duplicate keys in JSON at the second key', () => {
    const err = loadError('{\n  "name": "a",\n  "initial_state": "x",\n  "name": "b",\n  "states": {}\n}\n', 'flows/dup.flow.json')
    expect(err.stage).toBe('syntax')
    expect(err.message).toBe('flows/dup.flow.json:4:3 duplicate key "name" (keys must be unique)')
  })

  it('names line and column of a JSON syntax error', () => {
    const err = loadError('{\n  "name": "a",\n  "states": {\n    "x": [1, 2\n  }\n}\n', 'flows/bad.flow.json')
    expect(err.stage).toBe('syntax')
    expect(err.problems[0]!.line).toBeGreaterThan(1)
    expect(err.message).toMatch(/^flows\/bad\.flow\.json:\d+:\d+ /)
  })

  it('reports JSON that the YAML parser would accept (a trailing comma) with JSON\'s own message', () => {
    const err = loadError('{"name": "a", "initial_state": "b", "states": {},}', 'flows/comma.flow.json')
    expect(err.stage).toBe('syntax')
    expect(err.message).toBe('flows/comma.flow.json:1:50 invalid JSON: Expected double-quoted property name')
  })

  it('rejects an empty file as a schema problem at 1:1', () => {
    for (const text of ['', '\n\n', '# only a comment\n']) {
      const err = loadError(text, 'flows/empty.flow.yaml')
      expect(err.stage).toBe('schema')
      expect(err.message).toBe('flows/empty.flow.yaml:1:1 the file is empty: expected a document')
    }
  })

  it('rejects a document that is not an object', () => {
    expect(problems('- a\n- b\n')).toEqual(['flows/test.flow.yaml:1:1 a flow must be an object (a mapping of keys to values), not a list'])
    expect(problems('just words\n')).toEqual(['flows/test.flow.yaml:1:1 a flow must be an object (a mapping of keys to values), not a string'])
    expect(problems('42', 'flows/n.flow.json')).toEqual(['flows/n.flow.json:1:1 a flow must be an object (a mapping of keys to values), not the number 42'])
  })
})

describe('loadFlowText: schema errors, one human message per problem', () => {
  it('names missing top-level keys', () => {
    expect(problems('name: x\n')).toEqual([
      'flows/test.flow.yaml:1:1 initial_state: required',
      'flows/test.flow.yaml:1:1 states: required',
    ])
  })

  it('lists the allowed state types for an unknown one', () => {
    const text = `name: x
initial_state: greeting
states:
  greeting:
    type: respons
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:5:5 states.greeting.type: must be one of response, intent, slot_filling, integration, condition, workflow, end',
    ])
  })

  it('checks a state\'s config against its type only', () => {
    const text = `name: x
initial_state: ask
states:
  ask:
    type: slot_filling
    config:
      prompts: { size: "Size?" }
      max_attempts: 0
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:6:5 states.ask.config.required_slots: required',
      'flows/test.flow.yaml:8:7 states.ask.config.max_attempts: must be at least 1',
    ])
  })

  it('requires a config for the types whose config has required keys', () => {
    const text = `name: x
initial_state: a
states:
  a:
    type: integration
`
    expect(problems(text)).toEqual(['flows/test.flow.yaml:4:3 states.a.config: required (with integration_id)'])
  })

  it('explains a template of the wrong type once, not once per union branch', () => {
    const text = `name: x
initial_state: a
states:
  a:
    type: response
    config:
      response_templates:
        default: 42
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:8:9 states.a.config.response_templates.default: must be a string or a list of strings, not the number 42',
    ])
  })

  it('reports problems inside a list of templates at the item', () => {
    const text = `name: x
initial_state: a
states:
  a:
    type: response
    config:
      response_templates:
        default: ["ok", 7]
`
    expect(problems(text)).toEqual(['flows/test.flow.yaml:8:25 states.a.config.response_templates.default[1]: must be a string, not the number 7'])
  })

  it('names transition problems: unknown condition, wrong priority, missing condition_value', () => {
    const text = `name: x
initial_state: a
states:
  a:
    type: intent
    transitions:
      - condition: intent_matches
        target_state: a
      - condition: fallback
        target_state: a
        priority: high
      - condition: intent_match
        target_state: a
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:7:9 states.a.transitions[0].condition: must be one of any_input, always, intent_match, entity_present, slot_filled, all_slots_filled, integration_success, integration_error, condition_true, condition_false, expression, workflow_completed, workflow_failed, timeout, fallback',
      'flows/test.flow.yaml:11:9 states.a.transitions[1].priority: must be a number, not the string "high"',
      'flows/test.flow.yaml:12:9 states.a.transitions[2].condition_value: required',
    ])
  })

  it('explains a bad expression at the deepest real problem', () => {
    const text = `name: x
initial_state: a
states:
  a:
    type: condition
    config: { conditions: [] }
    transitions:
      - condition: expression
        condition_value:
          all:
            - { left: "{input}", operator: equals, right: x }
            - { oops: 1 }
        target_state: a
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:11:34 states.a.transitions[0].condition_value.all[0].operator: must be one of eq, ne, gt, gte, lt, lte, contains, not_contains, in, not_in, exists, not_exists, matches, empty, not_empty',
      'flows/test.flow.yaml:12:15 states.a.transitions[0].condition_value.all[1]: must have left and operator, all or any',
    ])
  })

  it('explains an entity spec that fits none of its forms', () => {
    const text = `name: x
initial_state: a
entities:
  size: { value: [s, m] }
  kind: { type: colour }
states:
  a: { type: end }
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:4:3 entities.size: must have values, pattern or type',
      'flows/test.flow.yaml:5:11 entities.kind.type: must be one of email, phone, number, time_range, date',
    ])
  })

  it('names the key an action cannot do without', () => {
    const text = `name: x
initial_state: a
states:
  a:
    type: end
    actions:
      - type: set_variable
        value: 1
      - { type: send_message }
      - { type: clear_slots }
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:7:9 states.a.actions[0].name: required',
      'flows/test.flow.yaml:9:9 states.a.actions[1].text: required',
    ])
  })

  it('names wrong value types in settings', () => {
    const text = `name: x
initial_state: a
settings:
  confidence_threshold: 1.5
  max_steps_per_turn: "many"
states:
  a: { type: end }
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:4:3 settings.confidence_threshold: must be at most 1',
      'flows/test.flow.yaml:5:3 settings.max_steps_per_turn: must be a whole number, not the string "many"',
    ])
  })

  it('reports schema problems of a JSON flow with positions', () => {
    const json = '{\n  "name": "j",\n  "initial_state": "a",\n  "states": {\n    "a": { "type": "ending" }\n  }\n}\n'
    expect(problems(json, 'flows/j.flow.json')).toEqual([
      'flows/j.flow.json:5:12 states.a.type: must be one of response, intent, slot_filling, integration, condition, workflow, end',
    ])
  })
})

describe('loadFlowText: load-time checks', () => {
  it('names an unknown target_state at its key, as in the spec example', () => {
    const text = `name: Pizza
initial_state: order
intents:
  order: ["I want a pizza"]
states:
  order:
    type: intent
    transitions:
    - condition: intent_match
      condition_value: order
      target_state: confirm
    - condition: fallback
      priority: 999
      target_state: payment
  confirm:
    type: end
`
    const err = loadError(text, 'flows/pizza.flow.yaml')
    expect(err.stage).toBe('semantic')
    expect(err.message).toBe('flows/pizza.flow.yaml:14:7 states.order.transitions[1].target_state: unknown state "payment"')
    expect(err.problems).toEqual([{
      file: 'flows/pizza.flow.yaml', line: 14, column: 7,
      path: 'states.order.transitions[1].target_state', message: 'unknown state "payment"',
    }])
  })

  it('names an unknown initial_state and suggests a near name', () => {
    expect(problems('name: x\ninitial_state: greting\nstates:\n  greeting: { type: end }\n')).toEqual([
      'flows/test.flow.yaml:2:1 initial_state: unknown state "greting" (did you mean "greeting"?)',
    ])
  })

  it('names the tasks of a workflow dependency cycle', () => {
    const text = `name: x
initial_state: w
states:
  w:
    type: workflow
    config:
      tasks:
        - id: fetch
          depends_on: [store]
        - id: transform
          depends_on: [fetch]
        - id: store
          depends_on: [transform]
        - id: notify
          depends_on: [notify]
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:9:11 states.w.config.tasks[0].depends_on: workflow dependency cycle between tasks "fetch", "store", "transform": fetch -> store -> transform -> fetch',
      'flows/test.flow.yaml:15:11 states.w.config.tasks[3].depends_on: workflow dependency cycle between tasks "notify": notify -> notify',
    ])
  })

  it('names an unknown dependency and a duplicate task id', () => {
    const text = `name: x
initial_state: w
states:
  w:
    type: workflow
    config:
      tasks:
        - { id: a }
        - { id: b, depends_on: [a, c] }
        - { id: a }
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:9:36 states.w.config.tasks[1].depends_on[1]: task "b" depends on unknown task "c"',
      'flows/test.flow.yaml:10:13 states.w.config.tasks[2].id: task id "a" is already used by tasks[0]',
    ])
  })

  it('rejects every kind of invalid regular expression', () => {
    const text = `name: x
initial_state: c
intents:
  help: ["help", "/help(/i", "/fine/i"]
entities:
  code: { pattern: "[A-Z" }
  flagged: { pattern: "/x/q" }
states:
  s:
    type: slot_filling
    config:
      required_slots: [zip]
      prompts: { zip: "Zip?" }
      validation: { zip: { pattern: "(?<zip" } }
  c:
    type: condition
    config:
      conditions:
        - { left: "{input}", operator: matches, right: "(" }
        - { left: "{input}", operator: matches, right: "{variables.re}" }
    transitions:
      - condition: expression
        condition_value: { any: [{ left: "{input}", operator: matches, right: "*" }] }
        target_state: s
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:4:18 intents.help[1]: invalid regular expression "/help(/i": Unterminated group',
      'flows/test.flow.yaml:6:11 entities.code.pattern: invalid regular expression "[A-Z": Unterminated character class',
      'flows/test.flow.yaml:7:14 entities.flagged.pattern: invalid regular expression "/x/q": unknown flags "q"',
      'flows/test.flow.yaml:14:28 states.s.config.validation.zip.pattern: invalid regular expression "(?<zip": Invalid capture group name',
      'flows/test.flow.yaml:19:49 states.c.config.conditions[0].right: invalid regular expression "(": Unterminated group',
      'flows/test.flow.yaml:23:72 states.c.transitions[0].condition_value.any[0].right: invalid regular expression "*": Nothing to repeat',
    ])
  })

  it('reports schema and load-time problems together, in document order', () => {
    const text = `name: x
initial_state: nowhere
states:
  a:
    type: end
    timeout_seconds: -1
`
    expect(problems(text)).toEqual([
      'flows/test.flow.yaml:2:1 initial_state: unknown state "nowhere"',
      'flows/test.flow.yaml:6:5 states.a.timeout_seconds: must be at least 0',
    ])
  })

  it('keeps warnings (unreachable states, missing fallbacks) for lint', () => {
    const text = `name: x
initial_state: a
states:
  a: { type: intent, transitions: [{ condition: intent_match, condition_value: nope, target_state: b }] }
  b: { type: end }
  orphan: { type: end }
`
    expect(() => loadFlowText(text, 'w.flow.yaml')).not.toThrow()
  })
})

describe('loadFlowFile', () => {
  it('reads a file and reports problems under the display path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'flowbench-load-'))
    const abs = join(dir, 'x.flow.yaml')
    writeFileSync(abs, 'name: x\ninitial_state: y\nstates:\n  a: { type: end }\n')
    await expect(loadFlowFile(abs, 'flows/x.flow.yaml')).rejects.toThrow('flows/x.flow.yaml:2:1 initial_state: unknown state "y"')
    writeFileSync(abs, MINIMAL)
    const loaded = await loadFlowFile(abs)
    expect(loaded.file).toBe(abs)
    expect(loaded.document.initial_state).toBe('hello')
  })

  it('reports a missing file as a FlowLoadError, not an fs exception', async () => {
    const err = await loadFlowFile('/nonexistent/flowbench/x.flow.yaml', 'flows/x.flow.yaml').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(FlowLoadError)
    expect((err as FlowLoadError).stage).toBe('read')
    expect((err as Error).message).toBe('flows/x.flow.yaml cannot read the file: no such file')
  })
})

describe('loadFlowText: file encodings', () => {
  it('accepts a byte-order mark and Windows line ends in YAML and JSON', () => {
    expect(loadFlowText(`\ufeff${MINIMAL.replace(/\n/g, '\r\n')}`, 'flows/crlf.flow.yaml').document.name).toBe('Minimal')
    const json = '\ufeff{\r\n  "name": "j",\r\n  "initial_state": "a",\r\n  "states": { "a": { "type": "end" } }\r\n}\r\n'
    expect(loadFlowText(json, 'flows/bom.flow.json').document.name).toBe('j')
    expect(() => loadFlowText(json.replace('"end"', '"ending"'), 'flows/bom.flow.json')).toThrow(/^flows\/bom\.flow\.json:4:22 states\.a\.type: must be one of/)
  })
})

describe('loadFlowText: version', () => {
  it('keeps how a numeric version was written, in YAML and JSON', () => {
    const json = (v: string) => `{"name": "j", "initial_state": "a", "version": ${v}, "states": {"a": {"type": "end"}}}`
    expect(loadFlowText(json('2.10'), 'f.flow.json').document.version).toBe('2.10')
    expect(loadFlowText(`version: 3\n${MINIMAL}`, 'f.flow.yaml').document.version).toBe('3')
    expect(loadFlowText(MINIMAL, 'f.flow.yaml').document.version).toBeUndefined()
  })
})
