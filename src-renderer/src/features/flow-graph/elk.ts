// The graph's layout engine: ELK in a web worker, created on first use and shared by every graph.
import ELK from 'elkjs/lib/elk-api'
import ElkWorker from './elk.worker?worker'
import type { ElkLike } from './layout'

let shared: ElkLike | null = null

export function sharedElk(): ElkLike {
  shared ??= new ELK({ workerFactory: () => new ElkWorker() })
  return shared
}
