// @vitest-environment happy-dom
import { beforeEach, describe, expect, it } from 'vitest'
import type { SimulatorSession, SimulatorTurn } from '../../../src-main/common/api'
import { formatClock, parseDuration, parseMocks, useSimulatorStore } from '../../../src-renderer/src/stores/simulator'
import { installFake, turn } from './fixtures'

describe('simulator helpers', () => {
  it('reads durations like the test format', () => {
    expect(parseDuration('30s')).toBe(30_000)
    expect(parseDuration('5m')).toBe(300_000)
    expect(parseDuration('250ms')).toBe(250)
    expect(parseDuration('2')).toBe(2000)
    expect(parseDuration('soon')).toBeNull()
    expect(formatClock(65_000)).toBe('01:05')
    expect(formatClock(3_726_000)).toBe('1:02:06')
  })

  it('parses mocks YAML and names what is wrong', () => {
    expect(parseMocks('')).toEqual({ mocks: {} })
    expect(parseMocks('integrations:\n  crm: [{ respond: { status_code: 200 } }]\n')).toEqual({ mocks: { integrations: { crm: [{ respond: { status_code: 200 } }] } } })
    expect(parseMocks('crm: 1')).toEqual({ error: expect.stringContaining('Unknown key: crm') })
    expect(parseMocks('integrations: [')).toHaveProperty('error')
  })
})

describe('simulator store', () => {
  let session: SimulatorSession
  const t = (index: number, step: SimulatorTurn['step'], state: string, extra: Partial<SimulatorTurn['result']> = {}): SimulatorTurn => ({
    index,
    step,
    clock_ms: index * 1000,
    result: turn({ turn: index, state, path: [state], ...extra }),
  })

  beforeEach(() => {
    session = { session: 's1', flow: 'flows/a.flow.yaml', user_profile: {}, mocks: {}, turns: [], clock_ms: 0, ended: false }
    installFake({
      simulator: {
        profiles: async () => [{ name: 'vip', source: 'flowbench.json', user_profile: { vip: true } }],
        start: async (options) => {
          session = { ...session, user_profile: options.user_profile ?? {}, mocks: options.mocks ?? {}, turns: [t(0, { type: 'start' }, 'greeting')] }
          return session
        },
        send: async (_id, event) => {
          const next = t(session.turns.length, event, event.type === 'message' && event.text === 'bye' ? 'done' : 'help', { ended: event.type === 'message' && event.text === 'bye' })
          session = { ...session, turns: [...session.turns, next] }
          return next
        },
        rewind: async (_id, index) => {
          session = { ...session, turns: session.turns.slice(0, index + 1), ended: false }
          return session
        },
        setMocks: async (_id, mocks) => ({ ...session, mocks }),
        saveAsTest: async (o) => ({ file: o.file, name: o.name, created: true }),
        close: async () => undefined,
      },
    })
  })

  it('starts with the chosen profile and mocks, chats, and records the path', async () => {
    const sim = useSimulatorStore()
    await sim.selectFlow('flows/a.flow.yaml')
    sim.profileIndex = 0
    sim.mocksText = 'integrations:\n  crm: { respond: { status_code: 200 } }\n'
    await sim.start()
    expect(sim.session?.user_profile).toEqual({ vip: true })
    expect(sim.mocksDirty).toBe(false)

    await sim.send('help me')
    await sim.send('bye')
    expect(sim.turns.map((x) => x.result.state)).toEqual(['greeting', 'help', 'done'])
    expect(sim.ended).toBe(true)
    expect([...sim.conversationPath.states]).toEqual(['greeting', 'help', 'done'])
    expect(sim.selected?.index).toBe(2)
  })

  it('steps back to an earlier turn and continues from there', async () => {
    const sim = useSimulatorStore()
    await sim.selectFlow('flows/a.flow.yaml')
    await sim.start()
    await sim.send('help me')
    await sim.send('bye')
    await sim.rewind(1)
    expect(sim.turns).toHaveLength(2)
    expect(sim.ended).toBe(false)
    await sim.send('more')
    expect(sim.turns.map((x) => x.index)).toEqual([0, 1, 2])
  })

  it('refuses to start with mocks that do not parse', async () => {
    const sim = useSimulatorStore()
    await sim.selectFlow('flows/a.flow.yaml')
    sim.mocksText = 'nlu: ['
    await sim.start()
    expect(sim.session).toBeNull()
    expect(sim.mocksError).toBeTruthy()
  })

  it('saves the conversation as a test', async () => {
    const sim = useSimulatorStore()
    await sim.selectFlow('flows/a.flow.yaml')
    await sim.start()
    const saved = await sim.saveAsTest({ file: 'tests/a.test.yaml', name: 'greets', tags: ['smoke'] })
    expect(saved).toEqual({ file: 'tests/a.test.yaml', name: 'greets', created: true })
  })
})
