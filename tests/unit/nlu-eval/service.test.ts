// The `nlu` service over a real core: datasets and flows of the workspace, evaluation (dataset and
// cross-validation) agreeing with the CLI's code, "try an utterance", comparison, the workspace's
// NLU plugin only once trusted, and errors that name file and line.
import { afterEach, describe, expect, it } from 'vitest'
import { cpSync } from 'node:fs'
import { join } from 'node:path'
import { ApiError } from '../../../src-main/common/api'
import { openCore, tempWorkspace, type TempWorkspace } from '../services/helpers'

const SAMPLES = join(__dirname, '../../../resources/samples')
const PLUGIN_FIXTURE = join(__dirname, '../../fixtures/plugin-workspace')

let ws: TempWorkspace | null = null
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
  ws = null
})

async function core(from: string, extra: Record<string, string> = {}) {
  ws = tempWorkspace(extra)
  cpSync(from, ws.root, { recursive: true })
  const c = await openCore(ws, { plugins: { builtinDir: '' } })
  cores.push(c)
  return c
}

describe('nlu service', () => {
  it('lists the datasets and the flows with their intents', async () => {
    const c = await core(SAMPLES, { 'datasets/broken.nlu.csv': 'text,intent\n"open,greet\n' })
    const datasets = await c.api.nlu.datasets()
    expect(datasets.map((d) => [d.path, d.utterances])).toEqual([
      ['datasets/broken.nlu.csv', null],
      ['datasets/support-handoff.nlu.csv', 14],
      ['datasets/support.nlu.yaml', expect.any(Number)],
    ])
    expect(datasets[0]!.problem).toBe('datasets/broken.nlu.csv:2:1 a quoted field is never closed: add the closing "')
    expect(datasets[2]!.flow).toBe('flows/support.flow.yaml')
    const flows = await c.api.nlu.flows()
    expect(flows.find((f) => f.path === 'flows/support.flow.yaml')).toMatchObject({ intents: 7, nlu: 'built-in', threshold: 0.7, problem: null })
  })

  it('evaluates a dataset and cross-validates, deterministically', async () => {
    const c = await core(SAMPLES)
    const r = await c.api.nlu.evaluate({ flow: 'flows/support.flow.yaml', dataset: 'datasets/support.nlu.yaml' })
    expect(r.mode).toBe('dataset')
    expect(r.dataset).toBe('datasets/support.nlu.yaml')
    expect(r.summary.utterances).toBe(r.predictions.length)
    const cv1 = await c.api.nlu.evaluate({ flow: 'flows/support.flow.yaml', folds: 3, seed: 4 })
    const cv2 = await c.api.nlu.evaluate({ flow: 'flows/support.flow.yaml', folds: 3, seed: 4 })
    expect(cv1).toEqual(cv2)
    expect(cv1.crossValidation).toMatchObject({ folds: 3, seed: 4 })
    const cmp = await c.api.nlu.compare({ flowA: 'flows/support.flow.yaml', dataset: 'datasets/support.nlu.yaml', datasetB: 'datasets/support-handoff.nlu.csv' })
    expect(cmp.a.dataset).toBe('datasets/support.nlu.yaml')
    expect(cmp.b.dataset).toBe('datasets/support-handoff.nlu.csv')
    expect(cmp.delta.accuracy).toBeCloseTo(cmp.b.summary.accuracy - cmp.a.summary.accuracy, 12)
  })

  it('classifies one utterance with every intent score', async () => {
    const c = await core(SAMPLES)
    const t = await c.api.nlu.classify('flows/support.flow.yaml', 'I cannot log in, write to a@b.co')
    expect(t).toMatchObject({ intent: 'report_issue', top: 'report_issue', confidence: 0.9, threshold: 0.7, nlu: 'built-in', entities: { email: 'a@b.co' } })
    expect(t.scores.map((s) => s.intent)).toEqual(['greet', 'help', 'report_issue', 'talk_to_human', 'goodbye', 'affirm', 'deny'])
  })

  it('refuses bad requests with a message naming the problem', async () => {
    const c = await core(SAMPLES, { 'datasets/bad.nlu.yaml': 'utterances:\n  - { text: hi }\n', 'flows/plain.flow.yaml': 'name: p\ninitial_state: a\nstates:\n  a: { type: end }\n' })
    const fail = async (p: Promise<unknown>) => p.then(() => null, (e: unknown) => e as ApiError)
    const bad = await fail(c.api.nlu.evaluate({ flow: 'flows/support.flow.yaml', dataset: 'datasets/bad.nlu.yaml' }))
    expect(bad).toMatchObject({ code: 'bad_request', message: expect.stringContaining('datasets/bad.nlu.yaml:2:5 the utterance has no `intent`') })
    expect(await fail(c.api.nlu.evaluate({ flow: 'flows/plain.flow.yaml' }))).toMatchObject({ code: 'bad_request', message: expect.stringContaining('declares no intents') })
    expect(await fail(c.api.nlu.evaluate({ flow: 'flows/nope.flow.yaml' }))).toMatchObject({ code: 'not_found' })
    expect(await fail(c.api.nlu.evaluate({ flow: '../outside.flow.yaml' }))).toMatchObject({ code: 'forbidden' })
    expect(await fail(c.api.nlu.evaluate({ flow: 'flows/support.flow.yaml', folds: 1 }))).toMatchObject({ code: 'bad_request' })
    expect(await fail(c.api.nlu.classify('flows/support.flow.yaml', '  '))).toMatchObject({ code: 'bad_request' })
  })

  it("uses the workspace's NLU plugin only once the workspace is trusted", async () => {
    const c = await core(PLUGIN_FIXTURE)
    const before = await c.api.nlu.classify('flows/nlu.flow.yaml', 'which tier am I on')
    expect(before).toMatchObject({ nlu: 'fixture_nlu', intent: 'none' })
    expect(before.error).toMatch(/trust/)
    await c.api.workspace.setTrust(true)
    const after = await c.api.nlu.classify('flows/nlu.flow.yaml', 'which tier am I on')
    expect(after).toMatchObject({ nlu: 'fixture_nlu', intent: 'account', confidence: 0.93, error: null })
  })
})
