// The `bot` service (see src-main/common/api-bot.ts).
import type { BotService } from '../../common/api'
import type { FeatureService, ServiceContext } from './context'

export function createBotService(_ctx: ServiceContext): FeatureService<BotService> {
  return { service: {} }
}
