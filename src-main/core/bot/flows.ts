// The flows a bot server serves: every flow file of the workspace, loaded and compiled once (and
// again on `reload()`), each with an engine per plugin set. A file that does not load is listed as
// a problem (file, line, what is wrong) and not served; the others still are.
import { basename } from 'node:path'
import type { FlowDetail, FlowSummary } from '../../common/bot-schema'
import type { FlowDocument } from '../../common/flow-schema'
import { isRecord } from '../../common/record'
import { DocumentParseError } from '../document/parse'
import { compileFlow, Engine, RealClock, type CompiledFlow, type EngineOptions, type IntegrationProvider } from '../engine'
import { loadFlowFile } from '../flow/load'
import type { PluginSet } from '../plugins'
import { flowPluginInfo, type FlowPluginInfo } from '../runner/plugins'
import { findFiles, workspaceRelative } from '../workspace/discover'

export interface BotFlow {
  /** The file name without `.flow.yaml` (or the workspace path without it when two files share a name). */
  id: string
  name: string
  file: string
  document: FlowDocument
  compiled: CompiledFlow
  plugins: FlowPluginInfo
}

export interface FlowProblem {
  file: string
  message: string
}

/** The workspace's plugins as they stand now (undefined: none). Asked on every new session. */
export type BotPlugins = () => Promise<PluginSet | undefined>

const FLOW_SUFFIX = /\.flow\.(json|ya?ml)$/i
const WALL_CLOCK = new RealClock()

export class FlowCatalog {
  private flows: BotFlow[] = []
  private problemList: FlowProblem[] = []
  private readonly engines = new WeakMap<object, Map<BotFlow, Engine>>()
  private readonly noPlugins = {}

  constructor(
    private readonly root: string,
    private readonly plugins: BotPlugins,
  ) {}

  /** Loads every flow file again (sessions already running keep the flow they started with). */
  async reload(): Promise<void> {
    const files = await findFiles([this.root], 'flow')
    const flows: BotFlow[] = []
    const problems: FlowProblem[] = []
    for (const abs of files) {
      const file = workspaceRelative(this.root, abs)
      try {
        const loaded = await loadFlowFile(abs, file)
        const compiled = compileFlow(loaded.document)
        flows.push({ id: '', name: loaded.document.name, file, document: loaded.document, compiled, plugins: flowPluginInfo(loaded.document) })
      } catch (err) {
        problems.push({ file, message: err instanceof DocumentParseError || err instanceof Error ? err.message : String(err) })
      }
    }
    const stems = new Map<string, number>()
    for (const f of flows) {
      const stem = basename(f.file).replace(FLOW_SUFFIX, '')
      stems.set(stem, (stems.get(stem) ?? 0) + 1)
    }
    for (const f of flows) {
      const stem = basename(f.file).replace(FLOW_SUFFIX, '')
      f.id = stems.get(stem) === 1 ? stem : f.file.replace(FLOW_SUFFIX, '')
    }
    this.flows = flows
    this.problemList = problems
  }

  list(): readonly BotFlow[] {
    return this.flows
  }

  problems(): readonly FlowProblem[] {
    return this.problemList
  }

  /** By id, then by workspace path, then by the flow's `name`. */
  find(ref: string): BotFlow | undefined {
    const path = ref.replace(/^\.\//, '')
    return this.flows.find((f) => f.id === ref) ?? this.flows.find((f) => f.file === path) ?? this.flows.find((f) => f.name === ref)
  }

  /** An engine for the flow over the plugins as they stand now (one per flow and plugin set). */
  async engine(flow: BotFlow): Promise<Engine> {
    // Integrations, an NLU plugin, reply generators and memory summarisers may all come from
    // plugins; the loader caches its sets, so asking costs nothing once loaded.
    const set = await this.plugins()
    const key: object = set ?? this.noPlugins
    let perSet = this.engines.get(key)
    if (!perSet) {
      perSet = new Map()
      this.engines.set(key, perSet)
    }
    let engine = perSet.get(flow)
    if (!engine) {
      const providers = set ? pluginProviders(set, flow) : {}
      engine = new Engine(flow.compiled, { ...providers, clock: WALL_CLOCK, seed: 0 })
      perSet.set(flow, engine)
    }
    return engine
  }
}

/**
 * The plugins seen from one flow: ids its `integrations` section routes count as served; an id a
 * plugin declares but may not serve (untrusted, --no-plugins, broken) fails with that reason.
 */
function pluginProviders(set: PluginSet, flow: BotFlow): Pick<EngineOptions, 'integrations' | 'nlu' | 'generators' | 'summarizer'> {
  const section = isRecord(flow.document.integrations) ? flow.document.integrations : {}
  const served = set.integrations.forFlow(section)
  const integrations: IntegrationProvider = {
    has: (id) => served.has(id) || set.integrations.unavailable(id) !== undefined,
    call: (id, req, ctx) => served.call(id, req, ctx),
    defaults: (id) => served.defaults(id),
    realtime: () => true,
  }
  const plugged = { integrations, generators: set.generators, summarizer: set.summarizers }
  if (flow.plugins.nlu === undefined) return plugged
  const nlu = set.nlu.select(flow.plugins.nlu)
  return { ...plugged, nlu: { classify: (text, ctx) => nlu.classify(text, ctx) } }
}

export function flowSummary(f: BotFlow, ttlSeconds: number): FlowSummary {
  return {
    id: f.id,
    name: f.name,
    file: f.file,
    ...(typeof f.document.description === 'string' ? { description: f.document.description.trim() } : {}),
    initial_state: f.document.initial_state,
    states: Object.keys(f.document.states).length,
    intents: Object.keys(f.document.intents ?? {}).length,
    session_ttl_seconds: ttlSeconds,
  }
}

export function flowDetail(f: BotFlow): FlowDetail {
  return {
    id: f.id,
    name: f.name,
    file: f.file,
    ...(typeof f.document.description === 'string' ? { description: f.document.description.trim() } : {}),
    initial_state: f.document.initial_state,
    states: Object.entries(f.document.states).map(([name, s]) => ({ name, type: String((s as { type?: unknown }).type ?? '') })),
    intents: Object.entries(f.document.intents ?? {}).map(([name, examples]) => ({ name, examples: Array.isArray(examples) ? examples.length : 0 })),
    settings: (f.document.settings ?? {}) as Record<string, unknown>,
  }
}
