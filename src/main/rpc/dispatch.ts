import { CallRequest, isMethodName, methods, type ApiHandlers, type CallEnvelope } from '../../shared/api';
import { ApiError, describeIssues } from '../../shared/errors';
import { toApiError } from '../core/errors';

export type Dispatch = (method: unknown, params: unknown) => Promise<CallEnvelope>;

/**
 * The one entry point that both bridges (Electron IPC and HTTP) call. It never
 * throws: whatever arrives, the caller gets an envelope back.
 */
export function createDispatcher(handlers: ApiHandlers, log: (e: unknown) => void = () => {}): Dispatch {
  return async (method, params) => {
    try {
      if (typeof method !== 'string') throw new ApiError('bad-request', 'method must be a string');
      if (!isMethodName(method)) throw new ApiError('unknown-method', `unknown method: ${method.slice(0, 100)}`);
      const parsed = methods[method].params.safeParse(params ?? {});
      if (!parsed.success) throw new ApiError('invalid-input', `${method}: ${describeIssues(parsed.error)}`);
      const handler = handlers[method] as (p: unknown) => unknown;
      const result = await handler(parsed.data);
      return { ok: true, result };
    } catch (e) {
      const err = toApiError(e);
      if (err.kind === 'internal') log(e);
      return { ok: false, error: err.toJSON() };
    }
  };
}

/** Parses a raw request body (a string or parsed JSON) into a call, for the HTTP bridge. */
export function parseCallRequest(raw: unknown): CallRequest {
  const parsed = CallRequest.safeParse(raw);
  if (!parsed.success) throw new ApiError('bad-request', `malformed call: ${describeIssues(parsed.error)}`);
  return parsed.data;
}
