// The workspace service on real temporary folders: file operations, path safety, the watcher's
// created/changed/deleted events, recent workspaces and trust remembered in the store.
import { existsSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { ApiError } from '../../../src-main/common/api'
import { createCore } from '../../../src-main/core/services'
import { SUPPORT_FLOW, nextEvent, openCore, tempWorkspace, type TempWorkspace } from './helpers'

let ws: TempWorkspace
const cores: Array<{ dispose(): Promise<void> }> = []
afterEach(async () => {
  await Promise.all(cores.splice(0).map((c) => c.dispose()))
  ws?.cleanup()
})

async function core(files: Record<string, string> = {}, options = {}) {
  ws = tempWorkspace(files)
  const c = await openCore(ws, options)
  cores.push(c)
  return c
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  const err = await promise.then(() => null, (e: unknown) => e)
  expect(err).toBeInstanceOf(ApiError)
  return err as ApiError
}

describe('workspace files', () => {
  it('lists files with kinds, skipping dependency and dot folders', async () => {
    const c = await core({
      'flowbench.json': '{"name": "Demo"}',
      'flows/support.flow.yaml': SUPPORT_FLOW,
      'tests/support.test.yaml': 'flow: ../flows/support.flow.yaml\ntests: []\n',
      'plugins/crm/package.json': '{}',
      'notes.md': '# notes',
      'node_modules/x/index.js': '',
      '.git/HEAD': 'ref',
    })
    const files = await c.api.workspace.listFiles()
    expect(files.map((f) => [f.path, f.kind])).toEqual([
      ['flowbench.json', 'settings'],
      ['flows/support.flow.yaml', 'flow'],
      ['notes.md', 'other'],
      ['plugins/crm/package.json', 'plugin'],
      ['tests/support.test.yaml', 'test'],
    ])
    const info = await c.api.workspace.info()
    expect(info).toMatchObject({ root: ws.root, name: 'Demo', trusted: false, settings: { name: 'Demo' } })
  })

  it('creates, reads, saves, renames and deletes files', async () => {
    const c = await core()
    const created = await c.api.workspace.createFile('flows/new.flow.yaml', 'name: x\n')
    expect(created).toMatchObject({ path: 'flows/new.flow.yaml', kind: 'flow', size: 8 })
    expect((await rejection(c.api.workspace.createFile('flows/new.flow.yaml'))).code).toBe('already_exists')

    const read = await c.api.workspace.readFile('flows/new.flow.yaml')
    expect(read.text).toBe('name: x\n')
    const saved = await c.api.workspace.writeFile('flows/new.flow.yaml', 'name: y\n', read.mtimeMs)
    expect(readFileSync(join(ws.root, 'flows/new.flow.yaml'), 'utf8')).toBe('name: y\n')

    const renamed = await c.api.workspace.renameFile('flows/new.flow.yaml', 'flows/renamed.flow.yaml')
    expect(renamed.path).toBe('flows/renamed.flow.yaml')
    expect(existsSync(join(ws.root, 'flows/new.flow.yaml'))).toBe(false)
    await c.api.workspace.createFile('flows/other.flow.yaml')
    expect((await rejection(c.api.workspace.renameFile('flows/renamed.flow.yaml', 'flows/other.flow.yaml'))).code).toBe('already_exists')

    await c.api.workspace.deleteFile('flows/renamed.flow.yaml')
    expect(existsSync(join(ws.root, 'flows/renamed.flow.yaml'))).toBe(false)
    expect((await rejection(c.api.workspace.deleteFile('flows/renamed.flow.yaml'))).code).toBe('not_found')
    expect((await rejection(c.api.workspace.readFile('flows/renamed.flow.yaml'))).code).toBe('not_found')
    expect(saved.mtimeMs).toBeGreaterThan(0)
  })

  it('refuses a save over a file changed on disk since it was read', async () => {
    const c = await core({ 'flows/a.flow.yaml': 'name: a\n' })
    const read = await c.api.workspace.readFile('flows/a.flow.yaml')
    writeFileSync(join(ws.root, 'flows/a.flow.yaml'), 'name: changed elsewhere\n')
    const later = new Date(read.mtimeMs + 5000)
    const { utimesSync } = await import('node:fs')
    utimesSync(join(ws.root, 'flows/a.flow.yaml'), later, later)
    const err = await rejection(c.api.workspace.writeFile('flows/a.flow.yaml', 'name: mine\n', read.mtimeMs))
    expect(err.code).toBe('conflict')
    expect(readFileSync(join(ws.root, 'flows/a.flow.yaml'), 'utf8')).toBe('name: changed elsewhere\n')
  })

  it('never touches a path outside the workspace', async () => {
    const c = await core()
    for (const path of ['../escape.txt', '/etc/passwd', 'flows/../../escape.txt']) {
      expect((await rejection(c.api.workspace.readFile(path))).code).toBe('forbidden')
      expect((await rejection(c.api.workspace.writeFile(path, 'x'))).code).toBe('forbidden')
    }
    expect((await rejection(c.api.workspace.renameFile('a.txt', '../b.txt'))).code).toBe('forbidden')
    expect(existsSync(join(ws.root, '..', 'escape.txt'))).toBe(false)
  })

  it('answers no_workspace before a folder is opened', async () => {
    ws = tempWorkspace()
    const c = await createCore({ home: ws.home })
    cores.push(c)
    expect(await c.api.workspace.info()).toBeNull()
    expect((await rejection(c.api.workspace.listFiles())).code).toBe('no_workspace')
    expect((await rejection(c.api.workspace.open(join(ws.root, 'missing')))).code).toBe('not_found')
  })
})

describe('file watcher', () => {
  it('reports files created, changed and deleted by another program', async () => {
    const c = await core({ 'flows/a.flow.yaml': 'name: a\n' })
    let changes = nextEvent(c, 'fileChanged', (p) => p.changes.some((x) => x.path === 'flows/b.flow.yaml'))
    writeFileSync(join(ws.root, 'flows/b.flow.yaml'), 'name: b\n')
    expect((await changes).changes).toContainEqual({ path: 'flows/b.flow.yaml', kind: 'created' })

    changes = nextEvent(c, 'fileChanged', (p) => p.changes.some((x) => x.path === 'flows/a.flow.yaml'))
    writeFileSync(join(ws.root, 'flows/a.flow.yaml'), 'name: a, longer now\n')
    expect((await changes).changes).toContainEqual({ path: 'flows/a.flow.yaml', kind: 'changed' })

    changes = nextEvent(c, 'fileChanged', (p) => p.changes.some((x) => x.kind === 'deleted'))
    rmSync(join(ws.root, 'flows/b.flow.yaml'))
    expect((await changes).changes).toContainEqual({ path: 'flows/b.flow.yaml', kind: 'deleted' })
  })

  it('sees files in folders created after the workspace was opened', async () => {
    const c = await core()
    const changes = nextEvent(c, 'fileChanged', (p) => p.changes.some((x) => x.path === 'deep/new/x.test.yaml'))
    mkdirSync(join(ws.root, 'deep/new'), { recursive: true })
    writeFileSync(join(ws.root, 'deep/new/x.test.yaml'), 'tests: []\n')
    expect((await changes).changes).toContainEqual({ path: 'deep/new/x.test.yaml', kind: 'created' })
  })

  it('reports a rename as a deletion and a creation', async () => {
    const c = await core({ 'flows/a.flow.yaml': 'name: a\n' })
    const changes = nextEvent(c, 'fileChanged')
    await c.api.workspace.renameFile('flows/a.flow.yaml', 'flows/b.flow.yaml')
    expect((await changes).changes).toEqual([
      { path: 'flows/a.flow.yaml', kind: 'deleted' },
      { path: 'flows/b.flow.yaml', kind: 'created' },
    ])
  })

  it('falls back to polling where recursive watching is unavailable', async () => {
    const c = await core({}, { watch: { forcePolling: true, pollMs: 30, debounceMs: 10 } })
    const changes = nextEvent(c, 'fileChanged')
    writeFileSync(join(ws.root, 'polled.flow.yaml'), 'name: p\n')
    expect((await changes).changes).toContainEqual({ path: 'polled.flow.yaml', kind: 'created' })
  })
})

describe('recent workspaces and trust', () => {
  it('remembers recent workspaces and trust decisions across restarts, in $FLOWBENCH_HOME', async () => {
    const c = await core({ 'flowbench.json': '{"name": "Remembered"}' })
    expect((await c.api.workspace.info())?.trusted).toBe(false)
    const changed = nextEvent(c, 'workspaceChanged', (p) => p.trusted)
    expect((await c.api.workspace.setTrust(true)).trusted).toBe(true)
    await changed
    await c.dispose()

    const again = await createCore({ home: ws.home })
    cores.push(again)
    expect(await again.api.workspace.recent()).toEqual([{ root: ws.root, name: 'Remembered', openedAt: expect.any(String) }])
    expect((await again.api.workspace.open(ws.root)).trusted).toBe(true)
    expect(readFileSync(again.store.file, 'utf8')).toContain(ws.root.replace(/\\/g, '\\\\'))
  })

  it('moves an unreadable store aside and starts afresh', async () => {
    ws = tempWorkspace()
    mkdirSync(ws.home, { recursive: true })
    writeFileSync(join(ws.home, 'flowbench-store.json'), '{ not json')
    const c = await createCore({ home: ws.home })
    cores.push(c)
    expect(c.store.recoveredFrom).toMatch(/flowbench-store\.json\.corrupt-\d+$/)
    expect(await c.api.workspace.recent()).toEqual([])
    expect(existsSync(c.store.recoveredFrom!)).toBe(true)
  })
})
