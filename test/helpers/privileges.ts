/**
 * The tests run as root, where chmod denies nothing. Cases that need a real
 * EACCES or a real read-only file run the CLI as `nobody` instead.
 */
export const NOBODY = { uid: 65534, gid: 65534 } as const;

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

/** Reason shown for cases skipped when the tests do not run as root. */
export const NEEDS_ROOT = 'needs root, to run the CLI as nobody (uid 65534) and get real permission errors';
