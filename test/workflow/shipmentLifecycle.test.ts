import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SHIPMENT_STATUSES, type ShipmentStatus } from '../../workflows/shipment/contract';
import { SHIPMENT_EVENTS, SHIPMENT_LIFECYCLE, shipmentAfter, type ShipmentEvent } from '../../workflows/shipment/lifecycle';

/** The shipment's lifecycle table (workflows/shipment/lifecycle.ts), enumerated: no pair is left undecided. */
describe("a shipment's lifecycle", () => {
  const pairs = SHIPMENT_STATUSES.flatMap((status) => SHIPMENT_EVENTS.map((event) => [status, event] as const));

  it('decides every (status, event) pair: a next status, or impossible with a reason', () => {
    expect(Object.keys(SHIPMENT_LIFECYCLE).sort()).toEqual([...SHIPMENT_STATUSES].sort());
    for (const [status, event] of pairs) {
      const transition = SHIPMENT_LIFECYCLE[status][event];
      expect(transition, `${status} × ${event}`).toBeDefined();
      if ('impossible' in transition) expect(transition.impossible.length, `${status} × ${event} says why`).toBeGreaterThan(10);
      else expect(SHIPMENT_STATUSES, `${status} × ${event}`).toContain(transition.to);
    }
    expect(Object.keys(SHIPMENT_LIFECYCLE.allocated).sort()).toEqual([...SHIPMENT_EVENTS].sort());
  });

  // Forward only: the order a parcel's life runs in; the cancel path leaves it for wms_cancelled and cancelled.
  const rank: Record<ShipmentStatus, number> = { allocated: 0, labelled: 1, handed_off: 2, shipped: 3, wms_cancelled: 3, label_cancelled: 4, cancelled: 5 };

  it('only moves forward; a parcel that shipped is never given up; a cancelled shipment takes nothing more', () => {
    for (const [status, event] of pairs) {
      const next = shipmentAfter(status, event);
      if (next === undefined) continue;
      expect(rank[next], `${status} × ${event} → ${next}`).toBeGreaterThanOrEqual(rank[status]);
    }
    for (const event of SHIPMENT_EVENTS) {
      expect(['shipped', undefined], `shipped × ${event}`).toContain(shipmentAfter('shipped', event));
      expect(shipmentAfter('cancelled', event), `cancelled × ${event}`).toBeUndefined();
    }
    // The only ways out of handed_off: it ships, the warehouse lets go, or its undo log ran.
    expect(SHIPMENT_EVENTS.map((e) => shipmentAfter('handed_off', e)).filter(Boolean).sort()).toEqual(['cancelled', 'shipped', 'wms_cancelled']);
  });

  it('over any sequence of events, a shipment reaches shipped only through a handoff, and cancelled never after shipped', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom<ShipmentEvent>(...SHIPMENT_EVENTS), { maxLength: 12 }), (events) => {
        let status: ShipmentStatus = 'allocated';
        const seen: ShipmentStatus[] = [status];
        for (const event of events) {
          status = shipmentAfter(status, event) ?? status;
          seen.push(status);
        }
        const shipped = seen.indexOf('shipped');
        if (shipped >= 0) {
          expect(seen.slice(0, shipped)).toContain('handed_off');
          expect(seen.slice(shipped)).not.toContain('cancelled');
        }
        if (seen.includes('wms_cancelled')) expect(seen.slice(seen.indexOf('wms_cancelled'))).not.toContain('shipped');
      }),
      { numRuns: 20_000 },
    );
  });
});
