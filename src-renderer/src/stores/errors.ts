// Turns whatever a call threw into one sentence a person can act on (never a raw stack).
import { ApiError, type ApiErrorCode } from '../../../src-main/common/api'

const HINTS: Partial<Record<ApiErrorCode, string>> = {
  unavailable: 'The connection to Flowbench was lost. Reload the window to reconnect.',
  no_workspace: 'Open a workspace first.',
  forbidden: 'That is outside the open workspace.',
  conflict: 'The file changed on disk since it was opened.',
  untrusted: 'This workspace is not trusted yet, so its plugins cannot run.',
}

export function describeError(err: unknown): string {
  if (err instanceof ApiError) return err.message || HINTS[err.code] || err.code
  if (err instanceof Error) return err.message
  return String(err)
}

export function errorCode(err: unknown): ApiErrorCode | undefined {
  return err instanceof ApiError ? err.code : undefined
}
