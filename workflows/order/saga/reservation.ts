import { stepSummary } from '../summaries';
import { authorize } from './authorization';
import { Shipment } from '../shipment';
import { watchAuthorizationDeadline } from './authorizationDeadline';
import { watchHoldExpiry } from './holdTimer';
import type { OrderSaga } from './orderSaga';

/**
 * Reserve stock while authorizing payment, both at once; whichever fails, the other is undone. The hold plans the
 * shipments (one per warehouse); from here the hold's timer and the authorization's deadline run.
 */
export async function reserveStockWhileAuthorizingPayment(saga: OrderSaga): Promise<void> {
  const { order, progress, policy } = saga;
  const [hold, auth] = await saga.ownSteps.parallel(
    () =>
      saga.ownSteps.step('reserve inventory', {
        run: () =>
          saga.act.reserveInventory.executeWithOptions({ summary: stepSummary.reserve(order, policy.holdTtlMs) }, [
            { orderId: saga.orderId, lines: order.lines, shipTo: order.shippingAddress, holdTtlMs: policy.holdTtlMs },
          ]),
        // Only held units: those handed to a warehouse come back with their shipment, once the WMS let go.
        undo: () => saga.undo.releaseHold.executeWithOptions({ summary: stepSummary.releaseHold() }, [{ orderId: saga.orderId, heldOnly: true }]),
      }),
    () => authorize(saga, 1),
  );
  saga.money.authorization = auth;
  watchAuthorizationDeadline(saga, auth);
  progress.state.hold = hold;
  progress.state.authorization = auth;
  saga.shipments = hold.shipments.map((plan) => new Shipment(plan));
  progress.state.shipments = saga.shipments.map((s) => s.state);
  watchHoldExpiry(saga);
  progress.stepDone('inventory reserved and payment authorized', { shipments: saga.shipments.length, authorizationId: auth.authorizationId });
}
