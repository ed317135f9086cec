// PII redaction: what is matched (emails, phone numbers in their usual shapes, configured
// patterns), what is not (dates, times, order numbers, versions, small integers), stable
// placeholders across one report, and what a report's data looks like afterwards.
import { describe, expect, it } from 'vitest'
import { configuredPatterns, parsePattern, RedactionPatternError, Redactor, redactTestReport } from '../../../src-main/core/reports/redact'
import { report, test, turn } from './builders'

const redact = (text: string, r = new Redactor()) => r.text(text)

describe('Redactor: emails', () => {
  it.each([
    ['write to jane.doe@example.com please', 'write to <email-1> please'],
    ['<JOHN+tag@mail.example.co.uk>', '<<email-1>>'],
    ['a_b-c@sub-domain.io, then', '<email-1>, then'],
  ])('%s', (input, expected) => expect(redact(input)).toBe(expected))

  it.each(['@handle on social', 'user@localhost', 'not an email: a@b', 'price@ 5', 'mailto: nobody'])('leaves %s alone', (text) => expect(redact(text)).toBe(text))
})

describe('Redactor: phone numbers', () => {
  it.each([
    ['call +44 20 7946 0958 now', 'call <phone-1> now'],
    ['+1 (555) 123-4567', '<phone-1>'],
    ['+4915123456789', '<phone-1>'],
    ['+33 6 12 34 56 78.', '<phone-1>.'],
    ['(555) 123-4567', '<phone-1>'],
    ['555-123-4567', '<phone-1>'],
    ['555.123.4567', '<phone-1>'],
    ['555 123 4567', '<phone-1>'],
    ['1-800-555-0199', '<phone-1>'],
    ['06 12 34 56 78', '<phone-1>'],
    ['phone: 555-123-4567, thanks', 'phone: <phone-1>, thanks'],
  ])('%s', (input, expected) => expect(redact(input)).toBe(expected))

  it.each([
    ['an ISO date', '2026-11-22'],
    ['an ISO timestamp', '2026-11-22T10:00:00.000Z'],
    ['a European date', '22.11.2026'],
    ['a US date', '11/22/2026'],
    ['a time', '10:30:45'],
    ['a time range', '09:00-17:30'],
    ['an order number', 'ORD-555-123-4567'],
    ['an order number with a hash', 'order #5551234567'],
    ['a ticket id', 'INC-2026-000123'],
    ['a version', 'v1.20.3'],
    ['a four-part version', '10.0.19045.3803'],
    ['an IP address', '192.168.100.200'],
    ['a small integer', 'I want 3 pizzas'],
    ['a bare 10-digit number', 'account 5551234567'],
    ['an amount', '$1,234,567.89'],
    ['a UTC offset', 'UTC+01:00'],
    ['a score', 'won +3 points'],
    ['a short number', '555-1234'],
    ['a UUID', '123e4567-e89b-12d3-a456-426614174000'],
    ['a phone-shaped part of a longer number', '555-123-4567-89'],
  ])('leaves %s alone', (_what, text) => expect(redact(text)).toBe(text))
})

describe('Redactor: placeholders', () => {
  it('gives the same value the same placeholder everywhere, and counts distinct values and occurrences', () => {
    const r = new Redactor()
    expect(r.text('a@example.com and b@example.com')).toBe('<email-1> and <email-2>')
    expect(r.text('again a@example.com, call 555-123-4567')).toBe('again <email-1>, call <phone-1>')
    expect(r.summary()).toEqual({ redacted: true, counts: { email: 2, phone: 1 }, occurrences: 4 })
  })

  it('applies configured patterns first and never matches inside a placeholder', () => {
    const r = new Redactor([parsePattern('account=ACC-\\d{10}', 'test'), parsePattern('\\d+', 'digits')])
    expect(r.text('ACC-5551234567 and jane@example.com and 42')).toBe('<account-1> and <email-1> and <pattern-1>')
  })
})

describe('patterns', () => {
  it('reads flowbench.json redaction.patterns in its three forms', () => {
    const p = configuredPatterns({ redaction: { patterns: ['ORD-\\d+', 'member=M\\d{6}', { name: 'Iban', pattern: 'de\\d{20}', flags: 'i' }] } })
    expect(p.map((x) => x.name)).toEqual(['pattern', 'member', 'iban'])
    expect(new Redactor(p).text('DE12345678901234567890 M123456 ORD-9')).toBe('<iban-1> <member-1> <pattern-1>')
    expect(configuredPatterns({ name: 'no redaction settings' })).toEqual([])
  })

  it.each([
    [{ redaction: { patterns: ['('] } }, /flowbench\.json: redaction\.patterns\[0\]: not a valid regular expression/],
    [{ redaction: { patterns: ['a*'] } }, /matches empty text/],
    [{ redaction: { patterns: 'x' } }, /must be a list/],
    [{ redaction: { patterns: [{ name: '1 bad', pattern: 'x' }] } }, /"name" must be a word/],
    [{ redaction: { patterns: [{ pattern: 'x', flags: 'g' }] } }, /"flags" may hold only/],
    [{ redaction: { patterns: [3] } }, /expected "REGEX"/],
  ])('explains a bad setting %#', (settings, message) => {
    expect(() => configuredPatterns(settings)).toThrow(RedactionPatternError)
    expect(() => configuredPatterns(settings)).toThrow(message)
  })
})

describe('redactTestReport', () => {
  it('redacts transcripts, slots, variables, failure values and test names; keeps states, files and intents', () => {
    const transcript = [
      turn(null, null, ['Hi! Reach us at help@shop.example'], 'greeting'),
      turn(0, 'my email is jane@example.com, phone +1 415 555 0100', ['Thanks jane@example.com'], 'collect', {
        slots: { email: 'jane@example.com', nested: { phone: '+1 415 555 0100' } },
        variables: { contact: ['jane@example.com'] },
        intent: 'give_contact',
        integration_calls: [{ id: 'crm', request: { email: 'jane@example.com' }, success: true, state: 'collect', data: { owner: 'bob@example.com' }, attempts: 1, duration_ms: 1 }],
      }),
    ]
    const failed = test('books for jane@example.com', 'failed', {
      transcript,
      failures: [{ step: 0, input: 'my email is jane@example.com', field: 'reply', expected: { contains: 'jane@example.com' }, actual: 'Thanks +1 415 555 0100', message: 'reply: expected jane@example.com' }],
    })
    const original = report([failed])
    const r = new Redactor()
    const out = redactTestReport(original, r)
    const json = JSON.stringify(out)
    expect(json).not.toContain('jane@example.com')
    expect(json).not.toContain('415 555 0100')
    expect(json).not.toContain('bob@example.com')
    const t = out.suites[0]!.tests[0]!
    expect(t.name).toBe('books for <email-1>')
    expect(t.failures[0]).toMatchObject({ input: 'my email is <email-1>', expected: { contains: '<email-1>' }, actual: 'Thanks <phone-1>' })
    expect(t.transcript![1]!.slots).toEqual({ email: '<email-1>', nested: { phone: '<phone-1>' } })
    expect(t.transcript![1]!.intent).toBe('give_contact')
    expect(t.transcript![1]!.state).toBe('collect')
    expect(out.suites[0]!.file).toBe('tests/support.test.yaml')
    expect(r.summary().counts).toEqual({ email: 3, phone: 1 })
    // The run itself is untouched.
    expect(original.suites[0]!.tests[0]!.name).toBe('books for jane@example.com')
  })
})
