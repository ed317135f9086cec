// Small test-run reports for the comparison and report tests: tests with a status, transcripts
// whose replies can differ, and coverage of one flow.
import type { FlowCoverage, TestCaseReport, TestRunReport, TestStatus, TranscriptTurn } from '../../../src-main/core/runner/model'
import { summarize } from '../../../src-main/core/runner/model'
import { totalCoverage } from '../../../src-main/core/runner/coverage'

export function turn(step: number | null, input: string | null, replies: string[], state: string, extra: Partial<TranscriptTurn> = {}): TranscriptTurn {
  return {
    step, conversation_id: 'c1', turn: step === null ? 0 : step + 1, event: step === null ? 'start' : 'message', input,
    replies: replies.map((text) => ({ text, state })), state, path: [state], transitions: [], intent: null, confidence: null,
    entities: {}, slots: {}, variables: {}, missing_slots: [], integration_calls: [], ended: false, errors: [], warnings: [], duration_us: 5,
    ...extra,
  }
}

export function test(name: string, status: TestStatus, extra: Partial<TestCaseReport> = {}): TestCaseReport {
  const failures = status === 'failed'
    ? [{ step: 1, input: 'I need help', action: 'user', field: 'state', expected: 'help_response', actual: 'fallback_response', message: 'state: expected "help_response", got "fallback_response"', line: 9, column: 7 }]
    : []
  return { name, status, duration_ms: 2, failures, tags: [], ...(status === 'error' ? { error: 'integration crm failed: timeout' } : {}), ...extra }
}

export function coverage(uncoveredStates: string[], uncoveredTransitions: string[]): FlowCoverage {
  const states = ['greeting', 'help_response', 'fallback_response', 'goodbye']
  const transitions = ['greeting -> help_response [intent_match help]', 'greeting -> goodbye [intent_match bye]', 'greeting -> fallback_response [fallback]', 'fallback_response -> goodbye [any_input]']
  return {
    states: { covered: states.length - uncoveredStates.length, total: states.length, uncovered: uncoveredStates },
    transitions: { covered: transitions.length - uncoveredTransitions.length, total: transitions.length, uncovered: uncoveredTransitions },
  }
}

export function report(tests: TestCaseReport[], cov: Record<string, FlowCoverage> = { 'flows/support.flow.yaml': coverage([], []) }, extra: Partial<TestRunReport> = {}): TestRunReport {
  const suites = [{ file: 'tests/support.test.yaml', flow: 'flows/support.flow.yaml', name: 'Support', duration_ms: 10, tests }]
  return {
    tool: 'flowbench', version: '0.1.0', started_at: '2026-11-22T10:00:00.000Z', duration_ms: 100,
    summary: summarize(suites), suites, coverage: cov, coverage_total: totalCoverage(cov), workspace: '', files: 1, workers: 1, repeat: 1,
    gates: [], bailed: false, cancelled: false, ...extra,
  }
}
