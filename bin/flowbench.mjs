#!/usr/bin/env node
// The `flowbench` launcher: loads the built CLI. Never requires electron.
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const main = new URL('../out/cli/main.mjs', import.meta.url)
if (!existsSync(fileURLToPath(main))) {
  process.stderr.write(
    `flowbench: the command line has not been built yet (${fileURLToPath(main)} is missing).\n` +
      'Run `npm install` in the Flowbench folder (it builds it), or `npm run build:cli`.\n',
  )
  process.exit(2)
}
await import(main.href)
