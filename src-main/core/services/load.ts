// The `load` service (see src-main/common/api-load.ts).
import type { LoadService } from '../../common/api'
import type { FeatureService, ServiceContext } from './context'

export function createLoadService(_ctx: ServiceContext): FeatureService<LoadService> {
  return { service: {} }
}
