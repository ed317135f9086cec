// The simulator streams a plugin generator's reply as simulatorChunk events while the turn runs,
// and every turn carries the context memory of flows with settings.memory.
import { afterEach, describe, expect, it } from 'vitest'
import type { SimulatorChunk } from '../../../src-main/common/api'
import { openCore, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

const FILES = {
  'flowbench.json': '{}',
  'flows/story.flow.yaml': `name: story
initial_state: ask
settings:
  memory: { max_turns: 2 }
states:
  ask:
    type: response
    config: { response_templates: { default: "What shall I tell?" } }
    transitions: [{ condition: any_input, target_state: tell }]
  tell:
    type: response
    config: { generate: { generator: story, prompt: "a time {input}" } }
    transitions: [{ condition: any_input, target_state: tell }]
`,
  'plugins/story/package.json': JSON.stringify({ name: 'flowbench-plugin-story', version: '1.0.0', type: 'module', main: 'index.js', flowbench: { apiVersion: 1, generators: ['story'] } }),
  'plugins/story/index.js': `export default { generators: { story: { async *generate(req) { for (const w of ('Once upon ' + req.prompt).split(/(?<= )/)) yield w } } } }`,
}

describe('simulator: streamed replies and memory', () => {
  it('emits each chunk as a simulatorChunk event before send answers; replays do not', async () => {
    ws = tempWorkspace(FILES)
    const c = await openCore(ws)
    cores.push(c)
    await c.api.workspace.setTrust(true)
    const session = await c.api.simulator.start({ flow: 'flows/story.flow.yaml' })
    expect(session.turns[0]!.result.memory).toMatchObject({ token_count: expect.any(Number), max_turns: 2, compressions: 0 })
    const chunks = (): SimulatorChunk[] => c.events.filter((e) => e.event === 'simulatorChunk').map((e) => e.payload as SimulatorChunk)
    const turn = await c.api.simulator.send(session.session, { type: 'message', text: 'there' })
    expect(chunks()).toEqual(['Once ', 'upon ', 'a ', 'time ', 'there'].map((text, index) => ({ sessionId: session.session, turn: 1, index, state: 'tell', text })))
    expect(turn.result.replies).toEqual([{ text: 'Once upon a time there', state: 'tell', chunks: 5 }])
    expect(turn.result.memory!.turns.at(-1)).toEqual({ turn: 1, role: 'bot', text: 'Once upon a time there' })
    const before = chunks().length
    await c.api.simulator.rewind(session.session, 1)
    expect(chunks().length).toBe(before)
  })

  it('an untrusted workspace: the turn says why the generator cannot run, and no chunk is sent', async () => {
    ws = tempWorkspace(FILES)
    const c = await openCore(ws)
    cores.push(c)
    const session = await c.api.simulator.start({ flow: 'flows/story.flow.yaml' })
    const turn = await c.api.simulator.send(session.session, { type: 'message', text: 'there' })
    expect(turn.result.errors).toEqual([{ code: 'generation_failed', message: expect.stringContaining('does not run until you trust this workspace'), state: 'tell' }])
    expect(c.events.some((e) => e.event === 'simulatorChunk')).toBe(false)
  })
})
