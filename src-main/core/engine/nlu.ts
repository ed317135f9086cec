// The built-in NLU (spec "Built-in NLU", a MUST): normalisation and the 1.0 / 0.9 / 0.8 /
// 0.8 × Jaccard scoring, precomputed per flow so that classifying a message is a few map lookups.
import { compilePattern, isSlashedPattern } from './pattern'
import { FlowIssue } from './issue'

// Runs of anything but a letter, digit or `_` (spaces included) collapse to one space.
const NON_WORD_RUN = /[^\p{L}\p{N}_]+/gu
const ALREADY_NORMAL = /^[a-z0-9_]+(?: [a-z0-9_]+)*$/

/** Lower case; every character other than a letter, digit or `_` becomes a space; spaces collapsed. */
export function normalise(text: string): string {
  const lower = text.toLowerCase()
  if (ALREADY_NORMAL.test(lower)) return lower
  return lower.replace(NON_WORD_RUN, ' ').trim()
}

/** The distinct words of a normalised text, in first-seen order. */
export function wordsOf(normalised: string): string[] {
  if (normalised === '') return []
  const all = normalised.split(' ')
  if (all.length < 2) return all
  const out: string[] = []
  for (const w of all) if (!out.includes(w)) out.push(w)
  return out
}

export interface NluIntent {
  readonly name: string
  /** The name normalised like any text: "order-status" reads as the words "order status". */
  readonly words: string
  /** Declared in the flow's `intents` (false: only named by an intent state's intent_patterns). */
  readonly declared: boolean
  regexes: readonly RegExp[]
}

/** A set of intents an intent state recognises: indices in declaration order, plus a mask. */
export interface IntentCandidates {
  readonly indices: readonly number[]
  readonly mask: Uint8Array
}

export interface Classification {
  /** Index of the best candidate, -1 when there is none. */
  index: number
  score: number
}

export class IntentModel {
  readonly intents: NluIntent[] = []
  private readonly byName = new Map<string, number>()
  private readonly exact = new Map<string, number[]>()
  private readonly postings = new Map<string, number[]>()
  private readonly singleNames = new Map<string, number[]>()
  private readonly multiNames: number[] = []
  private readonly regexIntents: number[] = []
  private exampleIntent: number[] = []
  private exampleSize: number[] = []
  private declaredIndices: number[] = []
  // Scratch buffers: classification is synchronous, so one set per flow is enough and a
  // classification allocates nothing.
  private scores = new Float64Array(0)
  private inter = new Int32Array(0)
  private readonly touched: number[] = []
  private allCandidates: IntentCandidates | null = null
  private declaredNameList: string[] | null = null

  constructor(intents: Record<string, unknown> | undefined) {
    if (intents === undefined || intents === null) return
    for (const name of Object.keys(intents)) {
      const examples = intents[name]
      if (!Array.isArray(examples)) throw new FlowIssue(['intents', name], 'an intent needs a list of example phrases')
      const index = this.add(name, true)
      const regexes: RegExp[] = []
      examples.forEach((ex, i) => {
        if (typeof ex !== 'string') throw new FlowIssue(['intents', name, i], 'an example must be a string')
        if (isSlashedPattern(ex)) {
          try {
            regexes.push(compilePattern(ex))
          } catch (err) {
            throw new FlowIssue(['intents', name, i], (err as Error).message)
          }
          return
        }
        const norm = normalise(ex)
        // An example with no words cannot equal or overlap anything meaningful.
        if (norm === '') return
        const list = this.exact.get(norm)
        if (list === undefined) this.exact.set(norm, [index])
        else if (!list.includes(index)) list.push(index)
        const words = wordsOf(norm)
        const exampleId = this.exampleIntent.length
        this.exampleIntent.push(index)
        this.exampleSize.push(words.length)
        for (const w of words) {
          const p = this.postings.get(w)
          if (p === undefined) this.postings.set(w, [exampleId])
          else p.push(exampleId)
        }
      })
      if (regexes.length > 0) {
        this.intents[index]!.regexes = regexes
        this.regexIntents.push(index)
      }
    }
    this.inter = new Int32Array(this.exampleIntent.length)
  }

  /** Index of an intent; names an intent state mentions but the flow does not declare are added. */
  indexOf(name: string): number {
    return this.byName.get(name) ?? this.add(name, false)
  }

  has(name: string): boolean {
    return this.byName.has(name)
  }

  /** Index of an intent, -1 when unknown (never adds). */
  lookup(name: string): number {
    return this.byName.get(name) ?? -1
  }

  /** The flow's intents in declaration order (handed to NLU plugins). */
  declaredNames(): string[] {
    return (this.declaredNameList ??= this.declaredIndices.map((i) => this.intents[i]!.name))
  }

  private add(name: string, declared: boolean): number {
    const index = this.intents.length
    const words = normalise(name)
    this.intents.push({ name, words, declared, regexes: [] })
    this.byName.set(name, index)
    if (declared) this.declaredIndices.push(index)
    if (words !== '') {
      if (words.includes(' ')) this.multiNames.push(index)
      else {
        const list = this.singleNames.get(words)
        if (list === undefined) this.singleNames.set(words, [index])
        else list.push(index)
      }
    }
    this.scores = new Float64Array(this.intents.length)
    // Only the constructor declares intents, so all() stays valid (and keeps its identity,
    // which tells an unrestricted intent state) when states name undeclared ones later.
    if (declared) this.allCandidates = null
    return index
  }

  /** Every declared intent (what `intent_match` classifies over on demand). */
  all(): IntentCandidates {
    if (this.allCandidates === null) this.allCandidates = this.candidates(this.declaredIndices)
    return this.allCandidates
  }

  candidates(indices: readonly number[]): IntentCandidates {
    const sorted = [...new Set(indices)].sort((a, b) => a - b)
    const mask = new Uint8Array(Math.max(this.intents.length, 1))
    for (const i of sorted) mask[i] = 1
    return { indices: sorted, mask }
  }

  /**
   * Scores every candidate (into the scratch buffer) and returns the best; ties go to the
   * intent declared first. `original` is the raw text (regex examples run on it).
   */
  classify(original: string, norm: string, words: readonly string[], cand: IntentCandidates): Classification {
    const scores = this.scores
    const mask = cand.mask
    const indices = cand.indices
    for (let k = 0; k < indices.length; k++) scores[indices[k]!] = 0

    const exact = this.exact.get(norm)
    if (exact !== undefined) for (const i of exact) if (mask[i] === 1) scores[i] = 1

    for (let k = 0; k < words.length; k++) {
      const named = this.singleNames.get(words[k]!)
      if (named !== undefined) for (const i of named) if (mask[i] === 1 && scores[i]! < 0.8) scores[i] = 0.8
    }
    if (this.multiNames.length > 0) {
      const padded = ` ${norm} `
      for (const i of this.multiNames) {
        if (mask[i] === 1 && scores[i]! < 0.8 && padded.includes(` ${this.intents[i]!.words} `)) scores[i] = 0.8
      }
    }
    for (const i of this.regexIntents) {
      if (mask[i] !== 1 || scores[i]! >= 0.9) continue
      for (const re of this.intents[i]!.regexes) {
        if (re.test(original)) {
          scores[i] = 0.9
          break
        }
      }
    }

    // Jaccard through an inverted index: only examples sharing a word with the input are touched.
    const inter = this.inter
    const touched = this.touched
    for (let k = 0; k < words.length; k++) {
      const posting = this.postings.get(words[k]!)
      if (posting === undefined) continue
      for (const ex of posting) {
        if (mask[this.exampleIntent[ex]!] !== 1) continue
        if (inter[ex]++ === 0) touched.push(ex)
      }
    }
    const n = words.length
    for (let k = 0; k < touched.length; k++) {
      const ex = touched[k]!
      const i = this.exampleIntent[ex]!
      const common = inter[ex]!
      inter[ex] = 0
      // 0.8 × |A∩B| / |A∪B| as one division, so 0.8 × 7/8 is exactly 0.7 (threshold ties pass).
      const s = (4 * common) / (5 * (n + this.exampleSize[ex]! - common))
      if (s > scores[i]!) scores[i] = s
    }
    touched.length = 0

    let best = -1
    let bestScore = 0
    for (let k = 0; k < indices.length; k++) {
      const i = indices[k]!
      if (best === -1 || scores[i]! > bestScore) {
        best = i
        bestScore = scores[i]!
      }
    }
    return { index: best, score: bestScore }
  }

  /** The scores of the last classification, by intent name (for the NLU view). */
  scoresOf(cand: IntentCandidates): Record<string, number> {
    const out: Record<string, number> = {}
    for (const i of cand.indices) out[this.intents[i]!.name] = this.scores[i]!
    return out
  }
}
