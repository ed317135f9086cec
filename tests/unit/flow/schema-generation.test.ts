// The shipped JSON Schemas and the runtime validators come from one source (the TypeBox
// definitions): the committed files must be what the generator writes now, and the editor's
// schema and the loader must agree on what is valid.
import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import Ajv from 'ajv'
import { flowSchemaIssues, testSuiteSchemaIssues } from '../../../src-main/core/flow/load'
import { STATE_TYPES, STATE_CONFIG_SCHEMAS } from '../../../src-main/common/flow-schema'

const root = join(__dirname, '../../..')
const readJson = (path: string) => JSON.parse(readFileSync(join(root, path), 'utf8')) as Record<string, unknown>

describe('generated schema artifacts', () => {
  it('are committed exactly as scripts/gen-schema.mjs generates them', async () => {
    const generator = (await import(pathToFileURL(join(root, 'scripts/gen-schema.mjs')).href)) as {
      generateSchemaArtifacts(): Promise<Record<string, string>>
    }
    const artifacts = await generator.generateSchemaArtifacts()
    expect(Object.keys(artifacts).sort()).toEqual([
      'resources/openapi/bot-api.json',
      'resources/schema/flow.schema.json',
      'resources/schema/load.schema.json',
      'resources/schema/nlu-dataset.schema.json',
      'resources/schema/test.schema.json',
      'src-main/core/flow/schema-validators.generated.d.ts',
      'src-main/core/flow/schema-validators.generated.js',
    ])
    for (const [path, content] of Object.entries(artifacts)) {
      expect(readFileSync(join(root, path), 'utf8'), `${path} is stale: run node scripts/gen-schema.mjs`).toBe(content)
    }
  }, 60_000)

  it('gives the editor the right config schema per state type (if/then) and descriptions for hover', () => {
    const flow = readJson('resources/schema/flow.schema.json')
    expect(flow.$schema).toBe('http://json-schema.org/draft-07/schema#')
    const state = ((flow.properties as any).states.patternProperties as Record<string, any>)['^(.*)$']
    expect(state.allOf).toHaveLength(STATE_TYPES.length)
    for (const [i, type] of STATE_TYPES.entries()) {
      expect(state.allOf[i].if.properties.type.const).toBe(type)
      expect(Object.keys(state.allOf[i].then.properties.config.properties)).toEqual(Object.keys((STATE_CONFIG_SCHEMAS[type] as any).properties))
    }
    expect(state.properties.type.enum).toEqual([...STATE_TYPES])
    expect(typeof state.properties.type.description).toBe('string')
    expect(typeof (flow.properties as any).initial_state.description).toBe('string')
  })
})

const validFlows: unknown[] = [
  { name: 'm', initial_state: 'a', states: { a: { type: 'end' } } },
  { name: 'm', version: 1, initial_state: 'a', states: { a: { type: 'intent' } } },
  {
    name: 'all', initial_state: 'r', settings: { confidence_threshold: 0.5, nlu: 'my-nlu', memory: { max_turns: 3 } },
    intents: { help: ['help', '/h(e)lp/i'] },
    entities: { size: { values: ['s', 'm'] }, syn: { values: { large: ['big', 'huge'] } }, code: { pattern: 'X\\d+' }, mail: { type: 'email' } },
    integrations: { crm: { plugin: 'http', timeout_ms: 100, retries: 2, circuit_breaker: { threshold: 3, cooldown_ms: 1000 }, base_url: 'http://x' } },
    states: {
      r: { type: 'response', config: { response_templates: { default: ['a', 'b'], vip: 'c' } }, transitions: [{ condition: 'intent_match', condition_value: ['help'], target_state: 's' }] },
      s: { type: 'slot_filling', config: { required_slots: ['size'], prompts: { size: 'Size?' }, validation: { size: { entity: 'size' } } }, transitions: [{ condition: 'slot_filled', condition_value: 'size', target_state: 'i' }] },
      i: { type: 'integration', config: { integration_id: 'crm', method: 'POST', request_mapping: { q: '{slots.size}', n: 1 } }, transitions: [{ condition: 'integration_success', target_state: 'c' }] },
      c: { type: 'condition', config: { conditions: [{ left: '{x}', operator: 'exists' }] }, transitions: [{ condition: 'expression', condition_value: { any: [{ left: 1, operator: 'lt', right: 2 }, { all: [] }] }, target_state: 'w' }] },
      w: { type: 'workflow', config: { tasks: [{ id: 't', params: { a: 1 }, retries: 1 }] }, actions: [{ type: 'set_variable', name: 'v', value: 3 }], timeout_seconds: 5 },
      e: { type: 'end', config: { response_templates: { default: 'bye' } } },
    },
  },
]

const invalidFlows: unknown[] = [
  {},
  { name: '', initial_state: 'a', states: {} },
  { name: 'm', initial_state: 'a', states: { a: { type: 'nope' } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'response' } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'response', config: { response_templates: { default: 1 } } } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'slot_filling', config: { required_slots: ['x'] } } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'integration', config: { integration_id: '' } } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'condition', config: { conditions: [{ left: 1, operator: 'equals' }] } } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'workflow', config: { tasks: [{ depends_on: [] }] } } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'end', transitions: [{ condition: 'intent_match', target_state: 'a' }] } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'end', transitions: [{ condition: 'expression', condition_value: { all: [{ x: 1 }] }, target_state: 'a' }] } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'end', actions: [{ type: 'launch_rocket' }] } } },
  { name: 'm', initial_state: 'a', states: { a: { type: 'end', actions: [{ type: 'set_slot', value: 1 }] } } },
  { name: 'm', initial_state: 'a', entities: { e: { type: 'colour' } }, states: { a: { type: 'end' } } },
  { name: 'm', initial_state: 'a', settings: { confidence_threshold: 2 }, states: { a: { type: 'end' } } },
  { name: 'm', initial_state: 'a', integrations: { crm: { circuit_breaker: { threshold: 0, cooldown_ms: 1 } } }, states: { a: { type: 'end' } } },
]

const validSuites: unknown[] = [
  { flow: 'f.flow.yaml', tests: [] },
  {
    flow: 'f.flow.yaml', name: 'S', defaults: { user_profile: { a: 1 }, extra: true },
    mocks: { nlu: { hi: { intent: 'greet', confidence: 0.9 } }, nlu_strict: true, integrations: { crm: [{ respond: { status_code: 200, data: {} } }, { fail: 'timeout' }], x: { fail: 'error' } } },
    tests: [{ name: 't', tags: ['a'], steps: [{ expect: { state: 'a' } }, { user: 'hi', expect: { reply: { contains: 'x' }, confidence: { gte: 0.5 }, ended: false } }, { wait: '30s' }, { event: 'approve' }] }],
  },
]

const invalidSuites: unknown[] = [
  { tests: [] },
  { flow: 'f', tests: [{ steps: [] }] },
  { flow: 'f', tests: [{ name: 't', steps: [{ wait: 'soon' }] }] },
  { flow: 'f', tests: [{ name: 't', steps: [{ event: 'maybe' }] }] },
  { flow: 'f', tests: [{ name: 't', steps: [{ user: 'x', expect: { stat: 'a' } }] }] },
  { flow: 'f', mocks: { integrations: { crm: [{ fail: 'boom' }] } }, tests: [] },
  { flow: 'f', tests: [], extra: 1 },
]

describe('the shipped JSON Schema and the runtime validator agree', () => {
  const ajv = new Ajv({ allErrors: true, strict: false })
  const flowSchema = ajv.compile(readJson('resources/schema/flow.schema.json'))
  const testSchema = ajv.compile(readJson('resources/schema/test.schema.json'))

  it.each(validFlows.map((f, i) => [i, f]))('valid flow %i', (_i, flow) => {
    expect(flowSchema(flow)).toBe(true)
    expect(flowSchemaIssues(flow)).toEqual([])
  })

  it.each(invalidFlows.map((f, i) => [i, f]))('invalid flow %i', (_i, flow) => {
    expect(flowSchema(flow)).toBe(false)
    expect(flowSchemaIssues(flow).length).toBeGreaterThan(0)
  })

  it.each(validSuites.map((s, i) => [i, s]))('valid test suite %i', (_i, suite) => {
    expect(testSchema(suite)).toBe(true)
    expect(testSuiteSchemaIssues(suite)).toEqual([])
  })

  it.each(invalidSuites.map((s, i) => [i, s]))('invalid test suite %i', (_i, suite) => {
    expect(testSchema(suite)).toBe(false)
    expect(testSuiteSchemaIssues(suite).length).toBeGreaterThan(0)
  })
})
