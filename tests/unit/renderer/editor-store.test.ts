// @vitest-environment happy-dom
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import type { Diagnostic } from '../../../src-main/common/api'
import { ANALYSIS_DEBOUNCE_MS, useEditorStore } from '../../../src-renderer/src/stores/editor'
import { installFake, memoryWorkspace, settle, SMALL_GRAPH } from './fixtures'

const FLOW = 'flows/support.flow.yaml'

describe('editor store', () => {
  let ws: ReturnType<typeof memoryWorkspace>
  let diagnosticsFor: (text: string) => Diagnostic[]
  let fake: ReturnType<typeof installFake>

  beforeEach(() => {
    vi.useFakeTimers()
    ws = memoryWorkspace({ [FLOW]: 'name: s\n', 'tests/a.test.yaml': 'flow: x\n' })
    diagnosticsFor = () => []
    fake = installFake({
      workspace: ws.handlers,
      flow: {
        diagnostics: async (_path, text) => diagnosticsFor(text ?? ''),
        graph: async () => SMALL_GRAPH,
      },
    })
  })
  afterEach(() => vi.useRealTimers())

  it('opens a flow, tracks unsaved edits and saves them', async () => {
    const editor = useEditorStore()
    await editor.open(FLOW)
    expect(editor.active?.text).toBe('name: s\n')
    expect(editor.dirtyPaths.has(FLOW)).toBe(false)

    editor.setText(FLOW, 'name: changed\n')
    expect(editor.dirtyPaths.has(FLOW)).toBe(true)

    expect(await editor.save(FLOW)).toBe(true)
    expect(ws.files.get(FLOW)?.text).toBe('name: changed\n')
    expect(editor.dirtyPaths.has(FLOW)).toBe(false)
  })

  it('asks the engine for diagnostics once typing pauses, with the unsaved text', async () => {
    diagnosticsFor = (text) =>
      text.includes('broken') ? [{ severity: 'error', message: 'unknown state "x"', rule: 'unknown-target', path: 'states.a', line: 2, column: 3 }] : []
    const editor = useEditorStore()
    await editor.open(FLOW)
    vi.advanceTimersByTime(0)
    await settle()
    const before = fake.calls.filter((c) => c.method === 'flow.diagnostics').length

    editor.setText(FLOW, 'broken 1')
    editor.setText(FLOW, 'broken 2')
    vi.advanceTimersByTime(ANALYSIS_DEBOUNCE_MS - 10)
    await settle()
    expect(fake.calls.filter((c) => c.method === 'flow.diagnostics')).toHaveLength(before)

    vi.advanceTimersByTime(20)
    await settle()
    const calls = fake.calls.filter((c) => c.method === 'flow.diagnostics')
    expect(calls).toHaveLength(before + 1)
    expect(calls.at(-1)?.params).toEqual([FLOW, 'broken 2'])
    expect(editor.analyses[FLOW]?.diagnostics[0]?.message).toBe('unknown state "x"')
    expect(editor.problems).toHaveLength(1)
    expect(editor.analyses[FLOW]?.graph?.nodes).toHaveLength(3)
  })

  it('reloads a clean file changed on disk, and flags a dirty one instead of overwriting it', async () => {
    const editor = useEditorStore()
    await editor.open(FLOW)
    ws.touch(FLOW, 'name: from disk\n')
    fake.emit('fileChanged', { changes: [{ path: FLOW, kind: 'changed' }] })
    await settle()
    expect(editor.active?.text).toBe('name: from disk\n')
    expect(editor.active?.externalChange).toBeNull()

    editor.setText(FLOW, 'name: mine\n')
    ws.touch(FLOW, 'name: theirs\n')
    fake.emit('fileChanged', { changes: [{ path: FLOW, kind: 'changed' }] })
    await settle()
    expect(editor.active?.text).toBe('name: mine\n')
    expect(editor.active?.externalChange).toBe('changed')

    await editor.reload(FLOW)
    expect(editor.active?.text).toBe('name: theirs\n')
    expect(editor.dirtyPaths.size).toBe(0)
  })

  it('does not overwrite a file that changed since it was read', async () => {
    const editor = useEditorStore()
    await editor.open(FLOW)
    editor.setText(FLOW, 'name: mine\n')
    ws.touch(FLOW, 'name: theirs\n')
    expect(await editor.save(FLOW)).toBe(false)
    expect(ws.files.get(FLOW)?.text).toBe('name: theirs\n')
    expect(editor.active?.externalChange).toBe('changed')

    expect(await editor.save(FLOW, { overwrite: true })).toBe(true)
    expect(ws.files.get(FLOW)?.text).toBe('name: mine\n')
  })

  it('shows a readable error for a file that cannot be opened', async () => {
    const editor = useEditorStore()
    await editor.open('flows/missing.flow.yaml')
    expect(editor.active?.status).toBe('error')
    expect(editor.active?.error).toContain('does not exist')
  })

  it('closing the active tab activates its neighbour', async () => {
    const editor = useEditorStore()
    await editor.open(FLOW)
    await editor.open('tests/a.test.yaml')
    editor.close('tests/a.test.yaml')
    expect(editor.activePath).toBe(FLOW)
  })
})
