import { ApiEvent, CallEnvelope, methods, type Api, type MethodName } from './api';
import { ApiError, describeIssues } from './errors';

/** How a client reaches the core: one request/response channel and one event stream. */
export interface Transport {
  invoke(method: string, params: unknown): Promise<unknown>;
  subscribe(listener: (raw: unknown) => void): () => void;
}

/**
 * Turns a transport into the typed `Api`. Params are checked before they leave,
 * envelopes and results when they arrive, so a malformed message becomes an
 * `ApiError` of kind 'bad-request' instead of a crash deep in a view.
 */
export function createApiClient(transport: Transport): Api {
  const listeners = new Set<(event: ApiEvent) => void>();
  let unsubscribe: (() => void) | null = null;

  const call = async (method: MethodName, params: unknown): Promise<unknown> => {
    const spec = methods[method];
    const checked = spec.params.safeParse(params ?? {});
    if (!checked.success) throw new ApiError('invalid-input', `${method}: ${describeIssues(checked.error)}`);
    let raw: unknown;
    try {
      raw = await transport.invoke(method, checked.data);
    } catch (e) {
      if (e instanceof ApiError) throw e;
      throw new ApiError('io', `${method}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const envelope = CallEnvelope.safeParse(raw);
    if (!envelope.success) throw new ApiError('bad-request', `${method}: malformed response (${describeIssues(envelope.error)})`);
    if (!envelope.data.ok) {
      const { kind, message, details } = envelope.data.error;
      throw new ApiError(kind, message, details);
    }
    const result = spec.result.safeParse(envelope.data.result);
    if (!result.success) throw new ApiError('bad-request', `${method}: malformed result (${describeIssues(result.error)})`);
    return result.data;
  };

  const api = {
    onEvent(listener: (event: ApiEvent) => void) {
      listeners.add(listener);
      unsubscribe ??= transport.subscribe((raw) => {
        const parsed = ApiEvent.safeParse(raw);
        if (!parsed.success) return; // an event we cannot read is dropped, never thrown into a view
        for (const l of listeners) l(parsed.data);
      });
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0 && unsubscribe) {
          unsubscribe();
          unsubscribe = null;
        }
      };
    },
  } as Record<string, unknown>;
  for (const name of Object.keys(methods) as MethodName[]) {
    api[name] = (params: unknown) => call(name, params);
  }
  return api as unknown as Api;
}
