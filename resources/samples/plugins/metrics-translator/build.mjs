// Bundles src/index.ts into the one JavaScript file Flowbench loads (package.json "main").
// `node build.mjs [outfile]`: the outfile defaults to dist/index.js.
import { build } from 'esbuild'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const here = dirname(fileURLToPath(import.meta.url))

await build({
  absWorkingDir: here,
  entryPoints: ['src/index.ts'],
  outfile: resolve(process.argv[2] ?? resolve(here, 'dist/index.js')),
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  legalComments: 'none',
  logLevel: 'warning',
})
