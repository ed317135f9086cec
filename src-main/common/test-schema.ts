// The conversation test format: one TypeBox definition for the types and the shipped
// resources/schema/test.schema.json.
import { Type, type Static } from '@sinclair/typebox'

const doc = (description: string) => ({ description })

/** A closed set of strings as a JSON Schema `enum`: one clear error, and editors complete it. */
function enumOf<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values], ...(description ? { description } : {}) })
}

/** An enum value, or an exact `${param}` that an `each` map fills in before the test runs. */
function enumOrParam<const T extends readonly string[]>(values: T, description?: string) {
  return Type.Unsafe<T[number]>({
    type: 'string',
    anyOf: [{ enum: [...values] }, { pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*\\}$', 'x-param': true }],
    ...(description ? { description } : {}),
  })
}

/** `<n>(ms|s|m|h)`; a `${param}` reference is accepted too, since `each` fills it in before the test runs. */
export const DURATION_PATTERN = '^\\s*(\\d+(\\.\\d+)?\\s*(ms|s|m|h)|\\$\\{\\w+\\})\\s*$'

/** A plain value (equality) or one matcher object. */
export const MatcherSchema = Type.Union(
  [
    Type.Object({ contains: Type.String() }, { additionalProperties: false }),
    Type.Object({ not_contains: Type.String() }, { additionalProperties: false }),
    Type.Object({ matches: Type.String(doc('A regular expression (`/re/flags` for flags).')) }, { additionalProperties: false }),
    Type.Object({ one_of: Type.Array(Type.Unknown()) }, { additionalProperties: false }),
    Type.Object({ gte: Type.Number() }, { additionalProperties: false }),
    Type.Object({ lte: Type.Number() }, { additionalProperties: false }),
    Type.Object({ gt: Type.Number() }, { additionalProperties: false }),
    Type.Object({ lt: Type.Number() }, { additionalProperties: false }),
    Type.Unknown(doc('A plain value: compared for equality.')),
  ],
  doc('A plain value (equality) or a matcher: contains, not_contains, matches, one_of, gte, lte, gt, lt.'),
)
export type Matcher = unknown

export const ExpectSchema = Type.Object(
  {
    reply: Type.Optional(Type.Unknown(doc('One of the turn\'s replies matches.'))),
    replies: Type.Optional(Type.Array(Type.Unknown(), doc('The turn\'s replies, in order, exactly (length too).'))),
    no_reply: Type.Optional(Type.Boolean(doc('The turn sent nothing.'))),
    state: Type.Optional(Type.Unknown(doc('The conversation\'s state after the turn.'))),
    path: Type.Optional(Type.Array(Type.String(), doc('The states entered during the turn, exactly, in order.'))),
    intent: Type.Optional(Type.Unknown(doc('Intent name, or null for no intent.'))),
    confidence: Type.Optional(Type.Unknown(doc('A number matcher.'))),
    entities: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    slots: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    missing_slots: Type.Optional(Type.Array(Type.String())),
    integration_calls: Type.Optional(Type.Array(Type.Object({ id: Type.String(), request: Type.Optional(Type.Record(Type.String(), Type.Unknown())) }))),
    workflow: Type.Optional(Type.Object({ state: Type.Optional(Type.Unknown()), completed_tasks: Type.Optional(Type.Unknown()) })),
    ended: Type.Optional(Type.Boolean()),
    error: Type.Optional(Type.String(doc('The turn produced an error with this code.'))),
    context: Type.Optional(
      Type.Object(
        {
          token_count: Type.Optional(Type.Unknown(doc('A number matcher: tokens of the summary plus the verbatim turns.'))),
          compression_applied: Type.Optional(Type.Unknown(doc('Whether older turns were compressed into the summary during this turn.'))),
          compressions: Type.Optional(Type.Unknown(doc('A number matcher: compressions since the conversation started.'))),
          summarised_turns: Type.Optional(Type.Unknown(doc('A number matcher: turns the summary covers.'))),
          summary: Type.Optional(Type.Unknown(doc('A text matcher on the summary (null before the first compression).'))),
          turns: Type.Optional(Type.Unknown(doc('A number matcher: turns held verbatim.'))),
        },
        { ...doc('The context memory after the turn (the flow needs settings.memory).'), additionalProperties: false },
      ),
    ),
  },
  { ...doc('What the turn must have produced.'), additionalProperties: false },
)
export type Expectation = Static<typeof ExpectSchema>

export const INTEGRATION_FAILURES = ['timeout', 'error', 'network', 'malformed'] as const
export type IntegrationFailure = (typeof INTEGRATION_FAILURES)[number]

export const MockResponseSchema = Type.Union([
  Type.Object({
    respond: Type.Object({
      status_code: Type.Optional(Type.Integer(doc('Default 200.'))),
      data: Type.Optional(Type.Unknown()),
      delay_ms: Type.Optional(Type.Number({ minimum: 0 })),
    }),
  }, { additionalProperties: false }),
  Type.Object({
    fail: enumOrParam(INTEGRATION_FAILURES, 'How the call fails.'),
    delay_ms: Type.Optional(Type.Number({ minimum: 0 })),
  }, { additionalProperties: false }),
])
export type MockResponse = Static<typeof MockResponseSchema>

export const NluMockSchema = Type.Object({
  intent: Type.Union([Type.String(), Type.Null()]),
  confidence: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
  entities: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
})
export type NluMock = Static<typeof NluMockSchema>

export const MocksSchema = Type.Object(
  {
    nlu: Type.Optional(Type.Record(Type.String(), NluMockSchema, doc('Snapshot NLU: exact input -> result.'))),
    nlu_strict: Type.Optional(Type.Boolean(doc('An input the NLU is consulted for and that is missing from nlu is a test error.'))),
    integrations: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Array(MockResponseSchema), MockResponseSchema]), doc('Answered in order; the last one repeats.'))),
  },
  { additionalProperties: false },
)
export type Mocks = Static<typeof MocksSchema>

export const StepSchema = Type.Object(
  {
    user: Type.Optional(Type.String(doc('A user message.'))),
    event: Type.Optional(enumOrParam(['approve', 'reject'], 'Approve or reject the workflow gate that is waiting.')),
    wait: Type.Optional(Type.String({ ...doc('Advance the fake clock: <n>(ms|s|m|h), e.g. "30s".'), pattern: DURATION_PATTERN, 'x-expected': 'a duration <n>(ms|s|m|h), e.g. "30s"' })),
    expect: Type.Optional(ExpectSchema),
  },
  { ...doc('One of user / event / wait, plus an optional expect.'), additionalProperties: false },
)
export type Step = Static<typeof StepSchema>

const ContextKeys = {
  user_id: Type.Optional(Type.String()),
  tenant_id: Type.Optional(Type.String()),
  user_profile: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  slots: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  variables: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
}

export const TestCaseSchema = Type.Object(
  {
    name: Type.String({ minLength: 1 }),
    tags: Type.Optional(Type.Array(Type.String())),
    skip: Type.Optional(Type.Boolean()),
    ...ContextKeys,
    mocks: Type.Optional(MocksSchema),
    each: Type.Optional(Type.Array(Type.Record(Type.String(), Type.Unknown()), doc('Run once per map, named `name [i]`; `${param}` is replaced in every string.'))),
    steps: Type.Array(StepSchema),
  },
  { additionalProperties: false },
)
export type TestCase = Static<typeof TestCaseSchema>

export const TestSuiteSchema = Type.Object(
  {
    $schema: Type.Optional(Type.String()),
    flow: Type.String({ minLength: 1, ...doc('Path to the flow, relative to this file.') }),
    name: Type.Optional(Type.String()),
    defaults: Type.Optional(Type.Object(ContextKeys, { ...doc('Merged into every test; the test\'s own values win; objects merge key by key.'), additionalProperties: true })),
    mocks: Type.Optional(MocksSchema),
    tests: Type.Array(TestCaseSchema),
  },
  { title: 'Flowbench conversation tests', additionalProperties: false },
)
export type TestSuiteDocument = Static<typeof TestSuiteSchema>
