// The one run through the real piscina pool (the worker built to out/cli/worker.mjs by the
// test set-up): the same report with one thread and with two, and a dying worker costs only
// the tests it was running.
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { runTests, TestRunner } from '../../../src-main/core/runner/service'
import type { TestRunReport } from '../../../src-main/core/runner/model'
import { FIXTURES, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
beforeEach(() => {
  ws = tempWorkspace()
})
afterEach(() => ws.dispose())

/** The report without what depends on timing or on the number of threads. */
function comparable(report: TestRunReport): unknown {
  return JSON.parse(JSON.stringify(report, (key, value: unknown) =>
    key === 'duration_ms' || key === 'duration_us' || key === 'started_at' || key === 'workers' ? undefined : value))
}

function writeSuites(count: number): void {
  const names = ['I need help', 'bye', 'what is the weather', 'help me', 'goodbye']
  for (let f = 0; f < 3; f++) {
    let text = 'flow: ../flows/support.flow.yaml\ntests:\n'
    for (let i = 0; i < count; i++) {
      const input = names[(i + f) % names.length]!
      // Every seventh test fails, so failures, transcripts and positions are compared too.
      const state = i % 7 === 3 ? 'nowhere' : input.includes('help') ? 'help_response' : input.includes('bye') ? 'goodbye' : 'fallback_response'
      text += `  - name: file ${f} test ${i}\n    steps:\n      - expect: { state: greeting }\n      - user: "${input}"\n        expect: { state: ${state} }\n`
    }
    ws.write(`tests/gen-${f}.test.yaml`, text)
  }
}

describe('the worker pool', () => {
  it('gives the same results, in the same order, with 1 and 2 workers', async () => {
    writeSuites(120)
    const options = { root: ws.root, transcripts: 'failures' as const }
    const inline = await runTests({ ...options, workers: 1 })
    const pooled = await runTests({ ...options, workers: 2 }, { inlineBelow: 0 })
    expect(inline.workers).toBe(1)
    expect(pooled.workers).toBe(2)
    expect(pooled.summary).toEqual({ total: 360, passed: 309, failed: 51, errors: 0, skipped: 0 })
    expect(comparable(pooled)).toEqual(comparable(inline))
  })

  it('bail gives the same cut with 1 and 2 workers', async () => {
    writeSuites(120)
    const options = { root: ws.root, bail: true }
    const inline = await runTests({ ...options, workers: 1 })
    const pooled = await runTests({ ...options, workers: 2 }, { inlineBelow: 0 })
    expect(pooled.bailed).toBe(true)
    expect(comparable(pooled)).toEqual(comparable(inline))
  })

  it('a worker that dies errors the tests that kill it; the rest still run', async () => {
    writeSuites(60)
    ws.write('tests/z-dies.test.yaml', `flow: ../flows/support.flow.yaml
tests:
  - name: before
    steps: [{ user: "I need help" }]
  - name: this one kills the worker
    steps: [{ user: "I need help" }]
  - name: after
    steps: [{ user: "I need help" }]
`)
    const runner = new TestRunner({ inlineBelow: 0, workerFile: join(FIXTURES, 'dying-worker.mjs') })
    try {
      const report = await runner.run({ root: ws.root, workers: 2 })
      const dying = report.suites.find((s) => s.file === 'tests/z-dies.test.yaml')!
      expect(dying.tests.map((t) => [t.name, t.status])).toEqual([
        ['before', 'passed'],
        ['this one kills the worker', 'error'],
        ['after', 'passed'],
      ])
      expect(dying.tests[1]!.error).toContain('stopped unexpectedly')
      expect(report.summary.total).toBe(183)
      expect(report.summary.errors).toBe(1)
      // The pool is still usable for the next run.
      const again = await runner.run({ root: ws.root, workers: 2, grep: 'before' })
      expect(again.summary.passed).toBe(1)
    } finally {
      await runner.dispose()
    }
  })
})
