import { describe, expect, it } from 'vitest'
import { applyDefaults, mergeDeep, mergeMocks, planSuite } from '../../../src-main/core/runner/plan'
import { parseDuration, formatDuration } from '../../../src-main/core/runner/duration'
import type { TestCase, TestSuiteDocument } from '../../../src-main/common/test-schema'

const suite = (doc: Partial<TestSuiteDocument>): TestSuiteDocument => ({ flow: 'f.flow.yaml', tests: [], ...doc })

describe('defaults', () => {
  it("the test's own values win; objects merge key by key", () => {
    const test: TestCase = { name: 't', steps: [], user_id: 'own', user_profile: { tier: 'gold', nested: { b: 2 } } }
    const merged = applyDefaults({ user_id: 'default', tenant_id: 'acme', user_profile: { returning_user: false, tier: 'silver', nested: { a: 1 } } }, test)
    expect(merged).toMatchObject({
      user_id: 'own',
      tenant_id: 'acme',
      user_profile: { returning_user: false, tier: 'gold', nested: { a: 1, b: 2 } },
    })
  })

  it('lists are replaced, not merged', () => {
    expect(mergeDeep({ a: [1, 2] }, { a: [3] })).toEqual({ a: [3] })
    expect(mergeDeep({ a: 1 }, undefined)).toEqual({ a: 1 })
  })

  it('reach the planned conversation seed', () => {
    const [t] = planSuite(suite({ defaults: { user_profile: { returning_user: false } }, tests: [{ name: 't', steps: [], slots: { a: 1 } }] }), 0, 'f', 0)
    expect(t!.seed).toEqual({ user_profile: { returning_user: false }, slots: { a: 1 } })
  })
})

describe('mocks', () => {
  it("a test's integration entry replaces the suite's sequence; nlu entries replace per input; the rest is kept", () => {
    const merged = mergeMocks(
      {
        nlu: { hi: { intent: 'greet', confidence: 0.9 }, bye: { intent: 'bye' } },
        nlu_strict: true,
        integrations: { crm: [{ respond: { data: 1 } }, { fail: 'timeout' }], pay: [{ respond: {} }] },
      },
      { nlu: { hi: { intent: 'other' } }, integrations: { crm: { fail: 'error' } } },
    )
    expect(merged.nlu).toEqual({ hi: { intent: 'other' }, bye: { intent: 'bye' } })
    expect(merged.nlu_strict).toBe(true)
    expect(merged.integrations).toEqual({ crm: [{ fail: 'error' }], pay: [{ respond: {} }] })
  })

  it('nlu_strict from the test wins, default false', () => {
    expect(mergeMocks({ nlu_strict: true }, { nlu_strict: false }).nlu_strict).toBe(false)
    expect(mergeMocks(undefined, undefined).nlu_strict).toBe(false)
  })
})

describe('each', () => {
  const doc = suite({
    tests: [{
      name: 'orders a ${size} pizza',
      tags: ['${tag}'],
      each: [{ size: 'large', n: 3, tag: 'a', flag: true }, { size: 'small', n: 1, tag: 'b', flag: false }],
      user_profile: { count: '${n}', label: 'n=${n}', flag: '${flag}', unknown: '${nope}' },
      steps: [{ user: 'a ${size} one', expect: { slots: { size: '${size}', count: '${n}' } } }],
    } as unknown as TestCase],
  })
  const planned = planSuite(doc, 0, 'f', 0)

  it('runs once per map, named `name [i]`', () => {
    expect(planned.map((t) => t.name)).toEqual(['orders a large pizza [0]', 'orders a small pizza [1]'])
    expect(planned.map((t) => t.instance)).toEqual([0, 1])
    expect(planned.map((t) => t.baseName)).toEqual(['orders a ${size} pizza', 'orders a ${size} pizza'])
  })

  it('replaces ${param} in every string; an exact ${param} keeps the type', () => {
    const [a] = planned
    expect(a!.steps[0]).toMatchObject({ kind: 'user', text: 'a large one', expect: { slots: { size: 'large', count: 3 } } })
    expect(a!.seed.user_profile).toEqual({ count: 3, label: 'n=3', flag: true, unknown: '${nope}' })
    expect(a!.tags).toEqual(['a'])
    expect(planned[1]!.seed.user_profile).toMatchObject({ flag: false })
  })

  it('an empty each is an error of that test', () => {
    const [t] = planSuite(suite({ tests: [{ name: 'x', each: [], steps: [] } as TestCase] }), 0, 'f', 0)
    expect(t!.problem).toContain('each is empty')
  })
})

describe('steps', () => {
  const plan = (steps: unknown[]) => planSuite(suite({ tests: [{ name: 't', steps } as TestCase] }), 0, 'f', 0)[0]!

  it('a first step with only expect checks start', () => {
    expect(plan([{ expect: { state: 'a' } }, { user: 'hi' }]).steps.map((s) => s.kind)).toEqual(['start', 'user'])
  })

  it('user, event, wait', () => {
    const t = plan([{ user: 'hi' }, { event: 'approve' }, { event: 'reject' }, { wait: '30s' }, { wait: '1.5m' }, { wait: '250ms' }])
    expect(t.problem).toBeUndefined()
    expect(t.steps).toEqual([
      { kind: 'user', text: 'hi', expect: undefined },
      { kind: 'event', event: 'approve', expect: undefined },
      { kind: 'event', event: 'reject', expect: undefined },
      { kind: 'wait', ms: 30_000, text: '30s', expect: undefined },
      { kind: 'wait', ms: 90_000, text: '1.5m', expect: undefined },
      { kind: 'wait', ms: 250, text: '250ms', expect: undefined },
    ])
  })

  it('a step that does not say what to do, or does two things, makes the test an error at that step', () => {
    expect(plan([{ user: 'a' }, { expect: { state: 'x' } }])).toMatchObject({ problemStep: 1 })
    expect(plan([{ user: 'a', wait: '1s' }]).problem).toContain('does one thing')
    expect(plan([{ wait: 'soon' }]).problem).toContain('duration')
    expect(plan([{ event: 'maybe' }]).problem).toContain('approve or reject')
  })
})

describe('durations', () => {
  it('<n>(ms|s|m|h)', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration(' 2 m ')).toBe(120_000)
    expect(parseDuration('1h')).toBe(3_600_000)
    expect(parseDuration('10')).toBeUndefined()
    expect(parseDuration('5d')).toBeUndefined()
    expect(formatDuration(90_000)).toBe('90s')
    expect(formatDuration(120_000)).toBe('2m')
    expect(formatDuration(250)).toBe('250ms')
  })
})
