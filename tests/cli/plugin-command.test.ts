// `flowbench plugin new|list|check`, spawned as a user runs them: a scaffolded plugin whose own
// test passes and whose build Flowbench then loads; listings of good and broken plugins; exit codes.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const REPO = join(__dirname, '../..')
const BIN = join(REPO, 'bin/flowbench.mjs')
const FIXTURES = join(REPO, 'tests/fixtures/plugins')
const temps: string[] = []

function temp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  temps.push(dir)
  return dir
}

afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

function flowbench(args: string[], cwd = REPO) {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', env: { ...process.env, FLOWBENCH_HOME: join(tmpdir(), 'fb-plugin-cli-home'), NO_COLOR: '1' } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** What `npm install` would give the new plugin: its dev dependencies, linked from this checkout. */
function installDevDependencies(pluginDir: string): void {
  mkdirSync(join(pluginDir, 'node_modules', '@types'), { recursive: true })
  symlinkSync(REPO, join(pluginDir, 'node_modules', 'flowbench'), 'dir')
  for (const m of ['esbuild', 'vitest', 'typescript']) symlinkSync(join(REPO, 'node_modules', m), join(pluginDir, 'node_modules', m), 'dir')
  symlinkSync(join(REPO, 'node_modules', '@types', 'node'), join(pluginDir, 'node_modules', '@types', 'node'), 'dir')
}

describe('flowbench plugin new', () => {
  it('scaffolds a plugin whose test passes, whose build works and which Flowbench then loads', { timeout: 90_000 }, () => {
    const ws = temp('fb-plugin-new-')
    writeFileSync(join(ws, 'flowbench.json'), '{ "name": "scaffold test" }\n')
    const made = flowbench(['plugin', 'new', 'flowbench-plugin-order-status', '--dir', join(ws, 'plugins')])
    expect(made.stderr).toBe('')
    expect(made.code).toBe(0)
    const dir = join(ws, 'plugins', 'flowbench-plugin-order-status')
    expect(made.stdout).toContain('Created plugin flowbench-plugin-order-status (integration "order_status")')
    for (const f of ['package.json', 'src/index.ts', 'test/plugin.test.ts', 'tsconfig.json', 'build.mjs', 'README.md']) expect(existsSync(join(dir, f)), f).toBe(true)
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'))
    expect(pkg).toMatchObject({ name: 'flowbench-plugin-order-status', type: 'module', main: 'dist/index.js', flowbench: { apiVersion: 1, integrations: ['order_status'] } })
    expect(readFileSync(join(dir, 'src/index.ts'), 'utf8')).toContain("import { definePlugin, type CallContext, type IntegrationRequest, type IntegrationResponse } from 'flowbench/plugin'")

    // Before its build, Flowbench says what is missing.
    const unbuilt = flowbench(['plugin', 'list', ws, '--json'])
    expect(unbuilt.code).toBe(1)
    expect(JSON.parse(unbuilt.stdout).plugins.find((p: { name: string }) => p.name === 'flowbench-plugin-order-status').error).toMatch(/the entry "dist\/index.js" does not exist/)

    installDevDependencies(dir)
    const test = spawnSync(process.execPath, [join(dir, 'node_modules/vitest/vitest.mjs'), 'run'], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } })
    expect(test.stdout + test.stderr).toMatch(/Tests\s+3 passed/)
    expect(test.status).toBe(0)
    const typecheck = spawnSync(process.execPath, [join(dir, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' })
    expect(typecheck.stdout).toBe('')
    expect(typecheck.status).toBe(0)
    const build = spawnSync(process.execPath, ['build.mjs'], { cwd: dir, encoding: 'utf8' })
    expect(build.status).toBe(0)
    expect(existsSync(join(dir, 'dist/index.js'))).toBe(true)

    const listed = flowbench(['plugin', 'list', ws, '--json'])
    expect(listed.code).toBe(0)
    expect(JSON.parse(listed.stdout).plugins).toContainEqual(
      expect.objectContaining({ name: 'flowbench-plugin-order-status', source: 'workspace', status: 'loaded', integrations: ['order_status'] }),
    )
    const checked = flowbench(['plugin', 'check', dir])
    expect(checked.stdout).toContain('8 checks passed')
    expect(checked.code).toBe(0)
  })

  it("puts a new plugin in the workspace's plugins/ folder by default", () => {
    const ws = temp('fb-plugin-default-')
    writeFileSync(join(ws, 'flowbench.json'), '{}\n')
    mkdirSync(join(ws, 'flows'))
    const r = flowbench(['plugin', 'new', '@acme/weather', '--integration', 'weather_now'], join(ws, 'flows'))
    expect(r.code).toBe(0)
    expect(JSON.parse(readFileSync(join(ws, 'plugins/weather/package.json'), 'utf8'))).toMatchObject({ name: '@acme/weather', flowbench: { integrations: ['weather_now'] } })
  })

  it('refuses a bad name or a folder that is taken, with exit 2 and no stack trace', () => {
    const dir = temp('fb-plugin-bad-')
    const bad = flowbench(['plugin', 'new', 'My Plugin', '--dir', dir])
    expect(bad.code).toBe(2)
    expect(bad.stderr).toBe('flowbench: "My Plugin" is not a valid plugin name: use lower-case letters, digits, - . _ (optionally @scope/name)\n')
    mkdirSync(join(dir, 'taken'))
    writeFileSync(join(dir, 'taken', 'notes.txt'), 'mine')
    const taken = flowbench(['plugin', 'new', 'taken', '--dir', dir])
    expect(taken.code).toBe(2)
    expect(taken.stderr).toBe(`flowbench: ${join(dir, 'taken')} already exists and is not empty\n`)
    expect(flowbench(['plugin', 'new']).code).toBe(2)
  })
})

describe('flowbench plugin list', () => {
  it('lists the sample workspace plugins (exit 0)', () => {
    const r = flowbench(['plugin', 'list', 'resources/samples'])
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/loaded\s+flowbench-plugin-http 1\.0\.0\s+built-in\s+http/)
    expect(r.stdout).toMatch(/loaded\s+flowbench-plugin-metrics-translator 1\.0\.0\s+workspace\s+metrics_query, generator:explain_metric$/m)
  })

  it('shows workspace plugins as disabled with --no-plugins', () => {
    const r = flowbench(['plugin', 'list', 'resources/samples', '--no-plugins', '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout).plugins.find((p: { source: string }) => p.source === 'workspace')).toMatchObject({ status: 'disabled' })
  })

  it('names each broken plugin and what is wrong, and exits 1', () => {
    const r = flowbench(['plugin', 'list', join(FIXTURES, 'workspace')])
    expect(r.code).toBe(1)
    expect(r.stdout).toContain('plugin "flowbench-plugin-future": flowbench.apiVersion 2 is not supported')
    expect(r.stdout).toContain('plugin "no-manifest": no package.json in the plugin folder')
    expect(r.stdout).toMatch(/loaded\s+flowbench-plugin-crm 1\.0\.0/)
    expect(r.stderr).toBe('')
  })

  it('adds --plugin-dir folders, and refuses paths that do not exist (exit 2)', () => {
    const r = flowbench(['plugin', 'list', 'resources/samples', '--plugin-dir', join(FIXTURES, 'builtin'), '--json'])
    expect(JSON.parse(r.stdout).plugins).toContainEqual(expect.objectContaining({ name: 'flowbench-plugin-echo', source: 'extra', status: 'loaded' }))
    expect(flowbench(['plugin', 'list', 'no/such/workspace']).stderr).toBe('flowbench: the workspace no/such/workspace does not exist\n')
    expect(flowbench(['plugin', 'list', 'no/such/workspace']).code).toBe(2)
    expect(flowbench(['plugin', 'list', '--plugin-dir', 'nope']).code).toBe(2)
  })
})

describe('flowbench plugin check', () => {
  it('passes a conformant plugin and fails a misbehaving one', () => {
    const good = flowbench(['plugin', 'check', join(FIXTURES, 'builtin/echo')])
    expect(good.code).toBe(0)
    const bad = flowbench(['plugin', 'check', join(FIXTURES, 'workspace/plugins/misbehaving'), '--json'])
    expect(bad.code).toBe(1)
    const report = JSON.parse(bad.stdout)
    expect(report.ok).toBe(false)
    expect(report.checks).toContainEqual(expect.objectContaining({ target: 'integration "garbage"', check: 'answers', ok: false }))
  })
})
