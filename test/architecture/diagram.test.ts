import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { root } from './cruise';

/**
 * docs/architecture.md cannot drift from the folders: the context folders its diagram names are exactly the
 * ones that exist, every other folder of a layer is listed as a platform folder, and the contexts are the
 * ones .dependency-cruiser.cjs guards. Pure: reads files.
 */
const LAYERS = ['workflows', 'activities', 'api', 'worker', 'db', 'lib'];
const doc = readFileSync(path.join(root, 'docs/architecture.md'), 'utf8');

const diagram = doc.match(/```mermaid\n([\s\S]*?)```/)?.[1] ?? '';
/** Folder nodes of the diagram: `id["layer/context"]`. */
const diagramFolders = [...diagram.matchAll(/\["((?:[a-z]+)\/[a-z]+)"\]/g)].map((m) => m[1]!).sort();
const platformSection = doc.slice(doc.indexOf('Platform folders:'), doc.indexOf('Outside the layers:'));
const platformFolders = [...platformSection.matchAll(/`([a-z]+\/[a-z]+)\/`/g)].map((m) => m[1]!).sort();

const foldersOf = (layer: string) =>
  readdirSync(path.join(root, layer), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => `${layer}/${e.name}`);
const existing = LAYERS.flatMap(foldersOf).sort();

describe('docs/architecture.md', () => {
  it('draws the context folders that exist, and lists every other layer folder as platform', () => {
    expect(diagramFolders.length).toBeGreaterThan(10);
    expect(platformFolders.length).toBeGreaterThan(5);
    expect(diagramFolders.filter((f) => platformFolders.includes(f))).toEqual([]);
    expect([...diagramFolders, ...platformFolders].sort()).toEqual(existing);
    for (const folder of diagramFolders) expect(LAYERS).toContain(folder.split('/')[0]);
  });

  it('names the same contexts as the import rules', () => {
    const rules = readFileSync(path.join(root, '.dependency-cruiser.cjs'), 'utf8');
    const guarded = rules.match(/const CONTEXTS = '\(\?:([a-z|]+)\)'/)?.[1]?.split('|').sort();
    const drawn = [...new Set(diagramFolders.map((f) => f.split('/')[1]!))].sort();
    expect(guarded).toEqual(drawn);
  });
});
