// Plugins under load: the workspace's plugins answer the integrations a scenario does not mock
// (as under `flowbench test`, mocks first). Each worker loads them once; a plugin call is real
// work, so its time counts in the turn's latency, is recorded as the integration's call latency,
// and (being the integration's time, not the engine's) is left out of engine service time.
import type { PluginSource } from '../../common/plugin-api'
import type { IntegrationProvider } from '../engine/resilience'
import type { GeneratorProvider } from '../engine/generate-stream'
import { flowPluginInfo, type RunPlugins } from '../runner/plugins'
import { ConversationClock, type CallObserver, type LoadTime } from './mocks'
import type { LoadPlan } from './model'

/** Which plugin serves an id several declare (as the loader decides): the workspace's first. */
const PRECEDENCE: Record<PluginSource, number> = { workspace: 0, extra: 1, builtin: 2 }

/** The integration ids the plan's flows call that its mocks do not answer. */
export function unmockedIntegrations(plan: Pick<LoadPlan, 'flows' | 'mocks'>): string[] {
  const ids = new Set<string>()
  for (const f of plan.flows) for (const id of f.integrations) if (plan.mocks[id] === undefined) ids.add(id)
  return [...ids].sort()
}

/** Generators and summarisers the plan's flows name (they have no mocks: only plugins serve them). */
export function pluginExtensions(plan: Pick<LoadPlan, 'flows'>): { generators: string[]; summarizers: string[] } {
  const generators = new Set<string>()
  const summarizers = new Set<string>()
  for (const f of plan.flows) {
    const info = flowPluginInfo(f.document)
    for (const g of info.generators) generators.add(g)
    if (info.summarizer !== undefined) summarizers.add(info.summarizer)
  }
  return { generators: [...generators].sort(), summarizers: [...summarizers].sort() }
}

/**
 * Loads the plan's plugins in this thread (once per thread and spec), or nothing when no call can
 * reach them: no unmocked integration, and no flow naming a generator or a summariser.
 */
export async function planPlugins(plan: LoadPlan): Promise<RunPlugins | undefined> {
  if (!plan.plugins) return undefined
  const ext = pluginExtensions(plan)
  if (unmockedIntegrations(plan).length === 0 && ext.generators.length === 0 && ext.summarizers.length === 0) return undefined
  const { pluginsFor } = await import('../runner/plugins')
  return pluginsFor(plan.plugins)
}

/**
 * A plugin provider as the load runtime calls it: the call's whole time is the conversation's
 * pause (not engine service time) and the integration's call latency; the part the handler ran
 * synchronously held the thread, so it is reported as blocked time (like a blocking mock), which
 * keeps other conversations' lateness from being blamed on the load generator.
 */
export function measuredPlugins(inner: IntegrationProvider, time: LoadTime, observer: CallObserver): IntegrationProvider {
  return {
    has: (id) => inner.has(id),
    defaults: (id) => inner.defaults?.(id),
    call(id, req, ctx) {
      const clock = ctx.clock instanceof ConversationClock ? ctx.clock : undefined
      const started = time.now()
      clock?.pauseBegin()
      let pending: Promise<Awaited<ReturnType<IntegrationProvider['call']>>>
      try {
        pending = inner.call(id, req, ctx)
      } catch (err) {
        pending = Promise.reject(err instanceof Error ? err : new Error(String(err)))
      }
      observer.blocked(time.now() - started)
      const settle = (): void => {
        observer.callEnded(id, time.now() - started)
        clock?.pauseEnd()
      }
      return pending.then(
        (answer) => {
          settle()
          return answer
        },
        (err: unknown) => {
          settle()
          throw err
        },
      )
    },
  }
}

/**
 * Plugin generators as the load runtime calls them: the stream's whole time is the conversation's
 * pause (real plugin work, like a plugin integration call), so it counts in turn latency and not
 * in engine service time.
 */
export function measuredGenerators(inner: GeneratorProvider): GeneratorProvider {
  return {
    select(name) {
      const chosen = inner.select(name)
      if ('unavailable' in chosen) return chosen
      return {
        async *generate(req, ctx) {
          const clock = ctx.clock instanceof ConversationClock ? ctx.clock : undefined
          clock?.pauseBegin()
          try {
            yield* chosen.generate(req, ctx)
          } finally {
            clock?.pauseEnd()
          }
        },
      }
    },
    ...(inner.realtime ? { realtime: (name: string) => inner.realtime!(name) } : {}),
  }
}

/** Which plugin serves each unmocked id of the plan's flows (ids nobody serves are left out). */
export function servedByPlugins(plan: LoadPlan, plugins: RunPlugins | undefined, sections: ReadonlyArray<Readonly<Record<string, unknown>>>): Record<string, string> {
  const out: Record<string, string> = {}
  const set = plugins?.set
  if (!set) return out
  plan.flows.forEach((flow, i) => {
    const served = set.integrations.forFlow(sections[i])
    for (const id of flow.integrations) {
      if (plan.mocks[id] !== undefined || out[id] !== undefined || !served.has(id)) continue
      const cfg = sections[i]?.[id]
      const named = cfg !== null && typeof cfg === 'object' ? (cfg as Record<string, unknown>)['plugin'] : undefined
      const serving = set.plugins.filter((p) => p.status === 'loaded' && p.integrations.includes(id)).sort((a, b) => PRECEDENCE[a.source] - PRECEDENCE[b.source])
      out[id] = typeof named === 'string' && named !== '' ? named : (serving[0]?.name ?? 'a plugin')
    }
  })
  return out
}
