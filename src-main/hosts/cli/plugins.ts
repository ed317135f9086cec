// Plugins for the commands that run flows (`test`, `run`, `load`): the plugins that ship with this
// installation (its plugins/ folder), the workspace's plugins/ folder unless --no-plugins, and
// every --plugin-dir folder. The command line trusts the workspace it is pointed at (spec: CI runs
// a repository's plugins); --no-plugins lists the workspace's plugins as disabled instead.
import { existsSync, statSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Command } from 'commander'
import type { PluginLoadSpec } from '../../core/plugins'
import { findPackageRoot } from '../server/home'
import { UsageError } from './exit'

/** What commander gives for the two options (`plugins` is false with --no-plugins). */
export interface PluginCommandOptions {
  plugins: boolean
  pluginDir?: string[]
}

const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value]

/** Adds --no-plugins and --plugin-dir DIR (repeatable) to a command. */
export function addPluginOptions(command: Command): Command {
  return command
    .option('--no-plugins', "do not run the workspace's own plugins (built-in plugins and --plugin-dir folders still run)")
    .option('--plugin-dir <dir>', 'another folder of plugins, or one plugin folder (repeatable)', collect)
}

/** The plugins/ folder of the Flowbench installation this command runs from ('' when it cannot be found). */
export function builtinPluginsDir(): string {
  const root = findPackageRoot(dirname(fileURLToPath(import.meta.url)))
  return root ? join(root, 'plugins') : ''
}

/** The load spec for a workspace; a --plugin-dir that is not a folder is bad usage (exit 2). */
export function pluginSpec(workspaceRoot: string, options: PluginCommandOptions): PluginLoadSpec {
  const extraDirs = (options.pluginDir ?? []).map((dir) => {
    const abs = resolve(dir)
    if (!existsSync(abs)) throw new UsageError(`--plugin-dir ${dir} does not exist`)
    if (!statSync(abs).isDirectory()) throw new UsageError(`--plugin-dir ${dir} is not a folder`)
    return abs
  })
  return {
    builtinDir: builtinPluginsDir(),
    workspaceRoot,
    ...(extraDirs.length ? { extraDirs } : {}),
    allowWorkspaceCode: options.plugins,
    blockedAs: 'disabled',
  }
}
