// createCore(): everything Flowbench does, as the services of the API contract. The desktop app,
// `flowbench serve` and the CLI are hosts over this; they pass in paths and never reach past it.
import type { AnyApiEventMessage, FlowbenchApi } from '../../common/api'
import type { Clock } from '../engine'
import type { TestRunnerOptions } from '../runner/service'
import { openStore, type AppStore } from '../store'
import { createCoreEvents } from './events'
import { createFlowService } from './flow'
import { createSimulatorService, type PluginIntegrations } from './simulator'
import { createTestService } from './tests'
import type { WatchOptions } from './watch'
import { createWorkspaceService } from './workspace'

export type { PluginIntegrations } from './simulator'

export interface CoreOptions {
  /** The app-state folder ($FLOWBENCH_HOME, resolved by the host). */
  home: string
  /** A workspace folder to open at once. */
  workspace?: string
  /**
   * Loads the integrations a workspace's plugins provide. Called only for a workspace the user
   * has trusted (spec/plugins.md); an untrusted workspace's plugin code never runs.
   */
  plugins?: PluginIntegrations
  /** Where simulator sessions' fake clocks start (default 0, the same instant tests start at). */
  clock?: Pick<Clock, 'now'>
  /** File watcher tuning (tests use a short debounce or force polling). */
  watch?: WatchOptions
  /** Test runner tuning: the worker file of the host's build, thread limits. */
  runner?: TestRunnerOptions
}

export interface Core {
  readonly api: FlowbenchApi
  readonly store: AppStore
  /** Every event of every service; returns the function that unsubscribes. */
  subscribe(listener: (message: AnyApiEventMessage) => void): () => void
  /** Stops the watcher, cancels runs, ends the worker threads. */
  dispose(): Promise<void>
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const store = await openStore(options.home)
  const events = createCoreEvents()
  const workspace = createWorkspaceService(store, events, options.watch)
  const isTrusted = () => {
    try {
      return workspace.state.current().info.trusted
    } catch {
      return false
    }
  }
  const simulator = createSimulatorService(workspace.state, {
    isTrusted,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.plugins ? { plugins: options.plugins } : {}),
  })
  const tests = createTestService(workspace.state, store, events, options.runner)
  const api: FlowbenchApi = {
    workspace: workspace.service,
    flow: createFlowService(workspace.state),
    simulator: simulator.service,
    test: tests.service,
  }
  if (options.workspace) await api.workspace.open(options.workspace)

  let disposed = false
  return {
    api,
    store,
    subscribe: events.subscribe,
    async dispose() {
      if (disposed) return
      disposed = true
      workspace.state.close()
      simulator.closeAll()
      await tests.dispose()
    },
  }
}
