// Versioned store files: the framework's ordering and refusals, and real version-1 files
// (tests/fixtures/store) migrated: their last runs move into the run history, once.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, describe, expect, it } from 'vitest'
import { openHistory } from '../../../src-main/core/store/history'
import { openStore, STORE_MIGRATIONS, STORE_VERSION } from '../../../src-main/core/store'
import { migrate, StoreVersionError, type Migration } from '../../../src-main/core/store/migrate'
import { FIXTURES, tempDirs, type TempDirs } from './helpers'

let dirs: TempDirs
afterEach(() => dirs?.cleanup())

function homeWith(fixture: string): string {
  dirs = tempDirs()
  mkdirSync(dirs.home, { recursive: true })
  copyFileSync(join(FIXTURES, fixture, 'flowbench-store.json'), join(dirs.home, 'flowbench-store.json'))
  return dirs.home
}

describe('the migration framework', () => {
  const steps: Migration<string[]>[] = [
    { from: 1, description: 'one', run: (d, log) => (log.push('1→2'), { ...d, a: 1 }) },
    { from: 2, description: 'two', run: async (d, log) => (log.push('2→3'), { ...d, b: (d.a as number) + 1 }) },
  ]

  it('runs the steps in order from the file’s version, and none for a current file', async () => {
    const log: string[] = []
    expect(await migrate('f', { version: 1 }, steps, 3, log)).toEqual({ data: { version: 3, a: 1, b: 2 }, applied: ['one', 'two'] })
    expect(log).toEqual(['1→2', '2→3'])
    expect(await migrate('f', { version: 2, a: 5 }, steps, 3, [])).toEqual({ data: { version: 3, a: 5, b: 6 }, applied: ['two'] })
    expect(await migrate('f', { version: 3 }, steps, 3, [])).toEqual({ data: { version: 3 }, applied: [] })
    // No version at all: the first stores did not always write one.
    expect((await migrate('f', {}, steps, 3, [])).applied).toEqual(['one', 'two'])
  })

  it('refuses a file from a newer version, naming the file and what to do', async () => {
    await expect(migrate('/h/store.json', { version: 9 }, steps, 3, [])).rejects.toThrow(StoreVersionError)
    await expect(migrate('/h/store.json', { version: 9 }, steps, 3, [])).rejects.toThrow(/\/h\/store\.json was written by a newer Flowbench \(version 9.*update Flowbench/)
  })

  it('refuses a chain with a gap (a programming error caught by this test)', async () => {
    await expect(migrate('f', { version: 1 }, [steps[1]!], 2, [])).rejects.toThrow(/expected 1/)
    expect(STORE_MIGRATIONS.map((m) => m.from)).toEqual(Array.from({ length: STORE_VERSION - 1 }, (_, i) => i + 1))
  })
})

describe('a version 1 store', () => {
  it('moves each workspace’s last run into the history, keeps everything else, and drops lastRuns', async () => {
    const home = homeWith('v1-store')
    const store = await openStore(home)
    const written = JSON.parse(readFileSync(store.file, 'utf8'))
    expect(written.version).toBe(2)
    expect(written).not.toHaveProperty('lastRuns')
    expect(store.recent().map((r) => r.name)).toEqual(['Support bot', 'billing'])
    expect(store.trustOf('/home/qa/support-bot')?.trusted).toBe(true)
    expect(store.disabledPlugins('/home/qa/support-bot')).toEqual(['crm'])
    expect(store.setting('history.keep')).toBe(50)
    expect(store.notices.map((n) => n.kind)).toEqual(['migrated'])

    const history = await openHistory(home)
    const runs = await history.list()
    expect(runs.map((r) => [r.workspace, r.startedAt, r.outcome])).toEqual([
      ['/home/qa/support-bot', '2026-11-21T14:02:30.000Z', 'passed'],
      ['/home/qa/billing', '2026-11-20T09:15:00.000Z', 'failed'],
    ])
    expect(runs[1]).toMatchObject({ kind: 'test', tags: ['help', 'smoke'], flows: [{ path: 'flows/support.flow.yaml', hash: '' }], test: { total: 3, failed: 1, statePercent: 80 } })
    expect(runs[1]!.test!.transitionPercent).toBeCloseTo(71.43, 1)
    const report = await history.testReport(runs[1]!.id)
    expect(report?.suites[0]!.tests[1]!.failures[0]!.expected).toBe('help_response')
    expect(report?.coverage['flows/support.flow.yaml']!.states.uncovered).toEqual(['goodbye'])
  })

  it('a migration interrupted after moving the runs adds nothing twice when run again', async () => {
    const home = homeWith('v1-store')
    const original = readFileSync(join(home, 'flowbench-store.json'), 'utf8')
    await openStore(home)
    // As if the process died after the history was written but before the store file was.
    writeFileSync(join(home, 'flowbench-store.json'), original)
    await openStore(home)
    expect(await (await openHistory(home)).list()).toHaveLength(2)
  })

  it('reads the earliest files (no version, no disabledPlugins)', async () => {
    const home = homeWith('v1-early')
    const store = await openStore(home)
    expect(store.recent().map((r) => r.root)).toEqual(['/home/qa/old'])
    expect(store.disabledPlugins('/home/qa/old')).toEqual([])
    expect(JSON.parse(readFileSync(store.file, 'utf8'))).toMatchObject({ version: 2, disabledPlugins: {} })
    expect(await (await openHistory(home)).list()).toEqual([])
  })

  it('a store written by a newer Flowbench is left as it is, with an error that says so', async () => {
    dirs = tempDirs()
    mkdirSync(dirs.home, { recursive: true })
    const text = JSON.stringify({ version: 99, settings: {} })
    writeFileSync(join(dirs.home, 'flowbench-store.json'), text)
    await expect(openStore(dirs.home)).rejects.toThrow(/newer Flowbench/)
    expect(readFileSync(join(dirs.home, 'flowbench-store.json'), 'utf8')).toBe(text)
  })
})
