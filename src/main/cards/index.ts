/**
 * Model cards: read and written losslessly (every byte not edited stays),
 * checked against the Hub's metadata spec, edited key by key, split into
 * sections, linked to lineage or generated from it, and saved atomically.
 * Start with `parse.ts`, then `edit.ts`.
 */
export { splitCard, joinCard, readMetadata, type CardParts } from './parse';
export { checkCard } from './validate';
export { setMetadata, parseAssignment, CardEditError } from './edit';
export { splitSections, joinSections, moveSection, replaceSection } from './sections';
export { linkLineage, generateCard } from './lineage';
export { formFromCard, applyForm } from './form';
export { openCard, saveCard, saveCardText, createCard, backupPath, CardFileError, CardConflictError, type OpenedCard } from './save';
export { unifiedDiff, diffLines } from './diff';
