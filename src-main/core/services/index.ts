// createCore(): everything Flowbench does, as the services of the API contract. The desktop app,
// `flowbench serve` and the CLI are hosts over this; they pass in paths and never reach past it.
import type { AnyApiEventMessage, FlowbenchApi } from '../../common/api'
import type { Clock } from '../engine'
import type { TestRunnerOptions } from '../runner/service'
import { historyLimits, openHistory, openStore, type AppStore } from '../store'
import type { RunHistory } from '../store/history'
import { createCoreEvents } from './events'
import { createFlowService } from './flow'
import { createPluginService, type CorePluginOptions } from './plugins'
import { createSimulatorService } from './simulator'
import { createTestService } from './tests'
import type { WatchOptions } from './watch'
import { createWorkspaceService } from './workspace'
import type { FeatureService, ServiceContext } from './context'
import { createHistoryService } from './history'
import { createReportsService } from './reports'
import { createLoadService } from './load'
import { createNluService } from './nlu'
import { createQualityService } from './quality'
import { createBotService } from './bot'

export type { CorePluginOptions } from './plugins'

export interface CoreOptions {
  /** The app-state folder ($FLOWBENCH_HOME, resolved by the host). */
  home: string
  /** A workspace folder to open at once. */
  workspace?: string
  /**
   * Where the built-in plugins (and any folders the user configured) are, resolved by the host.
   * A workspace's own `plugins/` run only once the user trusted it (spec/plugins.md). Without
   * this option only the workspace's plugins are seen.
   */
  plugins?: CorePluginOptions
  /** Where simulator sessions' fake clocks start (default 0, the same instant tests start at). */
  clock?: Pick<Clock, 'now'>
  /** File watcher tuning (tests use a short debounce or force polling). */
  watch?: WatchOptions
  /** Test runner tuning: the worker file of the host's build, thread limits. */
  runner?: TestRunnerOptions
  /** The Chromium that prints PDF reports ($FLOWBENCH_CHROMIUM, resolved by the host). */
  chromium?: string
}

export interface Core {
  readonly api: FlowbenchApi
  readonly store: AppStore
  readonly history: RunHistory
  /** Every event of every service; returns the function that unsubscribes. */
  subscribe(listener: (message: AnyApiEventMessage) => void): () => void
  /** Stops the watcher, cancels runs, ends the worker threads. */
  dispose(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const store = await openStore(options.home)
  const history = await openHistory(options.home, historyLimits(store))
  const events = createCoreEvents()
  const workspace = createWorkspaceService(store, events, options.watch)
  const plugins = createPluginService(workspace.state, store, events, {
    ...(options.plugins ? { plugins: options.plugins } : {}),
    ...(options.watch ? { watch: options.watch } : {}),
  })
  const simulator = createSimulatorService(workspace.state, {
    plugins: plugins.current,
    events,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.chromium ? { chromium: options.chromium } : {}),
  })
  const tests = createTestService(workspace.state, store, events, options.runner, plugins.settings, history)
  const ctx: ServiceContext = {
    home: options.home,
    workspace: workspace.state,
    store,
    history,
    events,
    pluginSettings: plugins.settings,
    plugins: plugins.current,
    runner: options.runner ?? {},
    ...(options.clock ? { clock: options.clock } : {}),
  }
  const features = {
    history: createHistoryService(ctx),
    reports: createReportsService(ctx),
    load: createLoadService(ctx),
    nlu: createNluService(ctx),
    quality: createQualityService(ctx),
    bot: createBotService(ctx),
  }
  const api: FlowbenchApi = {
    workspace: workspace.service,
    flow: createFlowService(workspace.state),
    simulator: simulator.service,
    test: tests.service,
    plugin: plugins.service,
    history: features.history.service,
    reports: features.reports.service,
    load: features.load.service,
    nlu: features.nlu.service,
    quality: features.quality.service,
    bot: features.bot.service,
  }
  if (options.workspace) await api.workspace.open(options.workspace)

  let disposed = false
  return {
    api,
    store,
    history,
    subscribe: events.subscribe,
    async dispose() {
      if (disposed) return
      disposed = true
      workspace.state.close()
      plugins.dispose()
      simulator.closeAll()
      await tests.dispose()
      await Promise.all(Object.values(features).map((f: FeatureService<unknown>) => f.dispose?.()))
    },
  }
}
