// `flowbench test` records into the run history at $FLOWBENCH_HOME (spawned for real): one record
// per run with its flows and their content hashes; --no-history records nothing; a store that
// cannot be written costs one warning line and never the run.
import { spawnSync } from 'node:child_process'
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { createHash } from 'node:crypto'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const base = mkdtempSync(join(tmpdir(), 'flowbench-history-cli-'))
afterAll(() => rmSync(base, { recursive: true, force: true }))

let n = 0
function setup() {
  const dir = join(base, String(n++))
  const workspace = join(dir, 'ws')
  cpSync(join(REPO, 'tests/fixtures/runner/basic'), workspace, { recursive: true })
  return { workspace, home: join(dir, 'home') }
}

function flowbench(args: string[], cwd: string, home: string) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FLOWBENCH_HOME: home }, timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

interface IndexFile {
  version: number
  runs: Array<{ record: { id: string; kind: string; workspace: string; outcome: string; flows: Array<{ path: string; hash: string }>; environment: { host: string }; test: { total: number } } }>
}
const index = (home: string) => JSON.parse(readFileSync(join(home, 'history/index.json'), 'utf8')) as IndexFile

describe('flowbench test records runs in the history', () => {
  it('two runs make two records, newest with the changed flow hash; each report is its own file', () => {
    const { workspace, home } = setup()
    expect(flowbench(['test'], workspace, home).code).toBe(0)
    const flowFile = readdirSync(join(workspace, 'flows')).find((f) => f.endsWith('.flow.yaml'))!
    const flowPath = join(workspace, 'flows', flowFile)
    writeFileSync(flowPath, `${readFileSync(flowPath, 'utf8')}\n# edited\n`)
    const second = flowbench(['test'], workspace, home)
    expect(second.code).toBe(0)
    expect(second.stderr).toBe('')

    const runs = index(home).runs.map((r) => r.record)
    expect(runs).toHaveLength(2)
    for (const r of runs) {
      expect(r).toMatchObject({ kind: 'test', workspace, outcome: 'passed', environment: { host: 'cli' }, test: { total: 3 } })
      expect(r.flows.map((f) => f.path)).toContain(`flows/${flowFile}`)
    }
    const hashOf = (r: (typeof runs)[number]) => r.flows.find((f) => f.path === `flows/${flowFile}`)!.hash
    expect(hashOf(runs[1]!)).toBe(createHash('sha256').update(readFileSync(flowPath)).digest('hex').slice(0, 16))
    expect(hashOf(runs[0]!)).not.toBe(hashOf(runs[1]!))
    expect(readdirSync(join(home, 'history/runs')).sort()).toEqual(runs.map((r) => `${r.id}.json`).sort())
    const payload = JSON.parse(readFileSync(join(home, 'history/runs', `${runs[0]!.id}.json`), 'utf8'))
    expect(payload.test).toMatchObject({ tool: 'flowbench', summary: { total: 3, passed: 3 } })
  })

  it('--no-history records nothing', () => {
    const { workspace, home } = setup()
    const r = flowbench(['test', '--no-history'], workspace, home)
    expect(r.code).toBe(0)
    expect(() => readdirSync(join(home, 'history'))).toThrow()
  })

  it('a store that cannot be written costs one warning line, not the run', () => {
    const { workspace, home } = setup()
    writeFileSync(home, 'a file where the app-state folder should be')
    const r = flowbench(['test'], workspace, home)
    expect(r.code).toBe(0)
    const lines = r.stderr.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(lines[0]).toMatch(/^flowbench: warning: the run was not recorded in the history: /)
  })
})
