// `flowbench plugin new NAME` scaffolds a TypeScript plugin; `flowbench plugin list [WORKSPACE]`
// shows the plugins a workspace sees and what is wrong with the broken ones; `flowbench plugin
// check [DIR]` runs the conformance kit on a plugin folder. Exit 0 fine, 1 a plugin is broken or
// non-conformant, 2 bad usage.
import { existsSync, statSync } from 'node:fs'
import { basename, dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import type { PluginStatus } from '../../../common/plugin-api'
import { findPackageRoot } from '../../server/home'
import { UsageError } from '../exit'
import type { SetExitCode } from './index'

const collect = (value: string, previous: string[]): string[] => [...previous, value]

/** The Flowbench installation this command runs from (the bundle lives in out/cli). */
function flowbenchRoot(): string {
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
  if (!root) throw new UsageError('cannot find the Flowbench installation folder (package.json)')
  return root
}

function existingFolder(path: string, what: string): string {
  const abs = resolve(path)
  if (!existsSync(abs)) throw new UsageError(`${what} ${path} does not exist`)
  if (!statSync(abs).isDirectory()) throw new UsageError(`${what} ${path} is not a folder`)
  return abs
}

function shown(path: string): string {
  const rel = relative(process.cwd(), path)
  return rel === '' ? '.' : rel.startsWith('..') ? path : rel
}

const SOURCE: Record<PluginStatus['source'], string> = { builtin: 'built-in', workspace: 'workspace', extra: 'extra' }

function printStatuses(root: string, plugins: PluginStatus[]): void {
  const out: string[] = [`Plugins for ${shown(root)}: ${plugins.length === 0 ? 'none' : plugins.length}`]
  const width = Math.max(0, ...plugins.map((p) => `${p.name} ${p.version}`.trim().length))
  for (const p of plugins) {
    const id = `${p.name} ${p.version}`.trim()
    const serves = [
      ...p.integrations,
      ...p.nlu.map((n) => `nlu:${n}`),
      ...(p.generators ?? []).map((g) => `generator:${g}`),
      ...(p.summarizers ?? []).map((s) => `summarizer:${s}`),
    ].join(', ')
    out.push(`  ${p.status.padEnd(9)} ${id.padEnd(width)}  ${SOURCE[p.source].padEnd(9)} ${serves}`)
    if (p.error && p.status !== 'loaded') out.push(`            ${p.error}`)
    for (const w of p.warnings ?? []) out.push(`            warning: ${w}`)
  }
  process.stdout.write(`${out.join('\n')}\n`)
}

/** Where `plugin new` writes: --dir (its NAME subfolder, unless DIR already is it), else the workspace's plugins/. */
async function targetFolder(name: string, dir: string | undefined): Promise<string> {
  const { pluginFolderName } = await import('../../../core/plugins/scaffold')
  const folder = pluginFolderName(name)
  if (dir !== undefined) {
    const abs = resolve(dir)
    return basename(abs) === folder ? abs : join(abs, folder)
  }
  const { findWorkspaceRoot } = await import('../../../core/workspace/discover')
  const cwd = process.cwd()
  const root = findWorkspaceRoot(cwd)
  const isWorkspace = ['flowbench.json', 'flows', 'tests', 'plugins'].some((f) => existsSync(join(root, f)))
  return isWorkspace ? join(root, 'plugins', folder) : join(cwd, folder)
}

export function registerPlugin(program: Command, setExitCode: SetExitCode): void {
  const plugin = program.command('plugin').description('create, list and check plugins')

  plugin
    .command('new')
    .description("scaffold a TypeScript plugin (package.json, src/index.ts, a test with the conformance kit, a build script)")
    .argument('<name>', 'package name of the plugin, e.g. crm-lookup')
    .option('--dir <dir>', "folder to create it in (default: the workspace's plugins/ folder, else the current folder)")
    .option('--integration <id>', 'the integration id it serves (default: from the name)')
    .action(async (name: string, options: { dir?: string; integration?: string }) => {
      const { scaffoldPlugin, ScaffoldError } = await import('../../../core/plugins/scaffold')
      const dir = await targetFolder(name, options.dir)
      let result
      try {
        result = scaffoldPlugin({ name, dir, flowbenchRoot: flowbenchRoot(), ...(options.integration !== undefined ? { integration: options.integration } : {}) })
      } catch (err) {
        if (err instanceof ScaffoldError) throw new UsageError(err.message)
        throw err
      }
      const where = shown(result.dir)
      process.stdout.write(
        [
          `Created plugin ${name} (integration "${result.integration}") in ${where}:`,
          ...result.files.map((f) => `  ${f}`),
          '',
          'Next:',
          `  cd ${where}`,
          '  npm install      # the SDK (flowbench/plugin), esbuild, vitest, typescript',
          '  npm test         # includes the conformance kit',
          '  npm run build    # dist/index.js, what Flowbench loads',
          '',
        ].join('\n'),
      )
      setExitCode(0)
    })

  plugin
    .command('list')
    .description('list the plugins a workspace sees (built-in, the workspace\'s plugins/, --plugin-dir) and their problems')
    .argument('[workspace]', 'the workspace folder (default: the current folder)')
    .option('--json', 'print { workspace, plugins: [...] } as JSON')
    .option('--no-plugins', "do not run the workspace's plugins (shown as disabled)")
    .option('--plugin-dir <dir>', 'another folder of plugins (repeatable)', collect, [])
    .action(async (workspace: string | undefined, options: { json?: boolean; plugins: boolean; pluginDir: string[] }) => {
      const folder = existingFolder(workspace ?? process.cwd(), 'the workspace')
      const extraDirs = options.pluginDir.map((d) => existingFolder(d, 'the plugin folder'))
      const [{ findWorkspaceRoot }, { loadPlugins }] = await Promise.all([import('../../../core/workspace/discover'), import('../../../core/plugins')])
      const root = findWorkspaceRoot(folder)
      const set = await loadPlugins({
        builtinDir: join(flowbenchRoot(), 'plugins'),
        workspaceRoot: root,
        extraDirs,
        // The command line trusts the workspace it is pointed at (spec: CI runs a repository's plugins).
        allowWorkspaceCode: options.plugins,
        blockedAs: 'disabled',
      })
      if (options.json) process.stdout.write(`${JSON.stringify({ workspace: root, plugins: set.plugins }, null, 2)}\n`)
      else printStatuses(root, set.plugins)
      setExitCode(set.plugins.some((p) => p.status === 'error') ? 1 : 0)
    })

  plugin
    .command('check')
    .description('check a plugin folder against the plugin contract (manifest, exports, results, timeouts)')
    .argument('[dir]', 'the plugin folder (default: the current folder)')
    .option('--json', 'print the report as JSON')
    .action(async (dir: string | undefined, options: { json?: boolean }) => {
      const folder = existingFolder(dir ?? process.cwd(), 'the plugin folder')
      const { checkPluginFolder } = await import('../../../core/plugins/conformance')
      const report = await checkPluginFolder(folder)
      if (options.json) process.stdout.write(`${JSON.stringify({ ok: report.ok, checks: report.checks }, null, 2)}\n`)
      else {
        const lines = report.checks.map((c) => `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.target} > ${c.check}${c.ok ? '' : `: ${c.message}`}`)
        lines.push(report.ok ? `${report.checks.length} checks passed` : `${report.failures.length} of ${report.checks.length} checks failed`)
        process.stdout.write(`${lines.join('\n')}\n`)
      }
      setExitCode(report.ok ? 0 : 1)
    })
}
