import { ApiError } from '../../shared/errors';

/** Maps anything thrown in the core to one of the API's error kinds. */
export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiError) return e;
  if (e && typeof e === 'object' && 'code' in e && typeof (e as { code: unknown }).code === 'string') {
    const err = e as NodeJS.ErrnoException;
    const where = err.path ? ` (${err.path})` : '';
    const code = err.code ?? '';
    switch (code) {
      case 'ENOENT':
        return new ApiError('not-found', `no such file or folder${where}`);
      case 'EACCES':
      case 'EPERM':
        return new ApiError('io', `permission denied${where}`);
      case 'ENOTDIR':
        return new ApiError('invalid-input', `not a folder${where}`);
      case 'SQLITE_READONLY':
        return new ApiError('io', `the workspace database is read-only: ${err.message}`);
      case 'SQLITE_BUSY':
        return new ApiError('conflict', `the workspace database is busy: ${err.message}`);
      case 'SQLITE_CONSTRAINT_UNIQUE':
        return new ApiError('conflict', err.message);
      default:
        if (code.startsWith('E')) return new ApiError('io', `${err.message}`);
    }
  }
  return new ApiError('internal', e instanceof Error ? e.message : String(e));
}

export function invalidInput(message: string): ApiError {
  return new ApiError('invalid-input', message);
}
export function notFound(message: string): ApiError {
  return new ApiError('not-found', message);
}
