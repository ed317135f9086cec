// Stratified, seeded k-fold assignment of a flow's own intent examples, for cross-validation
// when there is no dataset: each intent's plain-text examples are shuffled with the seed and dealt
// round the folds, so every fold gets its share of every intent and a seed always gives the same folds.
import { isSlashedPattern } from '../engine/pattern'
import { SeededRandom, hashString } from '../engine/random'

export interface FoldExample {
  intent: string
  text: string
  /** Index of the example in the intent's list in the flow. */
  index: number
  fold: number
}

export interface FoldPlan {
  folds: number
  seed: number
  examples: FoldExample[]
  /** Intents with fewer plain-text examples than folds. */
  sparse: Array<{ intent: string; examples: number }>
  /** Intents with no plain-text example (only /regex/ patterns, or none): never tested. */
  untested: string[]
}

export const DEFAULT_FOLDS = 5
export const DEFAULT_SEED = 1

/**
 * Deals each intent's plain-text examples round `folds` folds after a seeded shuffle. The deal of
 * each intent starts where the previous intent's ended, so small intents do not all land in fold 0.
 * `/regex/` examples are patterns, not utterances: they stay in every training set and are never
 * held out.
 */
export function assignFolds(intents: Record<string, unknown>, folds: number, seed: number): FoldPlan {
  if (!Number.isInteger(folds) || folds < 2) throw new RangeError(`folds must be a whole number of at least 2 (got ${folds})`)
  const examples: FoldExample[] = []
  const sparse: FoldPlan['sparse'] = []
  const untested: string[] = []
  let next = 0
  for (const intent of Object.keys(intents)) {
    const list = intents[intent]
    const plain: Array<{ text: string; index: number }> = []
    if (Array.isArray(list)) {
      list.forEach((ex, index) => {
        if (typeof ex === 'string' && !isSlashedPattern(ex) && ex.trim() !== '') plain.push({ text: ex, index })
      })
    }
    if (plain.length === 0) {
      untested.push(intent)
      continue
    }
    if (plain.length < folds) sparse.push({ intent, examples: plain.length })
    // One generator per intent, seeded by the seed and the intent's name: adding an intent does
    // not reshuffle the others.
    const random = new SeededRandom(hashString(intent, seed >>> 0))
    for (let i = plain.length - 1; i > 0; i--) {
      const j = Math.floor(random.next() * (i + 1))
      ;[plain[i], plain[j]] = [plain[j]!, plain[i]!]
    }
    for (const ex of plain) {
      examples.push({ intent, text: ex.text, index: ex.index, fold: next })
      next = (next + 1) % folds
    }
  }
  return { folds, seed, examples, sparse, untested }
}

/** The flow's `intents` without the examples held out in `fold` (the training set of that fold). */
export function trainingIntents(intents: Record<string, unknown>, plan: FoldPlan, fold: number): Record<string, unknown> {
  const held = new Map<string, Set<number>>()
  for (const ex of plan.examples) {
    if (ex.fold !== fold) continue
    let s = held.get(ex.intent)
    if (s === undefined) held.set(ex.intent, (s = new Set()))
    s.add(ex.index)
  }
  const out: Record<string, unknown> = {}
  for (const intent of Object.keys(intents)) {
    const list = intents[intent]
    const drop = held.get(intent)
    out[intent] = Array.isArray(list) && drop !== undefined ? list.filter((_, i) => !drop.has(i)) : list
  }
  return out
}
