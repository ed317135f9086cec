// The metrics against small cases computed by hand: per-class scores and averages, zero
// division, classes only predicted, confusion cells, tie order, entities, histogram and the sweep rule.
import { describe, expect, it } from 'vitest'
import {
  classMetrics,
  confidenceHistogram,
  confusedPairs,
  confusionMatrix,
  entityMetrics,
  labelOrder,
  normaliseEntityValue,
  predictedAt,
  sweepPoint,
  thresholdSweep,
  SWEEP_THRESHOLDS,
  type Scored,
} from '../../../src-main/core/nlu-eval/metrics'

describe('classMetrics', () => {
  it('computes precision, recall, F1, support and both averages', () => {
    const r = classMetrics(['a', 'b'], ['a', 'a', 'a', 'b'], ['a', 'a', 'b', 'b'])
    const [a, b] = r.perClass
    expect(a).toMatchObject({ intent: 'a', precision: 1, support: 3, predicted: 2 })
    expect(a!.recall).toBeCloseTo(2 / 3, 12)
    expect(a!.f1).toBeCloseTo(0.8, 12)
    expect(b).toMatchObject({ intent: 'b', precision: 0.5, recall: 1, support: 1, predicted: 2 })
    expect(b!.f1).toBeCloseTo(2 / 3, 12)
    expect(r.macro.f1).toBeCloseTo((0.8 + 2 / 3) / 2, 12)
    expect(r.weighted.f1).toBeCloseTo((0.8 * 3 + 2 / 3) / 4, 12)
    expect(r.macro.precision).toBeCloseTo(0.75, 12)
    expect(r.weighted.recall).toBeCloseTo(0.75, 12) // weighted recall is accuracy
  })

  it('counts none as a class, and leaves classes that never occur out of the averages', () => {
    const r = classMetrics(['a', 'b', 'none', 'c'], ['a', 'a', 'b', 'b', 'none'], ['a', 'b', 'b', 'none', 'a'])
    expect(r.perClass.map((c) => [c.intent, c.precision, c.recall, c.f1, c.support])).toEqual([
      ['a', 0.5, 0.5, 0.5, 2],
      ['b', 0.5, 0.5, 0.5, 2],
      ['none', 0, 0, 0, 1],
      ['c', 0, 0, 0, 0],
    ])
    expect(r.macro.precision).toBeCloseTo(1 / 3, 12) // over a, b, none: c never occurs
    expect(r.weighted.precision).toBeCloseTo(0.4, 12)
  })

  it('divides by zero as 0, and a class only predicted lowers macro but not weighted averages', () => {
    const r = classMetrics(['a', 'none', 'x'], ['a', 'a'], ['x', 'a'])
    const x = r.perClass.find((c) => c.intent === 'x')!
    expect(x).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 0, predicted: 1 })
    const a = r.perClass.find((c) => c.intent === 'a')!
    expect(a).toMatchObject({ precision: 1, recall: 0.5, support: 2 })
    expect(r.macro.precision).toBeCloseTo(0.5, 12)
    expect(r.weighted.precision).toBeCloseTo(1, 12)
    expect(classMetrics(['a'], [], []).macro).toEqual({ precision: 0, recall: 0, f1: 0 })
  })
})

describe('labels, confusion and pairs', () => {
  it('orders labels: declared intents, none, then extra labels sorted', () => {
    expect(labelOrder(['greet', 'bye'], ['zeta', 'greet'], ['alpha', 'none'])).toEqual(['greet', 'bye', 'none', 'alpha', 'zeta'])
  })

  it('puts each utterance in its cell (rows expected, columns predicted)', () => {
    const { counts, cells } = confusionMatrix(['a', 'b', 'none'], ['a', 'a', 'b', 'none'], ['a', 'b', 'b', 'a'])
    expect(counts).toEqual([[1, 1, 0], [0, 1, 0], [1, 0, 0]])
    expect(cells[0]![1]).toEqual([1])
    expect(cells[2]![0]).toEqual([3])
  })

  it('sorts confused pairs by count, ties in matrix order, with examples', () => {
    const labels = ['a', 'b', 'none']
    const texts = ['t0', 't1', 't2', 't3', 't4']
    const { cells } = confusionMatrix(labels, ['b', 'a', 'b', 'none', 'b'], ['none', 'b', 'a', 'a', 'a'])
    expect(confusedPairs(labels, cells, texts).map((p) => [p.expected, p.predicted, p.count, p.examples])).toEqual([
      ['b', 'a', 2, ['t2', 't4']],
      ['a', 'b', 1, ['t1']],
      ['b', 'none', 1, ['t0']],
      ['none', 'a', 1, ['t3']],
    ])
  })
})

describe('entityMetrics', () => {
  it('scores exact values after normalisation, only on utterances that list entities', () => {
    const r = entityMetrics([
      { expected: { email: 'A@x.com ' }, extracted: { email: 'a@x.com' } },
      { expected: { email: 'b@x.com' }, extracted: {} },
      { expected: {}, extracted: { email: 'c@x.com' } },
      { expected: null, extracted: { email: 'd@x.com' } },
      { expected: { n: '5' }, extracted: { n: '6' } },
    ])
    expect(r).toEqual([
      { entity: 'email', precision: 0.5, recall: 0.5, f1: 0.5, support: 2, predicted: 2, matched: 1 },
      { entity: 'n', precision: 0, recall: 0, f1: 0, support: 1, predicted: 1, matched: 0 },
    ])
    expect(normaliseEntityValue(5)).toBe(normaliseEntityValue('5'))
    expect(normaliseEntityValue('  Auth   Service ')).toBe('auth service')
  })
})

const items: Scored[] = [
  { text: '1', expected: 'a', top: 'a', confidence: 0.9 },
  { text: '2', expected: 'b', top: 'a', confidence: 0.6 },
  { text: '3', expected: 'none', top: 'b', confidence: 0.3 },
  { text: '4', expected: 'b', top: 'b', confidence: 0.7 },
]

describe('threshold sweep', () => {
  it('applies the engine rule: a score equal to the threshold passes', () => {
    expect(predictedAt(items[3]!, 0.7)).toBe('b')
    expect(predictedAt(items[3]!, 0.75)).toBe('none')
    expect(predictedAt({ text: '', expected: 'a', top: null, confidence: 0.9 }, 0)).toBe('none')
  })

  it('computes accuracy, fallback rate and error rate at a threshold', () => {
    expect(sweepPoint(items, 0.7)).toEqual({ threshold: 0.7, accuracy: 0.75, fallbackRate: 0.5, errorRate: 0 })
    expect(sweepPoint(items, 0)).toEqual({ threshold: 0, accuracy: 0.5, fallbackRate: 0, errorRate: 0.5 })
    expect(sweepPoint(items, 0.6)).toEqual({ threshold: 0.6, accuracy: 0.75, fallbackRate: 0.25, errorRate: 0.25 })
  })

  it('sweeps 0..1 in steps of 0.05 with exact thresholds', () => {
    expect(SWEEP_THRESHOLDS).toHaveLength(21)
    expect(SWEEP_THRESHOLDS[14]).toBe(0.7)
    expect(SWEEP_THRESHOLDS[20]).toBe(1)
  })

  it('suggests the lowest threshold with the best accuracy among those with an error rate of at most 2%', () => {
    const s = thresholdSweep(items, 0.7)
    expect(s.suggested).toBe(0.65)
    expect(s.current).toBe(0.7)
    expect(s.rule).toContain('at or below 2%')
  })

  it('falls back to the lowest error rate when no threshold keeps it at 2%', () => {
    const s = thresholdSweep([
      { text: 'x', expected: 'a', top: 'b', confidence: 1 },
      { text: 'y', expected: 'a', top: 'a', confidence: 0.5 },
    ], 0.7)
    expect(s.suggested).toBe(0)
    expect(s.rule).toContain('no threshold keeps')
    expect(thresholdSweep([], 0.7).suggested).toBeNull()
  })
})

describe('confidenceHistogram', () => {
  it('bins the top score in tenths (1.0 in the last bin) split into correct and wrong', () => {
    const bins = confidenceHistogram(items, 0.7)
    expect(bins).toHaveLength(10)
    expect(bins[9]).toMatchObject({ from: 0.9, to: 1, correct: 1, wrong: 0 })
    expect(bins[7]).toMatchObject({ correct: 1, wrong: 0 })
    expect(bins[6]).toMatchObject({ correct: 0, wrong: 1 })
    expect(bins[3]).toMatchObject({ correct: 1, wrong: 0 })
    expect(confidenceHistogram([{ text: '', expected: 'a', top: 'a', confidence: 1 }], 0.7)[9]!.correct).toBe(1)
    expect(bins.reduce((s, b) => s + b.correct + b.wrong, 0)).toBe(4)
  })
})
