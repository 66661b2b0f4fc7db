import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron';
import { IPC_CALL, IPC_EVENT } from '../../shared/ipc';

/**
 * The sandboxed preload exposes the API contract's transport and nothing
 * else: one call channel and one event channel, both with the app's prefix,
 * plus the path of a dropped file.
 */
contextBridge.exposeInMainWorld('pedigreeBridge', {
  invoke: (method: string, params: unknown) => ipcRenderer.invoke(IPC_CALL, String(method), params),
  subscribe: (listener: (event: unknown) => void) => {
    const handler = (_e: IpcRendererEvent, event: unknown) => listener(event);
    ipcRenderer.on(IPC_EVENT, handler);
    return () => ipcRenderer.removeListener(IPC_EVENT, handler);
  },
  /** The path of a file dropped on the window (a model card to open); the sandbox hides it otherwise. */
  pathForFile: (file: File) => webUtils.getPathForFile(file),
});
