// `npm test`: everything that must hold before a change lands, in one command.
// Type checks, the layering lint, both builds, unit/component/CLI tests (vitest) and the
// end-to-end suite (Playwright in Debian's Chromium). Ends with one line
// `tests: N passed, N failed, N skipped` and exits non-zero when anything failed.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const resultsDir = join(root, 'test-results')
mkdirSync(resultsDir, { recursive: true })
const bin = (name) => join(root, 'node_modules', '.bin', name)
const only = new Set(process.argv.slice(2)) // e.g. `npm test -- unit` runs just that stage

const stages = []

// A fresh clone: `npm test` alone sets up what it needs.
if (!existsSync(bin('vitest'))) {
  process.stdout.write('Dependencies are not installed yet: running npm ci…\n')
  if (!run('npm', ['ci', '--no-audit', '--no-fund'], { env: { ELECTRON_SKIP_BINARY_DOWNLOAD: '1' } })) process.exit(1)
}
function stage(name, fn) {
  if (only.size && !only.has(name)) return
  const started = Date.now()
  process.stdout.write(`\n── ${name} ${'─'.repeat(Math.max(0, 60 - name.length))}\n`)
  let ok
  try {
    ok = fn()
  } catch (err) {
    process.stdout.write(`${name}: ${err instanceof Error ? err.message : String(err)}\n`)
    ok = false
  }
  stages.push({ name, ok, seconds: (Date.now() - started) / 1000 })
}

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...opts.env } })
  if (r.error) process.stdout.write(`could not start ${cmd}: ${r.error.message}\n`)
  return r.status === 0
}

function ensureChromium() {
  if (existsSync('/usr/bin/chromium')) return true
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0
  if (!isRoot) {
    process.stdout.write('Chromium is missing (/usr/bin/chromium). Install it with: sudo apt-get install -y chromium\n')
    return false
  }
  process.stdout.write('Chromium is missing: installing Debian\'s chromium (apt-get)…\n')
  return run('bash', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null']) && existsSync('/usr/bin/chromium')
}

const counts = { passed: 0, failed: 0, skipped: 0 }
function readJson(file) {
  try {
    return JSON.parse(readFileSync(file, 'utf8'))
  } catch {
    return undefined
  }
}

stage('typecheck', () => run(bin('tsc'), ['-p', 'tsconfig.json', '--noEmit']) && run(bin('vue-tsc'), ['-p', 'src-renderer/tsconfig.json', '--noEmit']) && run(bin('tsc'), ['-p', 'tests/e2e/tsconfig.json', '--noEmit']))
stage('layering', () => run(bin('eslint'), ['--max-warnings', '0', '.']))
stage('build', () => run(process.execPath, ['scripts/build-cli.mjs']) && run(bin('electron-vite'), ['build']))
stage('unit', () => {
  const out = join(resultsDir, 'vitest.json')
  rmSync(out, { force: true })
  const ok = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${out}`])
  const r = readJson(out)
  if (r) {
    counts.passed += r.numPassedTests ?? 0
    counts.failed += (r.numFailedTests ?? 0) + (r.numRuntimeErrorTestSuites ?? 0)
    counts.skipped += (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0)
  } else if (!ok) counts.failed += 1
  return ok
})
stage('e2e', () => {
  if (!ensureChromium()) {
    counts.failed += 1
    return false
  }
  const out = join(resultsDir, 'playwright.json')
  rmSync(out, { force: true })
  const ok = run(bin('playwright'), ['test', '--reporter=list,json'], { env: { PLAYWRIGHT_JSON_OUTPUT_NAME: out } })
  const r = readJson(out)
  if (r?.stats) {
    counts.passed += (r.stats.expected ?? 0) + (r.stats.flaky ?? 0)
    counts.failed += r.stats.unexpected ?? 0
    counts.skipped += r.stats.skipped ?? 0
  } else if (!ok) counts.failed += 1
  return ok
})

process.stdout.write('\n')
for (const s of stages) process.stdout.write(`${s.ok ? 'ok  ' : 'FAIL'} ${s.name} (${s.seconds.toFixed(1)} s)\n`)
const failedStages = stages.filter((s) => !s.ok).length
if (failedStages && counts.failed === 0) counts.failed = failedStages
process.stdout.write(`tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`)
process.exit(failedStages ? 1 : 0)
