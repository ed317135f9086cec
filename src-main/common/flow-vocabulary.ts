// The closed vocabularies of the flow format, kept free of schema code so the engine's
// bundle (and every worker) loads them without TypeBox.

export const OPERATORS = [
  'eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'contains', 'not_contains', 'in', 'not_in',
  'exists', 'not_exists', 'matches', 'empty', 'not_empty',
] as const
export type Operator = (typeof OPERATORS)[number]

export const TRANSITION_CONDITIONS = [
  'any_input', 'always', 'intent_match', 'entity_present', 'slot_filled', 'all_slots_filled',
  'integration_success', 'integration_error', 'condition_true', 'condition_false', 'expression',
  'workflow_completed', 'workflow_failed', 'timeout', 'fallback',
] as const
export type TransitionCondition = (typeof TRANSITION_CONDITIONS)[number]

export const ACTION_TYPES = ['send_message', 'set_variable', 'set_slot', 'clear_slots', 'end_conversation', 'handoff'] as const
export type ActionType = (typeof ACTION_TYPES)[number]

export const STATE_TYPES = ['response', 'intent', 'slot_filling', 'integration', 'condition', 'workflow', 'end'] as const
export type StateType = (typeof STATE_TYPES)[number]
