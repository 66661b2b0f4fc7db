import { app, BrowserWindow, dialog, ipcMain, Menu, net, protocol, shell } from 'electron';
import { existsSync, realpathSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ApiHandlers } from '../../shared/api';
import { IPC_CALL, IPC_EVENT } from '../../shared/ipc';
import { defaultDbPath, userDataDir } from '../core/paths';
import { Workspace } from '../core/workspace';
import { ensureDemoStore } from '../demo/demo-store';
import { createDispatcher } from '../rpc/dispatch';
import { APP_HOST, APP_ORIGIN, APP_SCHEME, isTrustedSender, lockDownContents, lockDownSession } from './security';

/**
 * The desktop shell: a window, a menu and the IPC wiring. Everything else is
 * the same core that the CLI and browser mode run.
 */
declare const MAIN_WINDOW_VITE_DEV_SERVER_URL: string | undefined;
declare const MAIN_WINDOW_VITE_NAME: string;
declare const __PEDIGREE_VERSION__: string;

const devServer = typeof MAIN_WINDOW_VITE_DEV_SERVER_URL === 'string' ? MAIN_WINDOW_VITE_DEV_SERVER_URL : undefined;
const rendererDir = join(__dirname, '..', 'renderer', MAIN_WINDOW_VITE_NAME);
// Worker threads cannot start from inside an asar archive: they are unpacked beside it.
const workersDir = __dirname.replace(`app.asar${sep}`, `app.asar.unpacked${sep}`);

protocol.registerSchemesAsPrivileged([{ scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } }]);

function serveRenderer(): void {
  const root = realpathSync(rendererDir);
  protocol.handle(APP_SCHEME, (request) => {
    const url = new URL(request.url);
    if (url.host !== APP_HOST) return new Response('not found', { status: 404 });
    const rel = decodeURIComponent(url.pathname);
    let file = resolve(root, `.${rel}`);
    if (file !== root && !file.startsWith(root + sep)) return new Response('forbidden', { status: 403 });
    if (!existsSync(file) || rel === '/' || rel === '') file = join(root, 'index.html');
    return net.fetch(pathToFileURL(file).toString());
  });
}

function parseArgs(argv: string[]): { db: string | null; paths: string[] } {
  const out = { db: null as string | null, paths: [] as string[] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--db') out.db = argv[++i] ?? null;
    else if (a.startsWith('--db=')) out.db = a.slice(5);
    else if (!a.startsWith('-')) out.paths.push(a);
  }
  return out;
}

async function start(): Promise<void> {
  lockDownSession(devServer);
  if (!devServer) serveRenderer();
  const args = parseArgs(process.argv.slice(app.isPackaged ? 1 : 2));
  let demoStorePath: string | null = null;
  let dbPath = args.db ?? defaultDbPath();
  if (!args.db && !process.env.PEDIGREE_DB && args.paths.length === 0 && !existsSync(dbPath)) {
    // First start with nothing to open: the demo workspace, so there is something to see.
    demoStorePath = join(userDataDir(), 'demo', 'store');
    dbPath = join(userDataDir(), 'demo', 'workspace.db');
    ensureDemoStore(demoStorePath);
  }
  const workspace = Workspace.open({ dbPath, workersDir, mode: 'electron', version: __PEDIGREE_VERSION__, demoStorePath });
  const win = new BrowserWindow({
    width: 1360,
    height: 860,
    minWidth: 900,
    minHeight: 560,
    title: 'Pedigree',
    backgroundColor: '#11161d',
    show: false,
    webPreferences: {
      preload: join(__dirname, 'preload.js'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      spellcheck: false,
    },
  });
  lockDownContents(win.webContents, devServer);
  win.once('ready-to-show', () => win.show());

  const handlers: ApiHandlers = {
    ...workspace.handlers(),
    pickFolder: async () => {
      const res = await dialog.showOpenDialog(win, { title: 'Add a store', properties: ['openDirectory'] });
      return { path: res.canceled ? null : (res.filePaths[0] ?? null) };
    },
  };
  const dispatch = createDispatcher(handlers, (e) => console.error(e));
  ipcMain.handle(IPC_CALL, (event, method: unknown, params: unknown) => {
    if (!isTrustedSender(event.senderFrame?.url, devServer)) return { ok: false, error: { kind: 'bad-request', message: 'untrusted sender' } };
    return dispatch(method, params);
  });
  workspace.onEvent((e) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT, e);
  });
  for (const path of args.paths) workspace.addStore({ path });
  if (demoStorePath && workspace.listStores().length === 0) workspace.addStore({ path: demoStorePath });

  Menu.setApplicationMenu(
    Menu.buildFromTemplate([
      ...(process.platform === 'darwin' ? [{ role: 'appMenu' as const }] : []),
      { label: 'File', submenu: [{ label: 'Add Store…', accelerator: 'CmdOrCtrl+O', click: () => win.webContents.executeJavaScript('location.hash = "#/stores"') }, { type: 'separator' }, { role: 'quit' }] },
      { role: 'editMenu' },
      { label: 'View', submenu: [{ role: 'reload' }, { role: 'toggleDevTools' }, { type: 'separator' }, { role: 'resetZoom' }, { role: 'zoomIn' }, { role: 'zoomOut' }, { type: 'separator' }, { role: 'togglefullscreen' }] },
      { label: 'Help', submenu: [{ label: `Pedigree ${__PEDIGREE_VERSION__}`, enabled: false }, { label: 'Show Workspace Folder', click: () => void shell.showItemInFolder(dbPath) }] },
    ]),
  );

  await win.loadURL(devServer ?? `${APP_ORIGIN}/index.html`);
  // Quitting waits for the workspace to close: a scan is cancelled (keeping what it finished), a lineage read or an index rebuild ends first.
  let closed = false;
  app.on('before-quit', (event) => {
    if (closed) return;
    event.preventDefault();
    void workspace.close().finally(() => {
      closed = true;
      app.quit();
    });
  });
}

app.enableSandbox();
if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.whenReady().then(start, (e: unknown) => {
    dialog.showErrorBox('Pedigree could not start', e instanceof Error ? e.message : String(e));
    app.quit();
  });
  app.on('window-all-closed', () => app.quit());
}
