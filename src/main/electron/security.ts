import { session, type WebContents } from 'electron';

/** The one origin the renderer is served from (a custom protocol, never file://). */
export const APP_SCHEME = 'app';
export const APP_HOST = 'pedigree';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

function isAppUrl(url: string, devServer: string | undefined): boolean {
  return url.startsWith(`${APP_ORIGIN}/`) || (devServer !== undefined && url.startsWith(devServer));
}

/**
 * Electron's security checklist, applied once: no request leaves the app, no
 * permission is granted, no navigation or new window, no webview.
 */
export function lockDownSession(devServer: string | undefined): void {
  const s = session.defaultSession;
  s.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAppUrl(details.url, devServer) || details.url.startsWith('devtools://') || (devServer !== undefined && details.url.startsWith('ws://localhost'));
    callback({ cancel: !allowed });
  });
  s.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  s.setPermissionCheckHandler(() => false);
}

export function lockDownContents(contents: WebContents, devServer: string | undefined): void {
  contents.on('will-navigate', (event, url) => {
    if (!isAppUrl(url, devServer)) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!isAppUrl(url, devServer)) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
}

/** IPC is answered only for frames that show the app itself. */
export function isTrustedSender(frameUrl: string | undefined, devServer: string | undefined): boolean {
  return frameUrl !== undefined && isAppUrl(frameUrl, devServer);
}
