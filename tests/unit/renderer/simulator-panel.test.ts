// @vitest-environment happy-dom
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { SimulatorSession, SimulatorTurn } from '../../../src-main/common/api'
import SimulatorPanel from '../../../src-renderer/src/features/simulator/SimulatorPanel.vue'
import TurnInspector from '../../../src-renderer/src/features/simulator/TurnInspector.vue'
import { useSimulatorStore } from '../../../src-renderer/src/stores/simulator'
import { installFake, memoryWorkspace, settle, turn } from './fixtures'

const LOOKUP: SimulatorTurn = {
  index: 2,
  step: { type: 'message', text: 'dana@example.com' },
  clock_ms: 45_000,
  result: turn({
    turn: 2,
    input: 'dana@example.com',
    state: 'open_ticket',
    path: ['collect_contact', 'lookup_customer', 'open_ticket'],
    intent: 'report_issue',
    confidence: 0.91,
    entities: { email: 'dana@example.com' },
    slots: { name: 'Dana', email: 'dana@example.com' },
    variables: { customer_tier: 'gold' },
    missing_slots: [],
    integration_calls: [
      { id: 'crm_lookup', request: { email: 'dana@example.com' }, success: true, state: 'lookup_customer', status_code: 200, data: { tier: 'gold' }, attempts: 1, duration_ms: 120 },
    ],
    warnings: [{ code: 'missing_value', message: 'template value {first_name} is missing', state: 'greeting' }],
    errors: [{ code: 'no_transition', message: 'no transition matched', state: 'open_ticket' }],
    duration_us: 2400,
  }),
}

describe('TurnInspector', () => {
  it('shows everything a turn produced', async () => {
    const wrapper = mount(TurnInspector, { props: { turn: LOOKUP } })
    const text = wrapper.text()
    expect(wrapper.get('[data-testid="turn-path"]').text()).toBe('collect_contactlookup_customeropen_ticket')
    expect(wrapper.get('[data-testid="turn-intent"]').text()).toContain('report_issue')
    expect(text).toContain('0.91')
    expect(text).toContain('"dana@example.com"')
    expect(text).toContain('"gold"')
    expect(text).toContain('crm_lookup')
    expect(text).toContain('120 ms')
    expect(text).toContain('no_transition')
    expect(text).toContain('template value {first_name} is missing')
    expect(wrapper.get('[data-testid="turn-time"]').text()).toContain('2.4 ms')
    await wrapper.get('.call').trigger('click')
    expect(wrapper.text()).toContain('"email": "dana@example.com"')
    expect(wrapper.text()).toContain('"tier": "gold"')
  })
})

describe('SimulatorPanel', () => {
  function session(turns: SimulatorTurn[], ended = false): SimulatorSession {
    return { session: 's', flow: 'flows/support.flow.yaml', user_profile: {}, mocks: {}, turns, clock_ms: 45_000, ended }
  }

  it('shows the conversation and steps back to an earlier turn', async () => {
    const start: SimulatorTurn = { index: 0, step: { type: 'start' }, clock_ms: 0, result: turn({ turn: 0, event: 'start', state: 'greeting', path: ['greeting'], replies: [{ text: 'Hi there!', state: 'greeting' }] }) }
    const help: SimulatorTurn = { index: 1, step: { type: 'message', text: 'help' }, clock_ms: 0, result: turn({ turn: 1, state: 'help', path: ['help'], replies: [{ text: 'I can help.', state: 'help' }] }) }
    const rewound: number[] = []
    const ws = memoryWorkspace({ 'flows/support.flow.yaml': 'x' })
    installFake({
      workspace: ws.handlers,
      simulator: {
        profiles: async () => [],
        start: async () => session([start]),
        send: async () => help,
        rewind: async (_s, index) => (rewound.push(index), session([start])),
        close: async () => undefined,
      },
    })
    const wrapper = mount(SimulatorPanel)
    const sim = useSimulatorStore()
    await sim.selectFlow('flows/support.flow.yaml')
    await sim.start()
    await settle()
    await wrapper.get('[data-testid="sim-input"]').setValue('help')
    await wrapper.get('form.send').trigger('submit')
    await settle()
    expect(wrapper.findAll('[data-testid="sim-reply"]').map((r) => r.text())).toEqual(['Hi there!', 'I can help.'])
    await wrapper.get('[data-testid="sim-rewind"]').trigger('click')
    await settle()
    expect(rewound).toEqual([0])
    expect(wrapper.findAll('[data-testid="sim-turn"]')).toHaveLength(1)
  })

  it('invites the user to pick a flow when nothing runs', () => {
    installFake({ workspace: memoryWorkspace({}).handlers })
    const wrapper = mount(SimulatorPanel)
    expect(wrapper.get('[data-state="empty"]').text()).toContain('Chat with a flow')
  })
})
