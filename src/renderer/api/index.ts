import type { Api } from '../../shared/api';
import { createApiClient } from '../../shared/client';
import { browserTransport, electronTransport } from './transports';

let api: Api | null = null;

/** The one choice of transport, made at start-up. Store actions use `getApi()`; components never do. */
export function getApi(): Api {
  api ??= createApiClient(window.pedigreeBridge ? electronTransport(window.pedigreeBridge) : browserTransport());
  return api;
}

/** For tests: run the UI against another implementation of the contract. */
export function setApi(next: Api): void {
  api = next;
}
