import { BUSINESS_FAILURES } from '../contract';
import { failureMessage, failureType } from '../failures';
import type { Shipment } from '../shipment';
import { stepSummary } from '../summaries';
import type { OrderSaga } from './orderSaga';

/** A shipment's own authorization is #3, #4, …: #1 is the order's, #2 its renewal after a lapse. */
export const FIRST_OWN_AUTHORIZATION = 3;

/*
 * Once the order's authorization was captured early (before it lapsed), every shipment not handed off by then is
 * paid on an authorization of its own, for its share: taken before its handoff, captured at the settlement.
 */

/** After the early capture: a shipment's own authorization, for its share (false: declined). */
export async function authorizeOwnShare(saga: OrderSaga, shipment: Shipment): Promise<boolean> {
  const { orderId, order, progress } = saga;
  const attempt = FIRST_OWN_AUTHORIZATION + saga.shipments.indexOf(shipment);
  const amountCents = shipment.state.amountCents;
  try {
    const own = await shipment.saga.step(`void authorization #${attempt}`, {
      run: () =>
        saga.act.authorizePayment.executeWithOptions({ summary: stepSummary.authorizeShare(shipment.id, amountCents, order.currency, attempt) }, [
          { orderId, attempt, amountCents, currency: order.currency, paymentToken: order.paymentToken },
        ]),
      undo: () => saga.undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(attempt) }, [{ orderId, attempt }]),
    });
    shipment.ownAuthorization = { attempt, authorizationId: own.authorizationId };
    progress.stepDone('shipment authorized on its own', { shipmentId: shipment.id, attempt, amountCents });
    return true;
  } catch (err) {
    if (failureType(err) !== BUSINESS_FAILURES.paymentDeclined) throw err;
    progress.stepDone('own authorization declined', { shipmentId: shipment.id, error: failureMessage(err) });
    return false;
  }
}

/** Before its handoff: a shipment whose own authorization is declined goes no further, and is given up. */
export async function paidBeforeHandoff(saga: OrderSaga, shipment: Shipment): Promise<boolean> {
  if (!saga.money.capturedEarly || shipment.ownAuthorization) return true;
  if (await authorizeOwnShare(saga, shipment)) return true;
  shipment.accept({ kind: 'payment_declined', by: 'gateway', reason: 'the authorization of its share was declined' });
  shipment.stopRequested = true;
  return false;
}
