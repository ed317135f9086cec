// The bot server's HTTP API (`flowbench api`, `flowbench serve --api`, the workbench's Server
// activity): request and response bodies as TypeBox schemas, the one source of both the runtime
// validation (Ajv in src-main/core/bot) and the OpenAPI 3.1 document (served at
// /v1/openapi.json and shipped as resources/openapi/bot-api.json by scripts/gen-schema.mjs).
import { Type, type Static, type TSchema } from '@sinclair/typebox'

export const BOT_API_VERSION = '1.0.0'
export const BOT_API_PREFIX = '/v1'

const JsonObject = Type.Record(Type.String(), Type.Unknown())
const Id = Type.String({ minLength: 1, maxLength: 200 })

// ---- requests ---------------------------------------------------------------------------

export const CreateSessionRequestSchema = Type.Object(
  {
    flow: Type.String({ minLength: 1, maxLength: 500, description: 'A flow id from GET /v1/flows (the file name without .flow.yaml), its name, or its workspace path.' }),
    user_id: Type.Optional(Id),
    tenant_id: Type.Optional(Id),
    user_profile: Type.Optional(JsonObject),
    slots: Type.Optional(JsonObject),
    variables: Type.Optional(JsonObject),
  },
  { additionalProperties: false, title: 'CreateSessionRequest' },
)
export type CreateSessionRequest = Static<typeof CreateSessionRequestSchema>

export const MessageRequestSchema = Type.Object(
  { text: Type.String({ minLength: 1, maxLength: 10_000, description: 'What the user said.' }) },
  { additionalProperties: false, title: 'MessageRequest' },
)
export type MessageRequest = Static<typeof MessageRequestSchema>

export const EventRequestSchema = Type.Object(
  {
    type: Type.Union([Type.Literal('approve'), Type.Literal('reject')], { description: 'Answers the workflow approval the session waits for.' }),
    task: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'The approval task meant; refused with 409 when the session waits for another one.' })),
  },
  { additionalProperties: false, title: 'EventRequest' },
)
export type EventRequest = Static<typeof EventRequestSchema>

// ---- responses --------------------------------------------------------------------------

export const BOT_ERROR_CODES = [
  'invalid_json', 'validation_failed', 'unauthorized', 'origin_not_allowed', 'not_found', 'flow_not_found',
  'session_not_found', 'session_expired', 'method_not_allowed', 'session_ended', 'no_pending_approval',
  'payload_too_large', 'unsupported_media_type', 'rate_limited', 'not_ready', 'internal',
] as const
export type BotErrorCode = (typeof BOT_ERROR_CODES)[number]

export const ErrorResponseSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.Union(BOT_ERROR_CODES.map((c) => Type.Literal(c))),
      message: Type.String(),
      details: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
    }),
  },
  { title: 'ErrorResponse' },
)
export type ErrorResponse = Static<typeof ErrorResponseSchema>

const ReplySchema = Type.Object({ text: Type.String(), state: Type.String() })
const TurnErrorSchema = Type.Object({ code: Type.String(), message: Type.String(), state: Type.String() })
const WorkflowSchema = Type.Object({
  state: Type.String(),
  completed_tasks: Type.Array(Type.String()),
  failed_task: Type.Optional(Type.String()),
  waiting_task: Type.Optional(Type.String()),
})

export const TurnResponseSchema = Type.Object(
  {
    session_id: Type.String(),
    turn: Type.Integer({ description: '0 for the start turn, then 1, 2, …' }),
    event: Type.String(),
    input: Type.Union([Type.String(), Type.Null()]),
    replies: Type.Array(ReplySchema),
    state: Type.String({ description: 'The state the conversation is in after the turn.' }),
    path: Type.Array(Type.String()),
    intent: Type.Union([Type.String(), Type.Null()]),
    confidence: Type.Union([Type.Number(), Type.Null()]),
    entities: JsonObject,
    slots: JsonObject,
    variables: JsonObject,
    missing_slots: Type.Array(Type.String()),
    workflow: Type.Optional(WorkflowSchema),
    ended: Type.Boolean(),
    handoff: Type.Optional(Type.Object({ queue: Type.Optional(Type.String()) })),
    errors: Type.Array(TurnErrorSchema),
    warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String(), state: Type.Optional(Type.String()) })),
    timing: Type.Object({
      engine_ms: Type.Number({ description: "The engine's own time for the turn (integration waits included)." }),
      total_ms: Type.Number({ description: 'From the request arriving to the answer being ready.' }),
    }),
  },
  { title: 'TurnResponse' },
)
export type TurnResponse = Static<typeof TurnResponseSchema>

export const SessionCreatedSchema = Type.Object(
  {
    session_id: Type.String(),
    flow: Type.String({ description: 'The flow id.' }),
    created_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time', description: 'When the session expires unless used again (each request moves it).' }),
    stream_url: Type.String({ description: 'The SSE stream of this session (relative to the server).' }),
    turn: TurnResponseSchema,
  },
  { title: 'SessionCreated' },
)
export type SessionCreated = Static<typeof SessionCreatedSchema>

const MemorySchema = Type.Object(
  {
    turns: Type.Array(Type.Unknown()),
    summary: Type.Union([Type.String(), Type.Null()]),
    token_count: Type.Number(),
    compression_applied: Type.Boolean(),
    compressions: Type.Number(),
    summarised_turns: Type.Number(),
  },
  { description: 'Context memory, when the flow sets settings.memory.' },
)

export const SessionContextSchema = Type.Object(
  {
    session_id: Type.String(),
    flow: Type.String(),
    created_at: Type.String({ format: 'date-time' }),
    last_active_at: Type.String({ format: 'date-time' }),
    expires_at: Type.String({ format: 'date-time' }),
    turns: Type.Integer(),
    context: Type.Object({
      state: Type.String(),
      turn: Type.Integer(),
      ended: Type.Boolean(),
      user_id: Type.Optional(Type.String()),
      tenant_id: Type.Optional(Type.String()),
      user_profile: JsonObject,
      slots: JsonObject,
      variables: JsonObject,
      intent: Type.Union([Type.String(), Type.Null()]),
      confidence: Type.Union([Type.Number(), Type.Null()]),
      entities: JsonObject,
      integration_results: JsonObject,
      workflow: Type.Optional(WorkflowSchema),
      handoff: Type.Optional(Type.Object({ queue: Type.Optional(Type.String()) })),
      history: Type.Optional(Type.Array(Type.Object({ turn: Type.Integer(), role: Type.String(), text: Type.String() }))),
      memory: Type.Optional(MemorySchema),
    }),
  },
  { title: 'SessionContext' },
)
export type SessionContext = Static<typeof SessionContextSchema>

export const FlowSummarySchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    file: Type.String({ description: 'Workspace-relative path.' }),
    description: Type.Optional(Type.String()),
    initial_state: Type.String(),
    states: Type.Integer(),
    intents: Type.Integer(),
    session_ttl_seconds: Type.Number(),
  },
  { title: 'FlowSummary' },
)
export type FlowSummary = Static<typeof FlowSummarySchema>

export const FlowListSchema = Type.Object(
  {
    flows: Type.Array(FlowSummarySchema),
    problems: Type.Array(Type.Object({ file: Type.String(), message: Type.String() }), { description: 'Flow files that do not load (not served).' }),
  },
  { title: 'FlowList' },
)
export type FlowList = Static<typeof FlowListSchema>

export const FlowDetailSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    file: Type.String(),
    description: Type.Optional(Type.String()),
    initial_state: Type.String(),
    states: Type.Array(Type.Object({ name: Type.String(), type: Type.String() })),
    intents: Type.Array(Type.Object({ name: Type.String(), examples: Type.Integer() })),
    settings: JsonObject,
  },
  { title: 'FlowDetail' },
)
export type FlowDetail = Static<typeof FlowDetailSchema>

export const HealthSchema = Type.Object({ status: Type.Literal('ok'), uptime_s: Type.Number(), version: Type.String() }, { title: 'Health' })
export type Health = Static<typeof HealthSchema>

export const ReadySchema = Type.Object({ ready: Type.Boolean(), flows: Type.Integer(), sessions: Type.Integer(), problems: Type.Integer() }, { title: 'Ready' })
export type Ready = Static<typeof ReadySchema>

export const DeletedSchema = Type.Object({ session_id: Type.String(), deleted: Type.Literal(true) }, { title: 'Deleted' })

// ---- server-sent events ---------------------------------------------------------------

export const SSE_EVENT_TYPES = ['chunk', 'reply', 'turn', 'event', 'end', 'reset', 'dropped'] as const
export type SseEventType = (typeof SSE_EVENT_TYPES)[number]

export const SseEventSchema = Type.Union(
  [
    Type.Object({ type: Type.Literal('chunk'), turn: Type.Integer(), index: Type.Integer(), state: Type.String(), text: Type.String() }),
    Type.Object({ type: Type.Literal('reply'), turn: Type.Integer(), index: Type.Integer(), state: Type.String(), text: Type.String() }),
    Type.Object({ type: Type.Literal('turn'), turn: Type.Integer(), state: Type.String(), intent: Type.Union([Type.String(), Type.Null()]), replies: Type.Integer(), ended: Type.Boolean(), errors: Type.Array(Type.String()) }),
    Type.Object({ type: Type.Literal('event'), turn: Type.Integer(), event: Type.String(), task: Type.Optional(Type.String()) }),
    Type.Object({ type: Type.Literal('end'), reason: Type.String() }),
    Type.Object({ type: Type.Literal('reset'), reason: Type.String() }),
    Type.Object({ type: Type.Literal('dropped'), reason: Type.Literal('slow_client') }),
  ],
  { title: 'SseEvent', description: 'The JSON of one `data:` line of the session stream.' },
)
export type SseEvent = Static<typeof SseEventSchema>

// ---- the OpenAPI document -----------------------------------------------------------------

/** A schema as plain JSON (TypeBox's symbol keys dropped). */
function plain(schema: TSchema): Record<string, unknown> {
  return JSON.parse(JSON.stringify(schema)) as Record<string, unknown>
}

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` })
const json = (name: string) => ({ 'application/json': { schema: ref(name) } })
const errorResponse = (description: string) => ({ description, content: json('ErrorResponse') })

const COMMON_ERRORS = {
  '401': errorResponse('Missing or wrong API key (`unauthorized`).'),
  '403': errorResponse('The request comes from a browser origin that is not allowed (`origin_not_allowed`).'),
  '429': {
    description: 'Rate limited (`rate_limited`); retry after the seconds in Retry-After.',
    headers: { 'Retry-After': { schema: { type: 'integer' }, description: 'Seconds to wait.' } },
    content: json('ErrorResponse'),
  },
  '500': errorResponse('Unexpected failure (`internal`); never carries a stack trace.'),
}
const BODY_ERRORS = {
  '400': errorResponse('Not JSON (`invalid_json`) or not the expected shape (`validation_failed`, with `details`).'),
  '413': errorResponse('The body is larger than the limit (`payload_too_large`).'),
  '415': errorResponse('The body is not `application/json` (`unsupported_media_type`).'),
}
const SESSION_ERRORS = { '404': errorResponse('No such session (`session_not_found`) or it expired (`session_expired`).') }
const SESSION_ID = { name: 'id', in: 'path', required: true, schema: { type: 'string' }, description: 'The session id.' }

/** The OpenAPI 3.1 document of the bot API (served at /v1/openapi.json; shipped as resources/openapi/bot-api.json). */
export function botOpenApiDocument(): Record<string, unknown> {
  const schemas: Record<string, unknown> = {
    CreateSessionRequest: plain(CreateSessionRequestSchema),
    MessageRequest: plain(MessageRequestSchema),
    EventRequest: plain(EventRequestSchema),
    ErrorResponse: plain(ErrorResponseSchema),
    TurnResponse: plain(TurnResponseSchema),
    SessionCreated: plain(SessionCreatedSchema),
    SessionContext: plain(SessionContextSchema),
    FlowSummary: plain(FlowSummarySchema),
    FlowList: plain(FlowListSchema),
    FlowDetail: plain(FlowDetailSchema),
    Health: plain(HealthSchema),
    Ready: plain(ReadySchema),
    Deleted: plain(DeletedSchema),
    SseEvent: plain(SseEventSchema),
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Flowbench bot API',
      version: BOT_API_VERSION,
      description:
        'The Flowbench engine as a local bot server: sessions, messages, workflow approvals, context, flows, health, and a session\'s replies as Server-Sent Events. Every route except health, ready and this document needs the API key (`Authorization: Bearer <key>` or `X-API-Key: <key>`).',
    },
    servers: [{ url: 'http://127.0.0.1:{port}', variables: { port: { default: '8787' } } }],
    security: [{ bearer: [] }, { apiKey: [] }],
    paths: {
      '/v1/sessions': {
        post: {
          operationId: 'createSession',
          summary: 'Start a conversation with a flow; answers with the start turn.',
          requestBody: { required: true, content: json('CreateSessionRequest') },
          responses: { '201': { description: 'Created.', content: json('SessionCreated') }, ...BODY_ERRORS, '404': errorResponse('No such flow (`flow_not_found`).'), ...COMMON_ERRORS },
        },
      },
      '/v1/sessions/{id}': {
        parameters: [SESSION_ID],
        get: { operationId: 'getSession', summary: "The session's context (memory included when the flow has it).", responses: { '200': { description: 'The context.', content: json('SessionContext') }, ...SESSION_ERRORS, ...COMMON_ERRORS } },
        delete: { operationId: 'deleteSession', summary: 'End and forget a session (its streams get an `end` event).', responses: { '200': { description: 'Deleted.', content: json('Deleted') }, ...SESSION_ERRORS, ...COMMON_ERRORS } },
      },
      '/v1/sessions/{id}/messages': {
        parameters: [SESSION_ID],
        post: {
          operationId: 'sendMessage',
          summary: 'Send what the user said; answers with the turn result.',
          requestBody: { required: true, content: json('MessageRequest') },
          responses: { '200': { description: 'The turn.', content: json('TurnResponse') }, ...BODY_ERRORS, ...SESSION_ERRORS, '409': errorResponse('The conversation has ended (`session_ended`).'), ...COMMON_ERRORS },
        },
      },
      '/v1/sessions/{id}/events': {
        parameters: [SESSION_ID],
        post: {
          operationId: 'sendEvent',
          summary: 'Approve or reject the workflow task the session waits for.',
          requestBody: { required: true, content: json('EventRequest') },
          responses: {
            '200': { description: 'The turn.', content: json('TurnResponse') },
            ...BODY_ERRORS,
            ...SESSION_ERRORS,
            '409': errorResponse('The conversation has ended (`session_ended`) or waits for no (or another) approval (`no_pending_approval`).'),
            ...COMMON_ERRORS,
          },
        },
      },
      '/v1/sessions/{id}/stream': {
        parameters: [
          SESSION_ID,
          { name: 'key', in: 'query', required: false, schema: { type: 'string' }, description: 'The API key, for EventSource (which cannot set headers). Only this route accepts it.' },
          { name: 'Last-Event-ID', in: 'header', required: false, schema: { type: 'string' }, description: 'Resume after this event id (EventSource sends it on reconnect).' },
        ],
        get: {
          operationId: 'streamSession',
          summary: "The session's replies and events as Server-Sent Events (`data:` holds one SseEvent).",
          responses: { '200': { description: 'An event stream.', content: { 'text/event-stream': { schema: ref('SseEvent') } } }, ...SESSION_ERRORS, ...COMMON_ERRORS },
        },
      },
      '/v1/flows': { get: { operationId: 'listFlows', summary: "The workspace's flows.", responses: { '200': { description: 'Flows.', content: json('FlowList') }, ...COMMON_ERRORS } } },
      '/v1/flows/{id}': {
        parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string' } }],
        get: { operationId: 'getFlow', summary: "A flow's states and intents.", responses: { '200': { description: 'The flow.', content: json('FlowDetail') }, '404': errorResponse('No such flow (`flow_not_found`).'), ...COMMON_ERRORS } },
      },
      '/v1/health': { get: { operationId: 'health', summary: 'Liveness (no key needed).', security: [], responses: { '200': { description: 'Alive.', content: json('Health') } } } },
      '/v1/ready': {
        get: {
          operationId: 'ready',
          summary: 'Readiness: at least one flow loaded (no key needed).',
          security: [],
          responses: { '200': { description: 'Ready.', content: json('Ready') }, '503': { description: 'Not ready (no flow loads).', content: json('Ready') } },
        },
      },
      '/v1/openapi.json': { get: { operationId: 'openapi', summary: 'This document (no key needed).', security: [], responses: { '200': { description: 'OpenAPI 3.1.', content: { 'application/json': {} } } } } },
    },
    components: {
      schemas,
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'Authorization: Bearer <key>' },
        apiKey: { type: 'apiKey', in: 'header', name: 'X-API-Key' },
      },
    },
  }
}
