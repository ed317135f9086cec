import { describe, expect, it } from 'vitest'
import { join, resolve } from 'node:path'
import { formatProblem } from '../../../src-main/core/document/parse'
import { ScenarioLoadError, loadScenarioFile, loadScenarioText, withOverrides, OverrideError } from '../../../src-main/core/load/scenario'

const fixtures = resolve(__dirname, '../../fixtures/load')
const at = join(fixtures, 'load/inline.load.yaml')

async function problems(text: string): Promise<string[]> {
  try {
    await loadScenarioText(text, at)
  } catch (err) {
    if (err instanceof ScenarioLoadError) return err.problems.map(formatProblem)
    throw err
  }
  throw new Error('the scenario loaded, but problems were expected')
}

const valid = `flow: ../flows/tiny.flow.yaml
conversations:
  - steps: ["hi", "help"]
profile:
  executor: constant-arrival-rate
  rate: 10
  duration: 5s
`

describe('loading a scenario', () => {
  it('resolves the flow, scripts, profile and defaults', async () => {
    const s = await loadScenarioText(valid, at)
    expect(s.file).toBe('load/inline.load.yaml')
    expect(s.plan.flows.map((f) => f.file)).toEqual(['flows/tiny.flow.yaml'])
    expect(s.plan.flows[0]!.integrations).toEqual(['crm_lookup'])
    expect(s.plan.scripts).toEqual([{ name: 'conversations[0]', flow: 0, weight: 1, steps: [{ kind: 'message', text: 'hi' }, { kind: 'message', text: 'help' }], seed: {} }])
    expect(s.plan.profile).toMatchObject({ executor: 'constant-arrival-rate', rate: 10, duration_ms: 5000, arrivals: 'uniform', graceful_stop_ms: 30_000 })
    expect(s.plan.seed).toBe(1)
    expect(s.warnings).toEqual(['integration "crm_lookup" has no mock in mocks.integrations: its calls fail (no_provider), and the flow takes its error branch'])
  })

  it('replays the user steps of a test file, sharing the entry\'s weight among its tests', async () => {
    const s = await loadScenarioFile(join(fixtures, 'load/quick.load.yaml'))
    const fromTests = s.plan.scripts.filter((x) => x.name.startsWith('tests/tiny.test.yaml'))
    expect(fromTests.map((x) => x.name)).toEqual(['tests/tiny.test.yaml: asks for help and leaves', 'tests/tiny.test.yaml: is not understood first'])
    expect(fromTests.map((x) => x.weight)).toEqual([0.5, 0.5])
    expect(fromTests[0]!.steps).toEqual([{ kind: 'message', text: 'I need help' }, { kind: 'message', text: 'bye' }])
    expect(fromTests[1]!.seed).toEqual({ user_profile: { returning: true } })
    expect(s.plan.users).toHaveLength(2)
    expect(s.plan.mocks.crm_lookup).toMatchObject({ latency: { p50_ms: 2, p99_ms: 10 }, data: { tier: 'gold' }, error_rate: 0, block_every: 1 })
    expect(s.thresholds.map((t) => t.name)).toEqual(['turn_latency_p95', 'service_time_p99{state=detect}', 'error_rate', 'dropped_rate', 'throughput'])
    expect(s.warnings).toEqual([])
  })

  it('accepts the sample scenario of the samples workspace', async () => {
    const s = await loadScenarioFile(resolve(__dirname, '../../../resources/samples/load/support.load.yaml'))
    expect(s.file).toBe('load/support.load.yaml')
    expect(s.plan.flows[0]!.file).toBe('flows/support.flow.yaml')
    expect(s.plan.scripts.length).toBeGreaterThan(3)
    expect(s.thresholds.some((t) => t.tag?.key === 'state' && t.tag.value === 'detect_intent')).toBe(true)
    expect(s.plan.mocks.crm_lookup!.latency).toEqual({ p50_ms: 40, p99_ms: 250 })
  })

  it('reads every executor\'s keys, stages, mocks and threshold forms', async () => {
    const s = await loadScenarioText(`flow: ../flows/tiny.flow.yaml
seed: 99
think_time: { min: 100ms, max: 2s }
conversations:
  - name: asker
    weight: 2
    think_time: 1s
    user_profile: { vip: true }
    steps: ["hi", { user: "help", think_time: 50ms }, { event: approve }]
profile:
  executor: ramping-arrival-rate
  start_rate: 5
  stages: [{ target: 100, duration: 10s }, { target: 100, duration: 1m }, { target: 0, duration: 10s }]
  arrivals: poisson
  max_in_flight: 500
  graceful_stop: 5s
  workers: 2
mocks:
  integrations:
    crm_lookup: { latency_ms: 20, error_rate: "2%", error_status: 500, block_ms: 300, block_every: 500 }
  nlu:
    "help": { intent: help, confidence: 0.9 }
thresholds:
  turn_latency_p99: ["< 50ms", "< 100ms"]
  error_rate{integration=crm_lookup}: { condition: "< 5%", abort_on_fail: true, delay_abort_eval: 10s }
`, at)
    expect(s.plan.seed).toBe(99)
    expect(s.plan.think).toEqual({ min_ms: 100, max_ms: 2000 })
    expect(s.plan.scripts[0]).toMatchObject({ name: 'asker', weight: 2, think: { fixed_ms: 1000 }, seed: { user_profile: { vip: true } } })
    expect(s.plan.scripts[0]!.steps[1]).toEqual({ kind: 'message', text: 'help', think: { fixed_ms: 50 } })
    expect(s.plan.scripts[0]!.steps[2]).toEqual({ kind: 'event', event: 'approve' })
    expect(s.plan.profile).toMatchObject({ executor: 'ramping-arrival-rate', start_rate: 5, duration_ms: 80_000, arrivals: 'poisson', max_in_flight: 500, graceful_stop_ms: 5000, workers: 2 })
    expect(s.plan.mocks.crm_lookup).toEqual({ latency: { fixed_ms: 20 }, error_rate: 0.02, error_status: 500, status_code: 200, block_ms: 300, block_every: 500 })
    expect(s.plan.nlu).toEqual({ help: { intent: 'help', confidence: 0.9 } })
    expect(s.thresholds[0]!.conditions).toHaveLength(2)
    expect(s.thresholds[1]).toMatchObject({ abort_on_fail: true, delay_abort_eval_ms: 10_000, tag: { key: 'integration', value: 'crm_lookup' } })
  })
})

describe('executor inference', () => {
  it('infers the executor from the keys when it is left out', async () => {
    const base = valid.replace('  executor: constant-arrival-rate\n', '')
    expect((await loadScenarioText(base, at)).plan.profile.executor).toBe('constant-arrival-rate')
    const vus = base.replace('rate: 10', 'vus: 3')
    expect((await loadScenarioText(vus, at)).plan.profile.executor).toBe('constant-vus')
    const ramp = base.replace('  rate: 10\n  duration: 5s\n', '  stages: [{ target: 10, duration: 2s }]\n')
    expect((await loadScenarioText(ramp, at)).plan.profile).toMatchObject({ executor: 'ramping-arrival-rate', duration_ms: 2000 })
  })
})

describe('scenario problems, each with file:line:col', () => {
  it('an unknown threshold metric', async () => {
    expect(await problems(`${valid}thresholds:\n  turn_latncy_p95: "< 5ms"\n`)).toEqual([
      expect.stringMatching(/^load\/inline\.load\.yaml:9:3 thresholds\.turn_latncy_p95: unknown metric "turn_latncy_p95" \(did you mean turn_latency_p95\?\)/),
    ])
  })

  it('a threshold on a state the flow does not have, and a condition with the wrong unit', async () => {
    expect(await problems(`${valid}thresholds:\n  turn_latency_p95{state=nowhere}: "< 5ms"\n  error_rate: "< 5ms"\n`)).toEqual([
      expect.stringMatching(/^load\/inline\.load\.yaml:9:3 .*the flow has no state "nowhere"/),
      expect.stringMatching(/^load\/inline\.load\.yaml:10:15 thresholds\.error_rate: "< 5ms": error_rate is compared with a share/),
    ])
  })

  it('typos in keys, with a suggestion', async () => {
    const text = valid.replace('rate: 10', 'rat: 10')
    const found = await problems(text)
    expect(found).toContainEqual(expect.stringMatching(/^load\/inline\.load\.yaml:6:3 profile\.rat: unknown key "rat" \(did you mean "rate"\?\)/))
    expect(found).toContainEqual(expect.stringMatching(/constant-arrival-rate needs a rate/))
  })

  it('a duration without a unit, an unknown executor, a missing profile', async () => {
    expect(await problems(valid.replace('duration: 5s', 'duration: 5'))).toEqual([expect.stringMatching(/:7:13 profile\.duration: duration needs a unit: write "5s" or "5ms"/)])
    expect(await problems(valid.replace('constant-arrival-rate', 'constant-arrivals'))).toEqual([expect.stringMatching(/:5:13 profile\.executor: executor must be one of constant-arrival-rate, ramping-arrival-rate, constant-vus, ramping-vus/)])
    expect(await problems(valid.split('profile:')[0]!)).toEqual([expect.stringMatching(/^load\/inline\.load\.yaml:1:1 a scenario needs a profile/)])
  })

  it('keys that belong to another executor', async () => {
    const text = valid.replace('rate: 10', 'vus: 10')
    expect(await problems(text)).toContainEqual(expect.stringMatching(/profile\.vus: vus does not apply to constant-arrival-rate/))
    const ramp = valid.replace('constant-arrival-rate', 'ramping-vus').replace('  rate: 10\n', '')
    expect(await problems(ramp)).toEqual([expect.stringMatching(/ramping-vus needs stages/)])
  })

  it('a flow that does not exist is reported at the scenario\'s flow key', async () => {
    expect(await problems(valid.replace('tiny.flow.yaml', 'missing.flow.yaml'))).toEqual([
      'load/inline.load.yaml:1:7 flow: cannot read the flow flows/missing.flow.yaml: no such file',
    ])
  })

  it('conversations without steps or tests, and steps that are not messages', async () => {
    const text = valid.replace('  - steps: ["hi", "help"]', '  - weight: 2\n  - steps: [{ user: 1 }, { event: maybe }]')
    const found = await problems(text)
    expect(found).toContainEqual(expect.stringMatching(/:3:5 conversations\[0\]: a conversation needs steps/))
    expect(found).toContainEqual(expect.stringMatching(/conversations\[1\]\.steps\[0\]\.user: user must be the message text/))
    expect(found).toContainEqual(expect.stringMatching(/conversations\[1\]\.steps\[1\]\.event: event must be approve or reject/))
  })

  it('a YAML syntax error', async () => {
    expect(await problems('flow: [unclosed\n')).toEqual([expect.stringMatching(/^load\/inline\.load\.yaml:\d+:\d+ /)])
  })

  it('mock settings out of range', async () => {
    const text = `${valid}mocks:\n  integrations:\n    crm_lookup: { latency_ms: { p50: 50, p99: 10 }, error_rate: 2, block_every: 3 }\n`
    const found = await problems(text)
    expect(found).toContainEqual(expect.stringMatching(/latency_ms\.p99: latency_ms\.p99 must not be less than p50/))
    expect(found).toContainEqual(expect.stringMatching(/error_rate: error_rate must be at most 1/))
    expect(found).toContainEqual(expect.stringMatching(/block_every: block_every says which calls block, so it needs block_ms/))
  })
})

describe('command-line overrides', () => {
  it('replaces a constant profile\'s duration and rate, and the seed', async () => {
    const s = withOverrides(await loadScenarioText(valid, at), { duration_ms: 2000, rate: 50, seed: 7, workers: 3 })
    expect(s.plan.profile).toMatchObject({ duration_ms: 2000, rate: 50, workers: 3 })
    expect(s.plan.seed).toBe(7)
  })

  it('scales a ramping profile, keeping its shape', async () => {
    const ramp = await loadScenarioText(valid.replace('constant-arrival-rate', 'ramping-arrival-rate').replace('  rate: 10\n  duration: 5s\n', '  start_rate: 10\n  stages: [{ target: 40, duration: 4s }, { target: 20, duration: 4s }]\n'), at)
    const s = withOverrides(ramp, { duration_ms: 2000, rate: 80 })
    expect(s.plan.profile.stages).toEqual([{ target: 80, duration_ms: 1000 }, { target: 40, duration_ms: 1000 }])
    expect(s.plan.profile.start_rate).toBe(20)
    expect(s.plan.profile.duration_ms).toBe(2000)
  })

  it('refuses --rate for virtual users and --vus for an arrival rate', async () => {
    const s = await loadScenarioText(valid, at)
    expect(() => withOverrides(s, { vus: 5 })).toThrow(OverrideError)
    const vus = await loadScenarioFile(join(fixtures, 'load/vus.load.yaml'))
    expect(() => withOverrides(vus, { rate: 5 })).toThrow(/--rate applies to arrival-rate executors/)
    expect(withOverrides(vus, { vus: 9 }).plan.profile.vus).toBe(9)
  })
})
