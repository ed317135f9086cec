// Entity extraction (spec "entities"): value lists and synonyms as whole words, patterns, built-in types.
import { describe, expect, it } from 'vitest'
import { compileFlow, extractEntities, FakeClock, FlowCompileError } from '../../../src-main/core/engine/index'
import { conversation, flow } from './helpers'

const compiled = compileFlow(
  flow({
    entities: {
      service: { values: ['auth', 'auth-service', 'billing'] },
      city: { values: { 'New York': ['nyc', 'big apple'], Boston: ['bos'], New: ['new'] } },
      ticket: { pattern: '/TICKET-\\d+/i' },
      code: { pattern: '[A-Z]{3}\\d' },
      email: { type: 'email' },
      phone: { type: 'phone' },
      amount: { type: 'number' },
      range: { type: 'time_range' },
      day: { type: 'date' },
    },
    states: { s: { type: 'end' } },
  }),
)
// Monday 2024-01-15, 12:00 UTC
const clock = new FakeClock(Date.UTC(2024, 0, 15, 12))
const x = (text: string) => extractEntities(compiled, text, clock)

describe('value lists', () => {
  it('match case-insensitively as whole words and yield the value as declared', () => {
    expect(x('the BILLING page').service).toBe('billing')
    expect(x('rebilling').service).toBeUndefined()
    expect(x('billing_v2').service).toBeUndefined()
    expect(x('billing2').service).toBeUndefined()
  })

  it('treat auth-service as one value: a hyphen is not a word character, but the longer value wins', () => {
    expect(x('auth-service is down').service).toBe('auth-service')
    expect(x('the auth page').service).toBe('auth')
    expect(x('xauth-service').service).toBeUndefined()
  })

  it('map synonyms to their canonical name, which always matches itself', () => {
    expect(x('flying to NYC').city).toBe('New York')
    expect(x('the big apple').city).toBe('New York')
    expect(x('new york please').city).toBe('New York')
    expect(x('going to boston').city).toBe('Boston')
  })

  it('take the earliest match in the input when there are several', () => {
    expect(x('bos then nyc').city).toBe('Boston')
    expect(x('nyc then bos').city).toBe('New York')
    expect(x('billing and auth').service).toBe('billing')
  })
})

describe('patterns', () => {
  it('run on the original text with /re/flags and yield the whole match', () => {
    expect(x('see ticket-123 now').ticket).toBe('ticket-123')
    expect(x('code ABC1 and abc2').code).toBe('ABC1')
    expect(x('code abc1').code).toBeUndefined()
  })

  it('reject an invalid regex at compile time, naming the path', () => {
    expect(() => compileFlow(flow({ entities: { bad: { pattern: '([a-' } }, states: { s: { type: 'end' } } }))).toThrow(FlowCompileError)
    try {
      compileFlow(flow({ entities: { bad: { pattern: '([a-' } }, states: { s: { type: 'end' } } }))
    } catch (err) {
      expect((err as FlowCompileError).message).toMatch(/^entities\.bad\.pattern: invalid regular expression/)
    }
  })
})

describe('built-in types', () => {
  it('email', () => {
    expect(x('mail me at Jane.Doe+x@example.co.uk.').email).toBe('Jane.Doe+x@example.co.uk')
    expect(x('not@anemail').email).toBeUndefined()
  })

  it('phone', () => {
    expect(x('call +1 (555) 123-4567 today').phone).toBe('+1 (555) 123-4567')
    expect(x('call 555-123-4567').phone).toBe('555-123-4567')
    expect(x('123').phone).toBeUndefined()
    expect(x('on 2024-05-01').phone).toBeUndefined()
  })

  it('number gives a JSON number', () => {
    expect(x('I want 3 pizzas').amount).toBe(3)
    expect(x('pay $1,250.50 now').amount).toBe(1250.5)
    expect(x('-4 degrees').amount).toBe(-4)
    expect(x('version v2').amount).toBeUndefined()
    expect(x('the 5th').amount).toBe(5)
  })

  it('time_range reads the spec forms', () => {
    const table: Array<[string, string]> = [
      ['errors in the last 5 minutes', '5m'],
      ['past 2 hours', '2h'],
      ['last 24 hours', '24h'],
      ['last week', '7d'],
      ['Last 2 weeks', '14d'],
      ['past day', '1d'],
      ['last hour', '1h'],
      ['what happened yesterday', '1d'],
      ['last 1 minute', '1m'],
    ]
    for (const [text, want] of table) expect(x(text).range, text).toBe(want)
    expect(x('the last thing').range).toBeUndefined()
  })

  it('date is YYYY-MM-DD on the conversation clock (UTC)', () => {
    const table: Array<[string, string]> = [
      ['today', '2024-01-15'],
      ['tomorrow', '2024-01-16'],
      ['yesterday', '2024-01-14'],
      ['the day after tomorrow', '2024-01-17'],
      ['day before yesterday', '2024-01-13'],
      ['in 3 days', '2024-01-18'],
      ['in 2 weeks', '2024-01-29'],
      ['2 days ago', '2024-01-13'],
      ['on 2024-02-29', '2024-02-29'],
      ['friday', '2024-01-19'],
      ['next monday', '2024-01-22'],
      ['this monday', '2024-01-15'],
      ['March 3rd', '2024-03-03'],
      ['Dec 25, 2025', '2025-12-25'],
      ['5 of june', '2024-06-05'],
      ['the 1st of feb 2023', '2023-02-01'],
    ]
    for (const [text, want] of table) expect(x(text).day, text).toBe(want)
    expect(x('2023-02-30').day).toBeUndefined()
    expect(x('nothing here').day).toBeUndefined()
    const later = new FakeClock(Date.UTC(2030, 5, 1))
    expect(extractEntities(compiled, 'tomorrow', later).day).toBe('2030-06-02')
  })
})

describe('in conversations', () => {
  it('are extracted from every message before any state runs; not on turns without a message', async () => {
    const { conv } = conversation(
      flow({
        entities: { n: { type: 'number' } },
        states: { a: { type: 'response', config: { response_templates: { default: 'got {entities.n}' } }, transitions: [{ condition: 'any_input', target_state: 'a' }] } },
      }),
    )
    expect((await conv.start()).entities).toEqual({})
    const r = await conv.send({ type: 'message', text: 'give me 7' })
    expect(r.entities).toEqual({ n: 7 })
    expect(r.replies[0]!.text).toBe('got 7')
  })

  it('use the conversation clock for dates', async () => {
    const clock = new FakeClock(Date.UTC(2025, 11, 31))
    const { conv } = conversation(
      flow({ entities: { d: { type: 'date' } }, states: { a: { type: 'response', config: { response_templates: { default: '{entities.d}' } }, transitions: [{ condition: 'any_input', target_state: 'a' }] } } }),
      {},
      { clock },
    )
    await conv.start()
    expect((await conv.send({ type: 'message', text: 'tomorrow' })).entities['d']).toBe('2026-01-01')
    await conv.wait(86_400_000)
    expect((await conv.send({ type: 'message', text: 'tomorrow' })).entities['d']).toBe('2026-01-02')
  })
})
