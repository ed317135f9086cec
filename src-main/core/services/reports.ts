// The `reports` service (see src-main/common/api-reports.ts).
import type { ReportsService } from '../../common/api'
import type { FeatureService, ServiceContext } from './context'

export function createReportsService(_ctx: ServiceContext): FeatureService<ReportsService> {
  return { service: {} }
}
