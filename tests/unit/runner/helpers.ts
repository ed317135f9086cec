// Shared by the runner tests: turn results to check expectations against, and throw-away
// workspaces built from the fixture flows plus test files written inline.
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { TurnResult } from '../../../src-main/common/turn'

export const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '../../fixtures/runner')

/** A turn result with sensible empty values; override what the test is about. */
export function turn(overrides: Partial<TurnResult> = {}): TurnResult {
  return {
    conversation_id: 'c',
    turn: 1,
    event: 'message',
    input: 'hi',
    replies: [],
    state: 'greeting',
    path: [],
    transitions: [],
    intent: null,
    confidence: null,
    entities: {},
    slots: {},
    variables: {},
    missing_slots: [],
    integration_calls: [],
    ended: false,
    errors: [],
    warnings: [],
    duration_us: 1,
    ...overrides,
  }
}

export function replies(...texts: string[]): TurnResult['replies'] {
  return texts.map((text) => ({ text, state: 'greeting' }))
}

export interface TempWorkspace {
  root: string
  write(path: string, text: string): string
  dispose(): void
}

/** A workspace with flowbench.json and the fixture flows under flows/; test files are written by the test. */
export function tempWorkspace(): TempWorkspace {
  const root = mkdtempSync(join(tmpdir(), 'flowbench-runner-'))
  writeFileSync(join(root, 'flowbench.json'), '{}\n')
  cpSync(join(FIXTURES, 'flows'), join(root, 'flows'), { recursive: true })
  return {
    root,
    write(path, text) {
      const abs = join(root, path)
      mkdirSync(dirname(abs), { recursive: true })
      writeFileSync(abs, text)
      return abs
    },
    dispose() {
      rmSync(root, { recursive: true, force: true })
    },
  }
}
