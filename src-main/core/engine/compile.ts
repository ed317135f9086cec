// Compiles a flow document once: sorted transitions, NLU index, entity matchers, parsed
// templates and conditions, validated workflow graphs. Turns only read the result.
import type { FlowDocument, Transition, TransitionCondition, StateType, ActionType } from '../../common/flow-schema'
import { TRANSITION_CONDITIONS, STATE_TYPES, ACTION_TYPES } from '../../common/flow-vocabulary'
import { compileTemplate, compileValue, type CompiledTemplate, type CompiledValue } from './template'
import { compileComparison, compileExpression, RegexCache, type CompiledComparison, type CompiledExpression } from './condition'
import { IntentModel, type IntentCandidates } from './nlu'
import { compileEntities, type EntityMatcher } from './entities'
import { compilePattern } from './pattern'
import { FlowCompileError, FlowIssue, type IssuePath } from './issue'
import { isRecord } from '../../common/record'
import { memorySettings, type MemorySettings } from './memory'

export interface CompiledTransition {
  /** Position in the state's `transitions` as declared. */
  readonly index: number
  readonly condition: TransitionCondition
  readonly value: unknown
  readonly target: string
  readonly priority: number
  /** Coverage key: `from -> target [condition value]`. */
  readonly key: string
  /** intent_match: the intents that satisfy it. */
  readonly intents: readonly string[] | null
  /** entity_present / slot_filled: the name tested. */
  readonly name: string | null
  readonly expression: CompiledExpression | null
}

export interface CompiledAction {
  readonly type: ActionType
  readonly text: CompiledTemplate | null
  readonly name: string | null
  readonly value: CompiledValue | null
  readonly slots: readonly string[] | null
  readonly queue: CompiledTemplate | null
}

export interface ResponseVariant {
  readonly name: string
  readonly messages: readonly CompiledTemplate[]
}

export interface SlotValidation {
  readonly regex: RegExp | null
  readonly entity: string | null
}

export interface CompiledTask {
  readonly id: string
  readonly index: number
  readonly integrationId: string | null
  /** Indices of the tasks this one depends on. */
  readonly deps: readonly number[]
  readonly approval: boolean
  readonly params: CompiledValue | null
  readonly retries: number | undefined
  readonly timeoutMs: number | undefined
}

/** A response state's `generate`: which generator, the prompt template, the reply's deadline. */
export interface CompiledGenerate {
  readonly generator: string
  readonly prompt: CompiledTemplate
  readonly timeoutMs: number
}

/** Default deadline of a generated reply. */
export const GENERATE_TIMEOUT_MS = 30_000

/** One state, with every type's fields present (null/empty when not applicable) so all states share one shape. */
export interface CompiledState {
  readonly name: string
  readonly type: StateType
  /** Sorted: priority ascending, then declaration order. */
  readonly transitions: readonly CompiledTransition[]
  readonly hasAlways: boolean
  readonly hasTimeoutTransition: boolean
  readonly timeoutMs: number | null
  readonly actions: readonly CompiledAction[]
  // response, end
  readonly variants: readonly ResponseVariant[]
  readonly defaultMessages: readonly CompiledTemplate[] | null
  /** response: the streamed reply its `generate` asks for, after its templates' messages. */
  readonly generate: CompiledGenerate | null
  // intent
  readonly candidates: IntentCandidates | null
  readonly threshold: number
  // slot_filling
  readonly requiredSlots: readonly string[]
  readonly optionalSlots: readonly string[]
  readonly prompts: ReadonlyMap<string, readonly CompiledTemplate[]>
  readonly validation: ReadonlyMap<string, SlotValidation>
  readonly maxAttempts: number | null
  // integration
  readonly integrationId: string | null
  readonly endpoint: CompiledTemplate | null
  readonly method: string
  readonly requestMapping: CompiledValue | null
  readonly responseMapping: ReadonlyArray<readonly [string, readonly string[]]>
  readonly callTimeoutMs: number | undefined
  readonly callRetries: number | undefined
  // condition
  readonly conditions: readonly CompiledComparison[]
  readonly conditionMode: 'all' | 'any'
  // workflow
  readonly tasks: readonly CompiledTask[]
}

export interface CompiledFlow {
  readonly document: FlowDocument
  readonly name: string
  readonly version: string
  readonly initialState: CompiledState
  readonly states: ReadonlyMap<string, CompiledState>
  readonly threshold: number
  readonly maxSteps: number
  /** session_ttl_seconds in ms, or null. */
  readonly ttlMs: number | null
  /** `settings.memory`, or null: then the engine keeps no memory at all. */
  readonly memory: MemorySettings | null
  readonly nlu: IntentModel
  readonly entities: readonly EntityMatcher[]
  readonly entityNames: ReadonlySet<string>
  /** The flow's `integrations` section, per id (passed to providers as request config). */
  readonly integrations: Readonly<Record<string, Readonly<Record<string, unknown>>>>
  readonly regexes: RegexCache
  /** Declared transitions (deduplicated by key), for coverage totals. */
  readonly transitionList: ReadonlyArray<{ key: string; from: string; to: string }>
}

const CONDITION_SET: ReadonlySet<string> = new Set(TRANSITION_CONDITIONS)
const STATE_TYPE_SET: ReadonlySet<string> = new Set(STATE_TYPES)
const ACTION_SET: ReadonlySet<string> = new Set(ACTION_TYPES)

function formatConditionValue(value: unknown): string {
  if (value === undefined || value === null) return ''
  if (Array.isArray(value)) return value.map((v) => (typeof v === 'string' ? v : JSON.stringify(v))).join(',')
  if (typeof value === 'string') return value
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** `s -> t [condition]` or `s -> t [condition value]`; a list value is joined by commas. */
export function transitionKey(from: string, t: Pick<Transition, 'condition' | 'condition_value' | 'target_state'>): string {
  const v = formatConditionValue(t.condition_value)
  return `${from} -> ${t.target_state} [${t.condition}${v === '' ? '' : ` ${v}`}]`
}

/** The declared transitions of a flow, each once, in document order (for coverage totals). */
export function listTransitions(doc: FlowDocument): Array<{ key: string; from: string; to: string }> {
  const seen = new Set<string>()
  const out: Array<{ key: string; from: string; to: string }> = []
  const states = doc.states ?? {}
  for (const from of Object.keys(states)) {
    const transitions = states[from]?.transitions
    if (!Array.isArray(transitions)) continue
    for (const t of transitions) {
      if (t === null || typeof t !== 'object') continue
      const key = transitionKey(from, t)
      if (seen.has(key)) continue
      seen.add(key)
      out.push({ key, from, to: t.target_state })
    }
  }
  return out
}


function optionalNumber(v: unknown, path: IssuePath, what: string): number | undefined {
  if (v === undefined || v === null) return undefined
  if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new FlowIssue(path, `${what} must be a non-negative number`)
  return v
}

function templates(v: unknown, path: IssuePath): CompiledTemplate[] {
  if (typeof v === 'string') return [compileTemplate(v)]
  if (Array.isArray(v)) {
    return v.map((t, i) => {
      if (typeof t !== 'string') throw new FlowIssue([...path, i], 'a message template must be a string')
      return compileTemplate(t)
    })
  }
  throw new FlowIssue(path, 'expected a template or a list of templates')
}

function stringList(v: unknown, path: IssuePath): string[] {
  if (v === undefined || v === null) return []
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new FlowIssue(path, 'expected a list of names')
  return v as string[]
}

type StateDraft = { -readonly [K in keyof CompiledState]: CompiledState[K] }

function blankState(name: string, type: StateType, threshold: number): StateDraft {
  return {
    name,
    type,
    transitions: [],
    hasAlways: false,
    hasTimeoutTransition: false,
    timeoutMs: null,
    actions: [],
    variants: [],
    defaultMessages: null,
    generate: null,
    candidates: null,
    threshold,
    requiredSlots: [],
    optionalSlots: [],
    prompts: new Map(),
    validation: new Map(),
    maxAttempts: null,
    integrationId: null,
    endpoint: null,
    method: 'GET',
    requestMapping: null,
    responseMapping: [],
    callTimeoutMs: undefined,
    callRetries: undefined,
    conditions: [],
    conditionMode: 'all',
    tasks: [],
  }
}

function compileTransition(from: string, t: unknown, index: number, states: Record<string, unknown>, path: IssuePath): CompiledTransition {
  if (!isRecord(t)) throw new FlowIssue(path, 'a transition must be an object')
  const condition = t['condition']
  if (typeof condition !== 'string' || !CONDITION_SET.has(condition)) {
    throw new FlowIssue([...path, 'condition'], `unknown condition ${JSON.stringify(condition)} (expected one of ${TRANSITION_CONDITIONS.join(', ')})`)
  }
  const target = t['target_state']
  if (typeof target !== 'string' || !Object.prototype.hasOwnProperty.call(states, target)) {
    throw new FlowIssue([...path, 'target_state'], `unknown state ${JSON.stringify(target)}`)
  }
  const priority = t['priority'] === undefined || t['priority'] === null ? 100 : t['priority']
  if (typeof priority !== 'number' || !Number.isFinite(priority)) throw new FlowIssue([...path, 'priority'], 'priority must be a number')
  const value = t['condition_value']
  let intents: string[] | null = null
  let name: string | null = null
  let expression: CompiledExpression | null = null
  switch (condition as TransitionCondition) {
    case 'intent_match':
      if (typeof value === 'string') intents = [value]
      else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) intents = value as string[]
      else throw new FlowIssue([...path, 'condition_value'], 'intent_match needs an intent name or a list of names')
      break
    case 'entity_present':
    case 'slot_filled':
      if (typeof value !== 'string' || value === '') throw new FlowIssue([...path, 'condition_value'], `${condition} needs a name`)
      name = value
      break
    case 'expression':
      expression = compileExpression(value, [...path, 'condition_value'])
      break
    default:
      break
  }
  return {
    index,
    condition: condition as TransitionCondition,
    value,
    target,
    priority,
    key: transitionKey(from, { condition: condition as TransitionCondition, condition_value: value, target_state: target }),
    intents,
    name,
    expression,
  }
}

function compileAction(a: unknown, path: IssuePath): CompiledAction {
  if (!isRecord(a)) throw new FlowIssue(path, 'an action must be an object')
  const type = a['type']
  if (typeof type !== 'string' || !ACTION_SET.has(type)) throw new FlowIssue([...path, 'type'], `unknown action ${JSON.stringify(type)} (expected one of ${ACTION_TYPES.join(', ')})`)
  const name = typeof a['name'] === 'string' ? a['name'] : null
  if ((type === 'set_variable' || type === 'set_slot') && (name === null || name === '')) throw new FlowIssue([...path, 'name'], `${type} needs a name`)
  if (type === 'send_message' && typeof a['text'] !== 'string') throw new FlowIssue([...path, 'text'], 'send_message needs a text')
  return {
    type: type as ActionType,
    text: typeof a['text'] === 'string' ? compileTemplate(a['text']) : null,
    name,
    value: 'value' in a ? compileValue(a['value']) : null,
    slots: a['slots'] === undefined ? null : stringList(a['slots'], [...path, 'slots']),
    queue: typeof a['queue'] === 'string' ? compileTemplate(a['queue']) : null,
  }
}

function compileVariants(s: StateDraft, responseTemplates: unknown, path: IssuePath): void {
  if (responseTemplates === undefined || responseTemplates === null) return
  if (!isRecord(responseTemplates)) throw new FlowIssue(path, 'response_templates must map variant names to templates')
  const variants: ResponseVariant[] = []
  for (const key of Object.keys(responseTemplates)) {
    const messages = templates(responseTemplates[key], [...path, key])
    if (key === 'default') s.defaultMessages = messages
    else variants.push({ name: key, messages })
  }
  s.variants = variants
}

function compileGenerate(g: unknown, path: IssuePath): CompiledGenerate {
  if (!isRecord(g)) throw new FlowIssue(path, 'generate must be {generator, prompt?, timeout_ms?}')
  const generator = g['generator']
  if (typeof generator !== 'string' || generator === '') throw new FlowIssue([...path, 'generator'], 'generate needs the name of a generator (a plugin declares it under flowbench.generators)')
  const prompt = g['prompt'] ?? ''
  if (typeof prompt !== 'string') throw new FlowIssue([...path, 'prompt'], 'generate.prompt must be a template string')
  const timeout = optionalNumber(g['timeout_ms'], [...path, 'timeout_ms'], 'timeout_ms')
  return { generator, prompt: compileTemplate(prompt), timeoutMs: timeout === undefined || timeout === 0 ? GENERATE_TIMEOUT_MS : timeout }
}

function compileTasks(tasks: unknown, path: IssuePath): CompiledTask[] {
  if (!Array.isArray(tasks)) throw new FlowIssue(path, 'a workflow needs a list of tasks')
  const ids = new Map<string, number>()
  tasks.forEach((t, i) => {
    if (!isRecord(t) || typeof t['id'] !== 'string' || t['id'] === '') throw new FlowIssue([...path, i], 'a task needs an id')
    if (ids.has(t['id'])) throw new FlowIssue([...path, i, 'id'], `duplicate task id "${t['id']}"`)
    ids.set(t['id'], i)
  })
  const compiled = tasks.map((raw, i): CompiledTask => {
    const t = raw as Record<string, unknown>
    const id = t['id'] as string
    const deps = stringList(t['depends_on'], [...path, i, 'depends_on']).map((d, j) => {
      const index = ids.get(d)
      if (index === undefined) throw new FlowIssue([...path, i, 'depends_on', j], `task "${id}" depends on unknown task "${d}"`)
      return index
    })
    const integrationId = t['integration_id']
    if (integrationId !== undefined && (typeof integrationId !== 'string' || integrationId === '')) throw new FlowIssue([...path, i, 'integration_id'], 'integration_id must be a name')
    const retries = optionalNumber(t['retries'], [...path, i, 'retries'], 'retries')
    return {
      id,
      index: i,
      integrationId: (integrationId as string | undefined) ?? null,
      deps,
      approval: t['approval'] === true,
      params: t['params'] === undefined ? null : compileValue(t['params']),
      retries: retries === undefined ? undefined : Math.floor(retries),
      timeoutMs: optionalNumber(t['timeout_ms'], [...path, i, 'timeout_ms'], 'timeout_ms'),
    }
  })
  // Cycle check (depth-first, colouring): names the tasks on the cycle.
  const colour = new Uint8Array(compiled.length)
  const stack: number[] = []
  const visit = (i: number): void => {
    colour[i] = 1
    stack.push(i)
    for (const d of compiled[i]!.deps) {
      if (colour[d] === 1) {
        const cycle = stack.slice(stack.indexOf(d)).map((k) => compiled[k]!.id)
        throw new FlowIssue([...path, i, 'depends_on'], `dependency cycle between tasks ${[...cycle, compiled[d]!.id].join(' -> ')}`)
      }
      if (colour[d] === 0) visit(d)
    }
    stack.pop()
    colour[i] = 2
  }
  for (let i = 0; i < compiled.length; i++) if (colour[i] === 0) visit(i)
  return compiled
}

function compileState(name: string, raw: unknown, doc: FlowDocument, nlu: IntentModel, flowThreshold: number, issues: Array<{ path: IssuePath; message: string }>): CompiledState | null {
  const path = ['states', name]
  if (!isRecord(raw)) {
    issues.push({ path, message: 'a state must be an object' })
    return null
  }
  const type = raw['type']
  if (typeof type !== 'string' || !STATE_TYPE_SET.has(type)) {
    issues.push({ path: [...path, 'type'], message: `unknown state type ${JSON.stringify(type)} (expected one of ${STATE_TYPES.join(', ')})` })
    return null
  }
  const s = blankState(name, type as StateType, flowThreshold)
  const guard = (fn: () => void): void => {
    try {
      fn()
    } catch (err) {
      if (err instanceof FlowIssue) issues.push({ path: err.path, message: err.message })
      else throw err
    }
  }
  const config = isRecord(raw['config']) ? raw['config'] : {}
  const cpath = [...path, 'config']

  guard(() => {
    const list = raw['transitions']
    if (list === undefined || list === null) return
    if (!Array.isArray(list)) throw new FlowIssue([...path, 'transitions'], 'transitions must be a list')
    const compiled: CompiledTransition[] = []
    list.forEach((t, i) => guard(() => compiled.push(compileTransition(name, t, i, doc.states as Record<string, unknown>, [...path, 'transitions', i]))))
    // Stable: equal priorities keep declaration order.
    compiled.sort((a, b) => a.priority - b.priority || a.index - b.index)
    s.transitions = compiled
    s.hasAlways = compiled.some((t) => t.condition === 'always')
    s.hasTimeoutTransition = compiled.some((t) => t.condition === 'timeout')
  })
  guard(() => {
    const secs = optionalNumber(raw['timeout_seconds'], [...path, 'timeout_seconds'], 'timeout_seconds')
    s.timeoutMs = secs === undefined ? null : secs * 1000
  })
  guard(() => {
    const list = raw['actions']
    if (list === undefined || list === null) return
    if (!Array.isArray(list)) throw new FlowIssue([...path, 'actions'], 'actions must be a list')
    const actions: CompiledAction[] = []
    list.forEach((a, i) => guard(() => actions.push(compileAction(a, [...path, 'actions', i]))))
    s.actions = actions
  })

  guard(() => {
    switch (s.type) {
      case 'response':
        if (config['generate'] !== undefined && config['generate'] !== null) s.generate = compileGenerate(config['generate'], [...cpath, 'generate'])
        if (s.generate === null && !isRecord(config['response_templates'])) throw new FlowIssue([...cpath, 'response_templates'], 'a response state needs response_templates')
        compileVariants(s, config['response_templates'], [...cpath, 'response_templates'])
        break
      case 'end':
        compileVariants(s, config['response_templates'], [...cpath, 'response_templates'])
        break
      case 'intent': {
        const patterns = config['intent_patterns']
        s.candidates = patterns === undefined || patterns === null ? nlu.all() : nlu.candidates(stringList(patterns, [...cpath, 'intent_patterns']).map((n) => nlu.indexOf(n)))
        const th = config['confidence_threshold']
        if (th !== undefined && th !== null) {
          if (typeof th !== 'number' || !(th >= 0 && th <= 1)) throw new FlowIssue([...cpath, 'confidence_threshold'], 'confidence_threshold must be between 0 and 1')
          s.threshold = th
        }
        break
      }
      case 'slot_filling': {
        s.requiredSlots = stringList(config['required_slots'], [...cpath, 'required_slots'])
        s.optionalSlots = stringList(config['optional_slots'], [...cpath, 'optional_slots'])
        const prompts = new Map<string, CompiledTemplate[]>()
        if (isRecord(config['prompts'])) for (const slot of Object.keys(config['prompts'])) prompts.set(slot, templates(config['prompts'][slot], [...cpath, 'prompts', slot]))
        s.prompts = prompts
        const validation = new Map<string, SlotValidation>()
        if (isRecord(config['validation'])) {
          for (const slot of Object.keys(config['validation'])) {
            const v = config['validation'][slot]
            if (!isRecord(v)) throw new FlowIssue([...cpath, 'validation', slot], 'validation must be {pattern?, entity?}')
            let regex: RegExp | null = null
            if (typeof v['pattern'] === 'string') {
              try {
                regex = compilePattern(v['pattern'])
              } catch (err) {
                throw new FlowIssue([...cpath, 'validation', slot, 'pattern'], (err as Error).message)
              }
            }
            validation.set(slot, { regex, entity: typeof v['entity'] === 'string' ? v['entity'] : null })
          }
        }
        s.validation = validation
        const max = config['max_attempts']
        if (max !== undefined && max !== null) {
          if (typeof max !== 'number' || !Number.isInteger(max) || max < 1) throw new FlowIssue([...cpath, 'max_attempts'], 'max_attempts must be a whole number of at least 1')
          s.maxAttempts = max
        }
        break
      }
      case 'integration': {
        const id = config['integration_id']
        if (typeof id !== 'string' || id === '') throw new FlowIssue([...cpath, 'integration_id'], 'an integration state needs an integration_id')
        s.integrationId = id
        if (typeof config['endpoint'] === 'string') s.endpoint = compileTemplate(config['endpoint'])
        if (typeof config['method'] === 'string' && config['method'] !== '') s.method = config['method'].toUpperCase()
        if (config['request_mapping'] !== undefined && config['request_mapping'] !== null) {
          if (!isRecord(config['request_mapping'])) throw new FlowIssue([...cpath, 'request_mapping'], 'request_mapping must be an object')
          s.requestMapping = compileValue(config['request_mapping'])
        }
        if (isRecord(config['response_mapping'])) {
          const rm = config['response_mapping']
          s.responseMapping = Object.keys(rm).map((variable) => {
            const p = rm[variable]
            if (typeof p !== 'string') throw new FlowIssue([...cpath, 'response_mapping', variable], 'a response mapping is a dotted path in the response data')
            return [variable, p === '' || p === '.' ? [] : p.split('.')] as const
          })
        }
        s.callTimeoutMs = optionalNumber(config['timeout_ms'], [...cpath, 'timeout_ms'], 'timeout_ms')
        const retries = optionalNumber(config['retries'], [...cpath, 'retries'], 'retries')
        s.callRetries = retries === undefined ? undefined : Math.floor(retries)
        break
      }
      case 'condition': {
        const list = config['conditions']
        if (!Array.isArray(list)) throw new FlowIssue([...cpath, 'conditions'], 'a condition state needs a list of conditions')
        s.conditions = list.map((c, i) => compileComparison(c, [...cpath, 'conditions', i]))
        const mode = config['mode']
        if (mode !== undefined && mode !== 'all' && mode !== 'any') throw new FlowIssue([...cpath, 'mode'], 'mode must be all or any')
        s.conditionMode = mode === 'any' ? 'any' : 'all'
        break
      }
      case 'workflow':
        s.tasks = compileTasks(config['tasks'], [...cpath, 'tasks'])
        break
    }
  })
  return s
}

/**
 * Compiles a flow once. Throws FlowCompileError listing every problem (unknown target
 * states, invalid regexes, workflow cycles or unknown dependencies naming the tasks, ...),
 * each with its JSON path.
 */
export function compileFlow(doc: FlowDocument): CompiledFlow {
  const issues: Array<{ path: IssuePath; message: string }> = []
  if (!isRecord(doc)) throw new FlowCompileError([{ path: [], message: 'a flow must be an object' }])
  const settings = isRecord(doc.settings) ? doc.settings : {}
  const threshold = typeof settings.confidence_threshold === 'number' ? settings.confidence_threshold : 0.7
  const maxSteps = typeof settings.max_steps_per_turn === 'number' && settings.max_steps_per_turn >= 1 ? Math.floor(settings.max_steps_per_turn) : 50
  const ttl = typeof settings.session_ttl_seconds === 'number' && settings.session_ttl_seconds > 0 ? settings.session_ttl_seconds * 1000 : null
  const memory = isRecord(settings.memory) ? memorySettings(settings.memory) : null

  let nlu = new IntentModel(undefined)
  try {
    nlu = new IntentModel(doc.intents as Record<string, unknown> | undefined)
  } catch (err) {
    if (!(err instanceof FlowIssue)) throw err
    issues.push({ path: err.path, message: err.message })
  }
  let entities: EntityMatcher[] = []
  try {
    entities = compileEntities(doc.entities as Record<string, unknown> | undefined)
  } catch (err) {
    if (!(err instanceof FlowIssue)) throw err
    issues.push({ path: err.path, message: err.message })
  }

  const states = new Map<string, CompiledState>()
  if (!isRecord(doc.states)) issues.push({ path: ['states'], message: 'a flow needs states' })
  else {
    for (const name of Object.keys(doc.states)) {
      const s = compileState(name, doc.states[name], doc, nlu, threshold, issues)
      if (s !== null) states.set(name, s)
    }
  }
  const initial = typeof doc.initial_state === 'string' ? states.get(doc.initial_state) : undefined
  if (initial === undefined && !issues.some((i) => i.path[0] === 'states' && i.path[1] === doc.initial_state)) {
    issues.push({ path: ['initial_state'], message: `unknown state ${JSON.stringify(doc.initial_state)}` })
  }
  if (issues.length > 0) throw new FlowCompileError(issues)

  const integrations: Record<string, Readonly<Record<string, unknown>>> = {}
  if (isRecord(doc.integrations)) {
    for (const id of Object.keys(doc.integrations)) {
      const cfg = doc.integrations[id]
      if (isRecord(cfg)) integrations[id] = Object.freeze({ ...cfg })
    }
  }

  return {
    document: doc,
    name: doc.name,
    version: doc.version === undefined || doc.version === null ? '1.0' : String(doc.version),
    initialState: initial!,
    states,
    threshold,
    maxSteps,
    ttlMs: ttl,
    memory,
    nlu,
    entities,
    entityNames: new Set(entities.map((e) => e.name)),
    integrations,
    regexes: new RegexCache(),
    transitionList: listTransitions(doc),
  }
}
