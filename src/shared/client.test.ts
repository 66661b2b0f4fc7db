import { describe, expect, it } from 'vitest';
import type { ApiHandlers } from './api';
import { createApiClient, type Transport } from './client';
import { ApiError } from './errors';
import { createDispatcher } from '../main/rpc/dispatch';

function fakeTransport(reply: (method: string, params: unknown) => unknown): Transport {
  return { invoke: async (m, p) => reply(m, p), subscribe: () => () => {} };
}

const handlers = {
  listStores: async () => [],
} as unknown as ApiHandlers;

describe('the API contract', () => {
  it('rejects malformed params on the client with a typed error before sending', async () => {
    let sent = false;
    const api = createApiClient(fakeTransport(() => ((sent = true), { ok: true, result: [] })));
    // @ts-expect-error: storeId must be a number
    const err = await api.removeStore({ storeId: 'x' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).kind).toBe('invalid-input');
    expect((err as ApiError).message).toMatch(/storeId/);
    expect(sent).toBe(false);
  });

  it('turns a malformed envelope or result into a bad-request error, never a crash', async () => {
    const notEnvelope = createApiClient(fakeTransport(() => 'garbage'));
    await expect(notEnvelope.listStores({})).rejects.toMatchObject({ kind: 'bad-request' });
    const wrongResult = createApiClient(fakeTransport(() => ({ ok: true, result: [{ id: 'nope' }] })));
    await expect(wrongResult.listStores({})).rejects.toMatchObject({ kind: 'bad-request' });
  });

  it('carries server errors with their kind', async () => {
    const api = createApiClient(fakeTransport(() => ({ ok: false, error: { kind: 'not-found', message: 'no store 9' } })));
    await expect(api.removeStore({ storeId: 9 })).rejects.toMatchObject({ kind: 'not-found', message: 'no store 9' });
  });

  it('the dispatcher answers every malformed call with an error envelope', async () => {
    const dispatch = createDispatcher(handlers);
    expect(await dispatch(42, {})).toMatchObject({ ok: false, error: { kind: 'bad-request' } });
    expect(await dispatch('dropTables', {})).toMatchObject({ ok: false, error: { kind: 'unknown-method' } });
    expect(await dispatch('__proto__', {})).toMatchObject({ ok: false, error: { kind: 'unknown-method' } });
    expect(await dispatch('listStores', { extra: 1 })).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await dispatch('listStores', 'not an object')).toMatchObject({ ok: false, error: { kind: 'invalid-input' } });
    expect(await dispatch('listStores', undefined)).toEqual({ ok: true, result: [] });
  });

  it('the dispatcher classifies thrown errors', async () => {
    const failing = {
      listStores: async () => {
        throw Object.assign(new Error('ENOENT: gone'), { code: 'ENOENT', path: '/x' });
      },
    } as unknown as ApiHandlers;
    expect(await createDispatcher(failing)('listStores', {})).toMatchObject({ ok: false, error: { kind: 'not-found' } });
  });

  it('drops events that do not match the contract', () => {
    let emit: (raw: unknown) => void = () => {};
    const api = createApiClient({ invoke: async () => ({ ok: true, result: null }), subscribe: (l) => ((emit = l), () => {}) });
    const seen: unknown[] = [];
    api.onEvent((e) => seen.push(e));
    emit({ type: 'nonsense' });
    emit({ type: 'stores.changed' });
    expect(seen).toEqual([{ type: 'stores.changed' }]);
  });
});
