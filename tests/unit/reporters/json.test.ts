import { describe, expect, it } from 'vitest'
import { renderJson } from '../../../src-main/core/reporters/json'
import { sampleReport } from './sample'

describe('JSON report', () => {
  const json = JSON.parse(renderJson(sampleReport())) as Record<string, any>

  it('carries the contract of cli.md, keys first and in order', () => {
    expect(Object.keys(json).slice(0, 7)).toEqual(['tool', 'version', 'started_at', 'duration_ms', 'summary', 'suites', 'coverage'])
    expect(json.tool).toBe('flowbench')
    expect(json.version).toBe('0.1.0')
    expect(json.started_at).toBe('2026-11-22T10:00:00.000Z')
    expect(typeof json.duration_ms).toBe('number')
    expect(json.summary).toEqual({ total: 5, passed: 1, failed: 1, errors: 2, skipped: 1 })
    const suite = json.suites[0]
    expect(Object.keys(suite).slice(0, 3)).toEqual(['file', 'flow', 'tests'])
    expect(suite).toMatchObject({ file: 'tests/support.test.yaml', flow: 'flows/support.flow.yaml' })
    const failed = suite.tests[1]
    expect(Object.keys(failed).slice(0, 4)).toEqual(['name', 'status', 'duration_ms', 'failures'])
    expect(failed.failures[0]).toMatchObject({ step: 1, input: 'I need help', field: 'state', expected: 'help_response', actual: 'fallback_response' })
    expect(typeof failed.failures[0].message).toBe('string')
    expect(json.coverage['flows/support.flow.yaml']).toEqual({
      states: { covered: 3, total: 4, uncovered: ['goodbye'] },
      transitions: { covered: 2, total: 5, uncovered: ['greeting -> goodbye [intent_match bye]', 'greeting -> help_response [intent_match help]', 'x -> y [always]'] },
    })
  })

  it('adds tags, stability, errors, skip reasons and transcripts', () => {
    const [passed, failed, errored, skipped] = json.suites[0].tests
    expect(passed.tags).toEqual(['smoke'])
    expect(failed.transcript).toHaveLength(2)
    expect(errored).toMatchObject({ status: 'error', error: 'nlu_strict: no snapshot for "blah"', error_step: 0 })
    expect(skipped).toMatchObject({ status: 'skipped', skip_reason: 'filtered' })
    expect(json.suites[1]).toMatchObject({ file: 'tests/broken.test.yaml', flow: null, error: expect.stringContaining('tests/broken.test.yaml:3:5'), line: 3, column: 5 })
  })

  it('never names the absolute workspace folder', () => {
    expect(renderJson(sampleReport())).not.toContain('/somewhere/ws')
  })
})
