// @vitest-environment happy-dom
// The simulator's view of context memory (the turn inspector's memory section) and of streamed
// replies (a bubble that grows with each simulatorChunk event while the turn is being sent).
import { mount } from '@vue/test-utils'
import { describe, expect, it } from 'vitest'
import type { SimulatorSession, SimulatorTurn } from '../../../src-main/common/api'
import type { MemorySnapshot } from '../../../src-main/common/turn'
import SimulatorPanel from '../../../src-renderer/src/features/simulator/SimulatorPanel.vue'
import TurnInspector from '../../../src-renderer/src/features/simulator/TurnInspector.vue'
import { useSimulatorStore } from '../../../src-renderer/src/stores/simulator'
import { installFake, memoryWorkspace, settle, turn } from './fixtures'

const MEMORY: MemorySnapshot = {
  turns: [
    { turn: 3, role: 'user', text: 'what about memory' },
    { turn: 3, role: 'bot', text: 'Memory usage for auth-service: 61% now.' },
    { turn: 4, role: 'user', text: 'thanks' },
  ],
  summary: 'Goals: query_metrics.\nKnown: service=auth-service; metric=cpu.',
  token_count: 45,
  compression_applied: true,
  compressions: 1,
  summarised_turns: 3,
  max_turns: 4,
  token_budget: 50,
  keep_recent: 2,
  summarizer: 'built-in',
}

function withMemory(memory: MemorySnapshot | undefined): SimulatorTurn {
  return { index: 4, step: { type: 'message', text: 'thanks' }, clock_ms: 0, result: turn({ turn: 4, state: 'understand', path: ['understand'], ...(memory ? { memory } : {}) }) }
}

describe('TurnInspector: context memory', () => {
  it('shows tokens against the budget, the compression, the summary and the verbatim turns', () => {
    const wrapper = mount(TurnInspector, { props: { turn: withMemory(MEMORY) } })
    const section = wrapper.get('[data-testid="turn-memory"]')
    expect(wrapper.get('[data-testid="memory-tokens"]').text()).toBe('45 / 50 tokens')
    const meter = section.get('[role="meter"]')
    expect(meter.attributes('aria-valuenow')).toBe('45')
    expect(meter.get('span').attributes('style')).toContain('width: 90%')
    expect(meter.get('span').classes()).toContain('full')
    expect(section.text()).toContain('2 / 4 turns verbatim')
    expect(wrapper.get('[data-testid="memory-compressed"]').text()).toBe('compressed this turn')
    expect(section.text()).toContain('1 compression · 3 turns summarised')
    expect(wrapper.get('[data-testid="memory-summary"]').text()).toBe('Goals: query_metrics.\nKnown: service=auth-service; metric=cpu.')
    expect(wrapper.findAll('[data-testid="memory-turns"] li').map((li) => li.text())).toEqual([
      '3userwhat about memory',
      '3botMemory usage for auth-service: 61% now.',
      '4userthanks',
    ])
  })

  it('says when nothing is summarised yet, and hides the section for flows without memory', () => {
    const fresh = mount(TurnInspector, { props: { turn: withMemory({ ...MEMORY, summary: null, compression_applied: false, compressions: 0, summarised_turns: 0, token_budget: null }) } })
    expect(fresh.find('[data-testid="memory-compressed"]').exists()).toBe(false)
    expect(fresh.find('[data-testid="memory-summary"]').exists()).toBe(false)
    expect(fresh.get('[data-testid="turn-memory"]').text()).toContain('none yet: older turns are summarised once more than 4 turns are held')
    expect(fresh.get('[data-testid="memory-tokens"]').text()).toBe('45 tokens')
    expect(fresh.find('[role="meter"]').exists()).toBe(false)
    expect(mount(TurnInspector, { props: { turn: withMemory(undefined) } }).find('[data-testid="turn-memory"]').exists()).toBe(false)
  })
})

describe('SimulatorPanel: streamed replies', () => {
  it('grows a bubble with each chunk of the session, then shows the finished reply', async () => {
    const start: SimulatorTurn = { index: 0, step: { type: 'start' }, clock_ms: 0, result: turn({ turn: 0, event: 'start', state: 'ask', path: ['ask'], replies: [{ text: 'Which metric?', state: 'ask' }] }) }
    const done: SimulatorTurn = { index: 1, step: { type: 'message', text: 'cpu' }, clock_ms: 0, result: turn({ turn: 1, state: 'explain', path: ['explain'], replies: [{ text: 'CPU usage is busy time.', state: 'explain', chunks: 4 }] }) }
    const session: SimulatorSession = { session: 's1', flow: 'flows/explain.flow.yaml', user_profile: {}, mocks: {}, turns: [start], clock_ms: 0, ended: false }
    let finish!: (t: SimulatorTurn) => void
    const fake = installFake({
      workspace: memoryWorkspace({ 'flows/explain.flow.yaml': 'x' }).handlers,
      simulator: {
        profiles: async () => [],
        start: async () => session,
        send: () => new Promise<SimulatorTurn>((resolve) => (finish = resolve)),
        close: async () => undefined,
      },
    })
    const wrapper = mount(SimulatorPanel)
    const sim = useSimulatorStore()
    await sim.selectFlow('flows/explain.flow.yaml')
    await sim.start()
    await settle()
    await wrapper.get('[data-testid="sim-input"]').setValue('cpu')
    await wrapper.get('form.send').trigger('submit')
    await settle()
    expect(wrapper.find('[data-testid="sim-streaming"]').exists()).toBe(false)
    fake.emit('simulatorChunk', { sessionId: 's1', turn: 1, index: 0, state: 'explain', text: 'CPU ' })
    await settle()
    expect(wrapper.get('[data-testid="sim-streaming"]').text()).toBe('CPU')
    fake.emit('simulatorChunk', { sessionId: 'other', turn: 1, index: 0, state: 'explain', text: 'NOT MINE ' })
    fake.emit('simulatorChunk', { sessionId: 's1', turn: 1, index: 1, state: 'explain', text: 'usage ' })
    await settle()
    expect(wrapper.get('[data-testid="sim-streaming"]').text()).toBe('CPU usage')
    finish(done)
    await settle()
    expect(wrapper.find('[data-testid="sim-streaming"]').exists()).toBe(false)
    const replies = wrapper.findAll('[data-testid="sim-reply"]')
    expect(replies.map((r) => r.text())).toEqual(['Which metric?', 'CPU usage is busy time.'])
    expect(replies[1]!.attributes('title')).toBe('streamed in 4 chunks')
  })
})
