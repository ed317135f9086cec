// Evaluation through the engine's own NLU: every prediction agrees with what a conversation's
// intent state decides; an NLU plugin is asked first (null falls back to the built-in NLU, a
// failure is no intent); cross-validation trains each fold without its held-out examples.
import { describe, expect, it } from 'vitest'
import type { FlowDocument } from '../../../src-main/common/flow-schema'
import type { NluContext, NluResult } from '../../../src-main/common/plugin-api'
import { compileFlow, Engine, FakeClock } from '../../../src-main/core/engine'
import {
  NluEvaluationError,
  classifyUtterance,
  compareReports,
  crossValidate,
  evaluateDataset,
  nluTarget,
  parseDataset,
} from '../../../src-main/core/nlu-eval'

const doc = (extra: Partial<FlowDocument> = {}): FlowDocument =>
  ({
    name: 'crafted',
    settings: { confidence_threshold: 0.7 },
    intents: {
      order: ['I want to order a pizza', 'order food', 'get me a pizza', 'pizza please', 'can I order dinner'],
      cancel: ['cancel my order', 'stop the order', 'cancel it', 'never mind the pizza', 'cancel'],
      status: ['where is my order', 'order status', 'how long for my food', '/\\bETA\\b/i'],
    },
    entities: { size: { values: { large: ['big', 'xl'], small: ['tiny'] } } },
    initial_state: 'ask',
    states: {
      ask: { type: 'response', config: { response_templates: { default: 'Yes?' } }, transitions: [{ condition: 'any_input', target_state: 'detect' }] },
      detect: { type: 'intent', transitions: [{ condition: 'fallback', target_state: 'ask' }] },
    },
    ...extra,
  }) as FlowDocument

const dataset = parseDataset(
  [
    'utterances:',
    '  - { text: "I want to order a pizza", intent: order }',
    '  - { text: "order a big pizza", intent: order, entities: { size: large } }',
    '  - { text: "cancel my pizza order", intent: cancel }',
    '  - { text: "what is the ETA", intent: status }',
    '  - { text: "where is my pizza", intent: status }',
    '  - { text: "tell me a joke", intent: none }',
    '  - { text: "order", intent: order }',
    '  - { text: "refund please", intent: refund }',
  ].join('\n'),
  'crafted.nlu.yaml',
)

async function conversationIntent(flowDoc: FlowDocument, text: string): Promise<{ intent: string | null; confidence: number | null }> {
  const engine = new Engine(compileFlow(flowDoc))
  const conv = engine.createConversation({ clock: new FakeClock() })
  await conv.start()
  const turn = await conv.send({ type: 'message', text })
  return { intent: turn.intent, confidence: turn.confidence }
}

describe('evaluateDataset', () => {
  it('predicts exactly what a conversation decides, utterance by utterance', async () => {
    const report = await evaluateDataset(nluTarget('crafted.flow.yaml', doc(), null), dataset)
    expect(report.predictions).toHaveLength(8)
    for (const p of report.predictions) {
      const turn = await conversationIntent(doc(), p.text)
      expect({ text: p.text, intent: p.predicted, confidence: p.confidence }).toEqual({ text: p.text, intent: turn.intent ?? 'none', confidence: turn.confidence })
    }
    // The same at another threshold: the flow's setting is what counts.
    const strict = doc({ settings: { confidence_threshold: 0.95 } })
    const r2 = await evaluateDataset(nluTarget('crafted.flow.yaml', strict, null), dataset)
    for (const p of r2.predictions) expect(p.predicted).toBe((await conversationIntent(strict, p.text)).intent ?? 'none')
  })

  it('builds a consistent report: matrix, summary, entities and a warning for an undeclared intent', async () => {
    const r = await evaluateDataset(nluTarget('crafted.flow.yaml', doc(), null), dataset)
    expect(r.labels.slice(0, 4)).toEqual(['order', 'cancel', 'status', 'none'])
    expect(r.labels).toContain('refund')
    const total = r.confusion.flat().reduce((a, b) => a + b, 0)
    expect(total).toBe(8)
    const diagonal = r.labels.reduce((s, _, i) => s + r.confusion[i]![i]!, 0)
    expect(r.summary.correct).toBe(diagonal)
    expect(r.summary.accuracy).toBeCloseTo(diagonal / 8, 12)
    expect(r.predictions[0]).toMatchObject({ predicted: 'order', confidence: 1, correct: true, line: 2 })
    expect(r.predictions[3]).toMatchObject({ predicted: 'status', confidence: 0.9 })
    expect(r.predictions[1]!.entities).toEqual({ size: 'large' })
    expect(r.entities).toEqual([{ entity: 'size', precision: 1, recall: 1, f1: 1, support: 1, predicted: 1, matched: 1 }])
    expect(r.notices).toContainEqual({ severity: 'warning', file: 'crafted.nlu.yaml', line: 9, message: expect.stringContaining('intent "refund" is not declared in crafted.flow.yaml') })
    const sweepAtCurrent = r.sweep.points.find((p) => p.threshold === 0.7)!
    expect(sweepAtCurrent.accuracy).toBe(r.summary.accuracy)
    expect(r.histogram.reduce((s, b) => s + b.correct + b.wrong, 0)).toBe(8)
  })

  it('asks the NLU plugin first: its answer wins, null falls back to the built-in NLU, a failure is no intent', async () => {
    const seen: NluContext[] = []
    const provider = {
      classify: async (text: string, ctx: NluContext): Promise<NluResult | null> => {
        seen.push(ctx)
        if (text.includes('joke')) return { intent: 'order', confidence: 0.99, entities: { size: 'small' } }
        if (text.includes('ETA')) throw new Error('model offline')
        return null
      },
    }
    const r = await evaluateDataset(nluTarget('crafted.flow.yaml', doc({ settings: { nlu: 'my-nlu' } }), provider), dataset)
    expect(r.nlu).toBe('my-nlu')
    expect(seen[0]!.intents).toEqual(['order', 'cancel', 'status'])
    const joke = r.predictions.find((p) => p.text === 'tell me a joke')!
    expect(joke).toMatchObject({ predicted: 'order', confidence: 0.99, entities: { size: 'small' } })
    expect(r.predictions.find((p) => p.text === 'what is the ETA')).toMatchObject({ predicted: 'none', error: 'model offline' })
    expect(r.predictions.find((p) => p.text === 'I want to order a pizza')).toMatchObject({ predicted: 'order', confidence: 1 })
    expect(r.notices.some((n) => n.severity === 'error' && n.message.includes('the NLU failed on 1 of 8'))).toBe(true)
  })

  it('refuses a flow without intents', () => {
    expect(() => nluTarget('x.flow.yaml', doc({ intents: {} }), null)).toThrow(NluEvaluationError)
  })
})

describe('crossValidate', () => {
  it('is deterministic for a seed and trains each fold without the examples it tests', async () => {
    const target = nluTarget('crafted.flow.yaml', doc(), null)
    const a = await crossValidate(target, { folds: 3, seed: 5 })
    const b = await crossValidate(target, { folds: 3, seed: 5 })
    expect(b).toEqual(a)
    expect(a.mode).toBe('cross-validation')
    expect(a.crossValidation).toEqual({ folds: 3, seed: 5, sparse: [], untested: [] })
    expect(a.predictions).toHaveLength(13) // the pattern is never a test utterance
    // An example tested in its own fold is not an exact match any more: never a score of 1.
    expect(a.predictions.every((p) => p.confidence < 1)).toBe(true)
    expect(new Set(a.predictions.map((p) => p.fold))).toEqual(new Set([0, 1, 2]))
  })

  it('reports intents with fewer examples than folds, and refuses too few examples', async () => {
    const small = doc({ intents: { a: ['one thing', 'two things'], b: ['red', 'blue', 'green', 'grey', 'pink', 'teal'] } })
    const r = await crossValidate(nluTarget('s.flow.yaml', small, null), { folds: 5, seed: 1 })
    expect(r.crossValidation!.sparse).toEqual([{ intent: 'a', examples: 2 }])
    expect(r.notices[0]!.message).toContain('intent "a" has 2 examples, fewer than 5 folds')
    await expect(crossValidate(nluTarget('t.flow.yaml', doc({ intents: { a: ['x'] } }), null), { folds: 5 })).rejects.toThrow(/fewer than 5 folds/)
  })
})

describe('classifyUtterance and compareReports', () => {
  it('gives every intent score and the decision at the threshold', async () => {
    const c = await classifyUtterance(nluTarget('crafted.flow.yaml', doc(), null), 'cancel the big pizza')
    expect(c.scores.map((s) => s.intent)).toEqual(['order', 'cancel', 'status'])
    expect(c.top).toBe('cancel')
    expect(c.entities).toEqual({ size: 'large' })
    expect(c.intent).toBe(c.confidence >= 0.7 ? 'cancel' : 'none')
  })

  it('compares two flow versions per intent', async () => {
    const a = await evaluateDataset(nluTarget('a.flow.yaml', doc(), null), dataset)
    const better = doc()
    ;(better.intents as Record<string, string[]>)['status']!.push('where is my pizza')
    const b = await evaluateDataset(nluTarget('b.flow.yaml', better, null), dataset)
    const c = compareReports(a, b)
    const status = c.intents.find((d) => d.intent === 'status')!
    expect(status.deltaF1).toBeGreaterThan(0)
    expect(c.changed).toContainEqual({ text: 'where is my pizza', expected: 'status', predictedA: a.predictions[4]!.predicted, predictedB: 'status' })
    expect(c.delta.accuracy).toBeCloseTo(b.summary.accuracy - a.summary.accuracy, 12)
  })
})
