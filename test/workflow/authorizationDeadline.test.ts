import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { resolveParkedOrderUpdate, type OrderState } from '../../workflows/order/contract';
import { COMPENSATIONS, failure, gate, orderInput, runOrder, useWorkflowHarness, type FinishedRun } from './harness';

/**
 * Issue 21, defect 4: an authorization lapses during a long park while goods are out. One shipment is handed off,
 * the other parks past the authorization's lifetime; the gateway declines an off-session re-authorization (the
 * customer is away). The saga captures what is out before the authorization lapses, and the shipment still
 * waiting is paid by an authorization of its own, or given up if that is declined.
 */
useWorkflowHarness();

const TWO_LINES = [
  { sku: 'SKU-1', quantity: 2, unitPriceCents: 1_250 },
  { sku: 'SKU-2', quantity: 1, unitPriceCents: 4_000 },
];
const TWO_WAREHOUSES = { warehouses: ['wh-east', 'wh-west'] };
const LIFETIME_MS = 6_000;
const ENDED = ['completed', 'failed', 'cancelled', 'rejected'];

/** A card gateway whose authorizations lapse after LIFETIME_MS; off-session ones (attempt > 1) approved or declined. */
function gateway(offSession: 'approved' | 'declined') {
  const lapsesAt = new Map<string, number>();
  let firstAuthorizedAt = 0;
  return {
    firstAuthorizedAt: () => firstAuthorizedAt,
    stubs: {
      authorizePayment: async (a: { orderId: string; attempt: number; amountCents: number }) => {
        if (a.attempt > 1 && offSession === 'declined') throw ApplicationFailure.nonRetryable('payment declined: authentication_required', 'PaymentDeclined', { code: 'authentication_required' });
        const id = `pi_${a.orderId}_${a.attempt}`;
        const at = Date.now() + LIFETIME_MS;
        if (a.attempt === 1) firstAuthorizedAt = Date.now();
        lapsesAt.set(id, at);
        return { authorizationId: id, amountCents: a.amountCents, expiresAt: new Date(at).toISOString() };
      },
      capturePayment: async (c: { authorizationId: string; amountCents: number }) => {
        if (Date.now() >= lapsesAt.get(c.authorizationId)!) throw failure.authorizationExpired();
        return c.amountCents;
      },
    },
  };
}

/** s2's label fails until the test lets it through: s2 parks while s1 is handed off (and shipped: the WMS keeps it). */
async function parkPastTheAuthorization(offSession: 'approved' | 'declined'): Promise<{ run: FinishedRun; s1: string; s2: string }> {
  const input = orderInput({ lines: TWO_LINES, policy: { onStepExhausted: 'park' } });
  const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];
  const card = gateway(offSession);
  let carrierUp = false;
  const run = await runOrder(
    {
      ...card.stubs,
      createLabel: async (l) => {
        if (l.shipment.shipmentId === s2 && !carrierUp) throw failure.unavailable('carrier');
        return { shipmentId: l.shipment.shipmentId, labelId: `lbl_${l.shipment.shipmentId}`, trackingNumber: `1Z${l.shipment.shipmentId.toUpperCase()}` };
      },
      requestShipmentCancellation: async () => ({ confirmed: false, reason: 'already_shipped' }),
    },
    input,
    async ({ handle, waitForState }) => {
      await waitForState((s) => s.status === 'needs_attention', 's2 parked');
      // Staff decide after the authorization's lifetime: it has lapsed by the time s2 resumes.
      const lapsed = card.firstAuthorizedAt() + LIFETIME_MS + 500;
      await new Promise((r) => setTimeout(r, Math.max(0, lapsed - Date.now())));
      carrierUp = true;
      await handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'retry', by: 'ops-bob' }] });
      await waitForState((s: OrderState) => ENDED.includes(s.status), 'the order ends');
    },
    TWO_WAREHOUSES,
  );
  return { run, s1, s2 };
}

describe.concurrent('an authorization that would lapse during a long park, with a parcel out', () => {
  it('a handoff still under way when the order\'s authorization is captured early: its own authorization is asked at the settlement; declined, and the parcel gone, it is kept unpaid, never given up', { timeout: 60_000 }, async () => {
    const input = orderInput({ lines: TWO_LINES, policy: { onStepExhausted: 'park' } });
    const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];
    const card = gateway('declined');
    const run = await runOrder(
      {
        ...card.stubs,
        // s2's handoff answers only after the deadline (at 3/4 of the lifetime), before the lapse.
        handOffShipment: async (h) => {
          if (h.shipment.shipmentId === s2) await new Promise((r) => setTimeout(r, Math.max(0, card.firstAuthorizedAt() + LIFETIME_MS * 0.75 + 700 - Date.now())));
          return { shipmentId: h.shipment.shipmentId, taskId: `task_${h.shipment.shipmentId}` };
        },
        requestShipmentCancellation: async () => ({ confirmed: false, reason: 'already_shipped' }),
      },
      input,
      undefined,
      TWO_WAREHOUSES,
    );
    const orderId = run.state.orderId;
    expect(run.state).toMatchObject({ status: 'completed', capturedCents: 2_500 });
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.status, s.capturedCents])).toEqual([
      [s1, 'handed_off', 2_500],
      [s2, 'shipped', 0],
    ]);
    expect(run.calls.filter((c) => c.name === 'capturePayment').map((c) => [c.input.authorizationId, c.input.amountCents])).toEqual([[`pi_${orderId}_1`, 2_500]]);
    expect(run.state.steps.find((s) => s.step === 'shipped unpaid: its own authorization was declined')?.detail).toEqual({ shipmentId: s2, uncollectedCents: 4_000 });
    // Nothing undone: the parcel left; the ERP records both shipments.
    expect(run.done(COMPENSATIONS)).toEqual([]);
    expect(run.calls.filter((c) => c.name === 'recordOrderInErp').map((c) => c.input.shipmentIds)).toEqual([[s1, s2]]);
  });

  it('the parcel out is captured before the authorization lapses; the other one, its own authorization declined, is undone; completed, no human needed after the retry', { timeout: 60_000 }, async () => {
    const { run, s1, s2 } = await parkPastTheAuthorization('declined');
    const orderId = run.state.orderId;

    expect(run.state).toMatchObject({ status: 'completed', capturedCents: 2_500 });
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.status, s.capturedCents])).toEqual([
      [s1, 'handed_off', 2_500],
      [s2, 'cancelled', 0],
    ]);
    // s1's share taken on authorization #1 while it lived; s2 asked for its own (#4) before its handoff, declined.
    const money = run.done(['authorizePayment', 'capturePayment', 'voidAuthorization', 'refundPayment', 'refundShipment']);
    expect(money).toEqual(['authorizePayment #1', `capturePayment pi_${orderId}_1`, `voidAuthorization #4`]);
    expect(run.calls.filter((c) => c.name === 'capturePayment').map((c) => [c.input.authorizationId, c.input.amountCents, c.outcome])).toEqual([[`pi_${orderId}_1`, 2_500, 'ok']]);
    expect(run.calls.filter((c) => c.name === 'authorizePayment').map((c) => [c.input.attempt, c.input.amountCents, c.outcome])).toEqual([
      [1, 6_500, 'ok'],
      [4, 4_000, 'error'],
    ]);
    // s2 never reached the warehouse: its label cancelled, its units back; s1 alone recorded in the ERP.
    expect(run.calls.some((c) => c.name === 'handOffShipment' && c.input.shipment.shipmentId === s2)).toBe(false);
    expect(run.done(COMPENSATIONS)).toEqual([`voidAuthorization #4`, `cancelLabel ${s2}`, `releaseShipment ${s2}`]);
    expect(run.calls.filter((c) => c.name === 'recordOrderInErp').map((c) => c.input.shipmentIds)).toEqual([[s1]]);
  });

  it('the parcel out is captured before the authorization lapses; the other one is paid on its own authorization once handed off', { timeout: 60_000 }, async () => {
    const { run, s1, s2 } = await parkPastTheAuthorization('approved');
    const orderId = run.state.orderId;

    expect(run.state).toMatchObject({ status: 'completed', capturedCents: 6_500 });
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.status, s.capturedCents])).toEqual([
      [s1, 'handed_off', 2_500],
      [s2, 'handed_off', 4_000],
    ]);
    // Never a capture on a lapsed authorization, never a re-authorization of the whole order.
    expect(run.calls.filter((c) => c.name === 'capturePayment').map((c) => [c.input.authorizationId, c.input.amountCents, c.input.shares, c.outcome])).toEqual([
      [`pi_${orderId}_1`, 2_500, [{ shipmentId: s1, amountCents: 2_500 }], 'ok'],
      [`pi_${orderId}_4`, 4_000, [{ shipmentId: s2, amountCents: 4_000 }], 'ok'],
    ]);
    expect(run.calls.filter((c) => c.name === 'authorizePayment').map((c) => [c.input.attempt, c.input.amountCents])).toEqual([
      [1, 6_500],
      [4, 4_000],
    ]);
    // s2's own authorization came before its handoff.
    const order = run.calls.map((c) => (c.name === 'authorizePayment' && c.input.attempt === 4 ? 'own' : c.name === 'handOffShipment' && c.input.shipment.shipmentId === s2 ? 'handoff' : null)).filter(Boolean);
    expect(order).toEqual(['own', 'handoff']);
    expect(run.done(COMPENSATIONS)).toEqual([]);
    expect(run.calls.filter((c) => c.name === 'recordOrderInErp').map((c) => c.input.shipmentIds)).toEqual([[s1, s2]]);
  });

  it('the order fails while its early capture is still at the gateway: the failure waits for that answer, then refunds it; no money is taken after the refund', { timeout: 60_000 }, async () => {
    const input = orderInput({ lines: TWO_LINES, policy: { onStepExhausted: 'park' } });
    const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];
    const card = gateway('approved');
    // The gateway is slow to answer the early capture: it answers once the test opens the gate.
    const slowCapture = gate();
    const money: string[] = [];
    const run = await runOrder(
      {
        ...card.stubs,
        createLabel: async (l) => {
          if (l.shipment.shipmentId === s2) throw failure.unavailable('carrier');
          return { shipmentId: l.shipment.shipmentId, labelId: `lbl_${l.shipment.shipmentId}`, trackingNumber: `1Z${l.shipment.shipmentId.toUpperCase()}` };
        },
        capturePayment: async (c: { authorizationId: string; amountCents: number }) => {
          await slowCapture.opened;
          money.push(`captured ${c.amountCents}`);
          return c.amountCents;
        },
        refundShipment: async (r: { amountCents: number }) => {
          money.push(`refunded ${r.amountCents}`);
          return { refundedCents: r.amountCents };
        },
        refundPayment: async () => {
          money.push('refunded whatever was taken (nothing known)');
          return { refundedCents: 0 };
        },
        // The warehouse lets s1 go: nothing ships, so nothing may stay captured.
        requestShipmentCancellation: async () => ({ confirmed: true }),
      },
      input,
      async ({ handle, waitForState, waitForCall }) => {
        await waitForState((st) => st.status === 'needs_attention', 's2 parked');
        await waitForCall('capturePayment');
        // Staff give s2 up while the capture of s1's share is still at the gateway: the order fails.
        await handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'compensate', by: 'ops-bob' }] });
        // Long enough for the undo to run, well within the capture attempt's 3 s: the answer is late, not lost.
        await new Promise((r) => setTimeout(r, 1_200));
        slowCapture.open();
        await waitForState((st) => ENDED.includes(st.status), 'the order ends');
      },
      TWO_WAREHOUSES,
    );
    // The capture's answer, when it came, was heard: s1's share is refunded after it, by its own refund.
    await new Promise((r) => setTimeout(r, 300));
    expect(run.state).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect(money).toEqual(['captured 2500', 'refunded 2500']);
    expect(run.state.shipments!.map((sh) => [sh.shipmentId, sh.capturedCents, sh.refundedCents])).toEqual([
      [s1, 2_500, 2_500],
      [s2, 0, 0],
    ]);
  });
});
