/**
 * How long a search box waits after the last key before it searches. Short
 * enough that the answer follows the typing (a search over 100,000 files
 * takes 20-40 ms), long enough that a fast typist's keys make one search.
 * The benchmark times the Files view against it.
 */
export const TYPING_PAUSE_MS = 120;
