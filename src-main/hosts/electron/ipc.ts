// The two IPC channels: `flowbench:invoke` carries calls into the core (from the app page only),
// `flowbench:event` carries the core's events out to every window.
import type { IpcMain, IpcMainInvokeEvent, WebContents } from 'electron'
import { ApiError, IPC_EVENT_CHANNEL, IPC_INVOKE_CHANNEL, type AnyApiEventMessage, type ApiReply, type FlowbenchApi } from '../../common/api'
import { dispatch } from '../../core/services/dispatch'
import { isAppUrl } from './window'

export interface IpcCore {
  api: FlowbenchApi
  subscribe(listener: (message: AnyApiEventMessage) => void): () => void
}

/** A call is served only when it comes from the top frame of a window showing the app page. */
export function isTrustedSender(event: Pick<IpcMainInvokeEvent, 'senderFrame'>, appUrl: string): boolean {
  const frame = event.senderFrame
  if (!frame) return false
  // A subframe (an iframe some content managed to create) never speaks for the app.
  if (frame.parent) return false
  return isAppUrl(frame.url, appUrl)
}

export function registerIpc(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  core: IpcCore,
  appUrl: () => string,
  windows: () => WebContents[],
): () => void {
  ipcMain.handle(IPC_INVOKE_CHANNEL, async (event, method: unknown, params: unknown): Promise<ApiReply> => {
    if (!isTrustedSender(event, appUrl())) {
      return { error: new ApiError('forbidden', 'calls are accepted from the Flowbench window only').toPayload() }
    }
    return dispatch(core.api, method, params)
  })
  const unsubscribe = core.subscribe((message) => {
    for (const contents of windows()) {
      if (!contents.isDestroyed()) contents.send(IPC_EVENT_CHANNEL, message)
    }
  })
  return () => {
    unsubscribe()
    ipcMain.removeHandler(IPC_INVOKE_CHANNEL)
  }
}
