// k-fold assignment: deterministic per seed, stratified per intent, patterns never held out,
// sparse intents reported.
import { describe, expect, it } from 'vitest'
import { assignFolds, trainingIntents } from '../../../src-main/core/nlu-eval/folds'

const intents = {
  greet: ['hi', 'hello', 'hey', 'good morning', 'hiya', 'yo', 'howdy'],
  bye: ['bye', 'goodbye', 'see you', 'later', 'ciao', 'farewell', 'cheers', 'night'],
  help: ['help', 'help me', '/\\bassist\\b/i'],
  only_pattern: ['/^x$/'],
}

describe('assignFolds', () => {
  it('gives the same folds for the same seed, and others for another seed', () => {
    const a = assignFolds(intents, 3, 7)
    expect(assignFolds(intents, 3, 7)).toEqual(a)
    const b = assignFolds(intents, 3, 8)
    expect(b.examples.map((e) => `${e.text}:${e.fold}`)).not.toEqual(a.examples.map((e) => `${e.text}:${e.fold}`))
  })

  it('stratifies: each intent is spread over the folds within one example', () => {
    for (const seed of [1, 2, 3, 42]) {
      const plan = assignFolds(intents, 3, seed)
      for (const intent of ['greet', 'bye']) {
        const perFold = [0, 1, 2].map((f) => plan.examples.filter((e) => e.intent === intent && e.fold === f).length)
        expect(Math.max(...perFold) - Math.min(...perFold)).toBeLessThanOrEqual(1)
      }
    }
  })

  it('holds out every plain example exactly once and never a pattern', () => {
    const plan = assignFolds(intents, 3, 1)
    expect(plan.examples.map((e) => e.text).sort()).toEqual([...intents.greet, ...intents.bye, 'help', 'help me'].sort())
    expect(plan.sparse).toEqual([{ intent: 'help', examples: 2 }])
    expect(plan.untested).toEqual(['only_pattern'])
  })

  it('trains each fold without its held-out examples, patterns kept', () => {
    const plan = assignFolds(intents, 3, 1)
    for (let f = 0; f < 3; f++) {
      const train = trainingIntents(intents, plan, f) as Record<string, string[]>
      const held = plan.examples.filter((e) => e.fold === f).map((e) => e.text)
      for (const text of held) expect(Object.values(train).flat()).not.toContain(text)
      expect(train['help']).toContain('/\\bassist\\b/i')
      expect(Object.values(train).flat().length + held.length).toBe(Object.values(intents).flat().length)
    }
  })

  it('refuses fewer than two folds', () => {
    expect(() => assignFolds(intents, 1, 1)).toThrow(/at least 2/)
  })
})
