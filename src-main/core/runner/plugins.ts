// Plugins in test runs. Which tests can reach plugin code (a run where none can never loads a
// plugin), the plugins of a thread (loaded once per thread, lazily), and the providers a test gets
// when it needs them: its mocks first, then the plugins (spec/plugins.md: in tests, mocks for an
// integration id replace the plugin for that id). Plugin code itself is imported only on use.
import type { FlowDocument } from '../../common/flow-schema'
import type { NluContext, NluResult, PluginStatus } from '../../common/plugin-api'
import type { FakeClock, NluProvider } from '../engine'
import type { IntegrationProvider } from '../engine/resilience'
import type { PluginLoadSpec, PluginSet, withMocks } from '../plugins'
import type { PluginProblem } from './model'
import type { PlannedStep, ResolvedMocks } from './plan'

/** What a flow may ask of plugins. */
export interface FlowPluginInfo {
  /** Integration ids its integration states and workflow tasks call, each once. */
  integrations: readonly string[]
  /** The NLU plugin its `settings.nlu` names, if any. */
  nlu: string | undefined
  /** Generators its response states' `generate` names, each once. */
  generators: readonly string[]
  /** The summariser its `settings.memory.summarizer` names, if any. */
  summarizer: string | undefined
}

const isRecord = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v)

export function flowPluginInfo(doc: FlowDocument): FlowPluginInfo {
  const ids = new Set<string>()
  const generators = new Set<string>()
  const states: unknown = doc.states
  if (isRecord(states)) {
    for (const name in states) {
      const state = states[name]
      const config = isRecord(state) && isRecord(state['config']) ? state['config'] : undefined
      if (!config) continue
      if (typeof config['integration_id'] === 'string' && config['integration_id'] !== '') ids.add(config['integration_id'])
      const generate = config['generate']
      if (isRecord(generate) && typeof generate['generator'] === 'string' && generate['generator'] !== '') generators.add(generate['generator'])
      const tasks = config['tasks']
      if (Array.isArray(tasks)) {
        for (const task of tasks) if (isRecord(task) && typeof task['integration_id'] === 'string' && task['integration_id'] !== '') ids.add(task['integration_id'])
      }
    }
  }
  const nlu = isRecord(doc.settings) && typeof doc.settings['nlu'] === 'string' && doc.settings['nlu'] !== '' ? doc.settings['nlu'] : undefined
  const memory = isRecord(doc.settings) && isRecord(doc.settings['memory']) ? doc.settings['memory'] : undefined
  const summarizer = memory && typeof memory['summarizer'] === 'string' && memory['summarizer'] !== '' ? memory['summarizer'] : undefined
  return { integrations: [...ids], nlu, generators: [...generators], summarizer }
}

/** Whether the test's mocks answer this integration id (a sequence with at least one answer). */
export function isMocked(mocks: ResolvedMocks, id: string): boolean {
  return Object.prototype.hasOwnProperty.call(mocks.integrations, id) && mocks.integrations[id]!.length > 0
}

/**
 * Whether a test can reach plugin code: its flow calls an integration the test does not mock, or
 * names an NLU plugin and one of the test's inputs has no snapshot (under `nlu_strict` such an
 * input is a test error instead, and the plugin is never asked).
 */
export function needsPlugins(info: FlowPluginInfo, test: { mocks: ResolvedMocks; steps: readonly PlannedStep[] }): boolean {
  for (const id of info.integrations) if (!isMocked(test.mocks, id)) return true
  // Generators and summarisers have no mocks: a flow that names one always reaches plugin code.
  if (info.generators.length > 0 || info.summarizer !== undefined) return true
  if (info.nlu === undefined || test.mocks.nlu_strict) return false
  for (const step of test.steps) {
    if (step.kind === 'user' && !Object.prototype.hasOwnProperty.call(test.mocks.nlu, step.text)) return true
  }
  return false
}

/** The plugins of this thread for one spec, as a test run uses them. */
export interface RunPlugins {
  /** Undefined when loading failed as a whole (see `failure`); each broken plugin is only reported. */
  set: PluginSet | undefined
  failure: string | undefined
  /** Plugins that could not be loaded (the run reports them once). */
  problems: PluginProblem[]
  withMocks: typeof withMocks
}

/** Loaded plugins, per thread and spec: loadPluginsCached keeps the sets; this keeps what a run derives from one. */
const threadPlugins = new Map<string, Promise<RunPlugins>>()

function specKey(spec: PluginLoadSpec): string {
  return JSON.stringify([spec.builtinDir, spec.workspaceRoot ?? null, spec.extraDirs ?? [], spec.allowWorkspaceCode, spec.blockedAs ?? null, spec.disabled ?? [], spec.revision ?? null])
}

/**
 * The plugins for a spec, loaded once per thread (the first test that needs them pays for it).
 * Never rejects: a loader failure leaves `set` undefined and says why in `failure`.
 */
export function pluginsFor(spec: PluginLoadSpec): Promise<RunPlugins> {
  const key = specKey(spec)
  let pending = threadPlugins.get(key)
  if (!pending) {
    pending = (async (): Promise<RunPlugins> => {
      const mod = await import('../plugins')
      try {
        const set = await mod.loadPluginsCached(spec)
        return { set, failure: undefined, problems: pluginProblemList(set.plugins, spec.disabled), withMocks: mod.withMocks }
      } catch (err) {
        const failure = `the plugins could not be loaded: ${err instanceof Error ? err.message : String(err)}`
        return { set: undefined, failure, problems: [{ name: '(plugins)', source: 'builtin', status: 'error', error: failure }], withMocks: mod.withMocks }
      }
    })()
    threadPlugins.set(key, pending)
  }
  return pending
}

/** The broken plugins among statuses (a plugin the host switched off by name is not a problem, even when broken). */
export function pluginProblemList(statuses: readonly PluginStatus[], disabled: readonly string[] = []): PluginProblem[] {
  const off = new Set(disabled)
  return statuses
    .filter((p) => p.status === 'error' && !off.has(p.name))
    .map((p) => ({ name: p.name, source: p.source, status: p.status, error: p.error ?? `plugin "${p.name}" failed to load` }))
}

/** Adds the problems not seen yet to a run's list (threads report the same plugins: each problem counts once). */
export function mergePluginProblems(into: Map<string, PluginProblem>, problems: readonly PluginProblem[] | undefined): void {
  for (const p of problems ?? []) {
    const key = `${p.source}\u0000${p.name}\u0000${p.error}`
    if (!into.has(key)) into.set(key, p)
  }
}

/** What a test that needs plugins is answered by, besides its mocks. */
export interface TestPluginProviders {
  integrations: IntegrationProvider
  /** Asked for inputs without a snapshot (when the flow names an NLU plugin and the mocks are not strict). */
  nlu: NluProvider | undefined
  /** Why an integration nobody mocks cannot be served: its plugin is disabled, untrusted or broken. */
  explain(id: string): string | undefined
  /** Set once an input needed the flow's NLU plugin and it cannot run: the test is an error. */
  nluProblem(): string | undefined
  /** The plugins' generators and summarisers (undefined when the plugins could not be loaded). */
  generators: PluginSet['generators'] | undefined
  summarizer: PluginSet['summarizers'] | undefined
}

const CANNOT_BE_CALLED = /^integration "[^"]*" cannot be called: /

/**
 * The providers of one test run: integrations the test mocks go to its mocks, the others to the
 * plugin serving them (the flow's `integrations.<id>.plugin` routes too), else to the mocks,
 * which record the call so the test errors. The NLU plugin's calls hold the test's fake clock
 * still while they run, as plugin integrations do, so a plugin's real work is not mistaken for
 * idleness that lets the NLU timeout fire.
 */
export function testPluginProviders(
  plugins: RunPlugins,
  flow: { integrations: Readonly<Record<string, unknown>>; nlu: string | undefined },
  mocks: ResolvedMocks,
  mockProvider: IntegrationProvider,
  clock: FakeClock,
): TestPluginProviders {
  const set = plugins.set
  const served = set ? set.integrations.forFlow(flow.integrations) : undefined
  const integrations = served ? plugins.withMocks((id) => isMocked(mocks, id), mockProvider, served) : mockProvider
  const explain = (id: string): string | undefined => {
    if (!set) return plugins.failure
    const reason = set.integrations.unavailable(id)
    if (reason !== undefined) return reason.replace(CANNOT_BE_CALLED, '')
    const cfg = flow.integrations[id]
    const named = isRecord(cfg) ? cfg['plugin'] : undefined
    if (typeof named !== 'string' || named === '') return undefined
    const why = set.integrations.unavailable(named)
    return why === undefined ? `integrations.${id}.plugin names "${named}", which is not a loaded plugin` : why.replace(CANNOT_BE_CALLED, '')
  }
  let nlu: NluProvider | undefined
  let nluProblem: string | undefined
  const id = flow.nlu
  if (id !== undefined && !mocks.nlu_strict) {
    if (set?.nlu.has(id)) {
      const provider = set.nlu.select(id)
      nlu = { classify: (text: string, ctx: NluContext): Promise<NluResult | null> => clock.holdWhile(provider.classify(text, ctx)) }
    } else {
      // The reason the loader gives (disabled, untrusted, broken, not installed), asked for once.
      let reason: Promise<string> | undefined
      const why = (ctx: NluContext): Promise<string> =>
        (reason ??= set
          ? set.nlu.select(id).classify('', ctx).then(() => 'not loaded', (err: unknown) => (err instanceof Error ? err.message : String(err)))
          : Promise.resolve(plugins.failure ?? 'not loaded'))
      nlu = {
        classify: async (text: string, ctx: NluContext): Promise<NluResult | null> => {
          nluProblem ??= `settings.nlu names "${id}", which cannot run (${await why(ctx)}), and mocks.nlu has no snapshot for ${JSON.stringify(text)}`
          throw new Error(nluProblem)
        },
      }
    }
  }
  return { integrations, nlu, explain, nluProblem: () => nluProblem, generators: set?.generators, summarizer: set?.summarizers }
}
