// Workspaces for the plugin and service tests: a copy of the sample workspace (its
// metrics-translator plugin serves metrics_query) with extra scenarios and, when asked, a plugin
// whose every call fails in a different way (a throw, a rejection, a malformed answer).
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'

export const SAMPLES = resolve(__dirname, '../../../resources/samples')

/** A short run of the ops copilot: every conversation calls metrics_query, which the scenario does not mock. */
export const METRICS_SCENARIO = `flow: ../flows/metrics.flow.yaml
conversations:
  - steps: ["show me CPU usage for auth-service over the last hour", "what about memory", "thanks that's all"]
profile: { executor: constant-arrival-rate, rate: 20, duration: 1500ms, warmup: 0, workers: 1 }
thresholds:
  error_rate: "< 1%"
`

/** Two integrations without error branches (a failed call is a turn error): one served by a failing plugin, one mocked. */
export const CRASH_FLOW = `name: crash
initial_state: greeting
intents:
  broken: [use the broken backend]
  fine: [use the fine backend]
states:
  greeting:
    type: response
    config: { response_templates: { default: Which backend? } }
    transitions:
      - condition: any_input
        target_state: route
  route:
    type: intent
    transitions:
      - { condition: intent_match, condition_value: broken, target_state: call_broken }
      - { condition: intent_match, condition_value: fine, target_state: call_fine }
      - { condition: fallback, target_state: greeting, priority: 999 }
  call_broken:
    type: integration
    config: { integration_id: broken_backend }
    transitions:
      - { condition: integration_success, target_state: done }
  call_fine:
    type: integration
    config: { integration_id: fine_backend }
    transitions:
      - { condition: integration_success, target_state: done }
  done:
    type: response
    config: { response_templates: { default: Done. } }
    transitions:
      - { condition: any_input, target_state: route }
`

export const CRASH_SCENARIO = `flow: ../flows/crash.flow.yaml
conversations:
  - steps: ["use the broken backend"]
  - steps: ["use the fine backend"]
profile: { executor: constant-arrival-rate, rate: 20, duration: 1500ms, warmup: 0, workers: 1 }
mocks:
  integrations:
    fine_backend: { latency_ms: 1 }
`

const CRASH_PLUGIN = {
  'plugins/crashing/package.json': JSON.stringify({
    name: 'flowbench-plugin-crashing',
    version: '1.0.0',
    type: 'module',
    main: 'index.js',
    flowbench: { apiVersion: 1, integrations: ['broken_backend'] },
  }),
  // Calls alternate between the three ways a handler can fail.
  'plugins/crashing/index.js': `let n = 0
export default {
  integrations: {
    broken_backend: {
      call() {
        n++
        if (n % 3 === 0) throw new Error('the backend exploded')
        if (n % 3 === 1) return Promise.reject(new Error('the backend went away'))
        return Promise.resolve({ not: 'a response' })
      },
    },
  },
}
`,
}

export interface LoadWorkspace {
  root: string
  home: string
  cleanup(): void
}

/** The sample workspace in a temporary folder, with extra files; a separate $FLOWBENCH_HOME. */
export function loadWorkspace(extra: Record<string, string> = {}, options: { crashingPlugin?: boolean } = {}): LoadWorkspace {
  const base = mkdtempSync(join(tmpdir(), 'flowbench-load-'))
  const root = join(base, 'workspace')
  const home = join(base, 'home')
  cpSync(SAMPLES, root, { recursive: true, filter: (src) => !src.includes('node_modules') })
  mkdirSync(home)
  const files = { ...(options.crashingPlugin ? CRASH_PLUGIN : {}), ...extra }
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true })
    writeFileSync(join(root, path), text)
  }
  return { root, home, cleanup: () => rmSync(base, { recursive: true, force: true }) }
}
