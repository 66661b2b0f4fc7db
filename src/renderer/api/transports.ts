import type { Transport } from '../../shared/client';

/** What the Electron preload exposes on `window`: the contract's transport, nothing else. */
export interface PedigreeBridge {
  invoke(method: string, params: unknown): Promise<unknown>;
  subscribe(listener: (event: unknown) => void): () => void;
  pathForFile?(file: File): string;
}

declare global {
  interface Window {
    pedigreeBridge?: PedigreeBridge;
  }
}

export function electronTransport(bridge: PedigreeBridge): Transport {
  return { invoke: (m, p) => bridge.invoke(m, p), subscribe: (l) => bridge.subscribe(l) };
}

const TOKEN_KEY = 'pedigree-token';

/**
 * Browser mode: calls are POSTs to /api/<method>, events arrive on a
 * WebSocket. The per-launch token comes in the URL once; it is kept for this
 * tab and taken out of the address bar so that bookmarks stay clean.
 */
export function browserTransport(): Transport {
  const url = new URL(window.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    sessionStorage.setItem(TOKEN_KEY, fromUrl);
    url.searchParams.delete('token');
    window.history.replaceState(window.history.state, '', url.toString());
  }
  const token = fromUrl ?? sessionStorage.getItem(TOKEN_KEY) ?? '';

  return {
    async invoke(method, params) {
      const res = await fetch(`/api/${encodeURIComponent(method)}`, {
        method: 'POST',
        // without a token of its own (a bookmark), the page relies on the cookie the first visit set
        headers: token ? { 'content-type': 'application/json', 'x-pedigree-token': token } : { 'content-type': 'application/json' },
        body: JSON.stringify(params ?? {}),
        credentials: 'same-origin',
      });
      if (res.status === 403) throw new Error('the server refused this page: its token is from another launch; open the URL that `pedigree serve` printed');
      return res.json();
    },
    subscribe(listener) {
      let socket: WebSocket | null = null;
      let closed = false;
      let delay = 500;
      const connect = () => {
        const ws = new WebSocket(`${window.location.protocol === 'https:' ? 'wss' : 'ws'}://${window.location.host}/events?token=${encodeURIComponent(token)}`);
        socket = ws;
        ws.onopen = () => (delay = 500);
        ws.onmessage = (m) => {
          try {
            listener(JSON.parse(String(m.data)));
          } catch {
            // not JSON: dropped
          }
        };
        ws.onclose = () => {
          if (closed) return;
          setTimeout(connect, delay);
          delay = Math.min(delay * 2, 10_000);
        };
      };
      connect();
      return () => {
        closed = true;
        socket?.close();
      };
    },
  };
}
