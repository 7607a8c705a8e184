import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { priceShipments } from '../../workflows/order/contract';

describe('a shipment is worth its units at the prices of the lines they came from', () => {
  it('gives units to shipments in line order, one SKU on two lines at two prices', () => {
    const lines = [
      { sku: 'A', quantity: 2, unitPriceCents: 1000 },
      { sku: 'B', quantity: 1, unitPriceCents: 300 },
      { sku: 'A', quantity: 1, unitPriceCents: 900 },
    ];
    const shipments = [{ lines: [{ sku: 'A', quantity: 1 }] }, { lines: [{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }] }];
    expect(priceShipments(lines, shipments)).toEqual([
      { pricedLines: [{ sku: 'A', quantity: 1, unitPriceCents: 1000 }], amountCents: 1000 },
      {
        pricedLines: [
          { sku: 'A', quantity: 1, unitPriceCents: 1000 },
          { sku: 'A', quantity: 1, unitPriceCents: 900 },
          { sku: 'B', quantity: 1, unitPriceCents: 300 },
        ],
        amountCents: 2200,
      },
    ]);
  });

  it('refuses a shipment carrying more than the order sold', () => {
    expect(() => priceShipments([{ sku: 'A', quantity: 1, unitPriceCents: 1 }], [{ lines: [{ sku: 'A', quantity: 2 }] }])).toThrow(/more A/);
  });

  it('for any split of any order, the shipments add up to the order: every unit once, at one of its lines', () => {
    const line = fc.record({ sku: fc.constantFrom('A', 'B', 'C'), quantity: fc.integer({ min: 1, max: 5 }), unitPriceCents: fc.integer({ min: 0, max: 10_000 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 3 }), fc.array(fc.nat(), { minLength: 30, maxLength: 30 }), (lines, warehouses, dice) => {
        // Split each SKU's demand over up to three shipments at random.
        const demand = new Map<string, number>();
        for (const l of lines) demand.set(l.sku, (demand.get(l.sku) ?? 0) + l.quantity);
        const shipments = Array.from({ length: warehouses }, () => ({ lines: [] as { sku: string; quantity: number }[] }));
        let d = 0;
        for (const [sku, total] of demand) {
          let left = total;
          for (let w = 0; w < warehouses && left > 0; w++) {
            const take = w === warehouses - 1 ? left : dice[d++ % dice.length]! % (left + 1);
            if (take > 0) shipments[w]!.lines.push({ sku, quantity: take });
            left -= take;
          }
        }
        const priced = priceShipments(lines, shipments);
        const total = lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0);
        expect(priced.reduce((n, p) => n + p.amountCents, 0)).toBe(total);
        priced.forEach((p, i) => {
          const units = (rows: { sku: string; quantity: number }[]) => rows.reduce((m, r) => m.set(r.sku, (m.get(r.sku) ?? 0) + r.quantity), new Map<string, number>());
          expect(units(p.pricedLines)).toEqual(units(shipments[i]!.lines));
        });
      }),
    );
  });
});
