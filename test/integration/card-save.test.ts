import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { setMetadata } from '../../src/main/cards/edit';
import { CardConflictError, CardFileError, backupPath, createCard, openCard, saveCard } from '../../src/main/cards/save';
import { CORPUS } from '../fixtures/cards/corpus';
import { tempDirs } from '../helpers/temp';

describe('saving cards', () => {
  const temp = tempDirs('card-save');
  afterAll(() => temp.cleanup());
  const leftovers = (dir: string) => readdirSync(dir).filter((n) => n.includes('pedigree-tmp'));

  it.each(CORPUS.map((c) => [c.name, c.text] as const))('%s: open then save without edits is byte-identical', async (_, text) => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    const bytes = Buffer.from(text, 'utf8');
    writeFileSync(path, bytes);
    const opened = await openCard(path);
    expect(opened.text).toBe(text);
    await saveCard(opened, opened.text);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('keeps the previous text as <file>.bak and the file mode', async () => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    const text = CORPUS.find((c) => c.name === 'crlf-basic')!.text;
    writeFileSync(path, text);
    chmodSync(path, 0o640);
    const opened = await openCard(path);
    const saved = await saveCard(opened, setMetadata(opened.text, { license: 'apache-2.0' }));
    expect(readFileSync(backupPath(path), 'utf8')).toBe(text);
    expect(readFileSync(path, 'utf8')).toBe(text.replace('license: mit', 'license: apache-2.0'));
    expect(statSync(path).mode & 0o777).toBe(0o640);
    expect(saved.sha256).not.toBe(opened.sha256);
    // the returned card is the one to save next
    await saveCard(saved, saved.text.replace('apache-2.0', 'mit'));
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(leftovers(dir)).toEqual([]);
  });

  it('refuses a save raced by an outside edit, shows that edit, and changes nothing', async () => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    writeFileSync(path, '---\nlicense: mit\n---\n# Card\n\nOne.\n');
    const opened = await openCard(path);
    const outside = '---\nlicense: mit\n---\n# Card\n\nOne, edited elsewhere.\n';
    writeFileSync(path, outside);
    const err = await saveCard(opened, setMetadata(opened.text, { license: 'apache-2.0' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardConflictError);
    expect((err as CardConflictError).message).toMatch(/changed on disk since it was opened/);
    expect((err as CardConflictError).diff).toContain('-One.\n+One, edited elsewhere.');
    expect(readFileSync(path, 'utf8')).toBe(outside);
    expect(readdirSync(dir).sort()).toEqual(['README.md']);
  });

  it('refuses when the outside edit lands at the last moment, before the rename', async () => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    writeFileSync(path, '# v1\n');
    const opened = await openCard(path);
    let calls = 0;
    const err = await saveCard(opened, '# mine\n', {
      rename: async (from, to) => {
        calls++;
        // the backup's rename goes through; the outside edit lands right after it
        const { rename } = await import('node:fs/promises');
        await rename(from, to);
        if (calls === 1) writeFileSync(path, '# theirs\n');
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardConflictError);
    expect(readFileSync(path, 'utf8')).toBe('# theirs\n');
    expect(leftovers(dir)).toEqual([]);
  });

  it('leaves the original intact and no partial file when the write fails', async () => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    const text = CORPUS[0]!.text;
    writeFileSync(path, text);
    const opened = await openCard(path);
    let calls = 0;
    const err = await saveCard(opened, `${text}more\n`, {
      rename: async (from, to) => {
        calls++;
        if (calls === 2) throw Object.assign(new Error('simulated crash'), { code: 'EIO' });
        const { rename } = await import('node:fs/promises');
        await rename(from, to);
      },
    }).catch((e: unknown) => e);
    expect((err as Error).message).toBe('simulated crash');
    expect(readFileSync(path, 'utf8')).toBe(text);
    expect(leftovers(dir)).toEqual([]);
    // and a save after the failure works
    await saveCard(await openCard(path), `${text}more\n`);
    expect(readFileSync(path, 'utf8')).toBe(`${text}more\n`);
  });

  it('refuses a file that is not UTF-8, or was deleted', async () => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    writeFileSync(path, Buffer.from([0x2d, 0x2d, 0x2d, 0x0a, 0xff, 0xfe, 0x0a]));
    await expect(openCard(path)).rejects.toThrow(/not valid UTF-8/);
    writeFileSync(path, '# x\n');
    const opened = await openCard(path);
    const { rm } = await import('node:fs/promises');
    await rm(path);
    await expect(saveCard(opened, '# y\n')).rejects.toThrow(/deleted since it was opened/);
    await expect(openCard(join(dir, 'nope.md'))).rejects.toBeInstanceOf(CardFileError);
  });

  it('creates a card only where there is none', async () => {
    const dir = temp.make();
    const path = join(dir, 'README.md');
    const card = await createCard(path, '# new\n');
    expect(card.text).toBe('# new\n');
    await expect(createCard(path, '# again\n')).rejects.toThrow(/already exists/);
    expect(readFileSync(path, 'utf8')).toBe('# new\n');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('saveCardText (the API path)', () => {
  const temp = tempDirs('card-save-text');
  afterAll(() => temp.cleanup());

  it('saves when the file still holds the base text, refuses with a diff when not', async () => {
    const { saveCardText } = await import('../../src/main/cards/save');
    const dir = temp.make();
    const path = join(dir, 'README.md');
    writeFileSync(path, '# a\r\n');
    await saveCardText(path, '# a\r\n', '# b\r\n');
    expect(readFileSync(path, 'utf8')).toBe('# b\r\n');
    const err = await saveCardText(path, '# a\r\n', '# c\r\n').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CardConflictError);
    expect((err as CardConflictError).diff).toContain('-# a');
    expect(readFileSync(path, 'utf8')).toBe('# b\r\n');
  });
});
