// Small helpers for specs: the workspace on disk, and where things are written in its files.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { e2eServer } from './server-info'

export function workspaceFile(path: string): string {
  return join(e2eServer().workspace, path)
}

export function readWorkspaceFile(path: string): string {
  return readFileSync(workspaceFile(path), 'utf8')
}

/** Changes a file behind the app's back, as an editor in another window would. */
export function writeWorkspaceFile(path: string, text: string): void {
  writeFileSync(workspaceFile(path), text)
}

/** 1-based number of the first line matching `pattern`. */
export function lineOf(text: string, pattern: RegExp): number {
  const i = text.split('\n').findIndex((l) => pattern.test(l))
  if (i < 0) throw new Error(`no line matches ${pattern}`)
  return i + 1
}

/** 1-based line of a state's key under `states:` (intents may share the name). */
export function stateLine(text: string, state: string): number {
  const lines = text.split('\n')
  const from = lines.findIndex((l) => /^states:/.test(l))
  const i = lines.findIndex((l, n) => n > from && new RegExp(`^ {2}${state}:`).test(l))
  if (from < 0 || i < 0) throw new Error(`no state ${state}`)
  return i + 1
}

export const SUPPORT_FLOW = 'flows/support.flow.yaml'
export const SUPPORT_TESTS = 'tests/support.test.yaml'

/** Integration mocks that make the support flow's happy path run end to end. */
export const SUPPORT_MOCKS = `integrations:
  crm_lookup:
    - respond: { status_code: 200, data: { id: C-1042, tier: gold, entitlements: { priority_support: false, sla_hours: 8 } } }
  create_ticket:
    - respond: { status_code: 201, data: { ticket: { id: SUP-20931 } } }
`
