// What a flow looked like, compactly: a hash per state definition, the transition keys and one
// hash for everything outside `states` (intents, entities, settings, integrations). Two of them
// tell which states and transitions changed; runs keep them in their report, so `--changed`
// without a git ref can compare the flows with the ones the last run used.
import { hashString } from '../engine/random'
import { transitionKey } from '../engine'

export interface FlowFingerprint {
  /** Everything outside `states` (a change there can alter any state's behaviour). */
  flow: string
  /** State name → hash of its definition (type, config, actions, transitions, timeout). */
  states: Record<string, string>
  /** Transition keys, as coverage names them. */
  transitions: string[]
}

/** A JSON value written the same way whatever its key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`
  if (v !== null && typeof v === 'object') {
    const o = v as Record<string, unknown>
    return `{${Object.keys(o).sort().filter((k) => o[k] !== undefined).map((k) => `${JSON.stringify(k)}:${canonicalJson(o[k])}`).join(',')}}`
  }
  return JSON.stringify(v) ?? 'null'
}

const hash = (v: unknown) => hashString(canonicalJson(v)).toString(36)

/** The fingerprint of a parsed flow document (it need not be valid: whatever it holds is hashed). */
export function fingerprintFlow(doc: unknown): FlowFingerprint {
  const d = doc !== null && typeof doc === 'object' && !Array.isArray(doc) ? (doc as Record<string, unknown>) : {}
  const { states, name: _name, description: _description, version: _version, ...rest } = d
  const out: FlowFingerprint = { flow: hash(rest), states: {}, transitions: [] }
  const s = states !== null && typeof states === 'object' && !Array.isArray(states) ? (states as Record<string, unknown>) : {}
  const keys = new Set<string>()
  for (const name of Object.keys(s)) {
    const { description: _d, ...def } = (s[name] !== null && typeof s[name] === 'object' ? s[name] : {}) as Record<string, unknown>
    out.states[name] = hash(def)
    const transitions = Array.isArray(def.transitions) ? def.transitions : []
    for (const t of transitions) {
      if (t === null || typeof t !== 'object') continue
      const tr = t as Record<string, unknown>
      if (typeof tr.condition !== 'string' || typeof tr.target_state !== 'string') continue
      keys.add(transitionKey(name, tr as never))
    }
  }
  out.transitions = [...keys]
  return out
}

/** States and transitions changed from `before` to `after` (either may be missing: a new or deleted flow). */
export interface FlowChange {
  /** Everything changed (the flow is new or gone, or something outside `states` changed). */
  all: boolean
  /** Why everything changed, when it did. */
  why?: string
  states: string[]
  transitions: string[]
}

export function compareFingerprints(before: FlowFingerprint | undefined, after: FlowFingerprint | undefined): FlowChange {
  if (!before && !after) return { all: false, states: [], transitions: [] }
  if (!before) return { all: true, why: 'new flow', states: Object.keys(after!.states), transitions: after!.transitions }
  if (!after) return { all: true, why: 'flow removed', states: Object.keys(before.states), transitions: before.transitions }
  if (before.flow !== after.flow) {
    return { all: true, why: 'intents, entities, settings or integrations changed', states: [...new Set([...Object.keys(before.states), ...Object.keys(after.states)])], transitions: [...new Set([...before.transitions, ...after.transitions])] }
  }
  const states = new Set<string>()
  for (const name of new Set([...Object.keys(before.states), ...Object.keys(after.states)])) {
    if (before.states[name] !== after.states[name]) states.add(name)
  }
  const was = new Set(before.transitions)
  const now = new Set(after.transitions)
  const transitions = [...[...now].filter((t) => !was.has(t)), ...[...was].filter((t) => !now.has(t))]
  return { all: false, states: [...states], transitions }
}
