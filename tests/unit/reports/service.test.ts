// The reports service over a real core: runs recorded by the workbench compared by id, exported
// in each format with the workspace's redaction patterns, the redaction preview, and errors in the
// API's terms (unknown run, bad options, bad pattern, no file paths from the renderer).
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError, type TestRunResult } from '../../../src-main/common/api'
import { SUPPORT_FLOW, nextEvent, openCore, tempWorkspace, type TempWorkspace } from '../services/helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

const tests = (expected: string) => `flow: ../flows/support.flow.yaml
tests:
  - name: greets
    steps:
      - expect: { state: greeting }
  - name: helps dana@example.com
    steps:
      - expect: { state: greeting }
      - user: I need help, I am dana@example.com, member M123456
        expect: { state: ${expected} }
`

async function core() {
  ws = tempWorkspace({
    'flows/support.flow.yaml': SUPPORT_FLOW,
    'tests/support.test.yaml': tests('help_response'),
    'flowbench.json': JSON.stringify({ name: 'ws', redaction: { patterns: ['member=M\\d{6}'] } }),
  })
  const c = await openCore(ws)
  cores.push(c)
  return c
}

async function run(c: Awaited<ReturnType<typeof core>>): Promise<TestRunResult> {
  const done = nextEvent(c, 'testFinished', () => true, 15_000)
  await c.api.test.run({})
  return (await done).result!
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(ApiError)
  return err as ApiError
}

describe('reports service', () => {
  it('compares two recorded runs and exports a redacted report of one', async () => {
    const c = await core()
    const good = await run(c)
    writeFileSync(join(ws.root, 'tests/support.test.yaml'), tests('wrong_state'))
    const bad = await run(c)
    const cmp = await c.api.reports.compare(good.runId, bad.runId)
    expect(cmp.kind).toBe('test')
    expect(cmp.regression).toBe(true)
    if (cmp.kind === 'test') expect(cmp.newlyFailing.map((t) => t.name)).toEqual(['helps dana@example.com'])
    expect((await c.api.reports.compare('baseline', bad.runId).then(() => null, (e: ApiError) => e))?.code).toBe('run_not_found')

    const html = await c.api.reports.export(bad.runId, { format: 'html', redact: true })
    expect(html).toMatchObject({ fileName: `flowbench-${bad.runId}.html`, mimeType: 'text/html', encoding: 'utf8' })
    expect(html.redactions).toEqual({ email: 1, member: 1 })
    expect(html.content).not.toContain('dana@example.com')
    expect(html.content).not.toContain('M123456')
    expect(html.content).toContain('<svg class="flow-graph"')
    const plain = await c.api.reports.export(bad.runId, { format: 'json', redact: false })
    expect(plain.redactions).toEqual({})
    expect(plain.content).toContain('dana@example.com')
    const preview = await c.api.reports.previewRedaction(bad.runId, ['help=I need help'])
    expect(preview).toEqual({ redactions: { email: 1, member: 1, help: 1 }, configured: ['member'] })
  }, 60_000)

  it('refuses unknown runs, file paths, bad options and bad patterns with clear errors', async () => {
    const c = await core()
    const r = await run(c)
    expect((await rejection(c.api.reports.export('nope', { format: 'html', redact: true }))).code).toBe('run_not_found')
    expect((await rejection(c.api.reports.export('/etc/passwd', { format: 'json', redact: true }))).code).toBe('run_not_found')
    expect((await rejection(c.api.reports.export(r.runId, { format: 'docx' as never, redact: true }))).message).toContain('format must be one of')
    const bad = await rejection(c.api.reports.export(r.runId, { format: 'md', redact: true, patterns: ['('] }))
    expect(bad.code).toBe('bad_request')
    expect(bad.message).toContain('not a valid regular expression')
  }, 60_000)
})
