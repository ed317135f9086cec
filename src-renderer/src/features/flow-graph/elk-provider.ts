// How the graph gets its layout engine: the app loads ELK's web worker on first use; component
// tests provide the bundled in-process build instead.
import type { InjectionKey } from 'vue'
import type { ElkLike } from './layout'

export type ElkFactory = () => Promise<ElkLike>

export const ELK_PROVIDER: InjectionKey<ElkFactory> = Symbol('elk')

export const workerElk: ElkFactory = () => import('./elk').then((m) => m.sharedElk())
