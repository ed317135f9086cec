// Workflow states: batches, approval gates, approve/reject, failure and checkpoint resume, fresh restarts.
import { describe, expect, it } from 'vitest'
import { compileFlow, FlowCompileError } from '../../../src-main/core/engine/index'
import { conversation, flow, ScriptedIntegrations, type Answer } from './helpers'

const say = (text: string, transitions: unknown[] = []) => ({ type: 'response', config: { response_templates: { default: text } }, transitions }) as never

function deploy(tasks: unknown[]) {
  return flow({
    states: {
      idle: say('ready', [{ condition: 'any_input', target_state: 'run' }]),
      run: {
        type: 'workflow',
        config: { tasks },
        transitions: [
          { condition: 'workflow_completed', target_state: 'done' },
          { condition: 'workflow_failed', target_state: 'failed' },
          { condition: 'expression', condition_value: { left: '{input}', operator: 'eq', right: 'abort' }, target_state: 'idle' },
        ],
      } as never,
      done: say('done {workflow.completed_tasks}', [{ condition: 'any_input', target_state: 'run' }]),
      failed: say('failed at {workflow.failed_task}', [{ condition: 'any_input', target_state: 'run' }]),
    },
  })
}

const ok: Answer = { status_code: 200 }
const boom: Answer = { status_code: 500 }

describe('workflows', () => {
  it('run tasks in batches by dependencies; completed_tasks by batch, declaration order within', async () => {
    const provider = new ScriptedIntegrations({ build: [{ delay_ms: 30, response: { status_code: 200 } }], test: [ok], lint: [{ delay_ms: 5, response: { status_code: 200 } }], ship: [ok] })
    const doc = deploy([
      { id: 'ship', integration_id: 'ship', depends_on: ['test', 'lint'], params: { env: '{user_profile.env}' } },
      { id: 'build', integration_id: 'build' },
      { id: 'lint', integration_id: 'lint' },
      { id: 'prepare' },
      { id: 'test', integration_id: 'test', depends_on: ['build'] },
    ])
    const { conv } = conversation(doc, { integrations: provider }, { user_profile: { env: 'prod' } })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.workflow).toEqual({ state: 'completed', completed_tasks: ['build', 'lint', 'prepare', 'test', 'ship'] })
    expect(r.state).toBe('done')
    expect(r.integration_calls.map((c) => c.task)).toEqual(['build', 'lint', 'test', 'ship'])
    expect(r.integration_calls[3]!.request).toEqual({ env: 'prod' })
    // build and lint started together (same batch)
    expect(provider.calls.slice(0, 2).map((c) => c.at)).toEqual([provider.calls[0]!.at, provider.calls[0]!.at])
    expect(r.replies[0]!.text).toBe('done ["build","lint","prepare","test","ship"]')
  })

  it('pause at an approval gate; approve completes it and continues', async () => {
    const provider = new ScriptedIntegrations({ build: [ok], deploy: [ok] })
    const doc = deploy([
      { id: 'build', integration_id: 'build' },
      { id: 'review', approval: true, depends_on: ['build'] },
      { id: 'deploy', integration_id: 'deploy', depends_on: ['review'] },
    ])
    const { conv } = conversation(doc, { integrations: provider })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.workflow).toEqual({ state: 'waiting_approval', completed_tasks: ['build'], waiting_task: 'review' })
    expect(r.state).toBe('run')
    expect(r.replies).toEqual([])
    const a = await conv.send({ type: 'approve' })
    expect(a.workflow).toEqual({ state: 'completed', completed_tasks: ['build', 'review', 'deploy'] })
    expect(a.state).toBe('done')
    expect(a.path).toEqual(['done'])
    expect(a.intent).toBeNull()
  })

  it('a gate waits after its batch-mates; several gates are approved one at a time', async () => {
    const doc = deploy([
      { id: 'g1', approval: true },
      { id: 'work' },
      { id: 'g2', approval: true },
    ])
    const { conv } = conversation(doc)
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.workflow).toEqual({ state: 'waiting_approval', completed_tasks: ['work'], waiting_task: 'g1' })
    expect((await conv.send({ type: 'approve' })).workflow).toEqual({ state: 'waiting_approval', completed_tasks: ['work', 'g1'], waiting_task: 'g2' })
    expect((await conv.send({ type: 'approve' })).workflow).toEqual({ state: 'completed', completed_tasks: ['work', 'g1', 'g2'] })
  })

  it('reject ends the workflow as rejected with failed_task = the gate', async () => {
    const doc = deploy([{ id: 'review', approval: true }, { id: 'after', depends_on: ['review'] }])
    const { conv } = conversation(doc)
    await conv.start()
    await conv.send({ type: 'message', text: 'go' })
    const r = await conv.send({ type: 'reject' })
    expect(r.workflow).toEqual({ state: 'rejected', completed_tasks: [], failed_task: 'review' })
    expect(r.state).toBe('failed')
    expect(r.replies[0]!.text).toBe('failed at review')
    // entering again after a rejection starts afresh
    const again = await conv.send({ type: 'message', text: 'retry' })
    expect(again.workflow).toEqual({ state: 'waiting_approval', completed_tasks: [], waiting_task: 'review' })
  })

  it('a message at a gate only evaluates transitions; approve/reject elsewhere is no_pending_approval', async () => {
    const doc = deploy([{ id: 'review', approval: true }])
    const { conv } = conversation(doc)
    await conv.start()
    expect((await conv.send({ type: 'approve' })).errors.map((e) => e.code)).toEqual(['no_pending_approval'])
    await conv.send({ type: 'message', text: 'go' })
    const m = await conv.send({ type: 'message', text: 'status?' })
    expect(m.errors.map((e) => e.code)).toEqual(['no_transition'])
    expect(m.workflow!.state).toBe('waiting_approval')
    const abort = await conv.send({ type: 'message', text: 'abort' })
    expect(abort.state).toBe('idle')
    expect((await conv.send({ type: 'approve' })).errors.map((e) => e.code)).toEqual(['no_pending_approval'])
  })

  it('an approval task with an integration runs it on approve; its failure fails the workflow', async () => {
    const provider = new ScriptedIntegrations({ deploy: [boom] })
    const { conv } = conversation(deploy([{ id: 'deploy', approval: true, integration_id: 'deploy' }]), { integrations: provider })
    await conv.start()
    await conv.send({ type: 'message', text: 'go' })
    expect(provider.calls.length).toBe(0)
    const r = await conv.send({ type: 'approve' })
    expect(provider.calls.length).toBe(1)
    expect(r.workflow).toEqual({ state: 'failed', completed_tasks: [], failed_task: 'deploy' })
  })

  it('a failed task stops after its batch; re-entering resumes from the checkpoint', async () => {
    const provider = new ScriptedIntegrations({ a: [ok], b: [boom, ok], c: [ok], d: [ok] })
    const doc = deploy([
      { id: 'a', integration_id: 'a' },
      { id: 'b', integration_id: 'b' },
      { id: 'c', integration_id: 'c' },
      { id: 'd', integration_id: 'd', depends_on: ['b'] },
    ])
    const { conv } = conversation(doc, { integrations: provider })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.workflow).toEqual({ state: 'failed', completed_tasks: ['a', 'c'], failed_task: 'b' })
    expect(r.state).toBe('failed')
    expect(r.integration_calls.map((c) => [c.task, c.success])).toEqual([['a', true], ['b', false], ['c', true]])
    const again = await conv.send({ type: 'message', text: 'retry' })
    expect(again.workflow).toEqual({ state: 'completed', completed_tasks: ['a', 'c', 'b', 'd'] })
    expect(again.integration_calls.map((c) => c.task)).toEqual(['b', 'd'])
    // entering after completion starts afresh
    const fresh = await conv.send({ type: 'message', text: 'once more' })
    expect(fresh.workflow).toEqual({ state: 'completed', completed_tasks: ['a', 'b', 'c', 'd'] })
  })

  it('several failures in one batch report the first declared; task retries apply', async () => {
    const provider = new ScriptedIntegrations({ x: [boom], y: [boom, ok] })
    const doc = deploy([
      { id: 'x', integration_id: 'x' },
      { id: 'y', integration_id: 'y', retries: 1 },
    ])
    const { conv } = conversation(doc, { integrations: provider })
    await conv.start()
    const r = await conv.send({ type: 'message', text: 'go' })
    expect(r.workflow).toEqual({ state: 'failed', completed_tasks: ['y'], failed_task: 'x' })
    expect(r.integration_calls.map((c) => c.attempts)).toEqual([1, 2])
  })

  it('checkpoints are per workflow state, and `workflow` is the last that ran', async () => {
    const doc = flow({
      states: {
        w1: { type: 'workflow', config: { tasks: [{ id: 'one' }] }, transitions: [{ condition: 'workflow_completed', target_state: 'w2' }] },
        w2: { type: 'workflow', config: { tasks: [{ id: 'two', approval: true }] }, transitions: [{ condition: 'workflow_completed', target_state: 'end' }] },
        end: { type: 'end' },
      },
    })
    const { conv } = conversation(doc)
    const r = await conv.start()
    expect(r.path).toEqual(['w1', 'w2'])
    expect(r.workflow).toEqual({ state: 'waiting_approval', completed_tasks: [], waiting_task: 'two' })
    const a = await conv.send({ type: 'approve' })
    expect(a.ended).toBe(true)
    expect(conv.context().workflow).toEqual({ state: 'completed', completed_tasks: ['two'] })
  })

  it('timeouts fire at a gate', async () => {
    const doc = flow({
      states: {
        w: { type: 'workflow', timeout_seconds: 60, config: { tasks: [{ id: 'g', approval: true }] }, transitions: [{ condition: 'timeout', target_state: 'late' }] },
        late: { type: 'end', config: { response_templates: { default: 'expired' } } },
      },
    })
    const { conv } = conversation(doc)
    await conv.start()
    expect((await conv.wait(60_000)).replies.map((m) => m.text)).toEqual(['expired'])
  })

  it('an empty workflow completes at once', async () => {
    const doc = flow({ states: { w: { type: 'workflow', config: { tasks: [] }, transitions: [{ condition: 'workflow_completed', target_state: 'end' }] }, end: { type: 'end' } } })
    expect((await conversation(doc).conv.start()).workflow).toEqual({ state: 'completed', completed_tasks: [] })
  })

  it('reject cycles, unknown dependencies and duplicate ids at load time, naming the tasks', () => {
    const load = (tasks: unknown[]) => () => compileFlow(deploy(tasks))
    expect(load([{ id: 'a', depends_on: ['b'] }, { id: 'b', depends_on: ['c'] }, { id: 'c', depends_on: ['a'] }])).toThrow(/dependency cycle between tasks a -> b -> c -> a/)
    expect(load([{ id: 'a', depends_on: ['a'] }])).toThrow(/cycle between tasks a -> a/)
    expect(load([{ id: 'a', depends_on: ['ghost'] }])).toThrow(/task "a" depends on unknown task "ghost"/)
    expect(load([{ id: 'a' }, { id: 'a' }])).toThrow(/duplicate task id "a"/)
    expect(load([{ noid: true }])).toThrow(FlowCompileError)
    try {
      load([{ id: 'a', depends_on: ['ghost'] }])()
    } catch (err) {
      expect((err as FlowCompileError).issues[0]!.path).toEqual(['states', 'run', 'config', 'tasks', 0, 'depends_on', 0])
    }
  })
})
