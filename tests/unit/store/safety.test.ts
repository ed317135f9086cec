// Each safety claim of the store (docs/store.md), shown on real temp files with real processes:
// atomic durable writes, concurrent writers from several processes, recovery from corrupt files,
// kill -9 in the middle of writing, and stale locks left by a killed process.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { writeFileDurably } from '../../../src-main/core/store/durable'
import { openHistory } from '../../../src-main/core/store/history'
import { openStore } from '../../../src-main/core/store'
import { bundleStore, FIXTURES, tempDirs, testReport, type TempDirs } from './helpers'

let bundle: string
let bundleDir: string
beforeAll(async () => {
  bundleDir = mkdtempSync(join(tmpdir(), 'fb-store-bundle-'))
  bundle = await bundleStore(bundleDir)
}, 60_000)
afterAll(() => rmSync(bundleDir, { recursive: true, force: true }))

let dirs: TempDirs
const children: ChildProcess[] = []
afterEach(() => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL')
  dirs?.cleanup()
})

/** Starts a fixture script; resolves its stdout lines as they come. */
function child(script: string, args: string[], env: NodeJS.ProcessEnv = {}) {
  const proc = spawn(process.execPath, [join(FIXTURES, script), bundle, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  children.push(proc)
  const lines: string[] = []
  let stderr = ''
  let buffer = ''
  proc.stdout!.on('data', (chunk: Buffer) => {
    buffer += chunk.toString()
    const parts = buffer.split('\n')
    buffer = parts.pop()!
    lines.push(...parts)
  })
  proc.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const exited = new Promise<number | null>((done) => proc.on('exit', (code) => done(code)))
  return { proc, lines, exited, stderr: () => stderr }
}

describe('atomic, durable writes', () => {
  it('replaces a file whole and leaves no temp file behind', async () => {
    dirs = tempDirs()
    mkdirSync(dirs.home, { recursive: true })
    const file = join(dirs.home, 'f.json')
    await writeFileDurably(file, 'old')
    await writeFileDurably(file, 'new')
    expect(readFileSync(file, 'utf8')).toBe('new')
    expect(readdirSync(dirs.home)).toEqual(['f.json'])
  })

  it('a write that cannot finish leaves the previous content intact', async () => {
    dirs = tempDirs()
    mkdirSync(join(dirs.home, 'target.json'), { recursive: true })
    // Renaming a file over a folder fails: the "previous content" (the folder) must be untouched and no temp remain.
    await expect(writeFileDurably(join(dirs.home, 'target.json'), 'x')).rejects.toThrow()
    expect(readdirSync(dirs.home)).toEqual(['target.json'])
  })
})

describe('several processes writing at once', () => {
  it('N processes each adding M runs concurrently leave exactly N×M runs', async () => {
    dirs = tempDirs()
    const N = 4
    const M = 12
    const writers = Array.from({ length: N }, () => child('writer.mjs', [dirs.home, dirs.workspace, String(M)]))
    const codes = await Promise.all(writers.map((w) => w.exited))
    expect(codes, writers.map((w) => w.stderr()).join('\n')).toEqual(Array(N).fill(0))
    const reported = writers.flatMap((w) => w.lines)
    expect(new Set(reported).size).toBe(N * M)
    const history = await openHistory(dirs.home)
    const runs = await history.list()
    expect(runs).toHaveLength(N * M)
    expect(new Set(runs.map((r) => r.id))).toEqual(new Set(reported))
    expect(readdirSync(join(history.dir, 'runs')).filter((f) => f.endsWith('.json'))).toHaveLength(N * M)
  }, 60_000)

  it('two app stores changing different things in turn lose neither change', async () => {
    dirs = tempDirs()
    const one = await openStore(dirs.home)
    const two = await openStore(dirs.home)
    await one.setTrust('/a', true)
    await two.rememberWorkspace('/b', 'b')
    await one.setSetting('theme', 'dark')
    const fresh = await openStore(dirs.home)
    expect(fresh.trustOf('/a')?.trusted).toBe(true)
    expect(fresh.recent().map((r) => r.root)).toEqual(['/b'])
    expect(fresh.setting('theme')).toBe('dark')
  })
})

describe('kill -9 in the middle of writing', () => {
  it('after SIGKILL at random points the history opens valid with every run whose add had resolved', async () => {
    dirs = tempDirs()
    let total = 0
    for (let round = 0; round < 6; round++) {
      // Big transcripts make each write take long enough to be caught in the middle.
      const writer = child('writer.mjs', [dirs.home, dirs.workspace, '0', 'loop'], { FB_TRANSCRIPT_BYTES: '400000' })
      // Once it is writing steadily (a run confirmed), kill it at a random moment.
      while (writer.lines.length < 1) {
        if (writer.proc.exitCode !== null) throw new Error(`writer exited: ${writer.stderr()}`)
        await new Promise((r) => setTimeout(r, 5))
      }
      await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 120)))
      writer.proc.kill('SIGKILL')
      await writer.exited
      const confirmed = [...writer.lines]
      const history = await openHistory(dirs.home, { lockStaleMs: 2000 })
      expect(JSON.parse(readFileSync(join(history.dir, 'index.json'), 'utf8')).version).toBe(1)
      const ids = new Set((await history.list()).map((r) => r.id))
      for (const id of confirmed) expect(ids.has(id), `run ${id} resolved before the kill (round ${round})`).toBe(true)
      expect(confirmed.length).toBeGreaterThan(0)
      total += confirmed.length
      expect(history.notices()).toEqual([])
      expect(ids.size).toBeGreaterThanOrEqual(total)
    }
  }, 90_000)
})

describe('corrupt files', () => {
  it('a corrupt index is moved aside and rebuilt from the run files, and the user is told', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const a = await history.addTestRun(testReport(), { workspace: dirs.workspace, host: 'cli', commit: null })
    await history.setLabel(a.id, 'kept through a rebuild')
    const b = await history.addTestRun(testReport({ started_at: '2026-11-22T10:05:00.000Z' }), { workspace: dirs.workspace, host: 'cli', commit: null })
    await history.setBaseline(b.id, true)
    writeFileSync(join(history.dir, 'index.json'), '{"version": 1, "runs": [ {"record": ')

    const reopened = await openHistory(dirs.home)
    const runs = await reopened.list()
    expect(runs.map((r) => [r.id, r.label, r.baseline])).toEqual([
      [b.id, null, true],
      [a.id, 'kept through a rebuild', false],
    ])
    const [notice] = reopened.notices()
    expect(notice).toMatchObject({ kind: 'corrupt-index', file: join(history.dir, 'index.json') })
    expect(notice!.message).toMatch(/moved aside and rebuilt from 2 run files/)
    expect(notice!.backup).toMatch(/index\.json\.corrupt-\d+$/)
    expect(readFileSync(notice!.backup!, 'utf8')).toContain('"record": ')
    expect(await reopened.testReport(a.id)).toEqual(testReport())
  })

  it('a lost index is rebuilt; a damaged run file is set aside and the rest kept', async () => {
    dirs = tempDirs()
    const history = await openHistory(dirs.home)
    const a = await history.addTestRun(testReport(), { workspace: dirs.workspace, host: 'cli', commit: null })
    const b = await history.addTestRun(testReport({ started_at: '2026-11-22T10:05:00.000Z' }), { workspace: dirs.workspace, host: 'cli', commit: null })
    rmSync(join(history.dir, 'index.json'))
    writeFileSync(join(history.dir, 'runs', `${a.id}.json`), '{"trunc')
    const reopened = await openHistory(dirs.home)
    expect((await reopened.list()).map((r) => r.id)).toEqual([b.id])
    expect(reopened.notices().map((n) => n.kind).sort()).toEqual(['corrupt-index', 'corrupt-run'])
    expect(readdirSync(join(history.dir, 'runs')).some((f) => f.startsWith(`${a.id}.json.corrupt-`))).toBe(true)
  })

  it('a corrupt app-state file is moved aside, a fresh one started, and the user is told', async () => {
    dirs = tempDirs()
    mkdirSync(dirs.home, { recursive: true })
    writeFileSync(join(dirs.home, 'flowbench-store.json'), '{"version": 2, "recentWorkspaces": [')
    const store = await openStore(dirs.home)
    expect(store.recoveredFrom).toMatch(/flowbench-store\.json\.corrupt-\d+$/)
    expect(existsSync(store.recoveredFrom!)).toBe(true)
    expect(store.notices).toEqual([expect.objectContaining({ kind: 'corrupt-store', backup: store.recoveredFrom })])
    await store.setTrust('/x', true)
    expect(JSON.parse(readFileSync(store.file, 'utf8')).trust['/x'].trusted).toBe(true)
  })
})

describe('stale locks', () => {
  it('a lock left by a killed process is taken over once stale', async () => {
    dirs = tempDirs()
    await openHistory(dirs.home)
    const locker = child('locker.mjs', [dirs.home])
    while (!locker.lines.includes('locked')) {
      if (locker.proc.exitCode !== null) throw new Error(`locker exited: ${locker.stderr()}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    locker.proc.kill('SIGKILL')
    await locker.exited
    expect(existsSync(join(dirs.home, 'history', 'index.json.lock'))).toBe(true)
    const history = await openHistory(dirs.home, { lockStaleMs: 2000 })
    const added = await history.addTestRun(testReport(), { workspace: dirs.workspace, host: 'cli', commit: null })
    expect((await history.list()).map((r) => r.id)).toEqual([added.id])
  }, 30_000)
})
