// The `bot` service of the typed API: the local bot server (HTTP API and SSE over the engine) and its request traces.
// Composed into FlowbenchApi, the method allow-list and ApiEvents in api.ts.

export interface BotService {}

export const BOT_METHODS = {} as const satisfies { [M in keyof BotService]: number }

export interface BotEvents {}

export const BOT_EVENTS = {} as const satisfies { [E in keyof BotEvents]: true }
