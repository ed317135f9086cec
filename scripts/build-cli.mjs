// Builds what the `flowbench` bin needs: the CLI and the worker-pool entry, bundled for Node.
// Runs from `npm install` (prepare), so it must be quick and need nothing but esbuild.
import { build } from 'esbuild'
import { renameSync, rmSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const started = Date.now()

export const cliEntries = {
  main: 'src-main/hosts/cli/main.ts',
  worker: 'src-main/core/pool/worker.ts',
  'load-worker': 'src-main/core/load/worker.ts',
}

// Built into a fresh folder, then swapped in: code-split chunks have content hashes (stale ones
// would pile up), and a process still using the old build loses it only for the instant of the swap.
const staging = join(root, `out/cli.staging-${process.pid}`)
rmSync(staging, { recursive: true, force: true })

await build({
  absWorkingDir: root,
  entryPoints: Object.fromEntries(Object.entries(cliEntries).map(([k, v]) => [k, join(root, v)])),
  outdir: staging,
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  logLevel: 'warning',
  // Kept external: piscina starts its own worker file; hdr-histogram-js carries wasm; ws has optional natives.
  external: ['electron', 'piscina', 'hdr-histogram-js', 'bufferutil', 'utf-8-validate', 'fsevents'],
  banner: { js: "import { createRequire as __fbCreateRequire } from 'node:module'; const require = __fbCreateRequire(import.meta.url);" },
  define: { 'process.env.FLOWBENCH_BUILD': '"cli"' },
})
rmSync(join(root, 'out/cli'), { recursive: true, force: true })
renameSync(staging, join(root, 'out/cli'))
if (!process.env.FLOWBENCH_QUIET_BUILD) console.log(`flowbench: built the command line in ${Date.now() - started} ms (out/cli)`)
await (await import('./build-plugins.mjs')).buildPlugins()
