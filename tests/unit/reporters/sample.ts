// A report with one of everything, for the reporter tests: a pass, a failure with two fields,
// an error, a skip, a suite that could not run, coverage and text that needs escaping.
import type { TestRunReport } from '../../../src-main/core/runner/model'

export function sampleReport(): TestRunReport {
  return {
    tool: 'flowbench',
    version: '0.1.0',
    started_at: '2026-11-22T10:00:00.000Z',
    duration_ms: 1234.5,
    summary: { total: 5, passed: 1, failed: 1, errors: 2, skipped: 1 },
    suites: [
      {
        file: 'tests/support.test.yaml',
        flow: 'flows/support.flow.yaml',
        name: 'Support <flow> & "friends"',
        duration_ms: 4.5,
        tests: [
          { name: 'greets and helps', status: 'passed', duration_ms: 1.5, failures: [], tags: ['smoke'] },
          {
            name: 'falls back <badly> & "loudly"',
            status: 'failed',
            duration_ms: 2,
            tags: [],
            line: 12,
            column: 5,
            failures: [
              { step: 1, input: 'I need help', action: 'user', field: 'state', expected: 'help_response', actual: 'fallback_response', message: 'state: expected "help_response", got "fallback_response"', line: 15, column: 9 },
              { step: 1, input: 'I need help', action: 'user', field: 'reply', expected: { contains: 'here to help' }, actual: 'Sorry \u0001<see https://example.com>', message: 'reply: expected a reply containing "here to help", got "Sorry"', line: 15, column: 9 },
            ],
            transcript: [
              {
                step: null, conversation_id: 'c', turn: 0, event: 'start', input: null, replies: [{ text: 'Hello! Visit http://example.com', state: 'greeting' }],
                state: 'greeting', path: ['greeting'], transitions: [], intent: null, confidence: null, entities: {}, slots: {}, variables: {},
                missing_slots: [], integration_calls: [], ended: false, errors: [], warnings: [], duration_us: 3,
              },
              {
                step: 1, conversation_id: 'c', turn: 1, event: 'message', input: 'I need help', replies: [{ text: 'Sorry', state: 'fallback_response' }],
                state: 'fallback_response', path: ['fallback_response'], transitions: ['greeting -> fallback_response [fallback]'], intent: null, confidence: 0.2,
                entities: {}, slots: {}, variables: {}, missing_slots: [], integration_calls: [], ended: false,
                errors: [{ code: 'no_transition', message: 'nothing <matched>', state: 'greeting' }], warnings: [], duration_us: 5,
              },
            ],
          },
          { name: 'strict miss', status: 'error', duration_ms: 1, failures: [], tags: [], error: 'nlu_strict: no snapshot for "blah"', error_step: 0 },
          { name: 'later', status: 'skipped', duration_ms: 0, failures: [], tags: ['slow'], skip_reason: 'filtered' },
        ],
      },
      {
        file: 'tests/broken.test.yaml',
        flow: null,
        name: 'broken',
        duration_ms: 0,
        error: 'tests/broken.test.yaml:3:5 unexpected end of the stream',
        line: 3,
        column: 5,
        tests: [{ name: 'tests/broken.test.yaml', status: 'error', duration_ms: 0, failures: [], tags: [], error: 'tests/broken.test.yaml:3:5 unexpected end of the stream', line: 3, column: 5 }],
      },
    ],
    coverage: {
      'flows/support.flow.yaml': {
        states: { covered: 3, total: 4, uncovered: ['goodbye'] },
        transitions: { covered: 2, total: 5, uncovered: ['greeting -> goodbye [intent_match bye]', 'greeting -> help_response [intent_match help]', 'x -> y [always]'] },
      },
    },
    coverage_total: { states: { covered: 3, total: 4, percent: 75 }, transitions: { covered: 2, total: 5, percent: 40 } },
    workspace: '/somewhere/ws',
    files: 2,
    workers: 1,
    repeat: 1,
    gates: [{ kind: 'states', minimum: 80, actual: 75, passed: false }],
    bailed: false,
    cancelled: false,
  }
}
