// `useApi()`: the one typed client every store uses. The transport is chosen once, at the edge:
// `window.flowbench` means the Electron preload (IPC); a `token` in the page URL means
// `flowbench serve` (WebSocket). Component tests install a fake with `provideApi(createFakeClient(…))`.
import { SERVE_TOKEN_PARAM, type FlowbenchBridge } from '../../../src-main/common/api'
import type { ApiClient } from '../../../src-main/common/api-client'
import { createIpcClient } from './ipc'
import { createWsClient } from './ws'

export type { ApiClient, ApiEventListener } from '../../../src-main/common/api-client'
export { createWsClient } from './ws'
export { createIpcClient } from './ipc'
export { createFakeClient, type FakeClient, type FakeHandlers } from './fake'

declare global {
  interface Window {
    flowbench?: FlowbenchBridge
  }
}

/** What the transport choice reads from the page (a structural view, so tests can pass their own). */
export interface PageEnvironment {
  location: { href: string }
  flowbench?: FlowbenchBridge
  sessionStorage?: { getItem(key: string): string | null; setItem(key: string, value: string): void }
  history?: { state: unknown; replaceState(state: unknown, unused: string, url: string): void }
}

/** Where the serve token is kept once it has been taken out of the address bar. */
const TOKEN_STORAGE_KEY = 'flowbench.serveToken'

let client: ApiClient | null = null

/**
 * The serve token: from the page URL (then removed from the address bar and history, so it is
 * not left in screenshots or shared links), else from this tab's session (a reload).
 */
function takeServeToken(page: PageEnvironment): string | null {
  const url = new URL(page.location.href)
  const fromUrl = url.searchParams.get(SERVE_TOKEN_PARAM)
  if (fromUrl) {
    try {
      page.sessionStorage?.setItem(TOKEN_STORAGE_KEY, fromUrl)
      url.searchParams.delete(SERVE_TOKEN_PARAM)
      page.history?.replaceState(page.history.state, '', url.toString())
    } catch {
      // Storage may be disabled; the token still works for this page load.
    }
    return fromUrl
  }
  try {
    return page.sessionStorage?.getItem(TOKEN_STORAGE_KEY) ?? null
  } catch {
    return null
  }
}

/** Builds the client for the environment this page runs in. */
export function connectApi(page: PageEnvironment = globalThis as unknown as PageEnvironment): ApiClient {
  if (page.flowbench) return createIpcClient(page.flowbench)
  const token = takeServeToken(page)
  if (token) return createWsClient(page.location.href, token)
  throw new Error(
    'Flowbench cannot reach its core: open the address `flowbench serve` printed (it carries the access token), or start the desktop app.',
  )
}

/** The client; connects on first use. */
export function useApi(): ApiClient {
  client ??= connectApi()
  return client
}

/** Installs a client (component tests, or an app that built its own); returns the one it replaced. */
export function provideApi(next: ApiClient | null): ApiClient | null {
  const previous = client
  client = next
  return previous
}
