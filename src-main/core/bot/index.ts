// The engine as a local bot server (docs/bot-server.md): HTTP API, SSE streams, traces, k6 export.
export { createBotServer, BOT_LIMITS } from './server'
export type { BotServer, BotServerOptions, BotLimits } from './server'
export { createApiKey, normaliseOrigin } from './guard'
export type { BotPlugins } from './flows'
