// The `nlu` service of the typed API: NLU evaluation: intent and entity accuracy, confusion matrix, threshold sweep.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

export interface NluService {}

export const NLU_METHODS = {} as const satisfies { [M in keyof NluService]: number }

export interface NluEvents {}

export const NLU_EVENTS = {} as const satisfies { [E in keyof NluEvents]: true }
