import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { demandBySku, nearestSingleWarehouseFirst, warehousesByDistance, type StockLevel } from '../../activities/inventory/allocation';
import { planShipments } from '../../activities/inventory/reservations';

const WAREHOUSES = ['wh-east', 'wh-west'];
const SKUS = ['A', 'B', 'C'];
const boston = { name: 'n', line1: 'l', city: 'Boston', postalCode: '02110', country: 'US' };
const seattle = { ...boston, city: 'Seattle', postalCode: '98101' };

const stockArb = fc
  .tuple(...SKUS.flatMap((sku) => WAREHOUSES.map((warehouse) => fc.integer({ min: 0, max: 20 }).map((available) => ({ sku, warehouse, available })))))
  .map((levels) => levels as StockLevel[]);
const demandArb = fc
  .array(fc.record({ sku: fc.constantFrom(...SKUS), quantity: fc.integer({ min: 1, max: 15 }) }), { minLength: 1, maxLength: 5 })
  .map(demandBySku);
const shipToArb = fc.constantFrom(boston, seattle);

const total = (stock: StockLevel[], sku: string) => stock.filter((s) => s.sku === sku).reduce((n, s) => n + s.available, 0);

describe('allocation (property-based)', () => {
  it('allocates exactly the demand, never more than a warehouse has, and fails only when the stock cannot cover it', () => {
    fc.assert(
      fc.property(stockArb, demandArb, shipToArb, (stock, demand, shipTo) => {
        const picks = nearestSingleWarehouseFirst(demand, stock, shipTo);
        const coverable = [...demand].every(([sku, q]) => total(stock, sku) >= q);
        expect(picks !== undefined).toBe(coverable);
        if (!picks) return;
        for (const [sku, quantity] of demand) {
          expect(picks.filter((p) => p.sku === sku).reduce((n, p) => n + p.quantity, 0)).toBe(quantity);
        }
        for (const pick of picks) {
          expect(pick.quantity).toBeGreaterThan(0);
          expect(pick.quantity).toBeLessThanOrEqual(stock.find((s) => s.sku === pick.sku && s.warehouse === pick.warehouse)!.available);
        }
      }),
    );
  });

  it('ships from one warehouse whenever one can fill the whole order, preferring the nearest', () => {
    fc.assert(
      fc.property(stockArb, demandArb, shipToArb, (stock, demand, shipTo) => {
        const fillers = WAREHOUSES.filter((w) => [...demand].every(([sku, q]) => (stock.find((s) => s.sku === sku && s.warehouse === w)?.available ?? 0) >= q));
        const picks = nearestSingleWarehouseFirst(demand, stock, shipTo);
        if (fillers.length === 0) return;
        const used = new Set(picks!.map((p) => p.warehouse));
        expect(used.size).toBe(1);
        const nearest = warehousesByDistance(shipTo, WAREHOUSES).find((w) => fillers.includes(w));
        expect([...used][0]).toBe(nearest);
      }),
    );
  });

  it('sums two lines of the same SKU into one demand', () => {
    expect(demandBySku([{ sku: 'A', quantity: 2 }, { sku: 'B', quantity: 1 }, { sku: 'A', quantity: 3 }])).toEqual(new Map([['A', 5], ['B', 1]]));
    // 5 units of A cannot come from a warehouse with 4, even though each line alone would fit.
    const picks = nearestSingleWarehouseFirst(new Map([['A', 5]]), [{ sku: 'A', warehouse: 'wh-east', available: 4 }], boston);
    expect(picks).toBeUndefined();
  });

  it('plans one shipment per warehouse with stable ids, each worth its units at their lines\' prices', () => {
    const plans = planShipments(
      'ord_1',
      [
        { sku: 'A', warehouse: 'wh-west', quantity: 1 },
        { sku: 'B', warehouse: 'wh-east', quantity: 2 },
        { sku: 'C', warehouse: 'wh-west', quantity: 3 },
      ],
      [
        { sku: 'A', quantity: 1, unitPriceCents: 100 },
        { sku: 'B', quantity: 2, unitPriceCents: 250 },
        { sku: 'C', quantity: 3, unitPriceCents: 10 },
      ],
    );
    expect(plans).toEqual([
      { shipmentId: 'ord_1-s1', warehouse: 'wh-east', lines: [{ sku: 'B', quantity: 2 }], amountCents: 500, pricedLines: [{ sku: 'B', quantity: 2, unitPriceCents: 250 }] },
      {
        shipmentId: 'ord_1-s2',
        warehouse: 'wh-west',
        lines: [{ sku: 'A', quantity: 1 }, { sku: 'C', quantity: 3 }],
        amountCents: 130,
        pricedLines: [
          { sku: 'A', quantity: 1, unitPriceCents: 100 },
          { sku: 'C', quantity: 3, unitPriceCents: 10 },
        ],
      },
    ]);
  });
});
