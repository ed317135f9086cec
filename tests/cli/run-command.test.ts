// `flowbench run FLOW`, spawned for real with piped input.
import { spawnSync } from 'node:child_process'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const FIXTURES = join(REPO, 'tests/fixtures/runner')

function run(args: string[], input: string) {
  const r = spawnSync(process.execPath, [BIN, 'run', ...args], { cwd: FIXTURES, input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, lines: r.stdout.split('\n').filter(Boolean) }
}

describe('flowbench run (stdin not a terminal)', () => {
  it('prints the start turn first, then `bot> text` per reply and `[state]` per turn', () => {
    const r = run(['flows/support.flow.yaml'], 'what is the weather\nI need help\n')
    expect(r.code).toBe(0)
    expect(r.lines).toEqual([
      'bot> Hello! How can I help you today?',
      '[greeting]',
      'bot> Sorry, I did not get that.',
      '[fallback_response]',
      "bot> I'm here to help.",
      '[help_response]',
    ])
    expect(r.stderr).toBe('')
  })

  it('a turn without a reply still prints its state; turn errors are shown', () => {
    const r = run(['flows/support.flow.yaml'], 'bye\n\nanything\n')
    expect(r.code).toBe(0)
    expect(r.lines.slice(2)).toEqual(['bot> Goodbye!', '[goodbye]', expect.stringMatching(/^error> conversation_ended/), '[goodbye]'])
  })

  it('--json: one turn result per line, start first', () => {
    const r = run(['flows/support.flow.yaml', '--json'], 'I need help\n')
    expect(r.code).toBe(0)
    const turns = r.lines.map((l) => JSON.parse(l) as { turn: number; event: string; state: string; replies: unknown[]; intent: string | null })
    expect(turns.map((t) => [t.turn, t.event, t.state, t.intent])).toEqual([[0, 'start', 'greeting', null], [1, 'message', 'help_response', 'help']])
  })

  it('/approve, /reject and /wait drive events and the clock; --mocks answers integrations', () => {
    const approved = run(['flows/refund.flow.yaml', '--mocks', 'run-mocks.yaml'], '/approve\n')
    expect(approved.lines).toEqual(['bot> Refund request received.', '[refund]', 'bot> Refund paid.', '[paid]'])
    const rejected = run(['flows/refund.flow.yaml', '--mocks', 'run-mocks.yaml'], '/reject\n')
    expect(rejected.lines.slice(-2)).toEqual(['bot> Refund denied.', '[denied]'])
    const waited = run(['flows/orders.flow.yaml'], '/wait 61s\n')
    expect(waited.lines.slice(-2)).toEqual(['bot> Still there?', '[nudge]'])
  })

  it('an integration nobody serves fails like a missing plugin, and the flow handles it', () => {
    const r = run(['flows/orders.flow.yaml'], 'where is my order\n')
    expect(r.lines.slice(-2)).toEqual(['bot> Sorry, the order service is not answering.', '[lookup_failed]'])
  })

  it('a flow that does not load: exit 2, file:line:col, no stack trace', () => {
    for (const flow of ['flows/broken.flow.yaml', 'flows/unparsable.flow.yaml']) {
      const r = run([flow], 'hi\n')
      expect(r.code).toBe(2)
      expect(r.stderr).toMatch(new RegExp(`${flow.replace('.', '\\.')}:\\d+:\\d+`))
      expect(r.stderr).not.toMatch(/^\s+at /m)
      expect(r.stdout).toBe('')
    }
  })

  it('a missing flow or bad options: exit 2', () => {
    expect(run(['flows/nope.flow.yaml'], '').code).toBe(2)
    expect(run([], '').code).toBe(2)
    expect(run(['flows/support.flow.yaml', '--profile', '[1]'], '').code).toBe(2)
  })
})
