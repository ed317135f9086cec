// Builds the `flowbench` command once before the suites that spawn it. A failed build is
// reported but does not stop the unit suites: the CLI suites then fail on their own.
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export default function setup(): () => void {
  // Every `flowbench` the tests spawn records its runs in the store: never the user's own.
  const home = process.env.FLOWBENCH_HOME ? null : mkdtempSync(join(tmpdir(), 'flowbench-test-home-'))
  if (home) process.env.FLOWBENCH_HOME = home
  const r = spawnSync(process.execPath, ['scripts/build-cli.mjs'], { encoding: 'utf8', env: { ...process.env, FLOWBENCH_QUIET_BUILD: '1' } })
  if (r.status !== 0) {
    process.stderr.write(`\n[global-setup] building the CLI failed; CLI tests will fail:\n${(r.stderr || r.stdout || '').slice(0, 3000)}\n`)
  }
  return () => {
    if (home) rmSync(home, { recursive: true, force: true })
  }
}
