import { WorkflowNotFoundError, WorkflowUpdateFailedError, WorkflowUpdateStage } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { orderStateQuery, resolveParkedOrderUpdate } from '../../workflows/order/contract';
import { COMPENSATIONS, failure, gate, orderInput, runOrder, useWorkflowHarness, type Call, type FinishedRun } from './harness';

/**
 * Each row of docs/saga.md's "Failures and outcomes" table, plus the happy paths, with stubbed activities:
 * the terminal status and reason, which compensations ran in which order, and what each step was addressed by
 * (the inputs the activities derive their idempotency keys from).
 */
useWorkflowHarness();

const TWO_LINES = [
  { sku: 'SKU-1', quantity: 2, unitPriceCents: 1_250 },
  { sku: 'SKU-2', quantity: 1, unitPriceCents: 4_000 },
];
const TWO_WAREHOUSES = { warehouses: ['wh-east', 'wh-west'] };

const compensations = (run: FinishedRun) => run.done(COMPENSATIONS);
const statusWrites = (run: FinishedRun) => run.calls.filter((c) => c.name === 'recordOrderStatus').map((c) => c.input);
const callsOf = (run: FinishedRun, name: Call['name']) => run.calls.filter((c) => c.name === name);

// Each order has its own stubs and call log, so the rows run side by side.
describe.concurrent('the order workflow with stubbed activities', () => {
  it('happy path, one shipment: reserve and authorize, label, hand off, capture once, notify, record in the ERP', async () => {
    const input = orderInput();
    const run = await runOrder({}, input);
    const s1 = `${input.orderId}-s1`;

    expect(run.state).toMatchObject({ status: 'completed', capturedCents: 2_500 });
    expect(run.state.reason).toBeUndefined();
    expect(run.state.shipments).toMatchObject([{ shipmentId: s1, status: 'handed_off', capturedCents: 2_500, refundedCents: 0, trackingNumber: `1Z${s1.toUpperCase()}`, taskId: `task_${s1}` }]);
    // Reservation and authorization run side by side; everything after them in saga order.
    const steps = run.done().filter((c) => c !== 'recordOrderStatus');
    expect(steps.slice(0, 2).sort()).toEqual(['authorizePayment #1', 'reserveInventory']);
    expect(steps.slice(2)).toEqual([`createLabel ${s1}`, `handOffShipment ${s1}`, `capturePayment pi_${input.orderId}_1`, 'notifyCustomer', 'recordOrderInErp']);
    expect(compensations(run)).toEqual([]);

    expect(callsOf(run, 'authorizePayment')[0]!.input).toEqual({ orderId: input.orderId, attempt: 1, amountCents: 2_500, currency: 'USD', paymentToken: 'pm_card_visa' });
    expect(callsOf(run, 'capturePayment')[0]!.input).toEqual({ orderId: input.orderId, authorizationId: `pi_${input.orderId}_1`, amountCents: 2_500, shares: [{ shipmentId: s1, amountCents: 2_500 }] });
    expect(callsOf(run, 'handOffShipment')[0]!.input).toMatchObject({ orderId: input.orderId, shipment: { shipmentId: s1 }, trackingNumber: `1Z${s1.toUpperCase()}` });
    expect(callsOf(run, 'notifyCustomer')[0]!.input).toEqual({ orderId: input.orderId, email: 'ada@example.com', template: 'order_confirmed', trackingNumbers: [`1Z${s1.toUpperCase()}`] });
    expect(callsOf(run, 'recordOrderInErp')[0]!.input).toEqual({ orderId: input.orderId, shipmentIds: [s1] });

    // Every transition is written once, numbered, under a key of its own (a retried write is recognised).
    const writes = statusWrites(run);
    expect(writes.map((w) => w.status)).toEqual(['processing', 'handed_off', 'captured', 'completed']);
    expect(writes.map((w) => w.seq)).toEqual([1, 2, 3, 4]);
    const runId = run.handle.firstExecutionRunId;
    expect(writes.map((w) => w.dedupeKey)).toEqual([1, 2, 3, 4].map((n) => `order-${input.orderId}:${runId}:status:${n}`));
    expect(writes.at(-1)).toMatchObject({ orderId: input.orderId, reason: null, replacesReason: true });
  });

  it('happy path, two shipments: each labelled and handed off from its warehouse, one capture with both shares', async () => {
    const input = orderInput({ lines: TWO_LINES });
    const run = await runOrder({}, input, undefined, TWO_WAREHOUSES);
    const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];

    expect(run.state.status).toBe('completed');
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.warehouse, s.status, s.capturedCents])).toEqual([
      [s1, 'wh-east', 'handed_off', 2_500],
      [s2, 'wh-west', 'handed_off', 4_000],
    ]);
    expect(run.done(['createLabel']).sort()).toEqual([`createLabel ${s1}`, `createLabel ${s2}`]);
    expect(run.done(['handOffShipment']).sort()).toEqual([`handOffShipment ${s1}`, `handOffShipment ${s2}`]);
    expect(callsOf(run, 'capturePayment').map((c) => c.input)).toEqual([
      { orderId: input.orderId, authorizationId: `pi_${input.orderId}_1`, amountCents: 6_500, shares: [{ shipmentId: s1, amountCents: 2_500 }, { shipmentId: s2, amountCents: 4_000 }] },
    ]);
    expect(callsOf(run, 'notifyCustomer')[0]!.input.trackingNumbers).toEqual([`1Z${s1.toUpperCase()}`, `1Z${s2.toUpperCase()}`]);
    expect(callsOf(run, 'recordOrderInErp').map((c) => c.input.shipmentIds)).toEqual([[s1, s2]]);
    expect(compensations(run)).toEqual([]);
  });

  it('not enough stock: rejected (out_of_stock), the authorization voided', async () => {
    const run = await runOrder({ reserveInventory: async () => { throw failure.outOfStock(); } });

    expect(run.state).toMatchObject({ status: 'rejected', reason: 'out_of_stock' });
    // Non-retryable: one attempt. The hold's undo runs too (registered before the step; releasing nothing is safe).
    expect(callsOf(run, 'reserveInventory')).toHaveLength(1);
    expect(compensations(run)).toEqual(['voidAuthorization #1', 'releaseHold']);
    expect(callsOf(run, 'voidAuthorization')[0]!.input).toEqual({ orderId: run.state.orderId, attempt: 1 });
    expect(run.done(['createLabel', 'capturePayment', 'notifyCustomer', 'recordOrderInErp'])).toEqual([]);
    expect(statusWrites(run).map((w) => [w.status, w.reason])).toEqual([['processing', null], ['compensating', 'out_of_stock'], ['rejected', 'out_of_stock']]);
  });

  it('card declined: rejected (payment_declined), the hold released', async () => {
    const run = await runOrder({ authorizePayment: async () => { throw failure.paymentDeclined(); } });

    expect(run.state).toMatchObject({ status: 'rejected', reason: 'payment_declined' });
    expect(callsOf(run, 'authorizePayment')).toHaveLength(1);
    // The void is asked for too: a declined request is addressed by the same key, so voiding it is a no-op.
    expect(compensations(run)).toEqual(['voidAuthorization #1', 'releaseHold']);
    expect(callsOf(run, 'releaseHold')[0]!.input).toEqual({ orderId: run.state.orderId, heldOnly: true });
    expect(run.done(['createLabel', 'capturePayment'])).toEqual([]);
  });

  it('the carrier rejects the address: rejected (invalid_address), every shipment undone, then the void and the release', async () => {
    const input = orderInput({ lines: TWO_LINES });
    const s2 = `${input.orderId}-s2`;
    const run = await runOrder(
      { createLabel: async (label) => { if (label.shipment.shipmentId === s2) throw failure.invalidAddress(); return { shipmentId: label.shipment.shipmentId, labelId: 'lbl_1', trackingNumber: '1ZS1' }; } },
      input,
      undefined,
      TWO_WAREHOUSES,
    );
    const s1 = `${input.orderId}-s1`;

    expect(run.state).toMatchObject({ status: 'rejected', reason: 'invalid_address' });
    expect(callsOf(run, 'createLabel').filter((c) => c.input.shipment.shipmentId === s2)).toHaveLength(1);
    // Shipments in reverse (s2, then s1), each its own steps in reverse; then the order's own steps in reverse.
    // s1 may or may not have reached its warehouse before s2's label failed: its WMS task is cancelled if it did.
    const s1Undo = run.done(['handOffShipment']).length > 0 ? [`cancelWarehouseTask ${s1}`, `cancelLabel ${s1}`, `releaseShipment ${s1}`] : [`cancelLabel ${s1}`, `releaseShipment ${s1}`];
    expect(compensations(run)).toEqual([`cancelLabel ${s2}`, `releaseShipment ${s2}`, ...s1Undo, 'voidAuthorization #1', 'releaseHold']);
    expect(run.state.shipments!.map((s) => s.status)).toEqual(['cancelled', 'cancelled']);
    expect(run.done(['capturePayment', 'refundPayment', 'notifyCustomer', 'recordOrderInErp'])).toEqual([]);
  });

  it('a vendor unavailable past the retry budget: failed (vendor_unavailable), everything done so far undone in reverse', async () => {
    const input = orderInput();
    const s1 = `${input.orderId}-s1`;
    const run = await runOrder({ handOffShipment: async () => { throw failure.unavailable('wms'); } }, input);

    expect(run.state).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    // The policy's budget (3 attempts), every attempt addressed by the same input, so by the same idempotency key.
    const attempts = callsOf(run, 'handOffShipment');
    expect(attempts.map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(new Set(attempts.map((c) => JSON.stringify(c.input))).size).toBe(1);
    expect(compensations(run)).toEqual([`cancelWarehouseTask ${s1}`, `cancelLabel ${s1}`, `releaseShipment ${s1}`, 'voidAuthorization #1', 'releaseHold']);
    expect(callsOf(run, 'cancelWarehouseTask')[0]!.input).toEqual({ orderId: input.orderId, shipmentId: s1 });
    expect(callsOf(run, 'releaseShipment')[0]!.input).toEqual({ orderId: input.orderId, shipmentId: s1, warehouse: 'wh-east', why: 'vendor_unavailable' });
    expect(run.done(['capturePayment', 'notifyCustomer'])).toEqual([]);
  });

  it('a vendor unavailable with onStepExhausted = park: needs_attention (vendor_unavailable) with the hold kept; retry resolves it and the order completes', async () => {
    const input = orderInput({ policy: { onStepExhausted: 'park' } });
    let wmsUp = false;
    const run = await runOrder(
      { handOffShipment: async (h) => { if (!wmsUp) throw failure.unavailable('wms'); return { shipmentId: h.shipment.shipmentId, taskId: 'task_1' }; } },
      input,
      async ({ handle, waitForStatus, waitForCall, calls }) => {
        const parked = await waitForStatus('needs_attention');
        expect(parked.reason).toBe('vendor_unavailable');
        // While a human decides, the units waiting for their handoff must not be released by the hold's expiry.
        await waitForCall('suspendHoldExpiry');
        expect(calls.filter((c) => c.name === 'handOffShipment')).toHaveLength(3);
        wmsUp = true;
        expect(await handle.executeUpdate('resolveParkedOrder', { args: [{ action: 'retry', by: 'ops-bob' }] })).toEqual({
          action: 'retry',
          by: 'ops-bob',
          status: 'needs_attention',
          parks: [{ parkId: 'park-1', reason: 'vendor_unavailable', why: 'warehouse handoff failed after 3 attempts: wms answered 503' }],
        });
      },
    );

    expect(run.state).toMatchObject({ status: 'completed' });
    expect(run.state.reason).toBeUndefined();
    expect(callsOf(run, 'handOffShipment').map((c) => c.outcome)).toEqual(['error', 'error', 'error', 'ok']);
    expect(callsOf(run, 'suspendHoldExpiry').map((c) => c.input)).toEqual([{ orderId: input.orderId }]);
    expect(callsOf(run, 'renewHoldExpiry').map((c) => c.input)).toEqual([{ orderId: input.orderId, holdTtlMs: 15 * 60_000 }]);
    expect(compensations(run)).toEqual([]);
    expect(statusWrites(run).map((w) => [w.status, w.reason])).toEqual([
      ['processing', null],
      ['needs_attention', 'vendor_unavailable'],
      ['processing', null],
      ['handed_off', null],
      ['captured', null],
      ['completed', null],
    ]);
  });

  it('parked, then resolved with compensate: failed (vendor_unavailable), undone in reverse', async () => {
    const input = orderInput({ policy: { onStepExhausted: 'park' } });
    const s1 = `${input.orderId}-s1`;
    const run = await runOrder({ createLabel: async () => { throw failure.unavailable('carrier'); } }, input, async ({ handle, waitForStatus }) => {
      await waitForStatus('needs_attention');
      await handle.executeUpdate('resolveParkedOrder', { args: [{ action: 'compensate', by: 'ops-bob' }] });
    });

    expect(run.state).toMatchObject({ status: 'failed', reason: 'vendor_unavailable' });
    expect(compensations(run)).toEqual([`cancelLabel ${s1}`, `releaseShipment ${s1}`, 'voidAuthorization #1', 'releaseHold']);
    expect(run.done(['handOffShipment', 'capturePayment'])).toEqual([]);
  });

  it('the authorization expired before capture: re-authorized once under a key of its own, the stale one voided, completed', async () => {
    const input = orderInput();
    const run = await runOrder({
      capturePayment: async (c) => {
        if (c.authorizationId.endsWith('_1')) throw failure.authorizationExpired();
        return c.amountCents;
      },
    }, input);

    expect(run.state).toMatchObject({ status: 'completed', capturedCents: 2_500 });
    expect(run.state.authorization!.authorizationId).toBe(`pi_${input.orderId}_2`);
    expect(callsOf(run, 'authorizePayment').map((c) => c.input.attempt)).toEqual([1, 2]);
    // Capture #1 (expired), authorize #2, capture with #2, then (with the settlement's compensations) void #1.
    const money = run.done(['authorizePayment', 'voidAuthorization', 'capturePayment', 'refundPayment']);
    expect(money).toEqual(['authorizePayment #1', 'authorizePayment #2', `capturePayment pi_${input.orderId}_2`, 'voidAuthorization #1']);
    expect(callsOf(run, 'capturePayment').map((c) => [c.input.authorizationId, c.outcome])).toEqual([
      [`pi_${input.orderId}_1`, 'error'],
      [`pi_${input.orderId}_2`, 'ok'],
    ]);
    expect(run.done(['notifyCustomer', 'recordOrderInErp'])).toEqual(['notifyCustomer', 'recordOrderInErp']);
  });

  it('the void of the lapsed authorization keeps failing: the good order is still captured and completed; the void parks until the gateway answers', async () => {
    const input = orderInput();
    let gatewayUp = false;
    const run = await runOrder(
      {
        capturePayment: async (c) => {
          if (c.authorizationId.endsWith('_1')) throw failure.authorizationExpired();
          return c.amountCents;
        },
        voidAuthorization: async () => {
          if (!gatewayUp) throw failure.unavailable('payments');
          return { status: 'canceled' };
        },
      },
      input,
      async ({ handle, waitForStatus }) => {
        const parked = await waitForStatus('needs_attention');
        expect(parked).toMatchObject({ reason: 'compensation_failed', capturedCents: 2_500 });
        gatewayUp = true;
        await handle.signal('resolveParkedOrder', { action: 'retry', by: 'ops-bob' });
      },
    );

    expect(run.state).toMatchObject({ status: 'completed', capturedCents: 2_500 });
    expect(run.state.reason).toBeUndefined();
    expect(callsOf(run, 'capturePayment').map((c) => [c.input.authorizationId, c.outcome])).toEqual([
      [`pi_${input.orderId}_1`, 'error'],
      [`pi_${input.orderId}_2`, 'ok'],
    ]);
    expect(run.done(['notifyCustomer', 'recordOrderInErp', 'voidAuthorization'])).toEqual(['notifyCustomer', 'recordOrderInErp', 'voidAuthorization #1']);
    expect(run.done(['refundPayment', 'releaseHold'])).toEqual([]);
  });

  it('the authorization expired again after the re-authorization: failed (authorization_expired), the shipment and both authorizations undone', async () => {
    const input = orderInput();
    const s1 = `${input.orderId}-s1`;
    const run = await runOrder({ capturePayment: async () => { throw failure.authorizationExpired(); } }, input);

    expect(run.state).toMatchObject({ status: 'failed', reason: 'authorization_expired', capturedCents: 0 });
    // Re-authorized once only.
    expect(callsOf(run, 'authorizePayment').map((c) => c.input.attempt)).toEqual([1, 2]);
    expect(callsOf(run, 'capturePayment')).toHaveLength(2);
    // In reverse: the shipment's steps and its units, whatever each capture may have taken (none answered), each
    // authorization (the stale one too: the order's own undo log voids it, once), the hold.
    expect(compensations(run)).toEqual([
      `cancelWarehouseTask ${s1}`,
      `cancelLabel ${s1}`,
      `releaseShipment ${s1}`,
      `refundPayment pi_${input.orderId}_2`,
      'voidAuthorization #2',
      `refundPayment pi_${input.orderId}_1`,
      'voidAuthorization #1',
      'releaseHold',
    ]);
    expect(run.done(['notifyCustomer', 'recordOrderInErp'])).toEqual([]);
  });

  it('staff cancel the whole order (update): cancelled (cancelled_by_staff), the label and the order undone, nothing captured', async () => {
    const input = orderInput();
    const s1 = `${input.orderId}-s1`;
    const labelled = gate();
    const run = await runOrder(
      { createLabel: async (l) => { await labelled.opened; return { shipmentId: l.shipment.shipmentId, labelId: 'lbl_1', trackingNumber: '1ZS1' }; } },
      input,
      async ({ handle, waitForCall }) => {
        await waitForCall('createLabel');
        // Accepted while the label is in flight; the shipment stops before its handoff.
        const update = await handle.startUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'customer called' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
        labelled.open();
        expect(await update.result()).toEqual({ status: 'compensating', cancelled: [s1], refused: [] });
      },
    );

    expect(run.state).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff', cancellation: { by: 'support-alice', reason: 'customer called' }, capturedCents: 0 });
    expect(run.done(['handOffShipment', 'capturePayment', 'notifyCustomer', 'recordOrderInErp'])).toEqual([]);
    expect(compensations(run)).toEqual([`cancelLabel ${s1}`, `releaseShipment ${s1}`, 'voidAuthorization #1', 'releaseHold']);
    expect(callsOf(run, 'releaseShipment')[0]!.input).toMatchObject({ shipmentId: s1, why: 'customer called' });
    expect(statusWrites(run).find((w) => w.status === 'compensating')).toMatchObject({ reason: 'cancelled_by_staff', note: 'cancelled by support-alice: customer called', detail: { cancelledBy: 'support-alice', cancelReason: 'customer called' } });
  });

  it('staff cancel one of two shipments: completed, the other ships, only its share captured and recorded', async () => {
    const input = orderInput({ lines: TWO_LINES });
    const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];
    const s2Labelled = gate();
    const run = await runOrder(
      {
        createLabel: async (l) => {
          if (l.shipment.shipmentId === s2) await s2Labelled.opened;
          return { shipmentId: l.shipment.shipmentId, labelId: `lbl_${l.shipment.shipmentId}`, trackingNumber: `1Z${l.shipment.shipmentId.toUpperCase()}` };
        },
      },
      input,
      async ({ handle, waitForCall }) => {
        await waitForCall('createLabel', (l) => l.shipment.shipmentId === s2);
        const update = await handle.startUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'item damaged', shipmentIds: [s2] }], waitForStage: WorkflowUpdateStage.ACCEPTED });
        s2Labelled.open();
        expect(await update.result()).toMatchObject({ cancelled: [s2], refused: [] });
      },
      TWO_WAREHOUSES,
    );

    expect(run.state.status).toBe('completed');
    expect(run.state.reason).toBeUndefined();
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.status])).toEqual([[s1, 'handed_off'], [s2, 'cancelled']]);
    expect(run.done(['handOffShipment'])).toEqual([`handOffShipment ${s1}`]);
    expect(callsOf(run, 'capturePayment').map((c) => c.input)).toEqual([{ orderId: input.orderId, authorizationId: `pi_${input.orderId}_1`, amountCents: 2_500, shares: [{ shipmentId: s1, amountCents: 2_500 }] }]);
    expect(callsOf(run, 'recordOrderInErp').map((c) => c.input.shipmentIds)).toEqual([[s1]]);
    expect(callsOf(run, 'notifyCustomer')[0]!.input.trackingNumbers).toEqual([`1Z${s1.toUpperCase()}`]);
    // Only the cancelled shipment is undone: its label, then its units; the order's own steps stay.
    expect(compensations(run)).toEqual([`cancelLabel ${s2}`, `releaseShipment ${s2}`]);
  });

  it('staff cancel after the order closed: refused, nothing undone', async () => {
    const run = await runOrder();
    expect(run.state.status).toBe('completed');

    // The saga has ended: there is nothing left to take the update (the API answers 409, "already finished processing").
    const refusal: unknown = await run.handle.executeUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'too late' }] }).catch((err) => err);
    expect(refusal instanceof WorkflowNotFoundError || (refusal as { code?: number }).code === 5, String(refusal)).toBe(true);
    expect((await run.handle.describe()).status.name).toBe('COMPLETED');
    expect(compensations(run)).toEqual([]);
  });

  it('a second staff cancel while the first is being carried out: refused by the workflow with why', async () => {
    const input = orderInput();
    const s1 = `${input.orderId}-s1`;
    const handedOff = gate();
    const voiding = gate();
    let refusal: unknown;
    const run = await runOrder(
      {
        handOffShipment: async (h) => { await handedOff.opened; return { shipmentId: h.shipment.shipmentId, taskId: 'task_1' }; },
        voidAuthorization: async () => { await voiding.opened; return { status: 'canceled' }; },
      },
      input,
      async ({ handle, waitForCall }) => {
        await waitForCall('handOffShipment');
        const first = await handle.startUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'customer called' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
        handedOff.open();
        // Handed off by then: the warehouse is asked, and confirms.
        expect(await first.result()).toEqual({ status: 'compensating', cancelled: [s1], refused: [] });
        await waitForCall('voidAuthorization');
        refusal = await handle.executeUpdate('cancelOrder', { args: [{ by: 'support-bob', reason: 'again' }] }).catch((err) => err);
        voiding.open();
      },
    );

    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refusal as WorkflowUpdateFailedError).cause?.message).toBe('the order is already being compensated');
    expect(run.state).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff', cancellation: { by: 'support-alice' } });
    expect(callsOf(run, 'requestShipmentCancellation').map((c) => c.input)).toEqual([{ orderId: input.orderId, shipmentId: s1 }]);
    expect(compensations(run)).toEqual([`cancelWarehouseTask ${s1}`, `cancelLabel ${s1}`, `releaseShipment ${s1}`, 'voidAuthorization #1', 'releaseHold']);
    expect(run.done(['capturePayment'])).toEqual([]);
  });

  it('a staff cancel while the failed order is parked in its compensation: refused (its outcome is the failure), nothing else changes', async () => {
    const input = orderInput();
    let gatewayUp = false;
    let refusal: unknown;
    const run = await runOrder(
      {
        reserveInventory: async () => { throw failure.outOfStock(); },
        voidAuthorization: async () => { if (!gatewayUp) throw failure.unavailable('payments'); return { status: 'canceled' }; },
      },
      input,
      async ({ handle, waitForStatus }) => {
        await waitForStatus('needs_attention');
        refusal = await handle.executeUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'customer called' }] }).catch((err) => err);
        gatewayUp = true;
        await handle.executeUpdate('resolveParkedOrder', { args: [{ action: 'retry', by: 'ops-bob' }] });
      },
    );

    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refusal as WorkflowUpdateFailedError).cause?.message).toBe('the order failed and is being undone: nothing is left to cancel');
    expect(run.state).toMatchObject({ status: 'rejected', reason: 'out_of_stock' });
    expect(run.state.cancellation).toBeUndefined();
  });

  it('a staff cancel stops the retries of the step it makes moot: the order ends cancelled by staff, not failed by that step', async () => {
    // A long retry budget: today's code would wait it out (about 8 s) and then fail vendor_unavailable.
    const input = orderInput({ policy: { maximumAttempts: 40 } });
    const s1 = `${input.orderId}-s1`;
    const run = await runOrder(
      { handOffShipment: async () => { throw failure.unavailable('wms'); } },
      input,
      async ({ handle, waitForCall }) => {
        await waitForCall('handOffShipment');
        const result = await handle.executeUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'customer called' }] });
        expect(result).toMatchObject({ cancelled: [s1], refused: [] });
      },
    );

    expect(run.state).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(callsOf(run, 'handOffShipment').length).toBeLessThan(15);
    expect(statusWrites(run).map((w) => w.status)).toEqual(['processing', 'compensating', 'cancelled']);
    expect(compensations(run)).toEqual([`cancelWarehouseTask ${s1}`, `cancelLabel ${s1}`, `releaseShipment ${s1}`, 'voidAuthorization #1', 'releaseHold']);
    expect(run.done(['capturePayment'])).toEqual([]);
  });

  it('a staff cancel while the WMS does not answer is answered after two asks, not after the retry budget; the warehouse is asked again and its yes cancels the order', async () => {
    // A long compensation budget: before CANCEL_ASKS_BRIEFLY the update spent all ten attempts before answering.
    const input = orderInput({ policy: { compensationAttempts: 10 } });
    const s1 = `${input.orderId}-s1`;
    const handedOff = gate();
    let wmsBack = false;
    let refusal: unknown;
    const run = await runOrder(
      {
        handOffShipment: async (h) => { await handedOff.opened; return { shipmentId: h.shipment.shipmentId, taskId: 'task_1' }; },
        requestShipmentCancellation: async () => { if (!wmsBack) throw failure.unavailable('wms'); return { confirmed: true }; },
      },
      input,
      async (live) => {
        await live.waitForCall('handOffShipment');
        const cancel = await live.handle.startUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'customer called' }], waitForStage: WorkflowUpdateStage.ACCEPTED });
        handedOff.open();
        refusal = await cancel.result().catch((err) => err);
        wmsBack = true;
      },
    );

    expect(refusal).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((refusal as WorkflowUpdateFailedError).cause?.message).toContain('the warehouse did not answer');
    // The update's own question: two attempts, then the answer. (The background asks again as a new activity, whose
    // attempts count from 1 again: it may already be under way when the caller hears back.)
    const attempts = callsOf(run, 'requestShipmentCancellation').map((c) => c.attempt);
    const again = attempts.indexOf(1, 1);
    expect(attempts.slice(0, again < 0 ? undefined : again)).toEqual([1, 2]);
    expect(run.state).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(run.done(['capturePayment', 'recordOrderInErp'])).toEqual([]);
    expect(compensations(run)).toEqual([`cancelWarehouseTask ${s1}`, `cancelLabel ${s1}`, `releaseShipment ${s1}`, 'voidAuthorization #1', 'releaseHold']);
  });

  it('a step exhausted while a staff cancel already made it moot is given up, not parked: no needs_attention, no flicker', async () => {
    const input = orderInput({ lines: TWO_LINES, policy: { onStepExhausted: 'park' } });
    const s2 = `${input.orderId}-s2`;
    const labelAsked = gate();
    const cancelSent = gate();
    const run = await runOrder(
      {
        createLabel: async (c) => {
          if (c.shipment.shipmentId !== s2) return { shipmentId: c.shipment.shipmentId, labelId: `lbl_${c.shipment.shipmentId}`, trackingNumber: `1Z${c.shipment.shipmentId.toUpperCase()}` };
          labelAsked.open();
          await cancelSent.opened;
          throw failure.unavailable('carrier');
        },
      },
      input,
      async ({ handle }) => {
        await labelAsked.opened;
        const cancel = await handle.startUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'out of the west one', shipmentIds: [s2] }], waitForStage: WorkflowUpdateStage.ACCEPTED });
        cancelSent.open();
        expect(await cancel.result()).toMatchObject({ cancelled: [s2], refused: [] });
      },
      TWO_WAREHOUSES,
    );

    expect(run.state.status).toBe('completed');
    expect(run.state.shipments!.map((s) => s.status)).toEqual(['handed_off', 'cancelled']);
    expect(statusWrites(run).map((w) => w.status)).not.toContain('needs_attention');
  });

  it('a compensation that keeps failing: needs_attention (compensation_failed) until resolved, the others still run; then the outcome', async () => {
    const input = orderInput();
    let gatewayUp = false;
    const run = await runOrder(
      {
        reserveInventory: async () => { throw failure.outOfStock(); },
        voidAuthorization: async () => { if (!gatewayUp) throw failure.unavailable('payments'); return { status: 'canceled' }; },
      },
      input,
      async ({ handle, waitForStatus, calls }) => {
        const parked = await waitForStatus('needs_attention');
        expect(parked.reason).toBe('compensation_failed');
        // The void's budget was spent (3 attempts) and the hold was still released.
        expect(calls.filter((c) => c.name === 'voidAuthorization').map((c) => c.attempt)).toEqual([1, 2, 3]);
        expect(calls.filter((c) => c.name === 'releaseHold' && c.outcome === 'ok')).toHaveLength(1);
        // It stays parked until a human decides.
        await new Promise((r) => setTimeout(r, 300));
        expect((await handle.query('orderState') as { status: string }).status).toBe('needs_attention');
        gatewayUp = true;
        await handle.executeUpdate('resolveParkedOrder', { args: [{ action: 'retry', by: 'ops-bob' }] });
      },
    );

    expect(run.state).toMatchObject({ status: 'rejected', reason: 'out_of_stock' });
    // The next pass re-ran only what failed.
    expect(compensations(run)).toEqual(['releaseHold', 'voidAuthorization #1']);
    expect(callsOf(run, 'releaseHold')).toHaveLength(1);
    expect(statusWrites(run).map((w) => [w.status, w.reason])).toEqual([
      ['processing', null],
      ['compensating', 'out_of_stock'],
      ['needs_attention', 'compensation_failed'],
      ['compensating', 'out_of_stock'],
      ['rejected', 'out_of_stock'],
    ]);
    expect(statusWrites(run)[2]!.note).toBe('compensation failed: authorize payment #1: payments answered 503');
  });
});

/** The failure an update's validator answered with: its ApplicationFailure type and message. */
async function refusalOf(update: Promise<unknown>): Promise<{ type?: string; message?: string }> {
  const err = await update.then(
    (value) => {
      throw new Error(`the update was taken: ${JSON.stringify(value)}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause as { type?: string; message?: string } | undefined;
  return { type: cause?.type, message: cause?.message };
}

// Each park has its own identity and decision (PARKS_HAVE_IDENTITY); `resolveParkedOrder` is an update with a validator.
describe.concurrent('parks: one decision per park, a park begun during a resume waits for it', () => {
  it('a decision while nothing waits is refused (NotParked), and so is a second one while the first is carried out (ParkAlreadyDecided, naming it); a signal sent then is noted, not acted on', async () => {
    const input = orderInput({ policy: { onStepExhausted: 'park' } });
    const labelled = gate();
    const renewing = gate();
    let wmsUp = false;
    const refusals: { type?: string; message?: string }[] = [];
    const run = await runOrder(
      {
        createLabel: async (l) => {
          await labelled.opened;
          return { shipmentId: l.shipment.shipmentId, labelId: 'lbl_1', trackingNumber: '1ZS1' };
        },
        handOffShipment: async (h) => {
          if (!wmsUp) throw failure.unavailable('wms');
          return { shipmentId: h.shipment.shipmentId, taskId: 'task_1' };
        },
        renewHoldExpiry: async () => {
          await renewing.opened;
          return { holds: 1 };
        },
      },
      input,
      async ({ handle, waitForStatus, waitForCall, waitForState }) => {
        await waitForCall('createLabel');
        refusals.push(await refusalOf(handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'retry', by: 'ops-bob' }] })));
        labelled.open();
        await waitForStatus('needs_attention');
        await waitForCall('suspendHoldExpiry');
        wmsUp = true;
        const first = await handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'retry', by: 'ops-bob' }] });
        expect(first.parks.map((p) => p.parkId)).toEqual(['park-1']);
        // The resume is being carried out (its hold renewal held back): the order still says needs_attention.
        await waitForCall('renewHoldExpiry');
        expect((await handle.query(orderStateQuery)).status).toBe('needs_attention');
        refusals.push(await refusalOf(handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'compensate', by: 'ops-carol' }] })));
        await handle.signal('resolveParkedOrder', { action: 'compensate', by: 'ops-dave' });
        await waitForState((s) => s.steps.some((st) => st.step === 'resolve signal refused'), 'the signal noted');
        renewing.open();
      },
    );

    expect(refusals).toEqual([
      { type: 'NotParked', message: 'the order is processing: no step waits for a decision' },
      { type: 'ParkAlreadyDecided', message: 'the park was already decided: retry by ops-bob is being carried out' },
    ]);
    // The first decision alone acted: the order completed, nothing was compensated.
    expect(run.state).toMatchObject({ status: 'completed' });
    expect(compensations(run)).toEqual([]);
    expect(run.state.steps.filter((s) => s.step === 'resolved').map((s) => s.detail)).toEqual([{ action: 'retry', by: 'ops-bob', parkIds: ['park-1'] }]);
    expect(run.state.steps.find((s) => s.step === 'resolve signal refused')!.detail).toMatchObject({ by: 'ops-dave', why: 'the park was already decided: retry by ops-bob is being carried out' });
  });

  it('a shipment that parks during the other one\'s resume waits for it, then parks the order itself: its own identity, resume point and decision; its hold kept while staff decide', async () => {
    // Long enough for both labels to exhaust their attempts and park on a loaded machine (2 s was not, in CI: the
    // hold expired before the first park), short enough to outlive while staff decide.
    const HOLD_TTL_MS = 6_000;
    const input = orderInput({ lines: TWO_LINES, policy: { onStepExhausted: 'park', holdTtlMs: HOLD_TTL_MS } });
    const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];
    const renewing = gate();
    let carrierUp = false;
    let renewals = 0;
    const decisions: { parkIds: string[] }[] = [];
    let refusal: { type?: string; message?: string } | undefined;
    const run = await runOrder(
      {
        createLabel: async (l) => {
          if (!carrierUp) throw failure.unavailable('carrier');
          return { shipmentId: l.shipment.shipmentId, labelId: `lbl_${l.shipment.shipmentId}`, trackingNumber: `1Z${l.shipment.shipmentId.toUpperCase()}` };
        },
        // The first resume's hold renewal is held back, so a shipment's step fails again while it runs.
        renewHoldExpiry: async () => {
          if (++renewals === 1) await renewing.opened;
          return { holds: 1 };
        },
      },
      input,
      async ({ handle, waitForState, waitForCall, calls }) => {
        // Both labels exhausted: two parks, the order parked once.
        await waitForState((s) => s.status === 'needs_attention' && s.steps.some((st) => st.step === 'also waiting for a human'), 'both shipments parked');
        const first = await handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'retry', by: 'ops-bob' }] });
        decisions.push({ parkIds: first.parks.map((p) => p.parkId) });
        await waitForCall('renewHoldExpiry');
        // The shipment that was not resuming retries at once and fails again: 3 more attempts, then its park waits.
        await waitForCallCount(calls, 'createLabel', 9);
        await waitForState((s) => s.steps.some((st) => st.step === 'waiting for the resume to end before parking'), 'a park waiting for the resume');
        refusal = await refusalOf(handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'compensate', by: 'ops-carol' }] }));
        renewing.open();
        // Both shipments wait again, under parks of their own: staff take longer than the hold lives.
        await waitForState((s) => s.status === 'needs_attention' && s.steps.filter((st) => st.step === 'also waiting for a human').length === 2, 'both parked again');
        // The resume's fresh hold timer started before these parks: 1.5 lifetimes from here outlive it.
        await new Promise((r) => setTimeout(r, HOLD_TTL_MS * 1.5));
        expect((await handle.query(orderStateQuery)).status).toBe('needs_attention');
        carrierUp = true;
        const second = await handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'retry', by: 'ops-bob' }] });
        decisions.push({ parkIds: second.parks.map((p) => p.parkId) });
      },
      TWO_WAREHOUSES,
    );

    expect(decisions).toEqual([{ parkIds: ['park-1', 'park-2'] }, { parkIds: ['park-3', 'park-4'] }]);
    expect(refusal).toEqual({ type: 'ParkAlreadyDecided', message: 'the park was already decided: retry by ops-bob is being carried out; a step that failed meanwhile parks the order again once it is' });
    expect(run.state).toMatchObject({ status: 'completed' });
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.status])).toEqual([[s1, 'handed_off'], [s2, 'handed_off']]);
    expect(run.state.steps.some((s) => s.step === 'hold expired before the handoff')).toBe(false);
    // Each park episode left from, and returned to, processing; each suspended the hold's expiry and renewed it after.
    expect(statusWrites(run).map((w) => [w.status, w.detail?.parkId ?? null])).toEqual([
      ['processing', null],
      ['needs_attention', 'park-1'],
      ['processing', expect.stringMatching(/^park-[12]$/)],
      ['needs_attention', 'park-3'],
      ['processing', expect.stringMatching(/^park-[34]$/)],
      ['handed_off', null],
      ['captured', null],
      ['completed', null],
    ]);
    expect(callsOf(run, 'suspendHoldExpiry')).toHaveLength(2);
    expect(callsOf(run, 'renewHoldExpiry')).toHaveLength(2);
    expect(compensations(run)).toEqual([]);
  });

  it('compensate is refused once the saga knows a shipment shipped (ParcelShipped); retry is still taken', async () => {
    const input = orderInput({ lines: TWO_LINES, policy: { onStepExhausted: 'park' } });
    const [s1, s2] = [`${input.orderId}-s1`, `${input.orderId}-s2`];
    let carrierUp = false;
    let refusal: { type?: string; message?: string } | undefined;
    const run = await runOrder(
      {
        createLabel: async (l) => {
          if (l.shipment.shipmentId === s2 && !carrierUp) throw failure.unavailable('carrier');
          return { shipmentId: l.shipment.shipmentId, labelId: `lbl_${l.shipment.shipmentId}`, trackingNumber: `1Z${l.shipment.shipmentId.toUpperCase()}` };
        },
        requestShipmentCancellation: async () => ({ confirmed: false, reason: 'already_shipped' }),
      },
      input,
      async ({ handle, waitForState }) => {
        await waitForState((s) => s.status === 'needs_attention' && s.shipments!.some((x) => x.shipmentId === s1 && x.status === 'handed_off'), 'parked with s1 handed off');
        // Staff try to cancel s1: the warehouse says it has shipped, and the saga now knows.
        const cancel: unknown = await handle.executeUpdate('cancelOrder', { args: [{ by: 'support-alice', reason: 'customer called', shipmentIds: [s1] }] }).catch((e) => e);
        expect(cancel).toBeInstanceOf(WorkflowUpdateFailedError);
        refusal = await refusalOf(handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'compensate', by: 'ops-bob' }] }));
        carrierUp = true;
        await handle.executeUpdate(resolveParkedOrderUpdate, { args: [{ action: 'retry', by: 'ops-bob' }] });
      },
      TWO_WAREHOUSES,
    );

    expect(refusal).toEqual({ type: 'ParcelShipped', message: `${s1} shipped and cannot be undone: resolve with retry, or cancel the order to cancel the shipments that have not shipped` });
    expect(run.state).toMatchObject({ status: 'completed' });
    expect(run.state.shipments!.map((s) => [s.shipmentId, s.status])).toEqual([[s1, 'shipped'], [s2, 'handed_off']]);
    expect(compensations(run)).toEqual([]);
  });
});

async function waitForCallCount(calls: readonly Call[], name: Call['name'], n: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (calls.filter((c) => c.name === name).length < n) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} calls of ${name}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
