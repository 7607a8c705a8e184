import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compensateRefusal, endOfAllCancelled, finalOutcome, settlementPlan, type GivenUpBecause, type SettlementFacts, type ShipmentFacts } from '../../workflows/order/saga/decisions';

/**
 * The saga's settlement decisions (workflows/order/saga/decisions.ts), pure and without servers: whatever the
 * shipments' states, carrying out the plan leaves no money on a parcel given up, takes none from a parcel that
 * ships, credits the ERP exactly for what it recorded and was given up, and voids every authorization once.
 */

const kinds: GivenUpBecause[] = ['staff', 'hold_expired', 'order_failed', 'payment_declined'];

const shipment = (i: number) =>
  fc.record({
    live: fc.boolean(),
    givenUpBecause: fc.constantFrom(...kinds),
    amountCents: fc.integer({ min: 1, max: 50_000 }),
    captured: fc.boolean(),
    refundedPart: fc.constantFrom(0, 0.5, 1),
    recorded: fc.boolean(),
    credited: fc.boolean(),
  }).map((s): ShipmentFacts & { recorded: boolean; credited: boolean } => {
    const capturedCents = s.captured ? s.amountCents : 0;
    // A live shipment has never been refunded; a given-up one may have been, in part or whole, in an earlier pass.
    const refundedCents = s.live ? 0 : Math.round(capturedCents * s.refundedPart);
    return { id: `s${i + 1}`, live: s.live, givenUpBecause: s.live ? undefined : s.givenUpBecause, capturedCents, refundedCents, recorded: s.recorded, credited: s.recorded && !s.live && s.credited };
  });

const facts = fc
  .integer({ min: 1, max: 5 })
  .chain((n) => fc.tuple(fc.tuple(...Array.from({ length: n }, (_, i) => shipment(i))), fc.boolean(), fc.boolean(), fc.boolean()))
  .map(([shipments, erpRecorded, captureGivenUp, lapsedAuthorization]): SettlementFacts => {
    const recorded = shipments.filter((s) => s.recorded).map((s) => s.id);
    return {
      shipments: shipments.map(({ recorded: _r, credited: _c, ...s }) => s),
      erpRecord: erpRecorded && recorded.length > 0 ? { shipmentIds: recorded, creditedShipmentIds: shipments.filter((s) => s.credited).map((s) => s.id) } : null,
      captureGivenUp,
      lapsedAuthorization,
    };
  });

describe('settlement decisions', () => {
  it('carrying out the plan: money follows the parcel, the ERP follows the shipments, every authorization is voided once', () => {
    let checked = 0;
    fc.assert(
      fc.property(facts, (f) => {
        const plan = settlementPlan(f);
        const refunded = new Map(f.shipments.map((s) => [s.id, s.refundedCents]));
        for (const id of plan.refund) {
          const s = f.shipments.find((x) => x.id === id)!;
          // Only what is still owed is refunded (a refund of nothing is a call the gateway should not see).
          expect(s.capturedCents, `${id} refunded with nothing owed`).toBeGreaterThan(s.refundedCents);
          refunded.set(id, refunded.get(id)! + (s.capturedCents - s.refundedCents));
        }
        for (const s of f.shipments) {
          const kept = s.capturedCents - refunded.get(s.id)!;
          // A parcel given up keeps no money; a parcel that ships loses none.
          if (!s.live) expect(kept, `${s.id} given up`).toBe(0);
          else expect(kept, `${s.id} ships`).toBe(s.capturedCents);
          // Each given-up shipment is undone exactly once; a live one never.
          expect(plan.undo.filter((id) => id === s.id)).toHaveLength(s.live ? 0 : 1);
        }
        // Undone in reverse plan order.
        const order = f.shipments.map((s) => s.id);
        expect(plan.undo).toEqual([...plan.undo].sort((a, b) => order.indexOf(b) - order.indexOf(a)));
        // The ERP: after the credits, it holds exactly the recorded shipments that ship.
        const record = f.erpRecord;
        const credited = new Set([...(record?.creditedShipmentIds ?? []), ...plan.credit]);
        for (const s of f.shipments) {
          const inErp = Boolean(record?.shipmentIds.includes(s.id)) && !credited.has(s.id);
          expect(inErp, `${s.id} in the ERP`).toBe(Boolean(record?.shipmentIds.includes(s.id)) && s.live);
        }
        expect(new Set(plan.credit).size).toBe(plan.credit.length);
        // Authorization #1 (and #2 after a lapse) is voided by the order's undo log, or #1 alone when the order
        // ships on #2; never both ways, and never left open when nothing ships.
        const anyLive = f.shipments.some((s) => s.live);
        if (!anyLive || f.captureGivenUp) expect(plan.undoOrder).toBe(true);
        else expect(plan.undoOrder).toBe(false);
        expect(plan.voidLapsedAuthorization && plan.undoOrder).toBe(false);
        expect(plan.voidLapsedAuthorization).toBe(f.lapsedAuthorization && !plan.undoOrder);
        checked += 1;
      }),
      { numRuns: 5_000 },
    );
    expect(checked).toBe(5_000);
  });

  it('the end of an order given up whole: staff anywhere make it a staff cancel, else a declined share, else the hold', () => {
    // Every combination of why up to three shipments were given up, with and without a cancel of the whole order.
    const combos: GivenUpBecause[][] = [[]];
    for (let n = 0; n < 3; n++) combos.push(...combos.filter((c) => c.length === n).flatMap((c) => kinds.map((k) => [...c, k])));
    expect(combos).toHaveLength(1 + 4 + 16 + 64);
    for (const whole of [true, false]) {
      for (const combo of combos) {
        const outcome = endOfAllCancelled({ orderCancelledByStaff: whole, shipments: combo.map((givenUpBecause) => ({ givenUpBecause })) });
        if (whole || combo.includes('staff')) expect(outcome).toEqual({ status: 'cancelled', reason: 'cancelled_by_staff' });
        else if (combo.includes('payment_declined')) expect(outcome).toEqual({ status: 'failed', reason: 'payment_declined' });
        else expect(outcome).toEqual({ status: 'failed', reason: 'hold_expired' });
      }
    }
  });

  it('how the story ends: kept parcels or a live shipment complete it with no failure reason; otherwise the failure, or the end of an order given up whole', () => {
    const failure = { status: 'failed', reason: 'vendor_unavailable' } as const;
    const allCancelled = () => ({ status: 'cancelled', reason: 'cancelled_by_staff' }) as const;
    expect(finalOutcome({ anyLive: true, keptAfterFailure: true, failure, allCancelled })).toEqual({ status: 'completed' });
    expect(finalOutcome({ anyLive: true, keptAfterFailure: false, allCancelled })).toEqual({ status: 'completed' });
    expect(finalOutcome({ anyLive: false, keptAfterFailure: false, failure, allCancelled })).toEqual(failure);
    expect(finalOutcome({ anyLive: false, keptAfterFailure: false, allCancelled })).toEqual({ status: 'cancelled', reason: 'cancelled_by_staff' });
  });

  it('compensate is refused exactly while a parcel is known shipped, naming it', () => {
    expect(compensateRefusal([])).toBeUndefined();
    expect(compensateRefusal(['ord_x-s1'])).toMatch(/^ord_x-s1 shipped and cannot be undone: resolve with retry/);
  });
});
