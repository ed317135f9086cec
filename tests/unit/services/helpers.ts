// Temporary workspaces and cores for the service tests: every test gets its own folders and
// its own $FLOWBENCH_HOME, removed afterwards.
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import type { AnyApiEventMessage, ApiEventName, ApiEvents } from '../../../src-main/common/api'
import { createCore, type Core, type CoreOptions } from '../../../src-main/core/services'

export interface TempWorkspace {
  root: string
  home: string
  cleanup(): void
}

export function tempWorkspace(files: Record<string, string> = {}): TempWorkspace {
  const base = mkdtempSync(join(tmpdir(), 'flowbench-services-'))
  const root = join(base, 'workspace')
  const home = join(base, 'home')
  mkdirSync(root, { recursive: true })
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return { root, home, cleanup: () => rmSync(base, { recursive: true, force: true }) }
}

/** A core on the workspace, with a short watcher debounce; events are collected in `events`. */
export async function openCore(ws: TempWorkspace, options: Partial<CoreOptions> = {}): Promise<Core & { events: AnyApiEventMessage[] }> {
  const core = await createCore({ home: ws.home, watch: { debounceMs: 20, pollMs: 50 }, runner: { inlineBelow: 100_000 }, ...options })
  const events: AnyApiEventMessage[] = []
  core.subscribe((m) => events.push(m))
  await core.api.workspace.open(ws.root)
  return Object.assign(core, { events })
}

/** Resolves with the first event of that name whose payload passes `accept`. */
export function nextEvent<E extends ApiEventName>(
  core: Core,
  event: E,
  accept: (payload: ApiEvents[E]) => boolean = () => true,
  timeoutMs = 5000,
): Promise<ApiEvents[E]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe()
      reject(new Error(`no ${event} event within ${timeoutMs} ms`))
    }, timeoutMs)
    const unsubscribe = core.subscribe((m) => {
      if (m.event === event && accept(m.payload as ApiEvents[E])) {
        clearTimeout(timer)
        unsubscribe()
        resolve(m.payload as ApiEvents[E])
      }
    })
  })
}

export const SUPPORT_FLOW = `name: support
initial_state: greeting
intents:
  help: ["I need help", "help me", "can you help"]
  bye: ["bye", "goodbye"]
states:
  greeting:
    type: response
    config:
      response_templates:
        default: "Hello! How can I help you today?"
    transitions:
      - condition: any_input
        target_state: listen
  listen:
    type: intent
    transitions:
      - condition: intent_match
        condition_value: help
        target_state: help_response
      - condition: intent_match
        condition_value: bye
        target_state: goodbye
      - condition: fallback
        target_state: not_understood
        priority: 999
  not_understood:
    type: response
    config:
      response_templates:
        default: "Sorry, I did not get that."
    transitions:
      - condition: any_input
        target_state: listen
  help_response:
    type: end
    config:
      response_templates:
        default: "I'm here to help, {user_profile.name}."
  goodbye:
    type: end
    config:
      response_templates:
        default: "Goodbye!"
`

export const TIMEOUT_FLOW = `name: reminder
initial_state: ask
states:
  ask:
    type: response
    config:
      response_templates:
        default: "Are you still there?"
    timeout_seconds: 30
    transitions:
      - condition: timeout
        target_state: nudge
      - condition: any_input
        target_state: done
  nudge:
    type: end
    config:
      response_templates:
        default: "Closing the chat after 30 seconds of silence."
  done:
    type: end
    config:
      response_templates:
        default: "Thanks!"
`
