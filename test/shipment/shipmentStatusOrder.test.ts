import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mayFollow, statusesBefore } from '../../db/shipmentStatuses';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../../workflows/shipment/contract';

/** The order of a shipment's statuses (db/shipmentStatuses.ts), every writer's guard. Pure. */
describe('the order of shipment statuses', () => {
  const all = SHIPMENT_STATUSES;
  const pairs = all.flatMap((from) => all.map((to) => [from, to] as const));

  it('goes forward along the happy path and never back', () => {
    const path: ShipmentStatus[] = ['allocated', 'labelled', 'handed_off', 'shipped'];
    for (let i = 0; i < path.length; i++) {
      for (let j = 0; j < path.length; j++) expect(mayFollow(path[i]!, path[j]!), `${path[i]} → ${path[j]}`).toBe(j >= i);
    }
  });

  it('goes forward along the undo path, from wherever the shipment got to before it shipped', () => {
    const undo: ShipmentStatus[] = ['wms_cancelled', 'label_cancelled', 'cancelled'];
    for (let i = 0; i < undo.length; i++) {
      for (let j = 0; j < undo.length; j++) expect(mayFollow(undo[i]!, undo[j]!), `${undo[i]} → ${undo[j]}`).toBe(j >= i);
    }
    for (const from of ['allocated', 'labelled', 'handed_off'] as const) expect(mayFollow(from, 'cancelled'), `${from} → cancelled`).toBe(true);
    // A label or a WMS task whose creation was answered but never written is still cancelled.
    expect(mayFollow('allocated', 'label_cancelled')).toBe(true);
    expect(mayFollow('labelled', 'wms_cancelled')).toBe(true);
    // An undone shipment is never labelled or handed off again.
    for (const from of undo) for (const to of ['allocated', 'labelled', 'handed_off'] as const) expect(mayFollow(from, to), `${from} → ${to}`).toBe(false);
  });

  it('ends at shipped and at cancelled: nothing follows either', () => {
    for (const end of ['shipped', 'cancelled'] as const) expect(all.filter((to) => mayFollow(end, to))).toEqual([end]);
    expect(mayFollow('shipped', 'wms_cancelled')).toBe(false);
    expect(mayFollow('wms_cancelled', 'shipped')).toBe(false);
  });

  it('is an order: a repeat is allowed, no two statuses follow each other, and forward steps compose', () => {
    for (const s of all) expect(mayFollow(s, s)).toBe(true);
    for (const [a, b] of pairs) if (a !== b && mayFollow(a, b)) expect(mayFollow(b, a), `${a} ⇄ ${b}`).toBe(false);
    for (const [a, b] of pairs) for (const c of all) if (mayFollow(a, b) && mayFollow(b, c)) expect(mayFollow(a, c), `${a} → ${b} → ${c}`).toBe(true);
    for (const s of all) expect(mayFollow('allocated', s), `allocated → ${s}`).toBe(true);
  });

  it("a writer's guard is the statuses each target may follow", () => {
    for (const to of all) expect([...statusesBefore(to)].sort()).toEqual(all.filter((from) => mayFollow(from, to)).sort());
    expect([...statusesBefore('handed_off')].sort()).toEqual(['allocated', 'handed_off', 'labelled']);
    expect([...statusesBefore('shipped')].sort()).toEqual(['allocated', 'handed_off', 'labelled', 'shipped']);
  });

  it('guards every write of shipments.status in the code (a new writer without the guard fails here)', () => {
    const root = path.resolve(__dirname, '../..');
    const files = ['activities', 'api', 'db', 'lib', 'worker', 'scripts', 'sim'].flatMap(function walk(dir: string): string[] {
      return readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
        e.isDirectory() ? walk(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : [],
      );
    });
    const writers: string[] = [];
    const unguarded: string[] = [];
    for (const file of files) {
      const source = readFileSync(path.join(root, file), 'utf8');
      expect(source, `${file} updates shipments in raw SQL`).not.toMatch(/update\s+shipments\b/i);
      for (const match of source.matchAll(/\.(update|insert)\(shipments\)/g)) {
        const statement = source.slice(match.index, source.indexOf(';', match.index));
        const writesStatus = match[1] === 'update' ? /\bstatus:/.test(statement) : /onConflictDoUpdate[\s\S]*\bstatus:/.test(statement);
        if (!writesStatus) continue;
        writers.push(file);
        if (!statement.includes('mayBecome(')) unguarded.push(`${file}: ${statement.split('\n')[0]}`);
      }
    }
    expect(unguarded).toEqual([]);
    // Not vacuous: reserve, label and its cancellation, handoff, WMS cancellation, both releases, the shipped callback.
    expect(writers.length).toBeGreaterThanOrEqual(8);
  });
});
