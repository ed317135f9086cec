// Builders for the renderer's component and store tests: an in-memory workspace served through the
// API's fake client (the same JSON round trip as the real transports).
import { createPinia, setActivePinia } from 'pinia'
import { ApiError, type FlowGraph, type TestFileSummary, type TurnResult, type WorkspaceFile, type WorkspaceFileKind } from '../../../src-main/common/api'
import { createFakeClient, provideApi, type FakeClient, type FakeHandlers } from '../../../src-renderer/src/api'

export function kindOf(path: string): WorkspaceFileKind {
  if (/\.flow\./.test(path)) return 'flow'
  if (/\.test\./.test(path)) return 'test'
  return 'other'
}

/** A workspace held in a Map; writes bump mtime like a file system would. */
export function memoryWorkspace(initial: Record<string, string>) {
  const files = new Map(Object.entries(initial).map(([p, text]) => [p, { text, mtimeMs: 1000 }]))
  let clock = 1000
  const meta = (path: string): WorkspaceFile => ({ path, kind: kindOf(path), size: files.get(path)!.text.length, mtimeMs: files.get(path)!.mtimeMs })
  const handlers: FakeHandlers['workspace'] = {
    info: async () => ({ root: '/ws', name: 'ws', trusted: true, settings: null }),
    recent: async () => [{ root: '/ws', name: 'ws', openedAt: '2026-01-01T00:00:00.000Z' }],
    open: async (root: string) => ({ root, name: root.split('/').pop()!, trusted: true, settings: null }),
    listFiles: async () => [...files.keys()].sort().map(meta),
    readFile: async (path: string) => {
      const f = files.get(path)
      if (!f) throw new ApiError('not_found', `${path} does not exist`)
      return { ...meta(path), text: f.text }
    },
    writeFile: async (path: string, text: string, expected?: number) => {
      const f = files.get(path)
      if (f && expected !== undefined && f.mtimeMs !== expected) throw new ApiError('conflict', `${path} changed on disk`)
      files.set(path, { text, mtimeMs: ++clock })
      return meta(path)
    },
    createFile: async (path: string, text = '') => {
      if (files.has(path)) throw new ApiError('already_exists', `${path} already exists`)
      files.set(path, { text, mtimeMs: ++clock })
      return meta(path)
    },
    renameFile: async (from: string, to: string) => {
      const f = files.get(from)!
      files.delete(from)
      files.set(to, f)
      return meta(to)
    },
    deleteFile: async (path: string) => {
      files.delete(path)
    },
    setTrust: async (trusted: boolean) => ({ root: '/ws', name: 'ws', trusted, settings: null }),
  }
  /** Changes a file behind the app's back, as another program would. */
  const touch = (path: string, text: string) => files.set(path, { text, mtimeMs: ++clock })
  return { files, handlers, touch }
}

export function installFake(handlers: FakeHandlers): FakeClient {
  const fake = createFakeClient(handlers)
  provideApi(fake)
  setActivePinia(createPinia())
  return fake
}

export const SMALL_GRAPH: FlowGraph = {
  name: 'Support',
  initial_state: 'greeting',
  nodes: [
    { id: 'greeting', type: 'response', description: null, line: 3, initial: true },
    { id: 'detect', type: 'intent', description: null, line: 9, initial: false },
    { id: 'done', type: 'end', description: null, line: 20, initial: false },
  ],
  edges: [
    { from: 'greeting', to: 'detect', condition: 'any_input', value: null, priority: 100, key: 'greeting -> detect [any_input]', line: 6, resolved: true },
    { from: 'detect', to: 'done', condition: 'intent_match', value: 'bye', priority: 10, key: 'detect -> done [intent_match bye]', line: 12, resolved: true },
    { from: 'detect', to: 'nowhere', condition: 'fallback', value: null, priority: 999, key: 'detect -> nowhere [fallback]', line: 15, resolved: false },
  ],
}

export function turn(partial: Partial<TurnResult> & { turn: number }): TurnResult {
  return {
    conversation_id: 'c1',
    event: 'message',
    input: null,
    replies: [],
    state: 'greeting',
    path: [],
    transitions: [],
    intent: null,
    confidence: null,
    entities: {},
    slots: {},
    variables: {},
    missing_slots: [],
    integration_calls: [],
    ended: false,
    errors: [],
    warnings: [],
    duration_us: 120,
    ...partial,
  }
}

export function testFiles(fileCount: number, testsPerFile: number): TestFileSummary[] {
  return Array.from({ length: fileCount }, (_, f) => ({
    file: `tests/suite-${String(f).padStart(3, '0')}.test.yaml`,
    flow: 'flows/support.flow.yaml',
    name: `suite ${f}`,
    problem: null,
    tests: Array.from({ length: testsPerFile }, (_, t) => ({ name: `case ${t}`, tags: t % 2 ? ['smoke'] : [], skip: false, line: 10 + t * 5 })),
  }))
}

/** Resolves pending promise callbacks (fake API calls go through several awaits). */
export async function settle(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await Promise.resolve()
}
