import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DOCUMENT_FILE, TYPES_FILE, generateClientFiles } from '../../clients/ts/generate';

describe('the typed client (clients/ts)', () => {
  it('is generated from the current document: regenerating gives the committed files (run `npm run client:generate`)', async () => {
    const fresh = await generateClientFiles();
    expect(await readFile(DOCUMENT_FILE, 'utf8')).toBe(fresh.document);
    expect(await readFile(TYPES_FILE, 'utf8')).toBe(fresh.types);
  });
});
