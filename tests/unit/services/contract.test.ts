// The contract holds at run time: the core implements exactly the allow-listed methods, every
// error crosses as {code, message}, and the typed client maps calls and events onto the wire.
import { afterEach, describe, expect, it } from 'vitest'
import { API_EVENTS, API_METHODS, ApiError, type AnyApiEventMessage, type ApiMethod } from '../../../src-main/common/api'
import { createApiClient } from '../../../src-main/common/api-client'
import { dispatch } from '../../../src-main/core/services/dispatch'
import { openCore, tempWorkspace, SUPPORT_FLOW, type TempWorkspace } from './helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

describe('the API contract', () => {
  it('is implemented by the core method for method, and nothing more', async () => {
    ws = tempWorkspace()
    const core = await openCore(ws)
    cores.push(core)
    const implemented = Object.entries(core.api).flatMap(([service, methods]) => Object.keys(methods).map((m) => `${service}.${m}`))
    expect(implemented.sort()).toEqual([...API_METHODS].sort())
    // The first five events come first and in this order; each feature service's events follow.
    expect(API_EVENTS.slice(0, 5)).toEqual(['workspaceChanged', 'fileChanged', 'testProgress', 'testFinished', 'pluginsChanged'])
    expect(new Set(API_EVENTS).size).toBe(API_EVENTS.length)
  })

  it('dispatches through the allow-list and answers plain JSON envelopes', async () => {
    ws = tempWorkspace({ 'flows/support.flow.yaml': SUPPORT_FLOW })
    const core = await openCore(ws)
    cores.push(core)
    expect(await dispatch(core.api, 'workspace.deleteFile', ['flows/support.flow.yaml'])).toEqual({ result: null })
    expect(await dispatch(core.api, 'workspace.hasOwnProperty', ['x'])).toMatchObject({ error: { code: 'unknown_method' } })
    expect(await dispatch(core.api, 'workspace.info', [1])).toMatchObject({ error: { code: 'bad_request' } })
    const failed = await dispatch(core.api, 'simulator.start', [{ flow: 'flows/support.flow.yaml' }])
    expect(failed).toEqual({ error: { code: 'not_found', message: 'flows/support.flow.yaml does not exist' } })
  })

  it('gives clients typed services and events over any transport', async () => {
    const sent: Array<{ method: ApiMethod; params: unknown[] }> = []
    let deliver: (m: AnyApiEventMessage) => void = () => undefined
    const client = createApiClient({
      async call(method, params) {
        sent.push({ method, params })
        return method === 'workspace.readFile' ? { error: { code: 'not_found', message: 'gone', data: { path: 'a' } } } : { result: [] }
      },
      subscribe(listener) {
        deliver = listener
        return () => (deliver = () => undefined)
      },
    })
    expect(await client.workspace.recent()).toEqual([])
    await client.flow.diagnostics('flows/a.flow.yaml', undefined)
    const err = await client.workspace.readFile('a').catch((e: unknown) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ code: 'not_found', message: 'gone', data: { path: 'a' } })
    expect(sent).toEqual([
      { method: 'workspace.recent', params: [] },
      { method: 'flow.diagnostics', params: ['flows/a.flow.yaml'] },
      { method: 'workspace.readFile', params: ['a'] },
    ])
    const seen: unknown[] = []
    const off = client.on('fileChanged', (p) => seen.push(p))
    deliver({ event: 'fileChanged', payload: { changes: [{ path: 'a', kind: 'deleted' }] } })
    deliver({ event: 'testFinished', payload: { runId: 'r', result: null, error: null } })
    off()
    deliver({ event: 'fileChanged', payload: { changes: [] } })
    expect(seen).toEqual([{ changes: [{ path: 'a', kind: 'deleted' }] }])
  })
})
