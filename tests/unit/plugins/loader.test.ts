// Discovery, manifests, entries and trust: every broken plugin is reported by name with what is
// wrong, and the others keep loading.
import { cpSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeEach, describe, expect, it } from 'vitest'
import { loadPlugins, pluginProblems, readPluginManifest, type PluginStatus } from '../../../src-main/core/plugins'

const FIXTURES = join(__dirname, '../../fixtures/plugins')
const BUILTIN = join(FIXTURES, 'builtin')
const WORKSPACE = join(FIXTURES, 'workspace')

const loads = (): string[] => ((globalThis as { __flowbenchFixtureLoads?: string[] }).__flowbenchFixtureLoads ??= [])

function byFolder(plugins: PluginStatus[], folder: string): PluginStatus {
  const found = plugins.find((p) => p.dir.endsWith(`/${folder}`) || p.dir.endsWith(`\\${folder}`))
  if (!found) throw new Error(`no plugin from folder ${folder} in ${plugins.map((p) => p.dir).join(', ')}`)
  return found
}

const temps: string[] = []
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true })
})

describe('loadPlugins', () => {
  beforeEach(() => {
    loads().length = 0
  })

  it('reports each broken manifest by plugin name and keeps loading the others', async () => {
    const set = await loadPlugins({ builtinDir: BUILTIN, workspaceRoot: WORKSPACE, allowWorkspaceCode: true })
    const p = set.plugins

    expect(byFolder(p, 'echo')).toMatchObject({ name: 'flowbench-plugin-echo', version: '2.1.0', source: 'builtin', status: 'loaded', integrations: ['echo'] })
    expect(byFolder(p, 'good-crm')).toMatchObject({ name: 'flowbench-plugin-crm', source: 'workspace', status: 'loaded' })
    expect(byFolder(p, 'commonjs')).toMatchObject({ name: 'flowbench-plugin-cjs', status: 'loaded' })

    expect(byFolder(p, 'no-manifest')).toMatchObject({ name: 'no-manifest', status: 'error' })
    expect(byFolder(p, 'no-manifest').error).toBe('plugin "no-manifest": no package.json in the plugin folder; a plugin declares itself in package.json under "flowbench"')

    expect(byFolder(p, 'invalid-json').status).toBe('error')
    expect(byFolder(p, 'invalid-json').error).toMatch(/^plugin "invalid-json": package.json is not valid JSON: .* at line 3, column \d+$/)

    expect(byFolder(p, 'no-flowbench-field')).toMatchObject({ name: 'just-a-package', version: '0.1.0', status: 'error' })
    expect(byFolder(p, 'no-flowbench-field').error).toMatch(/^plugin "just-a-package": package.json has no "flowbench" field/)

    expect(byFolder(p, 'api-version-2')).toMatchObject({ name: 'flowbench-plugin-future', status: 'error', integrations: ['future_api'] })
    expect(byFolder(p, 'api-version-2').error).toBe(
      'plugin "flowbench-plugin-future": flowbench.apiVersion 2 is not supported; this Flowbench runs plugins written for apiVersion 1',
    )

    expect(byFolder(p, 'entry-missing').error).toBe(
      'plugin "flowbench-plugin-unbuilt": the entry "dist/index.js" does not exist; build the plugin (e.g. npm run build), since a plugin ships its JavaScript',
    )
    expect(byFolder(p, 'missing-export').error).toBe(
      'plugin "flowbench-plugin-partial": package.json declares integration "order_cancel" but the entry index.js does not export it (it exports "order_lookup")',
    )
    expect(byFolder(p, 'no-default-export').error).toMatch(/^plugin "flowbench-plugin-nodefault": its entry index.js exports no plugin/)
    expect(byFolder(p, 'throws-on-load').error).toBe('plugin "flowbench-plugin-explodes": its entry index.js failed to load: cannot find config file ~/.boomrc')
    expect(byFolder(p, 'bad-defaults').error).toBe('plugin "flowbench-plugin-bad-defaults": integration "slowpoke": defaults.retries must be a whole number of at least 0, got -1')

    // The working plugins still serve their integrations.
    expect(set.integrations.has('crm_lookup')).toBe(true)
    expect(set.integrations.has('ticket_create')).toBe(true)
    expect(set.integrations.has('order_lookup')).toBe(false)
    expect(set.integrations.unavailable('order_lookup')).toMatch(/flowbench-plugin-partial/)
    expect(pluginProblems(p)).toHaveLength(9)
  })

  it('lists built-in plugins first, then the workspace, each in folder order', async () => {
    const set = await loadPlugins({ builtinDir: BUILTIN, workspaceRoot: WORKSPACE, allowWorkspaceCode: true })
    expect(set.plugins[0]!.source).toBe('builtin')
    const folders = set.plugins.filter((s) => s.source === 'workspace').map((s) => s.dir.split(/[\\/]/).pop())
    expect(folders).toEqual([...folders].sort())
  })

  it('lets a workspace plugin take over an id a built-in serves, with a warning on the built-in', async () => {
    const set = await loadPlugins({ builtinDir: BUILTIN, workspaceRoot: WORKSPACE, allowWorkspaceCode: true })
    const r = await set.integrations.call('echo', { method: 'GET', params: {}, config: {} }, ctx())
    expect(r.data).toEqual({ from: 'workspace' })
    expect(byFolder(set.plugins, 'echo').warnings).toEqual([
      'integration "echo" is also served by plugin "workspace-echo", which takes precedence; name this plugin in integrations.echo.plugin to use it',
    ])
    // Naming the built-in plugin in the flow's integrations section still reaches it.
    const named = await set.integrations.call('echo', { method: 'GET', params: {}, config: { plugin: 'echo' } }, ctx())
    expect(named.data).toMatchObject({ method: 'GET' })
  })

  it('never runs a workspace plugin before the workspace is trusted, yet lists it and its problems', async () => {
    // A fresh copy: the module cache must not hide whether the code ran.
    const root = mkdtempSync(join(tmpdir(), 'fb-plugins-trust-'))
    temps.push(root)
    cpSync(join(WORKSPACE, 'plugins', 'good-crm'), join(root, 'plugins', 'good-crm'), { recursive: true })
    cpSync(join(WORKSPACE, 'plugins', 'api-version-2'), join(root, 'plugins', 'api-version-2'), { recursive: true })

    const set = await loadPlugins({ builtinDir: BUILTIN, workspaceRoot: root, allowWorkspaceCode: false })
    expect(loads()).toEqual([])
    const crm = byFolder(set.plugins, 'good-crm')
    expect(crm).toMatchObject({ status: 'untrusted', integrations: ['crm_lookup'] })
    expect(crm.error).toBe('plugin "flowbench-plugin-crm" is a workspace plugin and does not run until you trust this workspace')
    // A manifest problem is visible before trust: reading package.json runs nothing.
    expect(byFolder(set.plugins, 'api-version-2').status).toBe('error')
    // Built-ins run regardless.
    expect(byFolder(set.plugins, 'echo').status).toBe('loaded')
    expect(set.integrations.has('crm_lookup')).toBe(false)
    await expect(set.integrations.call('crm_lookup', { method: 'GET', params: {}, config: {} }, ctx())).rejects.toMatchObject({
      code: 'no_provider',
      message: 'integration "crm_lookup" cannot be called: plugin "flowbench-plugin-crm" is a workspace plugin and does not run until you trust this workspace',
    })

    const trusted = await loadPlugins({ builtinDir: BUILTIN, workspaceRoot: root, allowWorkspaceCode: true })
    expect(byFolder(trusted.plugins, 'good-crm').status).toBe('loaded')
    expect(loads()).toEqual(['flowbench-plugin-crm'])
  })

  it('reports workspace plugins as disabled under --no-plugins, and plugins switched off by name', async () => {
    const set = await loadPlugins({ builtinDir: BUILTIN, workspaceRoot: WORKSPACE, allowWorkspaceCode: false, blockedAs: 'disabled', disabled: ['flowbench-plugin-echo'] })
    expect(byFolder(set.plugins, 'good-crm')).toMatchObject({ status: 'disabled', error: expect.stringContaining('--no-plugins') })
    expect(byFolder(set.plugins, 'echo')).toMatchObject({ status: 'disabled', error: 'plugin "flowbench-plugin-echo" is disabled' })
    expect(loads()).toEqual([])
  })

  it('loads extra folders (a folder of plugins, or one plugin) and reports one that does not exist', async () => {
    const set = await loadPlugins({
      builtinDir: join(FIXTURES, 'no-such-builtin-dir'),
      extraDirs: [join(BUILTIN, 'echo'), join(WORKSPACE, 'plugins', 'commonjs'), join(FIXTURES, 'not-there')],
      allowWorkspaceCode: false,
    })
    expect(set.plugins.map((s) => [s.source, s.name, s.status])).toEqual([
      ['extra', 'flowbench-plugin-echo', 'loaded'],
      ['extra', 'flowbench-plugin-cjs', 'loaded'],
      ['extra', join(FIXTURES, 'not-there'), 'error'],
    ])
    expect(set.plugins[2]!.error).toBe(`the plugin folder ${join(FIXTURES, 'not-there')} does not exist`)
  })

  it('gives an empty set for a workspace without plugins', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-plugins-empty-'))
    temps.push(dir)
    const set = await loadPlugins({ builtinDir: join(dir, 'none'), workspaceRoot: dir, allowWorkspaceCode: true })
    expect(set.plugins).toEqual([])
    expect(set.integrations.ids()).toEqual([])
    expect(set.nlu.ids()).toEqual([])
  })

  it('reports an entry that never finishes loading after the import timeout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-plugins-tla-'))
    temps.push(dir)
    mkdirSync(join(dir, 'plugins', 'stuck'), { recursive: true })
    writeFileSync(join(dir, 'plugins', 'stuck', 'package.json'), JSON.stringify({ name: 'stuck', type: 'module', main: 'index.js', flowbench: { apiVersion: 1, integrations: ['stuck'] } }))
    writeFileSync(join(dir, 'plugins', 'stuck', 'index.js'), 'await new Promise(() => {})\nexport default { integrations: {} }\n')
    cpSync(join(BUILTIN, 'echo'), join(dir, 'plugins', 'echo'), { recursive: true })
    const set = await loadPlugins({ builtinDir: join(dir, 'none'), workspaceRoot: dir, allowWorkspaceCode: true, importTimeoutMs: 100 })
    expect(byFolder(set.plugins, 'stuck').error).toBe('plugin "stuck": its entry index.js failed to load: loading index.js did not finish within 100 ms')
    expect(byFolder(set.plugins, 'echo').status).toBe('loaded')
  })

  it.each([
    ['an ES module', 'module', 'export default'],
    ['a CommonJS module', 'commonjs', 'module.exports ='],
  ])('imports an edited entry afresh instead of from the module cache (%s)', async (_kind, type, exporting) => {
    const dir = mkdtempSync(join(tmpdir(), 'fb-plugins-edit-'))
    temps.push(dir)
    const folder = join(dir, 'plugins', 'greeter')
    mkdirSync(folder, { recursive: true })
    writeFileSync(join(folder, 'package.json'), JSON.stringify({ name: 'greeter', type, main: 'index.js', flowbench: { apiVersion: 1, integrations: ['greet'] } }))
    const write = (word: string): void =>
      writeFileSync(join(folder, 'index.js'), `${exporting} { integrations: { greet: { async call() { return { status_code: 200, data: '${word}' } } } } }\n`)
    write('hello')
    const first = await loadPlugins({ builtinDir: join(dir, 'none'), workspaceRoot: dir, allowWorkspaceCode: true })
    expect((await first.integrations.call('greet', { method: 'GET', params: {}, config: {} }, ctx())).data).toBe('hello')
    write('bonjour, with a longer word')
    const second = await loadPlugins({ builtinDir: join(dir, 'none'), workspaceRoot: dir, allowWorkspaceCode: true })
    expect((await second.integrations.call('greet', { method: 'GET', params: {}, config: {} }, ctx())).data).toBe('bonjour, with a longer word')
  })
})

describe('readPluginManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fb-manifest-'))
  temps.push(dir)
  const manifest = (pkg: unknown, entry = true): ReturnType<typeof readPluginManifest> => {
    rmSync(join(dir, 'm'), { recursive: true, force: true })
    mkdirSync(join(dir, 'm'), { recursive: true })
    writeFileSync(join(dir, 'm', 'package.json'), typeof pkg === 'string' ? pkg : JSON.stringify(pkg))
    if (entry) writeFileSync(join(dir, 'm', 'index.js'), 'export default {}')
    return readPluginManifest(join(dir, 'm'))
  }
  const problem = (r: ReturnType<typeof readPluginManifest>): string => (r.ok ? 'ok' : r.broken.problem)

  it('accepts a valid manifest and warns about fields it does not know', () => {
    const r = manifest({ name: 'p', version: '1.0.0', flowbench: { apiVersion: 1, integrations: ['a'], nlu: ['n'], matchers: [] } })
    expect(r.ok && r.manifest).toMatchObject({ name: 'p', integrations: ['a'], nlu: ['n'], entryName: 'index.js', warnings: ['flowbench.matchers is not a field of apiVersion 1 and is ignored'] })
  })

  it('names what is wrong', () => {
    expect(problem(manifest('[]'))).toBe('plugin "m": package.json must hold an object, got a list')
    expect(problem(manifest({ flowbench: { apiVersion: 1, integrations: ['a'] } }))).toBe('plugin "m": package.json has no "name"')
    expect(problem(manifest({ name: 'p', flowbench: 'yes' }))).toBe('plugin "p": the "flowbench" field must be an object, got "yes"')
    expect(problem(manifest({ name: 'p', flowbench: { integrations: ['a'] } }))).toBe('plugin "p": flowbench.apiVersion is missing; this Flowbench runs plugins written for apiVersion 1')
    expect(problem(manifest({ name: 'p', flowbench: { apiVersion: '1', integrations: ['a'] } }))).toBe('plugin "p": flowbench.apiVersion "1" is not supported; this Flowbench runs plugins written for apiVersion 1')
    expect(problem(manifest({ name: 'p', flowbench: { apiVersion: 1, integrations: 'a' } }))).toBe('plugin "p": flowbench.integrations must be a list of ids, got "a"')
    expect(problem(manifest({ name: 'p', flowbench: { apiVersion: 1, integrations: ['crm lookup'] } }))).toMatch(/^plugin "p": flowbench.integrations\[0\] must be an id/)
    expect(problem(manifest({ name: 'p', flowbench: { apiVersion: 1, integrations: ['a', 'a'] } }))).toBe('plugin "p": flowbench.integrations lists "a" twice')
    expect(problem(manifest({ name: 'p', flowbench: { apiVersion: 1, integrations: [] } }))).toBe('plugin "p": flowbench declares no integrations and no nlu, so the plugin contributes nothing')
    expect(problem(manifest({ name: 'p', main: '../outside.js', flowbench: { apiVersion: 1, integrations: ['a'] } }))).toBe('plugin "p": the entry "../outside.js" lies outside the plugin folder')
    expect(problem(manifest({ name: 'p', main: 'src/index.ts', flowbench: { apiVersion: 1, integrations: ['a'] } }))).toMatch(/^plugin "p": the entry "src\/index.ts" is not JavaScript/)
    expect(problem(manifest({ name: 'p', flowbench: { apiVersion: 1, integrations: ['a'] } }, false))).toMatch(/^plugin "p": the entry "index.js" does not exist/)
  })
})

function ctx() {
  const log = { debug() {}, info() {}, warn() {}, error() {} }
  return { signal: new AbortController().signal, clock: { now: () => 0, sleep: () => Promise.resolve() }, log, integrationId: 'x', conversationId: 'c' }
}
