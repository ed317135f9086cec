// The renderer side of `{code, message, data}`: any thrown value as an error payload.
import { ApiError, type ApiErrorPayload } from '../../../src-main/common/api'

export function toErrorPayloadInBrowser(err: unknown): ApiErrorPayload {
  if (err instanceof ApiError) return err.toPayload()
  return { code: 'internal', message: err instanceof Error ? err.message : String(err) }
}
