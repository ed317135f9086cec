// Builds what plugins need: the plugin SDK's runtime (`flowbench/plugin` → out/cli/sdk/plugin.mjs)
// as one standalone module, and the built-in plugins: plugins/<name>/src/index.ts → the entry its
// package.json names (dist/index.js), one self-contained ES module each, so the host imports it
// without a loader.
// Also links this checkout as node_modules/flowbench (what `npm link` would do), so plugin
// sources, their tests and the type checker resolve `flowbench/plugin` exactly as an outside
// plugin author's installed dependency does.
import { build } from 'esbuild'
import { existsSync, lstatSync, readFileSync, readdirSync, symlinkSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')

/** node_modules/flowbench → this checkout, unless something is already there. */
export function linkSelf() {
  const modules = join(root, 'node_modules')
  if (!existsSync(modules)) return
  const link = join(modules, 'flowbench')
  try {
    lstatSync(link)
    return
  } catch {
    // Not there yet: create it.
  }
  // A junction needs no privileges on Windows and an absolute target.
  if (process.platform === 'win32') symlinkSync(root, link, 'junction')
  else symlinkSync('..', link, 'dir')
}

/** The built-in plugin folders that have TypeScript sources to build. */
export function pluginSources() {
  const dir = join(root, 'plugins')
  if (!existsSync(dir)) return []
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && existsSync(join(dir, e.name, 'src', 'index.ts')) && existsSync(join(dir, e.name, 'package.json')))
    .map((e) => join(dir, e.name))
    .sort()
}

/**
 * The SDK runtime on its own: no shared chunks and no CLI banner, so a plugin that bundles
 * `flowbench/plugin` gets definePlugin and the conformance kit and nothing of the command line.
 */
export async function buildSdk() {
  await build({
    absWorkingDir: root,
    entryPoints: [join(root, 'src-main', 'common', 'plugin-api.ts')],
    outfile: join(root, 'out', 'cli', 'sdk', 'plugin.mjs'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'node20',
    sourcemap: 'linked',
    logLevel: 'warning',
    legalComments: 'none',
  })
}

export async function buildPlugins() {
  const started = Date.now()
  linkSelf()
  await buildSdk()
  const folders = pluginSources()
  for (const folder of folders) {
    const pkg = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8'))
    await build({
      absWorkingDir: folder,
      entryPoints: [join(folder, 'src', 'index.ts')],
      outfile: join(folder, pkg.main ?? 'dist/index.js'),
      bundle: true,
      format: pkg.type === 'module' ? 'esm' : 'cjs',
      platform: 'node',
      target: 'node20',
      logLevel: 'warning',
      // Bundled from source, so a plugin build never depends on out/cli being built first.
      alias: { 'flowbench/plugin': join(root, 'src-main', 'common', 'plugin-api.ts') },
      legalComments: 'none',
    })
  }
  if (!process.env.FLOWBENCH_QUIET_BUILD) console.log(`flowbench: built ${folders.length} built-in plugin(s) in ${Date.now() - started} ms (plugins/*/dist)`)
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await buildPlugins()
