// What every feature service is built from: the open workspace, the app store, the event
// emitter, the plugin settings and the runner's tuning. createCore() builds one and hands it to
// each service factory, so a new service needs no new plumbing.
import type { Clock } from '../engine'
import type { TestRunnerOptions } from '../runner/service'
import type { AppStore } from '../store'
import type { RunHistory } from '../store/history'
import type { CoreEvents } from './events'
import type { PluginLoadSettings, WorkspacePlugins } from './plugins'
import type { WorkspaceState } from './workspace'

export interface ServiceContext {
  /** The app-state folder ($FLOWBENCH_HOME, resolved by the host). */
  home: string
  workspace: WorkspaceState
  store: AppStore
  /** Test and load runs kept under $FLOWBENCH_HOME/history (shared with the CLI and other windows). */
  history: RunHistory
  events: CoreEvents
  /** How the open workspace's plugins load now (its own only once trusted). */
  pluginSettings: () => PluginLoadSettings
  /** The open workspace's plugins, loaded (for in-process use such as the simulator). */
  plugins: WorkspacePlugins['current']
  /** Test runner tuning: the worker file of the host's build, thread limits. */
  runner: TestRunnerOptions
  /** The Chromium that prints PDF reports ($FLOWBENCH_CHROMIUM, resolved by the host); else the usual install locations. */
  chromium?: string
  /** Where fake clocks start (default 0). */
  clock?: Pick<Clock, 'now'>
}

/** A feature service and what it must release when the core is disposed. */
export interface FeatureService<S> {
  service: S
  dispose?(): void | Promise<void>
}
