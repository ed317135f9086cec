// The `reports` service of the typed API: run comparison and report export (HTML, JUnit, JSON, Markdown, PDF) with PII redaction.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

export interface ReportsService {}

export const REPORTS_METHODS = {} as const satisfies { [M in keyof ReportsService]: number }

export interface ReportsEvents {}

export const REPORTS_EVENTS = {} as const satisfies { [E in keyof ReportsEvents]: true }
