// The `quality` service of the typed API: test intelligence: coverage gaps, generated tests, fault matrix, mutation testing.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

export interface QualityService {}

export const QUALITY_METHODS = {} as const satisfies { [M in keyof QualityService]: number }

export interface QualityEvents {}

export const QUALITY_EVENTS = {} as const satisfies { [E in keyof QualityEvents]: true }
