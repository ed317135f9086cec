import { describe, expect, it } from 'vitest'
import { newHistogram, type Histogram } from '../../../src-main/core/load/histogram'
import {
  ThresholdSyntaxError,
  evaluateThresholds,
  parseCondition,
  parseThresholdName,
  thresholdsToAbort,
  type MetricSource,
  type ThresholdDefinition,
} from '../../../src-main/core/load/thresholds'

const targets = { states: new Set(['greeting', 'detect_intent']), integrations: new Set(['crm_lookup']) }

function define(name: string, ...conditions: string[]): ThresholdDefinition {
  const head = parseThresholdName(name, targets)
  return { ...head, conditions: conditions.map((c) => parseCondition(c, head.kind, head.metric)), abort_on_fail: false, delay_abort_eval_ms: 0 }
}

function histogramOfMs(...ms: number[]): Histogram {
  const h = newHistogram()
  for (const v of ms) h.recordValue(Math.round(v * 1000))
  return h
}

/** A run's metrics, as thresholds see them. */
function source(overrides: Partial<{ latency: Record<string, Histogram>; ratio: Record<string, [number, number]>; perSecond: Record<string, [number, number]> }>): MetricSource {
  const key = (metric: string, tag?: ThresholdDefinition['tag']) => (tag ? `${metric}{${tag.key}=${tag.value}}` : metric)
  return {
    latency: (m, tag) => overrides.latency?.[key(m, tag)],
    ratio: (m, tag) => {
      const r = overrides.ratio?.[key(m, tag)] ?? [0, 0]
      return { part: r[0], whole: r[1] }
    },
    perSecond: (m, tag) => {
      const r = overrides.perSecond?.[key(m, tag)] ?? [0, 0]
      return { count: r[0], seconds: r[1] }
    },
  }
}

describe('threshold names', () => {
  it('reads every name the contract fixes', () => {
    for (const stat of ['p50', 'p90', 'p95', 'p99', 'p999', 'max']) expect(parseThresholdName(`turn_latency_${stat}`).metric).toBe('turn_latency')
    for (const stat of ['p50', 'p95', 'p99']) expect(parseThresholdName(`service_time_${stat}`).metric).toBe('service_time')
    for (const name of ['error_rate', 'dropped_rate', 'throughput', 'conversations_per_s']) expect(parseThresholdName(name).metric).toBe(name)
    expect(parseThresholdName('turn_latency_p999').percentile).toBe(99.9)
    expect(parseThresholdName('turn_latency_max').percentile).toBe(100)
  })

  it('narrows by state or integration', () => {
    expect(parseThresholdName('service_time_p95{state=detect_intent}', targets).tag).toEqual({ key: 'state', value: 'detect_intent' })
    expect(parseThresholdName('error_rate{integration=crm_lookup}', targets).tag).toEqual({ key: 'integration', value: 'crm_lookup' })
    expect(parseThresholdName('turn_latency_p99{ state = greeting }', targets).tag).toEqual({ key: 'state', value: 'greeting' })
  })

  it('refuses an unknown metric instead of passing it silently, and suggests the likely one', () => {
    expect(() => parseThresholdName('turn_latncy_p95')).toThrow(ThresholdSyntaxError)
    expect(() => parseThresholdName('turn_latncy_p95')).toThrow(/unknown metric "turn_latncy_p95" \(did you mean turn_latency_p95\?\)/)
    expect(() => parseThresholdName('http_req_duration')).toThrow(/unknown metric/)
  })

  it('refuses a latency without a statistic, an unknown statistic, an unknown tag', () => {
    expect(() => parseThresholdName('turn_latency')).toThrow(/needs a statistic/)
    expect(() => parseThresholdName('turn_latency_p42')).toThrow(/unknown statistic "p42"/)
    expect(() => parseThresholdName('turn_latency_p95{flow=x}')).toThrow(/unknown tag "flow"/)
    expect(() => parseThresholdName('dropped_rate{state=greeting}', targets)).toThrow(/cannot be narrowed by state/)
  })

  it('refuses a state or integration the flow does not have (it could never fail)', () => {
    expect(() => parseThresholdName('turn_latency_p95{state=nowhere}', targets)).toThrow(/the flow has no state "nowhere" \(states: detect_intent, greeting\)/)
    expect(() => parseThresholdName('error_rate{integration=billing}', targets)).toThrow(/no integration "billing"/)
  })
})

describe('threshold conditions', () => {
  it('converts every unit to the metric\'s report unit', () => {
    expect(parseCondition('< 5ms', 'latency', 'turn_latency')).toEqual({ text: '< 5ms', op: '<', value: 5 })
    expect(parseCondition('<=1.5s', 'latency', 'turn_latency').value).toBe(1500)
    expect(parseCondition('< 20', 'latency', 'turn_latency').value).toBe(20)
    expect(parseCondition('< 1%', 'rate', 'error_rate').value).toBe(1)
    expect(parseCondition('< 0.01', 'rate', 'error_rate').value).toBe(1)
    expect(parseCondition('> 1000/s', 'per_second', 'throughput')).toMatchObject({ op: '>', value: 1000 })
    expect(parseCondition('= 0', 'rate', 'dropped_rate').op).toBe('==')
  })

  it('refuses a unit that does not fit the metric, and text that is not a condition', () => {
    expect(() => parseCondition('< 5%', 'latency', 'turn_latency')).toThrow(/compared with a duration/)
    expect(() => parseCondition('< 5ms', 'per_second', 'throughput')).toThrow(/rate per second/)
    expect(() => parseCondition('fast', 'latency', 'turn_latency')).toThrow(/not a condition/)
    expect(() => parseCondition('5ms', 'latency', 'turn_latency')).toThrow(/not a condition/)
  })
})

describe('evaluating thresholds', () => {
  it('judges latency percentiles from the merged histogram', () => {
    const h = histogramOfMs(...Array.from({ length: 99 }, () => 1), 40)
    const verdicts = evaluateThresholds([define('turn_latency_p95', '< 5ms'), define('turn_latency_max', '< 10ms')], source({ latency: { turn_latency: h } }))
    expect(verdicts).toEqual([
      { name: 'turn_latency_p95', condition: '< 5ms', value: 1, unit: 'ms', passed: true },
      // HDR answers with the top of the value's bucket: within 0.1%.
      { name: 'turn_latency_max', condition: '< 10ms', value: expect.closeTo(40, 0), unit: 'ms', passed: false },
    ])
  })

  it('judges rates in percent and throughput per second', () => {
    const s = source({ ratio: { error_rate: [3, 200] }, perSecond: { throughput: [5000, 4] } })
    const [err, thr] = evaluateThresholds([define('error_rate', '< 1%'), define('throughput', '> 1000/s')], s)
    expect(err).toMatchObject({ value: 1.5, unit: '%', passed: false })
    expect(thr).toMatchObject({ value: 1250, unit: '/s', passed: true })
  })

  it('narrows by tag', () => {
    const s = source({ latency: { 'service_time{state=detect_intent}': histogramOfMs(0.2, 0.3) } })
    const [v] = evaluateThresholds([define('service_time_p95{state=detect_intent}', '< 5ms')], s)
    expect(v).toMatchObject({ value: 0.3, passed: true })
  })

  it('fails a threshold with no data, saying why', () => {
    const [v] = evaluateThresholds([define('turn_latency_p99{state=greeting}', '< 5ms')], source({}))
    expect(v).toMatchObject({ value: null, passed: false })
    expect(v!.note).toMatch(/no samples of turn_latency for state greeting/)
  })

  it('gives one verdict per condition of a list', () => {
    const s = source({ latency: { turn_latency: histogramOfMs(3) } })
    const verdicts = evaluateThresholds([define('turn_latency_p50', '< 5ms', '> 2ms', '< 1ms')], s)
    expect(verdicts.map((v) => v.passed)).toEqual([true, true, false])
  })

  it('aborts only abort_on_fail thresholds that are past their delay and missed', () => {
    const slow = source({ latency: { turn_latency: histogramOfMs(50) } })
    const def = { ...define('turn_latency_p99', '< 10ms'), abort_on_fail: true, delay_abort_eval_ms: 5000 }
    expect(thresholdsToAbort([def], slow, 4000)).toEqual([])
    expect(thresholdsToAbort([def], slow, 5000)).toHaveLength(1)
    expect(thresholdsToAbort([{ ...def, abort_on_fail: false }], slow, 60_000)).toEqual([])
    // No data yet is not a reason to abort.
    expect(thresholdsToAbort([def], source({}), 60_000)).toEqual([])
  })
})
