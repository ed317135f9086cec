// The benchmark must measure real work: its flows run their scripts without turn errors.
import { describe, expect, it } from 'vitest'
import { BENCH_CASES, instant } from '../../bench/engine.bench'
import { compileFlow, Engine, FakeClock } from '../../../src-main/core/engine/index'

describe('benchmark flows', () => {
  for (const [name, c] of Object.entries(BENCH_CASES)) {
    it(`${name} runs its script without errors`, async () => {
      const engine = new Engine(compileFlow(c.doc), { integrations: instant })
      const conv = engine.createConversation({ user_id: 'u1', user_profile: { returning_user: true, name: 'Sam' }, clock: new FakeClock() })
      await conv.start()
      const results = []
      for (const text of c.script) results.push(await conv.send({ type: 'message', text }))
      expect(results.flatMap((r) => r.errors)).toEqual([])
      expect(results.every((r) => r.replies.length > 0)).toBe(true)
      if (name === 'slot_filling') expect(results[2]!.replies[0]!.text).toBe('2 large pizzas for Alice. Another?')
      if (name === 'integration_instant') expect(results[0]!.replies[0]!.text).toBe('Order 12345 is shipped, arriving tomorrow.')
      if (name === 'greeting_intent') expect(results.map((r) => r.intent)).toEqual(['help', 'order_status', null, 'goodbye', 'billing', 'help'])
    })
  }
})
