// The load-time checks a schema cannot express: every state reference resolves, workflow task
// graphs are acyclic and complete, and every regular expression compiles. They read the raw
// document defensively, so lint can run them on a flow that also breaks the schema.
import type { PathSegment } from '../document/parse'
import { issue, type FlowIssue } from './issues'
import { isRegexLiteral, regexProblem } from './regex'
import { isTemplate } from './templates'

export type Json = Record<string, unknown>

export const asRecord = (v: unknown): Json | undefined => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : undefined)
export const asArray = (v: unknown): unknown[] => (Array.isArray(v) ? v : [])
export const asString = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined)

/** Each state of the document with its name, in declaration order. */
export function statesOf(doc: unknown): Array<[string, Json]> {
  const states = asRecord(asRecord(doc)?.states)
  if (!states) return []
  return Object.entries(states).flatMap(([name, s]) => {
    const state = asRecord(s)
    return state ? [[name, state] as [string, Json]] : []
  })
}

/** Every load-time error of a flow document: unknown states, task graph problems, invalid regexes. */
export function checkFlowSemantics(doc: unknown): FlowIssue[] {
  return [...checkStateReferences(doc), ...checkWorkflows(doc), ...checkRegexes(doc)]
}

export function checkStateReferences(doc: unknown): FlowIssue[] {
  const root = asRecord(doc)
  const states = asRecord(root?.states)
  if (!root || !states) return []
  const known = (name: string) => Object.prototype.hasOwnProperty.call(states, name)
  const out: FlowIssue[] = []
  const initial = asString(root.initial_state)
  if (initial && !known(initial)) out.push(issue('unknown-target', 'error', ['initial_state'], unknownStateMessage(initial, states)))
  for (const [name, state] of statesOf(doc)) {
    asArray(state.transitions).forEach((t, i) => {
      const target = asString(asRecord(t)?.target_state)
      if (target && !known(target)) {
        out.push(issue('unknown-target', 'error', ['states', name, 'transitions', i, 'target_state'], unknownStateMessage(target, states)))
      }
    })
  }
  return out
}

function unknownStateMessage(name: string, states: Json): string {
  const suggestion = closest(name, Object.keys(states))
  return `unknown state ${JSON.stringify(name)}${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`
}

/** The candidate nearest to a misspelt name, when it is plausibly a typo. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  // Very short names are all "one edit apart": a suggestion would be noise.
  if (name.length < 3) return undefined
  let best: string | undefined
  let bestDistance = Infinity
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase())
    if (d < bestDistance) { best = c; bestDistance = d }
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)])
  for (let j = 1; j <= b.length; j++) d[0]![j] = j
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1
      let best = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost)
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) best = Math.min(best, d[i - 2]![j - 2]! + 1)
      d[i]![j] = best
    }
  }
  return d[a.length]![b.length]!
}

/** Task graphs: unique ids, known dependencies, no cycles (each reported once, naming its tasks). */
export function checkWorkflows(doc: unknown): FlowIssue[] {
  const out: FlowIssue[] = []
  for (const [name, state] of statesOf(doc)) {
    if (state.type !== 'workflow') continue
    const tasksPath: PathSegment[] = ['states', name, 'config', 'tasks']
    const tasks = asArray(asRecord(state.config)?.tasks).map((t) => asRecord(t))
    const index = new Map<string, number>()
    tasks.forEach((t, i) => {
      const id = asString(t?.id)
      if (id === undefined) return
      if (index.has(id)) out.push(issue('duplicate-task', 'error', [...tasksPath, i, 'id'], `task id "${id}" is already used by tasks[${index.get(id)}]`))
      else index.set(id, i)
    })
    const deps = tasks.map((t) => asArray(t?.depends_on))
    deps.forEach((list, i) => {
      const id = asString(tasks[i]?.id) ?? `#${i}`
      list.forEach((d, j) => {
        if (typeof d === 'string' && !index.has(d)) {
          const suggestion = closest(d, [...index.keys()])
          out.push(issue('unknown-dependency', 'error', [...tasksPath, i, 'depends_on', j],
            `task "${id}" depends on unknown task "${d}"${suggestion ? ` (did you mean "${suggestion}"?)` : ''}`, 'value'))
        }
      })
    })
    for (const cycle of findCycles(tasks.length, (i) => deps[i]!.flatMap((d) => (typeof d === 'string' && index.has(d) ? [index.get(d)!] : [])))) {
      const ids = cycle.map((i) => asString(tasks[i]?.id) ?? `#${i}`)
      const first = cycle[0]!
      out.push(issue('workflow-cycle', 'error', [...tasksPath, first, 'depends_on'],
        `workflow dependency cycle between tasks ${ids.map((t) => `"${t}"`).join(', ')}: ${[...ids, ids[0]].join(' -> ')}`))
    }
  }
  return out
}

/**
 * The cycles of a graph over nodes 0..n-1, each once, starting at its lowest node and written
 * in dependency order (a depends on b → a -> b). Strongly connected components (Tarjan) find
 * them in linear time; a component is reported as one cycle through its nodes.
 */
function findCycles(n: number, edges: (i: number) => number[]): number[][] {
  const indexOf = new Array<number>(n).fill(-1)
  const low = new Array<number>(n).fill(0)
  const onStack = new Array<boolean>(n).fill(false)
  const stack: number[] = []
  const components: number[][] = []
  let counter = 0
  const visit = (v: number) => {
    indexOf[v] = low[v] = counter++
    stack.push(v)
    onStack[v] = true
    for (const w of edges(v)) {
      if (indexOf[w] === -1) { visit(w); low[v] = Math.min(low[v]!, low[w]!) }
      else if (onStack[w]) low[v] = Math.min(low[v]!, indexOf[w]!)
    }
    if (low[v] === indexOf[v]) {
      const comp: number[] = []
      let w: number
      do { w = stack.pop()!; onStack[w] = false; comp.push(w) } while (w !== v)
      if (comp.length > 1 || edges(v).includes(v)) components.push(comp)
    }
  }
  for (let v = 0; v < n; v++) if (indexOf[v] === -1) visit(v)
  return components
    .map((comp) => orderCycle(Math.min(...comp), new Set(comp), edges))
    .sort((a, b) => a[0]! - b[0]!)
}

/** A walk from `start` through the component's nodes along dependency edges, back towards start. */
function orderCycle(start: number, members: Set<number>, edges: (i: number) => number[]): number[] {
  // Breadth-first search for the shortest path start -> … -> start inside the component.
  const prev = new Map<number, number>()
  const queue = [start]
  while (queue.length) {
    const v = queue.shift()!
    for (const w of edges(v)) {
      if (!members.has(w)) continue
      if (w === start) {
        const path = [v]
        for (let u = v; u !== start; ) { u = prev.get(u)!; path.push(u) }
        return path.reverse()
      }
      if (!prev.has(w)) { prev.set(w, v); queue.push(w) }
    }
  }
  return [start]
}

/** Every regular expression the flow carries must compile. */
export function checkRegexes(doc: unknown): FlowIssue[] {
  const root = asRecord(doc)
  if (!root) return []
  const out: FlowIssue[] = []
  const check = (text: unknown, path: PathSegment[], anchor: 'key' | 'value') => {
    if (typeof text !== 'string') return
    const problem = regexProblem(text)
    if (problem) out.push(issue('invalid-regex', 'error', path, problem, anchor))
  }
  for (const [intent, examples] of Object.entries(asRecord(root.intents) ?? {})) {
    asArray(examples).forEach((ex, i) => {
      if (typeof ex === 'string' && isRegexLiteral(ex)) check(ex, ['intents', intent, i], 'value')
    })
  }
  for (const [entity, spec] of Object.entries(asRecord(root.entities) ?? {})) {
    check(asRecord(spec)?.pattern, ['entities', entity, 'pattern'], 'key')
  }
  for (const [name, state] of statesOf(root)) {
    const config = asRecord(state.config)
    for (const [slot, rule] of Object.entries(asRecord(config?.validation) ?? {})) {
      check(asRecord(rule)?.pattern, ['states', name, 'config', 'validation', slot, 'pattern'], 'key')
    }
    if (state.type === 'condition') {
      asArray(config?.conditions).forEach((c, i) => checkMatchesOperand(c, ['states', name, 'config', 'conditions', i], check))
    }
    asArray(state.transitions).forEach((t, i) => {
      const transition = asRecord(t)
      if (transition?.condition === 'expression') {
        forEachCondition(transition.condition_value, ['states', name, 'transitions', i, 'condition_value'], (c, path) => checkMatchesOperand(c, path, check))
      }
    })
  }
  return out
}

function checkMatchesOperand(condition: unknown, path: PathSegment[], check: (text: unknown, path: PathSegment[], anchor: 'key' | 'value') => void): void {
  const c = asRecord(condition)
  // A template operand is only known at run time; a literal one can be checked now.
  if (c?.operator === 'matches' && typeof c.right === 'string' && !isTemplate(c.right)) check(c.right, [...path, 'right'], 'key')
}

/** Visits every Condition of an expression (`{all}` / `{any}` groups nest). */
export function forEachCondition(expr: unknown, path: PathSegment[], visit: (condition: Json, path: PathSegment[]) => void): void {
  const e = asRecord(expr)
  if (!e) return
  if (Array.isArray(e.all)) e.all.forEach((c, i) => forEachCondition(c, [...path, 'all', i], visit))
  else if (Array.isArray(e.any)) e.any.forEach((c, i) => forEachCondition(c, [...path, 'any', i], visit))
  else visit(e, path)
}
