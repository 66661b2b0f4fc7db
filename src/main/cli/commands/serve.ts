import { join } from 'node:path';
import { ensureDemoStore } from '../../demo/demo-store';
import { userDataDir } from '../../core/paths';
import { EXIT_OK, UsageError, type Command } from '../command';
import { createProgressPrinter } from '../progress';

const DEFAULT_PORT = 7788;

/** `pedigree serve`: browser mode, the same UI and API as the desktop app, on 127.0.0.1 only. */
export const serveCommand: Command = {
  name: 'serve',
  summary: 'browser mode: serve the app on 127.0.0.1 with a per-launch token',
  usage: 'pedigree serve [PATH...] [--db FILE] [--port N] [--demo]   (port: 7788 by default, or any free one if it is taken; 0 = any)',
  json: false,
  options: { port: { type: 'string' }, demo: { type: 'boolean' } },
  async run(ctx) {
    const port = ctx.flags.port === undefined ? DEFAULT_PORT : Number(ctx.flags.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError('--port must be a number from 0 to 65535');
    let demoStorePath: string | null = null;
    let dbPath = ctx.dbPath;
    if (ctx.flags.demo) {
      const demoDir = join(userDataDir(), 'demo');
      demoStorePath = join(demoDir, 'store');
      if (ctx.flags.db === undefined) dbPath = join(demoDir, 'workspace.db');
      if (ensureDemoStore(demoStorePath).created) ctx.err.write(`created the demo store in ${demoStorePath}\n`);
    }
    const ws = ctx.openWorkspace({ demoStorePath, dbPath });
    const toAdd = [...ctx.positionals];
    if (demoStorePath && ws.listStores().length === 0) toAdd.push(demoStorePath);
    const options = {
      handlers: ws.handlers(),
      subscribe: (l: Parameters<typeof ws.onEvent>[0]) => ws.onEvent(l),
      staticDir: ctx.paths.rendererDir,
      log: process.env.PEDIGREE_DEBUG ? (m: string) => ctx.err.write(`${m}\n`) : undefined,
    };
    // Loaded here, not with the CLI: the server and its WebSocket library load most of Node's network modules,
    // which every other command (an `index` of a store, say) would otherwise pay for at start-up.
    const { startServer } = await import('../../server/server');
    // A stable default port keeps bookmarks working across launches; when it is taken, any free port will do.
    const server = await startServer({ ...options, port }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' && ctx.flags.port === undefined) return startServer({ ...options, port: 0 });
      throw e.code === 'EADDRINUSE' ? new UsageError(`port ${port} is in use; choose another with --port`) : e;
    });
    ctx.out.write(`Pedigree is serving ${dbPath}\nOpen ${server.url}\n(Ctrl-C stops it)\n`);
    for (const path of toAdd) {
      const { store, scan } = ws.addStore({ path, name: path === demoStorePath ? 'Demo store' : undefined });
      if (!scan) continue;
      const printer = createProgressPrinter(ctx.err, `indexing ${store.name}`);
      const off = ws.onEvent((e) => e.type === 'scan.progress' && e.progress.scanId === scan.scanId && printer.update(e.progress));
      void scan.done.then((s) => {
        off();
        printer.done();
        ctx.err.write(`indexed ${store.path}: ${s.files} files, ${s.new} new, ${s.changed} changed, ${s.errors} errors (${s.status})\n`);
      });
    }
    await ctx.interrupted;
    await server.close();
    return EXIT_OK;
  },
};
