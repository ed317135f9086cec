// Where the E2E server started by global-setup is, for specs and fixtures.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'

export const SERVER_FILE = 'test-results/e2e-server.json'

export interface E2eServer {
  /** The address `flowbench serve` printed, token included. */
  url: string
  /** The temporary copy of resources/samples the server works on. */
  workspace: string
  /** FLOWBENCH_HOME of the server (app state). */
  home: string
}

export function e2eServer(): E2eServer {
  if (process.env.FLOWBENCH_E2E_URL) {
    return { url: process.env.FLOWBENCH_E2E_URL, workspace: process.env.FLOWBENCH_E2E_WORKSPACE!, home: process.env.FLOWBENCH_E2E_HOME! }
  }
  const file = join(resolve(__dirname, '../..'), SERVER_FILE)
  if (!existsSync(file)) throw new Error(`${SERVER_FILE} is missing: the E2E global setup did not run`)
  return JSON.parse(readFileSync(file, 'utf8')) as E2eServer
}
