// The flow service: diagnostics are the CLI linter's findings (same rule, message, position),
// the graph and state locations follow the text being edited, schemas are the shipped ones.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '../../../src-main/common/api'
import { lintFlow } from '../../../src-main/core/lint'
import { SUPPORT_FLOW, openCore, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

async function core(files: Record<string, string>) {
  ws = tempWorkspace(files)
  const c = await openCore(ws)
  cores.push(c)
  return c
}

const BROKEN_FLOW = `name: broken
initial_state: start
states:
  start:
    type: response
    config:
      response_templates:
        default: "Hi {variables.nobody_sets_this}"
    transitions:
      - condition: always
        target_state: nowhere
  orphan:
    type: response
    config:
      response_templates:
        default: "never reached"
`

describe('diagnostics', () => {
  it('are the lint findings the CLI prints, with ranges for the editor', async () => {
    const c = await core({ 'flows/broken.flow.yaml': BROKEN_FLOW })
    const diagnostics = await c.api.flow.diagnostics('flows/broken.flow.yaml')
    const cli = lintFlow(BROKEN_FLOW, 'flows/broken.flow.yaml')
    expect(cli.length).toBeGreaterThan(0)
    expect(diagnostics.map(({ rule, severity, message, line, column, path }) => ({ rule, severity, message, line, column, path }))).toEqual(cli)
    const unknownTarget = diagnostics.find((d) => d.rule === 'unknown-target')!
    expect(unknownTarget).toMatchObject({ severity: 'error', path: 'states.start.transitions[0].target_state' })
    expect(diagnostics.some((d) => d.rule === 'unreachable-state' && d.severity === 'warning')).toBe(true)
    for (const d of diagnostics) expect(d.endColumn).toBeGreaterThanOrEqual(d.column)
  })

  it('check the editor text when it is given instead of the file', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    expect((await c.api.flow.diagnostics('flows/support.flow.yaml')).filter((d) => d.severity === 'error')).toEqual([])
    const edited = SUPPORT_FLOW.replace('target_state: goodbye', 'target_state: good_bye')
    const diagnostics = await c.api.flow.diagnostics('flows/support.flow.yaml', edited)
    const d = diagnostics.find((x) => x.rule === 'unknown-target')!
    const line = edited.split('\n')[d.line - 1]!
    expect(line.slice(d.column - 1, d.endColumn! - 1)).toBe('target_state')
  })

  it('report a syntax error with its position rather than failing', async () => {
    const c = await core({ 'flows/bad.flow.yaml': 'name: x\nstates: [unclosed\n' })
    const diagnostics = await c.api.flow.diagnostics('flows/bad.flow.yaml')
    expect(diagnostics.length).toBeGreaterThan(0)
    expect(diagnostics[0]).toMatchObject({ severity: 'error', rule: 'syntax' })
    expect(diagnostics[0]!.line).toBeGreaterThanOrEqual(1)
  })
})

describe('graph', () => {
  it('has every state and transition with the coverage keys and lines', async () => {
    const c = await core({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    const graph = await c.api.flow.graph('flows/support.flow.yaml')
    expect(graph.initial_state).toBe('greeting')
    expect(graph.nodes.map((n) => [n.id, n.type, n.initial])).toEqual([
      ['greeting', 'response', true],
      ['listen', 'intent', false],
      ['not_understood', 'response', false],
      ['help_response', 'end', false],
      ['goodbye', 'end', false],
    ])
    expect(graph.nodes[0]!.line).toBe(SUPPORT_FLOW.split('\n').indexOf('  greeting:') + 1)
    const help = graph.edges.find((e) => e.to === 'help_response')!
    expect(help).toMatchObject({ from: 'listen', condition: 'intent_match', value: 'help', priority: 100, key: 'listen -> help_response [intent_match help]', resolved: true })
    expect(graph.edges.find((e) => e.condition === 'fallback')).toMatchObject({ priority: 999, key: 'listen -> not_understood [fallback]' })
  })

  it('keeps a dangling transition of a flow being edited, marked unresolved', async () => {
    const c = await core({ 'flows/broken.flow.yaml': BROKEN_FLOW })
    const graph = await c.api.flow.graph('flows/broken.flow.yaml')
    expect(graph.edges).toEqual([expect.objectContaining({ from: 'start', to: 'nowhere', resolved: false })])
  })

  it('answers invalid_flow with positions for text that does not parse', async () => {
    const c = await core({ 'flows/bad.flow.yaml': 'states: [unclosed\n' })
    const err = await c.api.flow.graph('flows/bad.flow.yaml').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'invalid_flow' })
  })
})

describe('state locations', () => {
  it('give each definition and every reference, ranges excluding quotes', async () => {
    const text = SUPPORT_FLOW.replace('target_state: goodbye', 'target_state: "goodbye"')
    const c = await core({ 'flows/support.flow.yaml': text })
    const locations = await c.api.flow.stateLocations('flows/support.flow.yaml')
    const lines = text.split('\n')
    const slice = (r: { line: number; column: number; endColumn: number }) => lines[r.line - 1]!.slice(r.column - 1, r.endColumn - 1)
    expect(locations.states.map((s) => s.name)).toEqual(['greeting', 'listen', 'not_understood', 'help_response', 'goodbye'])
    for (const s of locations.states) expect(slice(s.definition)).toBe(s.name)
    const goodbyeRefs = locations.references.filter((r) => r.name === 'goodbye')
    expect(goodbyeRefs).toHaveLength(1)
    expect(slice(goodbyeRefs[0]!.range)).toBe('goodbye')
    expect(goodbyeRefs[0]!.path).toBe('states.listen.transitions[1].target_state')
    expect(locations.references.find((r) => r.path === 'initial_state')).toMatchObject({ name: 'greeting' })
    expect(locations.references.filter((r) => r.name === 'listen')).toHaveLength(2)
  })
})

describe('schemas', () => {
  it('are the shipped JSON Schemas', async () => {
    const c = await core({})
    const root = join(__dirname, '../../../resources/schema')
    expect(await c.api.flow.schema('flow')).toEqual(JSON.parse(readFileSync(join(root, 'flow.schema.json'), 'utf8')))
    expect(await c.api.flow.schema('test')).toEqual(JSON.parse(readFileSync(join(root, 'test.schema.json'), 'utf8')))
    await expect(c.api.flow.schema('load' as 'flow')).rejects.toMatchObject({ code: 'bad_request' })
  })
})
