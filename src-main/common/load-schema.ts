// The load scenario format (`*.load.yaml`, spec/cli.md "Load scenario") as one TypeBox
// definition: the source of resources/schema/load.schema.json (editor completion and hover) and
// of the key lists the scenario loader checks. The loader's own checks give the messages.
import { Type } from '@sinclair/typebox'
import { EXECUTORS } from './load-result'

const doc = (description: string) => ({ description })

/** `<n>(ms|s|m|h)`, e.g. "30s", "500ms", "2m". */
export const LOAD_DURATION_PATTERN = '^\\s*\\d+(\\.\\d+)?\\s*(ms|s|m|h)\\s*$'

const Duration = (description: string) => Type.String({ pattern: LOAD_DURATION_PATTERN, description })

/** Latency metrics take a statistic suffix (`turn_latency_p95`); the others stand alone. */
export const THRESHOLD_LATENCY_METRICS = ['turn_latency', 'service_time', 'queue_wait', 'harness_lag', 'conversation_duration', 'integration_latency'] as const
export const THRESHOLD_STATISTICS = ['p50', 'p90', 'p95', 'p99', 'p999', 'max'] as const
export const THRESHOLD_PLAIN_METRICS = ['error_rate', 'dropped_rate', 'intent_fallback_rate', 'throughput', 'conversations_per_s'] as const

/** Every threshold name the format accepts, with an optional `{state=NAME}` or `{integration=ID}`. */
export const THRESHOLD_NAME_PATTERN = `^(${THRESHOLD_LATENCY_METRICS.join('|')})_(${THRESHOLD_STATISTICS.join('|')})(\\{\\s*(state|integration)\\s*=[^}]+\\})?$|^(${THRESHOLD_PLAIN_METRICS.join('|')})(\\{\\s*(state|integration)\\s*=[^}]+\\})?$`

const ThinkTime = Type.Union(
  [
    Duration('A fixed pause before each user step, e.g. "2s".'),
    Type.Object({ min: Duration('Shortest pause.'), max: Duration('Longest pause.') }, { additionalProperties: false, description: 'A pause drawn uniformly between min and max.' }),
  ],
  doc('Think time before a user step: a duration, or { min, max }.'),
)

const Step = Type.Union(
  [
    Type.String(doc('A user message.')),
    Type.Object({ user: Type.String(doc('The message text.')), think_time: ThinkTime }, { additionalProperties: false, required: ['user'] }),
    Type.Object({ event: Type.Union([Type.Literal('approve'), Type.Literal('reject')]), think_time: ThinkTime }, { additionalProperties: false, required: ['event'] }),
  ],
  doc('A message, { user, think_time? } or { event: approve|reject }.'),
)

const Conversation = Type.Partial(Type.Object(
  {
    name: Type.String(doc('A name for reports.')),
    weight: Type.Number({ exclusiveMinimum: 0, description: 'How often this script is picked, relative to the others (default 1).' }),
    steps: Type.Array(Step, doc('The user steps, in order.')),
    tests: Type.String(doc("A test file whose tests' user steps are replayed (with their NLU snapshots and seeds).")),
    flow: Type.String(doc("This conversation's flow, when it is not the scenario's.")),
    user_profile: Type.Record(Type.String(), Type.Unknown(), doc('Initial user_profile.')),
    user_id: Type.String(),
    tenant_id: Type.String(),
    think_time: ThinkTime,
  },
  { additionalProperties: false, description: 'A weighted conversation script: steps, or the user steps of a test file.' },
))

const Stage = Type.Object(
  {
    target: Type.Number({ minimum: 0, description: 'Rate (conversations/s) or virtual users to reach at the end of the stage.' }),
    duration: Duration('How long the ramp to target takes.'),
  },
  { additionalProperties: false },
)

// No key is required by the schema: the loader infers the executor from rate / vus / stages.
const Profile = Type.Partial(Type.Object(
  {
    executor: Type.Unsafe<string>({ type: 'string', enum: [...EXECUTORS], description: 'Open model (arrival rate) or closed model (virtual users).' }),
    rate: Type.Number({ exclusiveMinimum: 0, description: 'Conversations started per second (constant-arrival-rate).' }),
    start_rate: Type.Number({ minimum: 0, description: 'Rate at t = 0 (ramping-arrival-rate).' }),
    vus: Type.Integer({ minimum: 1, description: 'Virtual users (constant-vus).' }),
    start_vus: Type.Integer({ minimum: 0, description: 'Virtual users at t = 0 (ramping-vus).' }),
    duration: Duration('How long conversations keep arriving (ramping profiles: the stages’ total).'),
    stages: Type.Array(Stage, doc('Ramping executors: [{ target, duration }, …].')),
    arrivals: Type.Unsafe<string>({ type: 'string', enum: ['uniform', 'poisson'], description: 'Spacing of arrivals in the open model (default uniform).' }),
    max_in_flight: Type.Integer({ minimum: 1, description: 'Conversations in progress at once; an arrival beyond it is dropped.' }),
    graceful_stop: Duration('How long conversations still running at the end may take (default 30s).'),
    workers: Type.Integer({ minimum: 1, description: 'Worker threads (default: CPU cores − 1).' }),
    warmup: Type.Union([Duration('Untimed conversations on each worker before t = 0 (default 1s).'), Type.Literal(0)]),
  },
  { additionalProperties: false, description: 'How load is offered.' },
))

const LatencyModel = Type.Union(
  [
    Type.Number({ minimum: 0, description: 'A fixed latency (ms).' }),
    Type.Object({ p50: Type.Number({ exclusiveMinimum: 0 }), p99: Type.Number({ exclusiveMinimum: 0 }) }, { additionalProperties: false, description: 'A log-normal latency with this median and 99th percentile (ms).' }),
  ],
  doc('The simulated latency of each call (ms), answered asynchronously.'),
)

const Share = Type.Union([Type.Number({ minimum: 0, maximum: 1 }), Type.String({ pattern: '^\\s*\\d+(\\.\\d+)?\\s*%\\s*$' })], doc('A fraction 0..1 or a percentage such as "1%".'))

const IntegrationMock = Type.Partial(Type.Object(
  {
    latency_ms: LatencyModel,
    error_rate: Share,
    error_status: Type.Integer({ minimum: 100, maximum: 599, description: 'Status of a failed call (default 503).' }),
    status_code: Type.Integer({ minimum: 100, maximum: 599, description: 'Status of a successful call (default 200).' }),
    data: Type.Unknown(doc("The answer's data.")),
    block_ms: Type.Number({ minimum: 0, description: 'Busy-blocks the worker thread this long (a CPU-bound integration).' }),
    block_every: Type.Integer({ minimum: 1, description: 'Which calls block: every Nth, counted across all workers (default 1).' }),
  },
  { additionalProperties: false, description: 'A simulated integration.' },
))

const NluSnapshot = Type.Partial(
  Type.Object(
    {
      intent: Type.Union([Type.String(), Type.Null()]),
      confidence: Type.Number({ minimum: 0, maximum: 1 }),
      entities: Type.Record(Type.String(), Type.Unknown()),
    },
    { additionalProperties: false },
  ),
)

const Condition = Type.String({ description: 'A condition such as "< 5ms", "< 1%" or "> 1000/s".', pattern: '^\\s*(<=|>=|==|!=|<|>)' })

const ThresholdOptions = Type.Partial(
  Type.Object(
    {
      condition: Type.Union([Condition, Type.Array(Condition)]),
      threshold: Type.Union([Condition, Type.Array(Condition)], doc('The same as condition (k6 spelling).')),
      abort_on_fail: Type.Boolean(doc('Stop the run as soon as this threshold is missed.')),
      delay_abort_eval: Duration('Do not abort before this much of the run has passed.'),
    },
    { additionalProperties: false },
  ),
)

const Threshold = Type.Union(
  [
    Condition,
    Type.Array(Condition),
    ThresholdOptions,
  ],
  doc('A condition, a list of conditions, or { condition, abort_on_fail, delay_abort_eval }.'),
)


const opt = Type.Optional

export const LoadScenarioSchema = Type.Object(
  {
    $schema: opt(Type.String()),
    name: opt(Type.String(doc('A name for reports.'))),
    description: opt(Type.String()),
    flow: opt(Type.String(doc('The flow under load, relative to this file.'))),
    seed: opt(Type.Integer({ minimum: 0, description: 'Seeds scripts, think times and mocks, so a run can be repeated (default 1).' })),
    conversations: Type.Array(Conversation, { minItems: 1, description: 'Conversation scripts, picked by weight.' }),
    users: opt(
      Type.Array(
        Type.Object(
          { weight: opt(Type.Number({ exclusiveMinimum: 0 })), user_profile: Type.Record(Type.String(), Type.Unknown()), tenant_id: opt(Type.String()) },
          { additionalProperties: false },
        ),
        doc('User profiles, picked by weight for each conversation.'),
      ),
    ),
    think_time: opt(ThinkTime),
    profile: Profile,
    mocks: opt(
      Type.Partial(
        Type.Object(
          {
            integrations: Type.Record(Type.String(), IntegrationMock, doc('Simulated integrations by id; an id without a mock goes to a plugin that serves it.')),
            nlu: Type.Record(Type.String(), NluSnapshot, doc('Exact input → NLU result.')),
          },
          { additionalProperties: false },
        ),
      ),
    ),
    thresholds: opt(
      Type.Object({}, { patternProperties: { [THRESHOLD_NAME_PATTERN]: Threshold }, additionalProperties: false, description: 'Pass/fail criteria, k6-style: turn_latency_p95: "< 5ms".' }),
    ),
  },
  { additionalProperties: false, description: 'A Flowbench load scenario (flowbench load).' },
)

/** Keys of an object schema, in order: the loader's list of what a mapping may hold. */
function keysOf(schema: { properties: Record<string, unknown> }): string[] {
  return Object.keys(schema.properties)
}

export const SCENARIO_KEYS = keysOf(LoadScenarioSchema)
export const CONVERSATION_KEYS = keysOf(Conversation)
export const PROFILE_KEYS = keysOf(Profile)
export const MOCK_KEYS = keysOf(IntegrationMock)
export const STEP_KEYS = ['user', 'event', 'think_time']
export const THRESHOLD_KEYS = keysOf(ThresholdOptions)
export const STAGE_KEYS = keysOf(Stage)
