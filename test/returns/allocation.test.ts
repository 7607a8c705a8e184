import { describe, expect, it } from 'vitest';
import { applyReceipt, capRefund, planReturnLines, refundPlan, unitsByLineAndShipment } from '../../workflows/returns/allocation';
import { priceShipments } from '../../workflows/order/contract';

// A return's arithmetic without a server: which shipment each unit left in, what may be returned, the receipt, the refund.
const lines = [
  { lineNo: 1, sku: 'TEE-M', quantity: 2, unitPriceCents: 2500 },
  { lineNo: 2, sku: 'MUG', quantity: 1, unitPriceCents: 1400 },
  { lineNo: 3, sku: 'TEE-M', quantity: 1, unitPriceCents: 1999 },
];
const shipments = [
  { shipmentId: 'ord_x-s1', warehouse: 'wh-east', status: 'shipped', lines: [{ sku: 'TEE-M', quantity: 2 }, { sku: 'MUG', quantity: 1 }] },
  { shipmentId: 'ord_x-s2', warehouse: 'wh-west', status: 'shipped', lines: [{ sku: 'TEE-M', quantity: 1 }] },
];

describe('a return’s arithmetic', () => {
  it('gives each line’s units to shipments as the order’s pricing did, so a refund is taken from the shipment that was paid for them', () => {
    const units = unitsByLineAndShipment(lines, shipments);
    expect(units.map((u) => [u.lineNo, u.shipmentId, u.quantity, u.unitPriceCents])).toEqual([
      [1, 'ord_x-s1', 2, 2500],
      [2, 'ord_x-s1', 1, 1400],
      [3, 'ord_x-s2', 1, 1999],
    ]);
    // The same split the order's pricing stored with each shipment.
    const priced = priceShipments(lines, shipments);
    expect(priced.map((p) => p.amountCents)).toEqual([2 * 2500 + 1400, 1999]);
  });

  it('orders shipments by their number, not as text (s10 after s2)', () => {
    const many = Array.from({ length: 10 }, (_, i) => ({ shipmentId: `ord_x-s${i + 1}`, warehouse: `w${i + 1}`, status: 'shipped', lines: [{ sku: 'A', quantity: 1 }] }));
    const order = [{ lineNo: 1, sku: 'A', quantity: 9, unitPriceCents: 100 }, { lineNo: 2, sku: 'A', quantity: 1, unitPriceCents: 50 }];
    const units = unitsByLineAndShipment(order, [...many].reverse());
    expect(units.find((u) => u.shipmentId === 'ord_x-s10')).toMatchObject({ lineNo: 2, unitPriceCents: 50 });
  });

  it('names a line by number or by a SKU on one line only, else a 422 naming the choices', () => {
    expect(planReturnLines(lines, shipments, [], [{ sku: 'MUG', quantity: 1 }])).toEqual({ ok: true, lines: [{ lineNo: 2, sku: 'MUG', quantity: 1, unitPriceCents: 1400, shipmentId: 'ord_x-s1', warehouse: 'wh-east' }] });
    expect(planReturnLines(lines, shipments, [], [{ sku: 'TEE-M', quantity: 1 }])).toMatchObject({ ok: false, refusal: { status: 422, field: 'lines[0].sku', choices: [1, 3] } });
    expect(planReturnLines(lines, shipments, [], [{ line: 4, quantity: 1 }])).toMatchObject({ ok: false, refusal: { status: 422, field: 'lines[0].line' } });
    expect(planReturnLines(lines, shipments, [], [{ line: 2, sku: 'TEE-M', quantity: 1 }])).toMatchObject({ ok: false, refusal: { status: 422, field: 'lines[0].sku' } });
  });

  it('checks quantities against shipped minus already returning or returned, with the numbers', () => {
    const taken = [{ lineNo: 1, shipmentId: 'ord_x-s1', quantity: 1 }];
    expect(planReturnLines(lines, shipments, taken, [{ line: 1, quantity: 1 }])).toMatchObject({ ok: true, lines: [{ lineNo: 1, quantity: 1 }] });
    expect(planReturnLines(lines, shipments, taken, [{ line: 1, quantity: 2 }])).toMatchObject({
      ok: false,
      refusal: { status: 409, field: 'lines[0].quantity', line: 1, shipped: 2, returning: 1, requested: 2, returnable: 1 },
    });
    // Two request lines naming the same order line add up.
    expect(planReturnLines(lines, shipments, [], [{ line: 1, quantity: 1 }, { line: 1, quantity: 2 }])).toMatchObject({ ok: false, refusal: { status: 409, requested: 3, returnable: 2 } });
    // Units of a shipment that has not shipped cannot be returned.
    const unshipped = [shipments[0]!, { ...shipments[1]!, status: 'handed_off' }];
    expect(planReturnLines(lines, unshipped, [], [{ line: 3, quantity: 1 }])).toMatchObject({ ok: false, refusal: { status: 409, shipped: 0 } });
  });

  it('splits a line that left in two shipments over both, earliest first', () => {
    const split = [
      { shipmentId: 'ord_x-s1', warehouse: 'wh-east', status: 'shipped', lines: [{ sku: 'TEE-M', quantity: 1 }] },
      { shipmentId: 'ord_x-s2', warehouse: 'wh-west', status: 'shipped', lines: [{ sku: 'TEE-M', quantity: 2 }, { sku: 'MUG', quantity: 1 }] },
    ];
    const plan = planReturnLines(lines, split, [{ lineNo: 1, shipmentId: 'ord_x-s1', quantity: 1 }], [{ line: 1, quantity: 1 }]);
    expect(plan).toEqual({ ok: true, lines: [{ lineNo: 1, sku: 'TEE-M', quantity: 1, unitPriceCents: 2500, shipmentId: 'ord_x-s2', warehouse: 'wh-west' }] });
  });

  it('lands the warehouse’s count on the lines: resellable, damaged, missing, and units nobody expected', () => {
    const returned = [
      { lineNo: 1, sku: 'TEE-M', quantity: 2, unitPriceCents: 2500, shipmentId: 'ord_x-s1', warehouse: 'wh-east' },
      { lineNo: 3, sku: 'TEE-M', quantity: 1, unitPriceCents: 1999, shipmentId: 'ord_x-s2', warehouse: 'wh-west' },
    ];
    const { lines: received, unexpected } = applyReceipt(returned, [
      { sku: 'TEE-M', quantity: 1, condition: 'resellable' },
      { sku: 'TEE-M', quantity: 1, condition: 'damaged' },
      { sku: 'MUG', quantity: 1, condition: 'resellable' },
    ]);
    expect(received.map((l) => [l.lineNo, l.resellable, l.damaged, l.missing])).toEqual([
      [1, 1, 1, 0],
      [3, 0, 0, 1],
    ]);
    expect(unexpected).toEqual([{ sku: 'MUG', quantity: 1, condition: 'resellable' }]);
    // Received units are refunded at their lines' prices, per shipment; missing ones are not.
    expect(refundPlan(received)).toEqual([
      { shipmentId: 'ord_x-s1', warehouse: 'wh-east', amountCents: 5000, resellable: [{ sku: 'TEE-M', quantity: 1, unitPriceCents: 2500 }], damaged: [{ sku: 'TEE-M', quantity: 1, unitPriceCents: 2500 }] },
      { shipmentId: 'ord_x-s2', warehouse: 'wh-west', amountCents: 0, resellable: [], damaged: [] },
    ]);
  });

  it('never refunds more than the shipment’s captured minus refunded', () => {
    expect(capRefund(2500, { capturedCents: 5000, refundedCents: 0 })).toBe(2500);
    expect(capRefund(2500, { capturedCents: 5000, refundedCents: 4000 })).toBe(1000);
    expect(capRefund(2500, { capturedCents: 5000, refundedCents: 5000 })).toBe(0);
    expect(capRefund(2500, { capturedCents: 0, refundedCents: 0 })).toBe(0);
  });
});
