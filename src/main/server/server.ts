import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createReadStream, realpathSync, statSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, resolve, sep } from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import type { ApiEvent } from '../../shared/api';
import { createDispatcher, parseCallRequest } from '../rpc/dispatch';
import { toApiError } from '../core/errors';
import type { ApiHandlers } from '../../shared/api';

/**
 * Browser mode: the built renderer and the API over HTTP (calls) and a
 * WebSocket (events), on the loopback interface only. Every request must carry
 * the per-launch token (query on first load, then a cookie or a header), and a
 * Host or Origin that is not this server's is refused, so another site open in
 * the same browser cannot reach the workspace (DNS rebinding, CSRF).
 */
export interface ServerOptions {
  handlers: ApiHandlers;
  subscribe(listener: (e: ApiEvent) => void): () => void;
  staticDir: string;
  port?: number;
  token?: string;
  log?: (message: string) => void;
}

export interface RunningServer {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

const COOKIE = 'pedigree_token';
const MAX_BODY = 1024 * 1024;
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'none'",
].join('; ');

function sameToken(a: string | undefined, b: string): boolean {
  if (!a) return false;
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function cookieToken(req: IncomingMessage): string | undefined {
  const header = req.headers.cookie;
  if (!header) return undefined;
  for (const part of header.split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === COOKIE) return v.join('=');
  }
  return undefined;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const token = options.token ?? randomBytes(24).toString('base64url');
  const staticRoot = realpathSync(options.staticDir);
  const dispatch = createDispatcher(options.handlers, (e) => options.log?.(`internal error: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`));
  let port = 0;

  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
  const allowedOrigins = () => new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  /** Returns null when the request may proceed, else the reason it is refused. */
  const refuse = (req: IncomingMessage, url: URL): string | null => {
    if (!req.headers.host || !allowedHosts().has(req.headers.host)) return 'foreign Host';
    const origin = req.headers.origin;
    if (origin !== undefined && !allowedOrigins().has(origin)) return 'foreign Origin';
    // An empty value is no token: a page opened from a bookmark has only the cookie.
    const presented = url.searchParams.get('token') || (req.headers['x-pedigree-token'] as string | undefined) || cookieToken(req);
    if (!sameToken(presented ?? undefined, token)) return 'missing or wrong token';
    return null;
  };

  const send = (res: ServerResponse, status: number, body: string, type = 'text/plain; charset=utf-8') => {
    res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
    res.end(body);
  };

  const serveStatic = (req: IncomingMessage, res: ServerResponse, url: URL) => {
    let rel: string;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      return send(res, 400, 'bad path');
    }
    if (rel.includes('\0')) return send(res, 400, 'bad path');
    let file = resolve(staticRoot, `.${rel}`);
    const inside = (p: string) => p === staticRoot || p.startsWith(staticRoot + sep);
    if (!inside(file)) return send(res, 403, 'forbidden');
    let st = safeStat(file);
    // Views are client-side routes: anything that is not a file gets the app.
    if (!st || st.isDirectory()) {
      if (extname(rel) && !st) return send(res, 404, 'not found');
      file = join(staticRoot, 'index.html');
      st = safeStat(file);
      if (!st) return send(res, 500, 'the renderer is not built: run npm run build');
    }
    let real: string;
    try {
      real = realpathSync(file);
    } catch {
      return send(res, 404, 'not found');
    }
    if (!inside(real)) return send(res, 403, 'forbidden'); // a symlink out of the build folder
    const headers: Record<string, string | number> = {
      'content-type': TYPES[extname(real)] ?? 'application/octet-stream',
      'content-length': st.size,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': extname(real) === '.html' ? 'no-store' : 'private, max-age=3600',
    };
    if (extname(real) === '.html') {
      headers['content-security-policy'] = CONTENT_SECURITY_POLICY;
      headers['x-frame-options'] = 'DENY';
    }
    if (url.searchParams.has('token')) {
      headers['set-cookie'] = `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`;
    }
    res.writeHead(200, headers);
    if (req.method === 'HEAD') return res.end();
    createReadStream(real).pipe(res);
  };

  const handleCall = (req: IncomingMessage, res: ServerResponse, method: string) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let aborted = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY && !aborted) {
        aborted = true;
        send(res, 413, JSON.stringify({ ok: false, error: { kind: 'bad-request', message: 'request body too large' } }), 'application/json');
        req.destroy();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => {
      if (aborted) return;
      let params: unknown;
      try {
        const text = Buffer.concat(chunks).toString('utf8');
        params = text.length ? JSON.parse(text) : {};
        parseCallRequest({ method, params });
      } catch (e) {
        const err = e instanceof SyntaxError ? { kind: 'bad-request', message: `request body is not JSON: ${e.message}` } : toApiError(e).toJSON();
        return send(res, 400, JSON.stringify({ ok: false, error: err }), 'application/json');
      }
      void dispatch(method, params).then((envelope) => send(res, 200, JSON.stringify(envelope), 'application/json'));
    });
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const why = refuse(req, url);
    if (why) {
      options.log?.(`refused ${req.method} ${url.pathname}: ${why}`);
      return send(res, 403, `forbidden: ${why}`);
    }
    if (url.pathname.startsWith('/api/')) {
      if (req.method !== 'POST') return send(res, 405, 'use POST');
      return handleCall(req, res, url.pathname.slice('/api/'.length));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed');
    serveStatic(req, res, url);
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/events' || refuse(req, url)) {
      socket.write('HTTP/1.1 403 Forbidden\r\nConnection: close\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
      ws.on('message', () => {}); // the event stream is one-way
    });
  });
  const unsubscribe = options.subscribe((event) => {
    const text = JSON.stringify(event);
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(text);
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => ok());
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
    },
  };
}

function safeStat(p: string) {
  try {
    return statSync(p);
  } catch {
    return null;
  }
}
