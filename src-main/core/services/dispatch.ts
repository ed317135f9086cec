// The one place a host's message becomes a service call: the allow-list, the arity check and the
// error envelope. Electron's IPC handler and the WebSocket server both go through here.
import { API_METHOD_ARITY, ApiError, isApiMethod, type ApiReply, type FlowbenchApi, type ServiceName } from '../../common/api'
import { toErrorPayload } from './errors'

/** Calls `method` with `params` on the services; always resolves, with `{result}` or `{error}`. */
export async function dispatch(api: FlowbenchApi, method: unknown, params: unknown): Promise<ApiReply> {
  try {
    if (!isApiMethod(method)) {
      throw new ApiError('unknown_method', `unknown method: ${typeof method === 'string' ? method.slice(0, 80) : typeof method}`)
    }
    const args = params === undefined ? [] : params
    if (!Array.isArray(args)) throw new ApiError('bad_request', `${method}: params must be an array of arguments`)
    if (args.length > API_METHOD_ARITY[method]) {
      throw new ApiError('bad_request', `${method} takes at most ${API_METHOD_ARITY[method]} argument(s), got ${args.length}`)
    }
    const [service, name] = method.split('.') as [ServiceName, string]
    const fn = (api[service] as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[name]!
    const result = await fn.apply(api[service], args)
    // `undefined` is not JSON; a method that returns nothing answers null.
    return { result: result === undefined ? null : result }
  } catch (err) {
    return { error: toErrorPayload(err) }
  }
}

export interface ParsedRequest {
  id: number
  method: unknown
  params: unknown
}

/** Reads one wire request; `null` for anything that is not `{id: number, method, params?}` JSON. */
export function parseRequest(raw: string): ParsedRequest | null {
  let value: unknown
  try {
    value = JSON.parse(raw)
  } catch {
    return null
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) return null
  const { id, method, params } = value as Record<string, unknown>
  if (typeof id !== 'number' || !Number.isSafeInteger(id)) return null
  return { id, method, params }
}
