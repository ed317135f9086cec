// `flowbench test --faults`, spawned for real: the table after the summary, the JSON `faults`
// field, the HTML section, and the exit code (unchanged unless --faults-strict).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { afterAll, describe, expect, it } from 'vitest'
import { writeFixture } from '../unit/mutate/fixture'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const fx = writeFixture()
afterAll(() => fx.dispose())

function flowbench(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd: fx.root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', FLOWBENCH_HOME: join(fx.root, '.home') }, timeout: 120_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe('flowbench test --faults', () => {
  it('prints the matrix after the summary and adds it to the JSON and HTML reports; exit 0 without --faults-strict', () => {
    const r = flowbench(['test', '--faults', '--no-history', '--reporter', 'console', '--reporter', 'json=out/r.json', '--reporter', 'html=out/r.html'])
    expect(r.stderr).toBe('')
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/Fault matrix: 4 faulted reruns of 1 tests, 1 integration states/)
    expect(r.stdout).toMatch(/flows\/orders\.flow\.yaml:\d+:\d+ lookup → orders_api/)
    expect(r.stdout).toMatch(/network\s+NO TRANSITION/)
    const json = JSON.parse(readFileSync(join(fx.root, 'out/r.json'), 'utf8'))
    expect(json.faults.unhandled).toBe(3)
    expect(json.faults.states[0].kinds.error.outcome).toBe('no_transition')
    expect(readFileSync(join(fx.root, 'out/r.html'), 'utf8')).toContain('Fault matrix')
  })

  it('--faults-strict exits 1 when a failure is not handled', () => {
    const r = flowbench(['test', '--faults-strict', '--no-history'])
    expect(r.code).toBe(1)
    expect(r.stdout).toMatch(/3 failures not handled/)
  })

  it('without --faults the report has no faults field', () => {
    const r = flowbench(['test', '--no-history', '--reporter', 'json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).faults).toBeUndefined()
  })
})
