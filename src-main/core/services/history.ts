// The `history` service (see src-main/common/api-history.ts).
import type { HistoryService } from '../../common/api'
import type { FeatureService, ServiceContext } from './context'

export function createHistoryService(_ctx: ServiceContext): FeatureService<HistoryService> {
  return { service: {} }
}
