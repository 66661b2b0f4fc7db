import { z } from 'zod';

/**
 * The small set of error kinds that cross a process or network boundary.
 * Callers switch on `kind`; `message` is for people.
 */
export const ERROR_KINDS = [
  'bad-request', // the message itself is malformed (not JSON, wrong shape)
  'unknown-method',
  'invalid-input', // well-formed request, but the input is wrong (no such path, bad name)
  'not-found',
  'conflict',
  'io', // the file system said no
  'cancelled',
  'internal',
] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export const ApiErrorShape = z.object({
  kind: z.enum(ERROR_KINDS),
  message: z.string(),
  details: z.unknown().optional(),
});
export type ApiErrorShape = z.infer<typeof ApiErrorShape>;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly kind: ErrorKind,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
  }

  toJSON(): ApiErrorShape {
    return this.details === undefined
      ? { kind: this.kind, message: this.message }
      : { kind: this.kind, message: this.message, details: this.details };
  }
}

export function isApiError(e: unknown): e is ApiError {
  return e instanceof ApiError;
}

/** Human-readable description of a zod failure, naming the offending path. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? i.path.join('.') : '(root)'}: ${i.message}`)
    .join('; ');
}
