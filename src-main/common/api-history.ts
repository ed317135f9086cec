// The `history` service of the typed API: run history (test and load runs kept in the store), baselines.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

export interface HistoryService {}

export const HISTORY_METHODS = {} as const satisfies { [M in keyof HistoryService]: number }

export interface HistoryEvents {}

export const HISTORY_EVENTS = {} as const satisfies { [E in keyof HistoryEvents]: true }
