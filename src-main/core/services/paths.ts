// Maps the API's workspace-relative paths to files on disk, and refuses any that leave the workspace.
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { ApiError } from '../../common/api'

/** The absolute path of a workspace-relative one; `forbidden` when it escapes the root. */
export function resolveInside(root: string, path: unknown): string {
  if (typeof path !== 'string' || path.trim() === '') throw new ApiError('bad_request', 'a file path is required')
  if (path.includes('\0')) throw new ApiError('bad_request', 'a file path may not contain NUL characters')
  if (isAbsolute(path) || /^[A-Za-z]:/.test(path)) {
    throw new ApiError('forbidden', `${path}: paths are relative to the workspace root`)
  }
  const abs = resolve(root, path)
  const rel = relative(root, abs)
  if (rel === '' || rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw new ApiError('forbidden', `${path}: outside the workspace`)
  }
  return abs
}

/** Forward-slash path relative to the root, as every API answer carries it. */
export function toWorkspacePath(root: string, abs: string): string {
  return relative(root, abs).split(sep).join('/')
}
