import { describe, expect, it } from 'vitest'
import { CoverageCollector, parsePercent, percent, totalCoverage } from '../../../src-main/core/runner/coverage'

describe('CoverageCollector', () => {
  const declared = { states: ['a', 'b', 'c', 'd'], transitions: ['a -> b [always]', 'b -> c [intent_match x,y]', 'c -> d [fallback]', 'a -> b [always]'] }

  it('covered / total with the lists of what was not covered, in declaration order', () => {
    const c = new CoverageCollector()
    c.declare('flows/f.flow.yaml', declared)
    c.record('flows/f.flow.yaml', { states: ['a', 'b'], transitions: ['a -> b [always]'] })
    c.record('flows/f.flow.yaml', { states: ['b', 'd'], transitions: [] })
    expect(c.report()).toEqual({
      'flows/f.flow.yaml': {
        states: { covered: 3, total: 4, uncovered: ['c'] },
        transitions: { covered: 1, total: 3, uncovered: ['b -> c [intent_match x,y]', 'c -> d [fallback]'] },
      },
    })
  })

  it('only flows that some test exercised are reported', () => {
    const c = new CoverageCollector()
    c.declare('flows/f.flow.yaml', declared)
    c.declare('flows/g.flow.yaml', declared)
    c.record('flows/g.flow.yaml', { states: [], transitions: [] })
    expect(Object.keys(c.report())).toEqual(['flows/g.flow.yaml'])
  })

  it('ignores states and transitions the flow does not declare', () => {
    const c = new CoverageCollector()
    c.declare('f', { states: ['a'], transitions: [] })
    c.record('f', { states: ['a', 'zzz'], transitions: ['x -> y [always]'] })
    expect(c.report().f!.states).toEqual({ covered: 1, total: 1, uncovered: [] })
  })

  it('totals over all flows', () => {
    const total = totalCoverage({
      f: { states: { covered: 3, total: 4, uncovered: [] }, transitions: { covered: 1, total: 2, uncovered: [] } },
      g: { states: { covered: 1, total: 4, uncovered: [] }, transitions: { covered: 0, total: 0, uncovered: [] } },
    })
    expect(total.states).toEqual({ covered: 4, total: 8, percent: 50 })
    expect(total.transitions).toEqual({ covered: 1, total: 2, percent: 50 })
    expect(percent(0, 0)).toBe(100)
    expect(percent(2, 3)).toBe(66.67)
  })
})

describe('parsePercent', () => {
  it('80, 80% and decimals; nothing outside 0–100', () => {
    expect(parsePercent('80')).toBe(80)
    expect(parsePercent('80%')).toBe(80)
    expect(parsePercent('99.5 %')).toBe(99.5)
    expect(parsePercent('0')).toBe(0)
    expect(parsePercent('100')).toBe(100)
    expect(parsePercent('101')).toBeUndefined()
    expect(parsePercent('-1')).toBeUndefined()
    expect(parsePercent('lots')).toBeUndefined()
  })
})
