// The `nlu` service (see src-main/common/api-nlu.ts).
import type { NluService } from '../../common/api'
import type { FeatureService, ServiceContext } from './context'

export function createNluService(_ctx: ServiceContext): FeatureService<NluService> {
  return { service: {} }
}
