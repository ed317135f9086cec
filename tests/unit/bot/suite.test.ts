// The sample workspace's test suites driven through the HTTP API by a small client (each test's
// user steps become messages, approvals become events) give, turn by turn, the same replies,
// states and intents as the same conversations run in-process on the engine. Both sides run
// without mocks or plugins (the HTTP API has neither), so integrations fail the same way on
// both and the flows take the same error branches.
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compileFlow, Engine } from '../../../src-main/core/engine'
import { loadFlowFile, loadTestSuiteFile } from '../../../src-main/core/flow/load'
import { planSuite, type PlannedTest } from '../../../src-main/core/runner/plan'
import type { TurnResult } from '../../../src-main/common/turn'
import { KEY, SAMPLES } from './helpers'
import { createBotServer, type BotServer } from '../../../src-main/core/bot'

interface Outcome {
  replies: string[]
  state: string
  intent: string | null
  ended: boolean
  errors: string[]
}

const outcome = (t: Pick<TurnResult, 'replies' | 'state' | 'intent' | 'ended' | 'errors'>): Outcome => ({
  replies: t.replies.map((r) => r.text),
  state: t.state,
  intent: t.intent,
  ended: t.ended,
  errors: t.errors.map((e) => e.code),
})

/** A tiny client of the bot API, as a chat front end would write it. */
class BotClient {
  constructor(private readonly url: string) {}

  private async post(path: string, body: unknown): Promise<{ status: number; body: any }> {
    const res = await fetch(this.url + path, { method: 'POST', headers: { 'Content-Type': 'application/json', 'X-API-Key': KEY }, body: JSON.stringify(body) })
    return { status: res.status, body: await res.json() }
  }

  start(flow: string, seed: PlannedTest['seed']) {
    return this.post('/v1/sessions', { flow, ...seed })
  }

  say(id: string, text: string) {
    return this.post(`/v1/sessions/${id}/messages`, { text })
  }

  event(id: string, type: 'approve' | 'reject') {
    return this.post(`/v1/sessions/${id}/events`, { type })
  }
}

let server: BotServer
let client: BotClient

beforeAll(async () => {
  server = await createBotServer({ root: SAMPLES, apiKey: KEY, limits: { rate: 0 } })
  const { url } = await server.listen(0, '127.0.0.1')
  client = new BotClient(url)
})
afterAll(() => server.close())

const suites = readdirSync(join(SAMPLES, 'tests')).filter((f) => f.endsWith('.test.yaml'))

describe('the sample suites over HTTP match the in-process engine', () => {
  it('finds the sample suites', () => {
    expect(suites.length).toBeGreaterThanOrEqual(3)
  })

  for (const file of suites) {
    it(`${file}: every test, turn by turn`, async () => {
      const suite = await loadTestSuiteFile(join(SAMPLES, 'tests', file))
      const flowPath = join(SAMPLES, 'tests', suite.document.flow)
      const flowFile = join('flows', flowPath.split('/flows/')[1]!)
      const flow = await loadFlowFile(flowPath)
      const engine = new Engine(compileFlow(flow.document), { seed: 0 })
      const tests = planSuite(suite.document, 0, flowFile, 0).filter((t) => !t.skip && !t.problem)
      expect(tests.length).toBeGreaterThan(0)
      let turns = 0
      for (const test of tests) {
        const created = await client.start(flowFile, test.seed)
        expect(created.status, `${test.name}: ${JSON.stringify(created.body)}`).toBe(201)
        const id = created.body.session_id as string
        // Same conversation id: template variants are picked by a seed mixed with it.
        const local = engine.createConversation({ ...test.seed, conversation_id: id })
        const startLocal = await local.start()
        expect(outcome(created.body.turn), `${test.name}: start`).toEqual(outcome(startLocal))
        for (const step of test.steps) {
          if (step.kind === 'start') continue
          // Waiting on the conversation clock has no HTTP counterpart: the comparison stops there.
          if (step.kind === 'wait') break
          if (local.ended) break
          const [remote, mine] =
            step.kind === 'user'
              ? [await client.say(id, step.text), await local.send({ type: 'message', text: step.text })]
              : [await client.event(id, step.event), await local.send({ type: step.event })]
          if (remote.status === 409) {
            // The API refuses an approval nothing waits for; the engine answers it with a turn error.
            expect(mine.errors.map((e) => e.code), test.name).toContain('no_pending_approval')
            break
          }
          expect(remote.status, `${test.name}: ${JSON.stringify(remote.body)}`).toBe(200)
          expect(outcome(remote.body), `${test.name}: ${step.kind === 'user' ? step.text : step.event}`).toEqual(outcome(mine))
          turns++
        }
      }
      expect(turns).toBeGreaterThan(tests.length)
    }, 120_000)
  }
})
