// `npm run bench -- load`. The benchmark runner bundles this file into a temporary folder,
// from where the packages kept external (hdr-histogram-js, piscina) cannot be resolved; so
// this entry only builds the real benchmark (load-bench-run.ts) and its own copy of the load
// worker into the checkout's out/bench, where Node finds node_modules, and runs it from there.
// (Its own worker: out/cli is wiped and rebuilt whenever a test run starts.)
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

export default async function bench(): Promise<Record<string, number | string>> {
  const root = process.env.FLOWBENCH_ROOT ?? process.cwd()
  const requireFromRoot = createRequire(join(root, 'package.json'))
  const esbuild = (await import(pathToFileURL(requireFromRoot.resolve('esbuild')).href)) as typeof import('esbuild')
  const outdir = join(root, 'out/bench')
  const outfile = join(outdir, 'load-bench-run.mjs')
  await esbuild.build({
    entryPoints: { 'load-bench-run': join(root, 'tests/bench/load-bench-run.ts'), 'load-bench-worker': join(root, 'src-main/core/load/worker.ts') },
    outdir,
    outExtension: { '.js': '.mjs' },
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: ['piscina', 'hdr-histogram-js', 'electron'],
    logLevel: 'warning',
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  })
  const run = (await import(pathToFileURL(outfile).href)) as { runLoadBench(): Promise<Record<string, number | string>> }
  return run.runLoadBench()
}
