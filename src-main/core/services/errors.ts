// Turns anything a service throws into the `{code, message, data}` that crosses the wire.
import { ApiError, type ApiErrorPayload } from '../../common/api'

/** Node's file-system error codes that say something useful to the user. */
const FS_CODES: Record<string, { code: ApiError['code']; message: string }> = {
  ENOENT: { code: 'not_found', message: 'no such file or folder' },
  EEXIST: { code: 'already_exists', message: 'it already exists' },
  EACCES: { code: 'forbidden', message: 'permission denied' },
  EPERM: { code: 'forbidden', message: 'operation not permitted' },
  EISDIR: { code: 'bad_request', message: 'it is a folder, not a file' },
  ENOTDIR: { code: 'bad_request', message: 'a part of the path is not a folder' },
  ENOTEMPTY: { code: 'conflict', message: 'the folder is not empty' },
}

/** Never a stack trace: the message says what went wrong, in the user's terms. */
export function toErrorPayload(err: unknown): ApiErrorPayload {
  if (err instanceof ApiError) return err.toPayload()
  const fsCode = (err as NodeJS.ErrnoException | null)?.code
  if (typeof fsCode === 'string' && FS_CODES[fsCode]) {
    const known = FS_CODES[fsCode]!
    const path = (err as NodeJS.ErrnoException).path
    return { code: known.code, message: path ? `${known.message}: ${path}` : known.message }
  }
  const message = err instanceof Error ? err.message : String(err)
  return { code: 'internal', message: message.split('\n')[0] || 'unexpected failure' }
}
