import { condition, TemporalFailure } from '@temporalio/workflow';
import { BUSINESS_FAILURES } from '../contract';
import { failureMessage, failureType } from '../failures';
import type { Shipment } from '../shipment';
import { stepSummary } from '../summaries';
import type { OrderSaga } from './orderSaga';
import { authorizeOwnShare } from './ownAuthorization';
import { authorize } from './authorization';
import { warehouseKeeps } from './warehouse';

/** Captures once, for the shipments that ship; a lapsed authorization is renewed once (#2), #1 voided at settlement. */
export async function capture(saga: OrderSaga, live: Shipment[]): Promise<void> {
  const { money, progress, orderId, order } = saga;
  const amountCents = live.reduce((n, s) => n + s.state.amountCents, 0);
  const shares = live.map((s) => ({ shipmentId: s.id, amountCents: s.state.amountCents }));
  const captureWith = (authorizationId: string) =>
    saga.ownSteps.step('capture payment', {
      run: () =>
        saga.act.capturePayment.executeWithOptions({ summary: stepSummary.captureShipments(amountCents, order.currency, live.length) }, [
          { orderId, authorizationId, amountCents, shares },
        ]),
      // Once the capture answered, each shipment's share is refunded on its own; before that, whatever the gateway took.
      undo: () => (money.captured ? Promise.resolve() : saga.undo.refundPayment.executeWithOptions({ summary: stepSummary.refund(order) }, [{ orderId, authorizationId }])),
    });
  let capturedCents: number;
  try {
    capturedCents = await captureWith(money.authorization!.authorizationId);
  } catch (err) {
    if (failureType(err) !== BUSINESS_FAILURES.authorizationExpired) throw err;
    money.authorization = await authorize(saga, 2);
    progress.state.authorization = money.authorization;
    money.lapsedAuthorization = true;
    capturedCents = await captureWith(money.authorization.authorizationId);
  }
  money.captured = true;
  for (const s of live) {
    s.state.capturedCents = s.state.amountCents;
    s.paidWith = money.authorization!.authorizationId;
  }
  progress.state.capturedCents = capturedCents;
}

/** Settlement's money: capture what ships, once (or, after an early capture, each remaining share on its own). */
export async function captureWhatShips(saga: OrderSaga): Promise<void> {
  const { money } = saga;
  if (money.capturing) await condition(() => !money.capturing);
  const live = saga.live;
  if (live.length > 0 && money.capturedEarly) return payTheRest(saga, live);
  if (money.captured || live.length === 0) return;
  if (saga.keptAfterFailure) return captureKeptParcels(saga, live);
  await capture(saga, live);
  money.deadline?.cancel();
  await saga.progress.moveTo('captured');
}

/**
 * The order failed but the warehouse kept some parcels: they are paid for. The failure path has nothing left to
 * fall back to, so a capture that fails parks for a human rather than failing the workflow: retry captures
 * again; compensate gives the money up (the parcels are gone) and the authorization is voided, never left open.
 */
async function captureKeptParcels(saga: OrderSaga, live: Shipment[]): Promise<void> {
  const { progress } = saga;
  for (;;) {
    try {
      await capture(saga, live);
      await progress.moveTo('captured');
      return;
    } catch (err) {
      const decision = await progress.park(`capture of the parcels the warehouse kept failed: ${failureMessage(err)}`, 'compensation_failed');
      if (decision !== 'interrupted' && decision.action === 'compensate') {
        progress.stepDone('capture given up', { by: decision.by, uncollectedCents: live.reduce((n, s) => n + s.state.amountCents, 0) });
        saga.money.captureGivenUp = true;
        return;
      }
    }
  }
}

/**
 * After the early capture, at settlement: each live shipment not paid yet is captured on its own authorization
 * (taken now if its handoff was already under way when the order's was captured). A capture that keeps failing
 * parks: retry captures again; compensate gives its money up and voids its authorization.
 */
async function payTheRest(saga: OrderSaga, live: Shipment[]): Promise<void> {
  const { progress, orderId, order, compensations } = saga;
  for (const shipment of live.filter((s) => !s.paidWith && !s.uncollected)) {
    // Handed off while the order's authorization was being captured: its own is asked for now.
    if (!shipment.ownAuthorization && !(await authorizeOwnShare(saga, shipment))) {
      // Declined: the warehouse is asked to let it go; a parcel it keeps has left, and is never given up.
      if (await warehouseKeeps(saga, shipment)) {
        shipment.uncollected = true;
        progress.stepDone('shipped unpaid: its own authorization was declined', { shipmentId: shipment.id, uncollectedCents: shipment.state.amountCents });
      } else {
        shipment.accept({ kind: 'payment_declined', by: 'gateway', reason: 'the authorization of its share was declined' });
      }
      continue;
    }
    const own = shipment.ownAuthorization!;
    const amountCents = shipment.state.amountCents;
    for (;;) {
      try {
        const capturedCents = await saga.act.capturePayment.executeWithOptions({ summary: stepSummary.captureShipments(amountCents, order.currency, 1) }, [
          { orderId, authorizationId: own.authorizationId, amountCents, shares: [{ shipmentId: shipment.id, amountCents }] },
        ]);
        shipment.state.capturedCents = amountCents;
        shipment.paidWith = own.authorizationId;
        progress.state.capturedCents += capturedCents;
        break;
      } catch (err) {
        if (!(err instanceof TemporalFailure)) throw err;
        const decision = await progress.park(`capture of ${shipment.id} on its own authorization failed: ${failureMessage(err)}`, 'compensation_failed');
        if (decision !== 'interrupted' && decision.action === 'compensate') {
          progress.stepDone('capture given up', { by: decision.by, shipmentId: shipment.id, uncollectedCents: amountCents });
          await compensations.runAll([
            compensations.job(`void authorization #${own.attempt}`, () =>
              compensations.single(`void authorization #${own.attempt}`, () => saga.undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(own.attempt) }, [{ orderId, attempt: own.attempt }])),
            ),
          ]);
          shipment.uncollected = true;
          break;
        }
      }
    }
  }
  saga.money.captured = true;
  if (progress.status !== 'captured') await progress.moveTo('captured');
}
