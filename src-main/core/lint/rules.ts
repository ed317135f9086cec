// The lint rules: static checks of a flow beyond what the loader rejects. Each rule reads the
// raw document defensively (it may also break the schema) and returns issues with JSON paths.
import {
  ACTION_TYPES,
  STATE_CONFIG_SCHEMAS,
  STATE_TYPES,
  FlowSchema,
  SettingsSchema,
  StateSchema,
  TransitionSchema,
  ActionSchema,
  WorkflowTaskSchema,
  type StateType,
} from '../../common/flow-schema'
import type { PathSegment } from '../document/parse'
import { asArray, asRecord, asString, closest, forEachCondition, statesOf, type Json } from '../flow/checks'
import { issue, type FlowIssue, type Severity } from '../flow/issues'
import { CONTEXT_ROOTS, templatePaths } from '../flow/templates'

export interface LintRule {
  id: string
  severity: Severity
  /** One line: what the rule catches (also in docs/lint-rules.md). */
  description: string
  check(doc: unknown): FlowIssue[]
}

const DEFAULT_PRIORITY = 100

/** A state's transitions in evaluation order: priority (lower first), then declaration order. */
function orderedTransitions(state: Json): Array<{ t: Json; index: number; priority: number }> {
  return asArray(state.transitions)
    .map((t, index) => ({ t: asRecord(t) ?? {}, index, priority: typeof asRecord(t)?.priority === 'number' ? (asRecord(t)!.priority as number) : DEFAULT_PRIORITY }))
    .sort((a, b) => a.priority - b.priority || a.index - b.index)
}

export const unreachableState: LintRule = {
  id: 'unreachable-state',
  severity: 'warning',
  description: 'a state that no path of transitions from initial_state reaches',
  check(doc) {
    const root = asRecord(doc)
    const states = asRecord(root?.states)
    const initial = asString(root?.initial_state)
    // With no valid start every state would be "unreachable": unknown-target already says why.
    if (!states || !initial || !Object.prototype.hasOwnProperty.call(states, initial)) return []
    const reached = new Set([initial])
    const queue = [initial]
    while (queue.length) {
      const state = asRecord(states[queue.shift()!])
      for (const t of asArray(state?.transitions)) {
        const target = asString(asRecord(t)?.target_state)
        if (target && !reached.has(target) && Object.prototype.hasOwnProperty.call(states, target)) {
          reached.add(target)
          queue.push(target)
        }
      }
    }
    return Object.keys(states)
      .filter((name) => !reached.has(name))
      .map((name) => issue(this.id, this.severity, ['states', name], `state "${name}" is unreachable: no transition path from initial_state "${initial}" leads to it`))
  },
}

export const missingFallback: LintRule = {
  id: 'missing-fallback',
  severity: 'warning',
  description: 'an intent state with no fallback or always transition',
  check(doc) {
    return statesOf(doc)
      .filter(([, s]) => s.type === 'intent')
      .filter(([, s]) => !asArray(s.transitions).some((t) => ['fallback', 'always'].includes(String(asRecord(t)?.condition))))
      .map(([name, s]) => issue(this.id, this.severity, s.transitions !== undefined ? ['states', name, 'transitions'] : ['states', name],
        `intent state "${name}" has no fallback or always transition: an input that matches no intent ends the turn with no_transition`))
  },
}

/** Every template string of a flow with its path: messages, prompts, actions, mappings, operands, task params. */
export function forEachTemplate(doc: unknown, visit: (template: string, path: PathSegment[]) => void): void {
  const strings = (value: unknown, path: PathSegment[]) => {
    if (typeof value === 'string') visit(value, path)
    else if (Array.isArray(value)) value.forEach((v, i) => strings(v, [...path, i]))
    else if (asRecord(value)) for (const [k, v] of Object.entries(value as Json)) strings(v, [...path, k])
  }
  const operands = (condition: Json, path: PathSegment[]) => {
    strings(condition.left, [...path, 'left'])
    // The right operand of `matches` is a regex, where braces are quantifiers, not placeholders.
    if (condition.operator !== 'matches') strings(condition.right, [...path, 'right'])
  }
  for (const [name, state] of statesOf(doc)) {
    const base: PathSegment[] = ['states', name]
    const config = asRecord(state.config)
    if (config) {
      strings(config.response_templates, [...base, 'config', 'response_templates'])
      strings(config.prompts, [...base, 'config', 'prompts'])
      strings(config.request_mapping, [...base, 'config', 'request_mapping'])
      asArray(config.conditions).forEach((c, i) => { const cond = asRecord(c); if (cond) operands(cond, [...base, 'config', 'conditions', i]) })
      asArray(config.tasks).forEach((t, i) => strings(asRecord(t)?.params, [...base, 'config', 'tasks', i, 'params']))
    }
    asArray(state.actions).forEach((a, i) => {
      const action = asRecord(a)
      if (!action) return
      strings(action.text, [...base, 'actions', i, 'text'])
      strings(action.value, [...base, 'actions', i, 'value'])
    })
    asArray(state.transitions).forEach((t, i) => {
      const transition = asRecord(t)
      if (transition?.condition === 'expression') forEachCondition(transition.condition_value, [...base, 'transitions', i, 'condition_value'], operands)
    })
  }
}

/** The slots and variables a flow sets anywhere (spec/cli.md, undefined-variable). */
export function namesSetByFlow(doc: unknown): { slots: Set<string>; variables: Set<string> } {
  const slots = new Set<string>()
  const variables = new Set<string>()
  // Entities fill the slots named like them, so an entity name is a slot the flow can set.
  for (const entity of Object.keys(asRecord(asRecord(doc)?.entities) ?? {})) slots.add(entity)
  for (const [, state] of statesOf(doc)) {
    const config = asRecord(state.config)
    if (state.type === 'slot_filling') {
      for (const s of [...asArray(config?.required_slots), ...asArray(config?.optional_slots)]) if (typeof s === 'string') slots.add(s)
    }
    for (const v of Object.keys(asRecord(config?.response_mapping) ?? {})) variables.add(v)
    for (const a of asArray(state.actions)) {
      const action = asRecord(a)
      const name = asString(action?.name)
      if (!name) continue
      if (action!.type === 'set_slot') slots.add(name)
      if (action!.type === 'set_variable') variables.add(name)
    }
  }
  return { slots, variables }
}

export const undefinedVariable: LintRule = {
  id: 'undefined-variable',
  severity: 'warning',
  description: 'a template names a slot or variable that nothing in the flow sets',
  check(doc) {
    const { slots, variables } = namesSetByFlow(doc)
    // A condition state sets condition_result (spec/flow-format.md), so a template may name it.
    const setsConditionResult = statesOf(doc).some(([, s]) => s.type === 'condition')
    const out: FlowIssue[] = []
    forEachTemplate(doc, (template, path) => {
      for (const ref of templatePaths(template)) {
        const [head, second] = ref.split('.')
        let message: string | undefined
        if (head === 'slots' && second !== undefined && !slots.has(second)) {
          message = `{${ref}} names slot "${second}", which no state or action of this flow sets${hint(second, slots)}`
        } else if (head === 'variables' && second !== undefined && !variables.has(second)) {
          message = `{${ref}} names variable "${second}", which no mapping or action of this flow sets${hint(second, variables)}`
        } else if (!CONTEXT_ROOTS.has(head!) && !slots.has(head!) && !variables.has(head!) && !(head === 'condition_result' && setsConditionResult)) {
          message = `{${ref}} names "${head}", which is no context path and no slot or variable this flow sets (it renders empty unless user_profile has it)${hint(head!, new Set([...slots, ...variables]))}`
        }
        if (message) out.push(issue(this.id, this.severity, path, message))
      }
    })
    return out
  },
}

function hint(name: string, known: Set<string>): string {
  const near = closest(name, [...known])
  return near ? ` (did you mean "${near}"?)` : ''
}

/** Conditions that hold on every event, and those that need a user message. */
const ALWAYS_TRUE = new Set(['always', 'fallback'])
const NEEDS_MESSAGE = new Set(['any_input', 'intent_match', 'entity_present'])

/** A JSON value written the same way whatever its key order (to compare condition values). */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`
  const r = asRecord(v)
  if (r) return `{${Object.keys(r).sort().map((k) => `${JSON.stringify(k)}:${canonical(r[k])}`).join(',')}}`
  return JSON.stringify(v) ?? 'undefined'
}

function describeTransition(index: number, t: Json, priority: number): string {
  const value = t.condition_value === undefined ? '' : ` ${Array.isArray(t.condition_value) ? t.condition_value.join(', ') : typeof t.condition_value === 'object' ? canonical(t.condition_value) : String(t.condition_value)}`
  return `transitions[${index}] (${String(t.condition)}${value}, priority ${priority})`
}

const SHADOW_FIX = 'give this transition a lower priority number than that one, or remove it'

export const shadowedTransition: LintRule = {
  id: 'shadowed-transition',
  severity: 'warning',
  description: 'a transition that can never be taken because an earlier one (by priority, then order) always wins',
  check(doc) {
    const out: FlowIssue[] = []
    for (const [name, state] of statesOf(doc)) {
      // A slot_filling state with max_attempts holds its fallback back while a required slot is missing.
      const heldFallback = state.type === 'slot_filling' && asRecord(state.config)?.max_attempts !== undefined
      let always: { index: number; t: Json; priority: number } | undefined
      let anyInput: { index: number; t: Json; priority: number } | undefined
      const earlier: Array<{ index: number; t: Json; priority: number; key: string }> = []
      /** Intents an earlier intent_match already takes, with the transition that takes each. */
      const intents = new Map<string, { index: number; t: Json; priority: number }>()
      for (const { t, index, priority } of orderedTransitions(state)) {
        const condition = String(t.condition)
        const path: PathSegment[] = ['states', name, 'transitions', index]
        const key = `${condition} ${canonical(t.condition_value)}`
        const here = describeTransition(index, t, priority)
        const same = earlier.find((e) => e.key === key)
        const names = condition === 'intent_match' ? (Array.isArray(t.condition_value) ? t.condition_value : [t.condition_value]).filter((v): v is string => typeof v === 'string') : []
        if (always) {
          out.push(issue(this.id, this.severity, path,
            `never taken: transitions[${always.index}] (${String(always.t.condition)}, priority ${always.priority}) is always true and is evaluated first; ${SHADOW_FIX}`, 'value'))
        } else if (anyInput && NEEDS_MESSAGE.has(condition)) {
          out.push(issue(this.id, this.severity, path,
            `never taken: transitions[${anyInput.index}] (any_input, priority ${anyInput.priority}) is true for every message and is evaluated first; ${SHADOW_FIX}`, 'value'))
        } else if (same) {
          out.push(issue(this.id, this.severity, path,
            `never taken: ${describeTransition(same.index, same.t, same.priority)} has the same condition and is evaluated first, so ${here} never fires; remove the duplicate or change its condition`, 'value'))
        } else if (names.length && names.every((n) => intents.has(n))) {
          const by = [...new Set(names.map((n) => intents.get(n)!))]
          out.push(issue(this.id, this.severity, path,
            `never taken: ${names.length === 1 ? `intent "${names[0]}" is` : `intents ${names.map((n) => `"${n}"`).join(', ')} are`} already matched by ${by.map((b) => describeTransition(b.index, b.t, b.priority)).join(' and ')}, evaluated first; ${SHADOW_FIX}`, 'value'))
        }
        if (ALWAYS_TRUE.has(condition) && !(condition === 'fallback' && heldFallback)) always ??= { index, t, priority }
        else if (condition === 'any_input') anyInput ??= { index, t, priority }
        for (const n of names) if (!intents.has(n)) intents.set(n, { index, t, priority })
        earlier.push({ index, t, priority, key })
      }
    }
    return out
  },
}

/** Whether intents come from somewhere lint cannot see (an NLU plugin). */
function usesNluPlugin(doc: unknown): boolean {
  return typeof asRecord(asRecord(doc)?.settings)?.nlu === 'string'
}

export const unknownIntent: LintRule = {
  id: 'unknown-intent',
  severity: 'warning',
  description: 'intent_match or intent_patterns names an intent the flow does not declare (built-in NLU only)',
  check(doc) {
    const intents = asRecord(asRecord(doc)?.intents)
    if (!intents || !Object.keys(intents).length || usesNluPlugin(doc)) return []
    const known = Object.keys(intents)
    const out: FlowIssue[] = []
    const check = (value: unknown, path: PathSegment[], anchor: 'key' | 'value') => {
      if (typeof value === 'string' && !Object.prototype.hasOwnProperty.call(intents, value)) {
        const near = closest(value, known)
        out.push(issue(this.id, this.severity, path, `unknown intent "${value}": the flow declares ${known.join(', ')}${near ? ` (did you mean "${near}"?)` : ''}`, anchor))
      }
    }
    for (const [name, state] of statesOf(doc)) {
      asArray(asRecord(state.config)?.intent_patterns).forEach((p, i) => check(p, ['states', name, 'config', 'intent_patterns', i], 'value'))
      asArray(state.transitions).forEach((t, i) => {
        const transition = asRecord(t)
        if (transition?.condition !== 'intent_match') return
        const value = transition.condition_value
        const path: PathSegment[] = ['states', name, 'transitions', i, 'condition_value']
        if (Array.isArray(value)) value.forEach((v, j) => check(v, [...path, j], 'value'))
        else check(value, path, 'key')
      })
    }
    return out
  },
}

export const impossibleIntent: LintRule = {
  id: 'impossible-intent',
  severity: 'warning',
  description: 'an intent_match naming an intent the state can never produce (not in its intent_patterns, or no intents to classify)',
  check(doc) {
    const root = asRecord(doc)
    const intents = asRecord(root?.intents)
    const declared = intents ? Object.keys(intents) : []
    const plugin = usesNluPlugin(doc)
    const out: FlowIssue[] = []
    for (const [name, state] of statesOf(doc)) {
      const patterns = state.type === 'intent' && Array.isArray(asRecord(state.config)?.intent_patterns)
        ? asArray(asRecord(state.config)!.intent_patterns).filter((p): p is string => typeof p === 'string')
        : undefined
      asArray(state.transitions).forEach((t, i) => {
        const transition = asRecord(t)
        if (transition?.condition !== 'intent_match') return
        const value = transition.condition_value
        const base: PathSegment[] = ['states', name, 'transitions', i, 'condition_value']
        const entries: Array<[string, PathSegment[]]> = Array.isArray(value)
          ? value.map((v, j): [unknown, PathSegment[]] => [v, [...base, j]]).filter((e): e is [string, PathSegment[]] => typeof e[0] === 'string')
          : typeof value === 'string' ? [[value, base]] : []
        for (const [intent, path] of entries) {
          if (patterns) {
            // The state classifies over its intent_patterns only (any NLU: the patterns still restrict it).
            if (!patterns.includes(intent)) {
              out.push(issue(this.id, this.severity, path,
                `intent "${intent}" can never match here: intent state "${name}" only recognises ${patterns.length ? patterns.join(', ') : 'no intents'} (its intent_patterns); add "${intent}" to intent_patterns or remove this transition`))
            }
          } else if (!plugin && !declared.length) {
            out.push(issue(this.id, this.severity, path,
              `intent "${intent}" can never match: the flow declares no intents and names no NLU plugin, so the built-in NLU never produces one; add "${intent}" with example phrases under intents`))
          }
        }
      })
    }
    return out
  },
}

export const unknownEntity: LintRule = {
  id: 'unknown-entity',
  severity: 'warning',
  description: 'entity_present or a slot validation names an entity the flow does not declare (built-in NLU only)',
  check(doc) {
    if (usesNluPlugin(doc)) return []
    const entities = asRecord(asRecord(doc)?.entities) ?? {}
    const known = Object.keys(entities)
    const out: FlowIssue[] = []
    const check = (value: unknown, path: PathSegment[]) => {
      if (typeof value === 'string' && !Object.prototype.hasOwnProperty.call(entities, value)) {
        const near = closest(value, known)
        out.push(issue(this.id, this.severity, path, `unknown entity "${value}": ${known.length ? `the flow declares ${known.join(', ')}` : 'the flow declares no entities'}${near ? ` (did you mean "${near}"?)` : ''}`))
      }
    }
    for (const [name, state] of statesOf(doc)) {
      for (const [slot, rule] of Object.entries(asRecord(asRecord(state.config)?.validation) ?? {})) {
        check(asRecord(rule)?.entity, ['states', name, 'config', 'validation', slot, 'entity'])
      }
      asArray(state.transitions).forEach((t, i) => {
        const transition = asRecord(t)
        if (transition?.condition === 'entity_present') check(transition.condition_value, ['states', name, 'transitions', i, 'condition_value'])
      })
    }
    return out
  },
}

export const missingPrompt: LintRule = {
  id: 'missing-prompt',
  severity: 'warning',
  description: 'a required slot of a slot_filling state has no prompt, so the state waits without asking',
  check(doc) {
    const out: FlowIssue[] = []
    for (const [name, state] of statesOf(doc)) {
      if (state.type !== 'slot_filling') continue
      const config = asRecord(state.config)
      const prompts = asRecord(config?.prompts) ?? {}
      asArray(config?.required_slots).forEach((slot, i) => {
        if (typeof slot === 'string' && !Object.prototype.hasOwnProperty.call(prompts, slot)) {
          out.push(issue(this.id, this.severity, ['states', name, 'config', 'required_slots', i], `required slot "${slot}" has no prompt in prompts`, 'value'))
        }
      })
    }
    return out
  },
}

export const missingTimeout: LintRule = {
  id: 'missing-timeout',
  severity: 'warning',
  description: 'a timeout transition in a state without timeout_seconds, which therefore never fires',
  check(doc) {
    const out: FlowIssue[] = []
    for (const [name, state] of statesOf(doc)) {
      if (typeof state.timeout_seconds === 'number') continue
      asArray(state.transitions).forEach((t, i) => {
        if (asRecord(t)?.condition === 'timeout') {
          out.push(issue(this.id, this.severity, ['states', name, 'transitions', i, 'condition'], `timeout transition never fires: state "${name}" sets no timeout_seconds`))
        }
      })
    }
    return out
  },
}

const PASS_THROUGH: ReadonlySet<string> = new Set(['intent', 'integration', 'condition', 'workflow'])

export const noTransitions: LintRule = {
  id: 'no-transitions',
  severity: 'warning',
  description: 'a pass-through state (intent, integration, condition, workflow) with no transitions: every turn there ends in no_transition',
  check(doc) {
    return statesOf(doc)
      .filter(([, s]) => PASS_THROUGH.has(String(s.type)) && !asArray(s.transitions).length)
      .map(([name, s]) => issue(this.id, this.severity, ['states', name, 'type'],
        `${String(s.type)} state "${name}" has no transitions: it cannot move on, so every turn that reaches it ends with no_transition`))
  },
}

/** The keys a schema object declares (TypeBox objects keep them in `properties`). */
function declaredKeys(schema: unknown): string[] {
  return Object.keys(((schema as { properties?: object }).properties) ?? {})
}

export const unknownProperty: LintRule = {
  id: 'unknown-property',
  severity: 'warning',
  description: 'a key the flow format does not define (often a typo); keys starting with x- are left alone',
  check(doc) {
    const out: FlowIssue[] = []
    const check = (value: unknown, schema: unknown, path: PathSegment[]) => {
      const record = asRecord(value)
      if (!record) return
      const known = declaredKeys(schema)
      for (const key of Object.keys(record)) {
        if (known.includes(key) || key.startsWith('x-') || key.startsWith('x_')) continue
        const near = closest(key, known)
        out.push(issue(this.id, this.severity, [...path, key], `unknown key "${key}"${near ? ` (did you mean "${near}"?)` : ''}; it is ignored`))
      }
    }
    const root = asRecord(doc)
    if (!root) return []
    check(root, FlowSchema, [])
    check(root.settings, SettingsSchema, ['settings'])
    for (const [name, state] of statesOf(doc)) {
      const base: PathSegment[] = ['states', name]
      check(state, StateSchema, base)
      if ((STATE_TYPES as readonly string[]).includes(String(state.type))) {
        check(state.config, STATE_CONFIG_SCHEMAS[state.type as StateType], [...base, 'config'])
      }
      asArray(state.transitions).forEach((t, i) => check(t, TransitionSchema, [...base, 'transitions', i]))
      asArray(state.actions).forEach((a, i) => {
        if ((ACTION_TYPES as readonly string[]).includes(String(asRecord(a)?.type))) check(a, ActionSchema, [...base, 'actions', i])
      })
      if (state.type === 'workflow') asArray(asRecord(state.config)?.tasks).forEach((t, i) => check(t, WorkflowTaskSchema, [...base, 'config', 'tasks', i]))
    }
    return out
  },
}

export const unhandledIntegrationError: LintRule = {
  id: 'unhandled-integration-error',
  severity: 'warning',
  description: 'an integration state with no integration_error, fallback or always transition: a failed call ends the turn with integration_failed',
  check(doc) {
    return statesOf(doc)
      .filter(([, s]) => s.type === 'integration' && asArray(s.transitions).length > 0)
      .filter(([, s]) => !asArray(s.transitions).some((t) => ['integration_error', 'fallback', 'always'].includes(String(asRecord(t)?.condition))))
      .map(([name]) => issue(this.id, this.severity, ['states', name, 'transitions'],
        `integration state "${name}" does not handle failure: add an integration_error (or fallback) transition`))
  },
}

/** The warning rules, in the order docs/lint-rules.md lists them. */
export const LINT_RULES: readonly LintRule[] = [
  unreachableState,
  missingFallback,
  undefinedVariable,
  shadowedTransition,
  unknownIntent,
  impossibleIntent,
  unknownEntity,
  missingPrompt,
  missingTimeout,
  noTransitions,
  unhandledIntegrationError,
  unknownProperty,
]
