/** The prefix every IPC channel of the app carries; the preload forwards nothing else. Kept free of imports so the sandboxed preload stays tiny. */
export const IPC_PREFIX = 'pedigree:';
export const IPC_CALL = `${IPC_PREFIX}call`;
export const IPC_EVENT = `${IPC_PREFIX}event`;
