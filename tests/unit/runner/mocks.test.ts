import { describe, expect, it } from 'vitest'
import { FakeClock, IntegrationError } from '../../../src-main/core/engine'
import { MOCK_ERROR_STATUS, MockIntegrations, SnapshotNlu } from '../../../src-main/core/runner/mocks'
import type { IntegrationRequest } from '../../../src-main/common/plugin-api'

const req: IntegrationRequest = { method: 'GET', params: {}, config: {} }
const ctx = (clock = new FakeClock(), signal = new AbortController().signal) => ({ clock, signal })

describe('SnapshotNlu', () => {
  it('answers recorded inputs exactly; confidence defaults to 1', async () => {
    const nlu = new SnapshotNlu({ 'I need help': { intent: 'help', confidence: 0.92, entities: { topic: 'billing' } }, hi: { intent: 'greet' } }, false)
    await expect(nlu.classify('I need help')).resolves.toEqual({ intent: 'help', confidence: 0.92, entities: { topic: 'billing' } })
    await expect(nlu.classify('hi')).resolves.toEqual({ intent: 'greet', confidence: 1, entities: {} })
    await expect(nlu.classify('i need help')).resolves.toBeNull()
    expect(nlu.misses).toEqual([])
  })

  it('strict: a miss is recorded and the call fails', async () => {
    const nlu = new SnapshotNlu({}, true)
    await expect(nlu.classify('unknown')).rejects.toThrow(/nlu_strict/)
    expect(nlu.misses).toEqual(['unknown'])
  })

  it('does not answer for inherited keys', async () => {
    await expect(new SnapshotNlu({}, false).classify('constructor')).resolves.toBeNull()
  })
})

describe('MockIntegrations', () => {
  it('answers in order, the last answer repeating; status_code defaults to 200', async () => {
    const m = new MockIntegrations({ crm: [{ respond: { data: { n: 1 } } }, { respond: { status_code: 404 } }] })
    await expect(m.call('crm', req, ctx())).resolves.toEqual({ status_code: 200, data: { n: 1 } })
    await expect(m.call('crm', req, ctx())).resolves.toEqual({ status_code: 404 })
    await expect(m.call('crm', req, ctx())).resolves.toEqual({ status_code: 404 })
    expect(m.callsMade('crm')).toBe(3)
  })

  it('every instance starts each sequence afresh', async () => {
    const seq = { crm: [{ respond: { data: 1 } }, { respond: { data: 2 } }] }
    const a = new MockIntegrations(seq)
    await a.call('crm', req, ctx())
    await expect(new MockIntegrations(seq).call('crm', req, ctx())).resolves.toMatchObject({ data: 1 })
  })

  it('delay_ms waits on the conversation clock', async () => {
    const clock = new FakeClock(1000)
    const m = new MockIntegrations({ crm: [{ respond: { data: 'late', delay_ms: 20 } }] })
    const answer = m.call('crm', req, ctx(clock))
    // The fake clock fires the timer once nothing else can run; no real waiting.
    await expect(answer).resolves.toMatchObject({ data: 'late' })
    expect(clock.now()).toBe(1020)
  })

  it('fail: timeout never answers until the call is aborted', async () => {
    const controller = new AbortController()
    const m = new MockIntegrations({ crm: [{ fail: 'timeout' }] })
    let settled = false
    const p = m.call('crm', req, ctx(new FakeClock(), controller.signal)).finally(() => { settled = true })
    await new Promise((r) => setImmediate(r))
    expect(settled).toBe(false)
    controller.abort(new Error('deadline'))
    await expect(p).rejects.toThrow('deadline')
  })

  it('fail: error answers a server error; network throws; malformed answers no status_code', async () => {
    const m = new MockIntegrations({ a: [{ fail: 'error' }], b: [{ fail: 'network' }], c: [{ fail: 'malformed' }] })
    await expect(m.call('a', req, ctx())).resolves.toMatchObject({ status_code: MOCK_ERROR_STATUS })
    await expect(m.call('b', req, ctx())).rejects.toBeInstanceOf(IntegrationError)
    const malformed = (await m.call('c', req, ctx())) as unknown as Record<string, unknown>
    expect(malformed.status_code).toBeUndefined()
  })

  it('an id without a mock is recorded (the test errors), or fails as unserved for `flowbench run`', async () => {
    const recording = new MockIntegrations({})
    expect(recording.has('crm')).toBe(true)
    await expect(recording.call('crm', req, ctx())).rejects.toThrow(/no mock/)
    expect([...recording.unmocked]).toEqual(['crm'])
    expect(new MockIntegrations({}, 'fail').has('crm')).toBe(false)
  })
})
