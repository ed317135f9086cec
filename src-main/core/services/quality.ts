// The `quality` service (see src-main/common/api-quality.ts).
import type { QualityService } from '../../common/api'
import type { FeatureService, ServiceContext } from './context'

export function createQualityService(_ctx: ServiceContext): FeatureService<QualityService> {
  return { service: {} }
}
