/**
 * Debian's chromium, as the end-to-end tests and the benchmark launch it
 * (the flags DEVELOPERS.md gives for this kind of machine). One place, so
 * that the figures the benchmark prints come from the browser the tests use.
 */
export const CHROMIUM = process.env.PEDIGREE_CHROMIUM ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic'];
