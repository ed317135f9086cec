import { describe, expect, it } from 'vitest'
import { flow, conversation } from './helpers'

describe('smoke', () => {
  it('greets, classifies and answers', async () => {
    const { conv } = conversation(
      flow({
        intents: { help: ['I need help', 'help me'], bye: ['goodbye'] },
        states: {
          greeting: { type: 'response', config: { response_templates: { default: 'Hello!' } }, transitions: [{ condition: 'any_input', target_state: 'route' }] },
          route: {
            type: 'intent',
            transitions: [
              { condition: 'intent_match', condition_value: 'help', target_state: 'help' },
              { condition: 'fallback', target_state: 'greeting', priority: 999 },
            ],
          },
          help: { type: 'end', config: { response_templates: { default: 'here to help {input}' } } },
        },
      }),
    )
    const s = await conv.start()
    expect(s.replies).toEqual([{ text: 'Hello!', state: 'greeting' }])
    const r = await conv.send({ type: 'message', text: 'I need help' })
    expect(r.path).toEqual(['route', 'help'])
    expect(r.intent).toBe('help')
    expect(r.confidence).toBe(1)
    expect(r.replies[0]!.text).toBe('here to help I need help')
    expect(r.ended).toBe(true)
    expect(r.transitions).toEqual(['greeting -> route [any_input]', 'route -> help [intent_match help]'])
  })
})
