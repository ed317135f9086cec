// The `load` service of the typed API: the performance dashboard: design, start, watch and stop load tests.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

export interface LoadService {}

export const LOAD_METHODS = {} as const satisfies { [M in keyof LoadService]: number }

export interface LoadEvents {}

export const LOAD_EVENTS = {} as const satisfies { [E in keyof LoadEvents]: true }
