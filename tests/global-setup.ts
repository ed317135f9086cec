// Builds the `flowbench` command once before the suites that spawn it.
import { execFileSync } from 'node:child_process'

export default function setup(): void {
  execFileSync(process.execPath, ['scripts/build-cli.mjs'], { stdio: 'inherit', env: { ...process.env, FLOWBENCH_QUIET_BUILD: '1' } })
}
