// Reading runs from result files: JSON syntax errors name line and column, both report shapes
// (the JSON reporter's file and a stored workbench run) become one TestRunReport.
import { describe, expect, it } from 'vitest'
import { parseJsonFile, RunSourceError, toLoadedRun, toTestRunReport } from '../../../src-main/core/reports/source'

describe('parseJsonFile', () => {
  it.each([
    ['{\n  "summary": {},\n  "suites": [,]\n}\n', 'f.json:3:14: not valid JSON: unexpected "," where a value belongs'],
    ['name: Support\n', 'f.json:1:1: not valid JSON: unexpected "n" where a value belongs'],
    ['{"a": 1,}', 'f.json:1:9: not valid JSON: unexpected "}" where a property name in double quotes belongs'],
    ['{"a": "x\ny"}', 'f.json:1:9: not valid JSON: a control character (such as a line break) inside a string'],
    ['{\n"a":', 'f.json:2:5: not valid JSON: the text ends where a value belongs'],
    ['[1 2]', 'f.json:1:4: not valid JSON: unexpected "2" where "," or "]" belongs'],
    ['{"a":1} x', 'f.json:1:9: not valid JSON: unexpected "x" after the end of the document'],
  ])('%j', (text, message) => {
    expect(() => parseJsonFile(text, 'f.json')).toThrow(RunSourceError)
    expect(() => parseJsonFile(text, 'f.json')).toThrow(message)
  })

  it('parses valid JSON', () => expect(parseJsonFile('{"a": [1, "\\u00e9"]}', 'f.json')).toEqual({ a: [1, 'é'] }))
})

describe('toTestRunReport', () => {
  it('fills what a stored workbench run lacks and keeps the rest', () => {
    const r = toTestRunReport({ runId: 'r1', started_at: '2026-11-22T10:00:00.000Z', duration_ms: 5, cancelled: false, summary: { total: 1, passed: 1, failed: 0, errors: 0, skipped: 0 }, suites: [{ file: 't.test.yaml', flow: 'f.flow.yaml', name: 't', duration_ms: 1, tests: [{ name: 'a', status: 'passed', duration_ms: 1, failures: [], tags: [] }] }], coverage: { 'f.flow.yaml': { states: { covered: 1, total: 2, uncovered: ['x'] }, transitions: { covered: 0, total: 0, uncovered: [] } } } }, 'run r1')
    expect(r).toMatchObject({ tool: 'flowbench', gates: [], bailed: false, workers: 1, coverage_total: { states: { covered: 1, total: 2, percent: 50 } } })
    expect(r.suites[0]!.tests[0]!.name).toBe('a')
  })

  it('refuses anything else, naming the file', () => {
    expect(() => toLoadedRun({ name: 'Flowbench samples' }, 'flowbench.json', null)).toThrow(/^flowbench\.json is not a Flowbench result/)
  })
})
