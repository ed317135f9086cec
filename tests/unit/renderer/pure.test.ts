import { describe, expect, it } from 'vitest'
import type { StateLocations } from '../../../src-main/common/api'
import { toMarkers } from '../../../src-renderer/src/features/flow-editor/markers'
import { definitionOf, occurrenceAt, referencesOf, replacementFor, validateNewName } from '../../../src-renderer/src/features/flow-editor/state-symbols'
import { edgeLabel, edgePath } from '../../../src-renderer/src/features/flow-graph/layout'
import { locateTestStep } from '../../../src-renderer/src/features/tests/step-locator'
import { diffText } from '../../../src-renderer/src/features/tests/text-diff'
import { newFilePath, relativeTo, starterText } from '../../../src-renderer/src/stores/workspace'
import { SMALL_GRAPH } from './fixtures'

const LOCATIONS: StateLocations = {
  states: [
    { name: 'greeting', definition: { line: 4, column: 3, endLine: 4, endColumn: 11 } },
    { name: 'done', definition: { line: 10, column: 3, endLine: 10, endColumn: 7 } },
  ],
  references: [
    { name: 'greeting', path: 'initial_state', range: { line: 2, column: 16, endLine: 2, endColumn: 24 } },
    { name: 'done', path: 'states.greeting.transitions[0].target_state', range: { line: 8, column: 23, endLine: 8, endColumn: 27 } },
  ],
}

describe('state symbols', () => {
  it('finds the state under the cursor, its definition and references', () => {
    const at = occurrenceAt(LOCATIONS, 8, 25)
    expect(at?.name).toBe('done')
    expect(definitionOf(LOCATIONS, 'done')).toEqual({ line: 10, column: 3, endLine: 10, endColumn: 7 })
    expect(referencesOf(LOCATIONS, 'greeting', true)).toHaveLength(2)
    expect(referencesOf(LOCATIONS, 'greeting', false)).toHaveLength(1)
    expect(occurrenceAt(LOCATIONS, 5, 1)).toBeNull()
  })

  it('validates new names and keeps quotes when renaming', () => {
    expect(validateNewName(LOCATIONS, 'done', 'finished')).toBeNull()
    expect(validateNewName(LOCATIONS, 'done', 'greeting')).toContain('already exists')
    expect(validateNewName(LOCATIONS, 'done', 'two words')).toBeTruthy()
    expect(replacementFor('"done"', 'finished')).toBe('"finished"')
    expect(replacementFor('done', 'finished')).toBe('finished')
  })
})

describe('markers', () => {
  it('keeps the engine message and rule, and clamps stale positions', () => {
    const severity = { Error: 8, Warning: 4 }
    const [m, w] = toMarkers(
      [
        { severity: 'error', message: 'unknown state "payment"', rule: 'unknown-target', path: 'states.order.transitions[1].target_state', line: 14, column: 7, endLine: 14, endColumn: 16 },
        { severity: 'warning', message: 'never entered', rule: 'unreachable-state', path: '', line: 99, column: 1 },
      ],
      20,
      severity,
    )
    expect(m).toMatchObject({ severity: 8, message: 'states.order.transitions[1].target_state: unknown state "payment"', code: 'unknown-target', startLineNumber: 14, endColumn: 16 })
    expect(w).toMatchObject({ severity: 4, message: 'never entered', startLineNumber: 20, endLineNumber: 20 })
  })
})

describe('graph labels', () => {
  it('shows condition, value and a non-default priority', () => {
    expect(edgeLabel(SMALL_GRAPH.edges[0]!)).toBe('any_input')
    expect(edgeLabel(SMALL_GRAPH.edges[1]!)).toBe('intent_match: bye · p10')
    expect(edgeLabel({ ...SMALL_GRAPH.edges[1]!, value: ['help', 'greet'], priority: 100 })).toBe('intent_match: help, greet')
    expect(edgeLabel({ ...SMALL_GRAPH.edges[1]!, condition: 'expression', value: { left: '{slots.n}', operator: 'gt', right: 3 }, priority: 100 })).toBe('expression: {slots.n} gt 3')
  })

  it('draws routed edges as paths', () => {
    expect(edgePath([{ x: 0, y: 0 }, { x: 0, y: 50 }, { x: 40, y: 50 }])).toMatch(/^M0,0 L0,44 Q0,50 6,50 L40,50$/)
  })
})

describe('text diff', () => {
  it('marks what is missing and what is extra, word by word', () => {
    const parts = diffText('Hello there, Dana!', 'Hello, Dana!')
    expect(parts.filter((p) => p.kind === 'removed').map((p) => p.text.trim())).toEqual(['there'])
    expect(parts.filter((p) => p.kind !== 'added').map((p) => p.text).join('')).toBe('Hello there, Dana!')
    expect(parts.filter((p) => p.kind !== 'removed').map((p) => p.text).join('')).toBe('Hello, Dana!')
  })
})

describe('test step locator', () => {
  const text = ['flow: ../flows/a.flow.yaml', 'tests:', '  - name: greets', '    steps:', '      - expect: { state: greeting }', '      - user: hi', '        expect: { state: help }', ''].join('\n')
  it('finds a step of a test, also for an expansion of an `each` test', () => {
    expect(locateTestStep(text, 'greets', 1)).toEqual({ line: 6, column: 9 })
    expect(locateTestStep(text, 'greets [2]', 0)).toEqual({ line: 5, column: 9 })
    expect(locateTestStep(text, 'greets')).toEqual({ line: 3, column: 5 })
    expect(locateTestStep(text, 'missing')).toBeNull()
  })
})

describe('new files', () => {
  it('puts new flows and tests in their folders with the right endings', () => {
    expect(newFilePath('flow', 'booking')).toBe('flows/booking.flow.yaml')
    expect(newFilePath('test', 'qa/booking')).toBe('qa/booking.test.yaml')
    expect(relativeTo('tests/booking.test.yaml', 'flows/booking.flow.yaml')).toBe('../flows/booking.flow.yaml')
    expect(starterText('test', 'tests/booking.test.yaml', 'flows/booking.flow.yaml')).toContain('flow: ../flows/booking.flow.yaml')
    expect(JSON.parse(starterText('flow', 'flows/x.flow.json')).initial_state).toBe('greeting')
  })
})
