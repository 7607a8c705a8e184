import { ApplicationFailure, condition } from '@temporalio/workflow';
import type { ErpRecord } from '../../../activities/erp/contract';
import { runCompensations } from '../../saga';
import { describeFailures } from '../compensations';
import { PAYMENT_ALERT, failureMessage } from '../failures';
import type { Shipment } from '../shipment';
import { stepSummary } from '../summaries';
import { captureWhatShips } from './capture';
import { allCancelledOutcome, beginCompensating } from './compensating';
import { settlementPlan } from './decisions';
import type { OrderSaga } from './orderSaga';
import { persevere, StepAbandoned } from './persevere';

/**
 * Brings units, money and the ERP in line with the shipments' states, pass after pass, until a pass sees no
 * cancellation arrive meanwhile; then the order closes and refuses new ones, so its outcome is one story.
 * `shipping`: capture what ships and notify (false on a failure where the warehouse kept nothing).
 */
export async function settle(saga: OrderSaga, { shipping }: { shipping: boolean }): Promise<void> {
  const { cancellations, compensations, progress } = saga;
  for (;;) {
    await condition(() => cancellations.inFlight === 0);
    const epoch = cancellations.epoch;
    if (shipping) {
      await heedPaymentAlerts(saga);
      await captureWhatShips(saga);
      await notifyCustomer(saga);
    }
    await recordInErp(saga, shipping);
    if (!saga.failure && !saga.anyLive && progress.status !== 'compensating') await beginCompensating(saga, allCancelledOutcome(saga), 'every shipment was given up');
    const plan = settlementPlan(saga.settlementFacts());
    const record = saga.erp.record;
    await compensations.runAll([
      ...plan.undo.map((id) => undoShipment(saga, saga.shipment(id))),
      ...plan.refund.map((id) => refundShipment(saga, saga.shipment(id))),
      ...(record ? plan.credit.map((id) => creditShipment(saga, saga.shipment(id), record)) : []),
      ...(plan.undoOrder ? [undoOrder(saga)] : []),
      // (When the order's own steps are undone, their log voids authorization #1 already.)
      ...(plan.voidLapsedAuthorization ? [voidLapsedAuthorization(saga)] : []),
    ]);
    if (cancellations.inFlight === 0 && epoch === cancellations.epoch && saga.erp.known && (!shipping || saga.paymentAlerts.length === 0)) {
      saga.closing = true;
      return;
    }
  }
}

const wmsStep = (shipmentId: string) => `cancel WMS task ${shipmentId}`;

/** A given-up shipment's own undo log (WMS task, label), then its units back: after the WMS let go, never before. */
const undoShipment = (saga: OrderSaga, shipment: Shipment): string =>
  saga.compensations.job(`undo ${shipment.id}`, () =>
    saga.compensations.undoLog(shipment.saga, async (failed) => {
      if (failed.some((f) => f.name === wmsStep(shipment.id))) return [...describeFailures(failed), `release ${shipment.id}: waits until its WMS task is cancelled`];
      if (!shipment.isCancelled) {
        const release = await runCompensations(
          [
            {
              name: `release ${shipment.id}`,
              undo: () =>
                saga.undo.releaseShipment.executeWithOptions({ summary: stepSummary.releaseShipment(shipment.id) }, [
                  { orderId: saga.orderId, shipmentId: shipment.id, warehouse: shipment.plan.warehouse, why: shipment.cancellation!.reason },
                ]),
            },
          ],
          saga.compensations.undone,
        );
        if (release.length > 0) return [...describeFailures(failed), ...describeFailures(release)];
        shipment.apply('units_released');
      }
      return describeFailures(failed);
    }),
  );

/** A given-up shipment's share of the capture goes back, once (its own idempotency key), to what it was paid with. */
const refundShipment = (saga: OrderSaga, shipment: Shipment): string => {
  const owed = shipment.state.capturedCents - shipment.state.refundedCents;
  return saga.compensations.job(`refund ${shipment.id}`, () =>
    saga.compensations.single(
      `refund ${shipment.id}`,
      () =>
        saga.undo.refundShipment.executeWithOptions({ summary: stepSummary.refundShipment(shipment.id, owed, saga.order.currency) }, [
          { orderId: saga.orderId, authorizationId: shipment.paidWith ?? saga.money.authorization!.authorizationId, shipmentId: shipment.id, amountCents: owed },
        ]),
      () => (shipment.state.refundedCents += owed),
    ),
  );
};

/** A recorded shipment given up later: the ERP gets a credit that reverses it, exactly once. */
const creditShipment = (saga: OrderSaga, shipment: Shipment, record: ErpRecord): string =>
  saga.compensations.job(`ERP credit ${shipment.id}`, () =>
    saga.compensations.single(
      `ERP credit ${shipment.id}`,
      () => saga.undo.creditShipmentInErp.executeWithOptions({ summary: stepSummary.creditErp(shipment.id) }, [{ orderId: saga.orderId, shipmentId: shipment.id, reason: 'cancelled' }]),
      () => record.creditedShipmentIds.push(shipment.id),
    ),
  );

/** The order's own steps, in reverse: whatever the gateway took if the capture never answered, the authorization, the held units. */
const undoOrder = (saga: OrderSaga): string => saga.compensations.job('undo order', () => saga.compensations.undoLog(saga.ownSteps));

/** The authorization that lapsed before the capture, replaced by a second one: voided once (idempotent at the gateway). */
const voidLapsedAuthorization = (saga: OrderSaga): string =>
  saga.compensations.job('void lapsed authorization', () =>
    saga.compensations.single('void authorization #1', () => saga.undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(1) }, [{ orderId: saga.orderId, attempt: 1 }])),
  );

/** The customer hears once, after the capture; a missing e-mail is not worth refunding a good order. */
async function notifyCustomer(saga: OrderSaga): Promise<void> {
  const live = saga.live;
  if (saga.notified || !saga.money.captured || live.length === 0) return;
  saga.notified = true;
  const confirmation = { orderId: saga.orderId, email: saga.order.email, template: 'order_confirmed', trackingNumbers: live.map((s) => s.state.trackingNumber!) };
  await saga.act.notifyCustomer.executeWithOptions({ summary: stepSummary.notify() }, [confirmation]).catch((err) => {
    // It stays visible in the timeline.
    saga.progress.stepDone('notification failed', { error: failureMessage(err) });
  });
}

/**
 * The ERP gets the shipments that ship, once. After an attempt whose answer was lost the saga asks the ERP what it
 * holds before deciding anything. If the ERP stays down the order parks rather than refunds; a cancellation
 * accepted meanwhile makes the wait moot, and settlement runs again.
 */
async function recordInErp(saga: OrderSaga, shipping: boolean): Promise<void> {
  const { erp, act, orderId } = saga;
  const epoch = saga.cancellations.epoch;
  try {
    await persevere(
      saga,
      'record in ERP',
      async () => {
        if (!erp.known) {
          erp.record = await act.lookUpErpRecord.executeWithOptions({ summary: stepSummary.lookUpErpRecord() }, [{ orderId }]);
          erp.known = true;
        }
        const live = saga.live;
        if (erp.record || !shipping || live.length === 0) return;
        erp.known = false;
        const shipmentIds = live.map((s) => s.id);
        const { erpOrderId } = await act.recordOrderInErp.executeWithOptions({ summary: stepSummary.recordInErp(shipmentIds.length) }, [{ orderId, shipmentIds }]);
        erp.record = { erpOrderId, shipmentIds, creditedShipmentIds: [] };
        erp.known = true;
      },
      { mode: 'park', moot: () => saga.cancellations.epoch !== epoch },
    );
  } catch (err) {
    if (!(err instanceof StepAbandoned)) throw err;
  }
}

/** Before more money moves, a human looks at every payment alert: go on (retry) or give the order up (compensate). */
async function heedPaymentAlerts(saga: OrderSaga): Promise<void> {
  const { progress } = saga;
  while (saga.paymentAlerts.length > 0) {
    const alert = saga.paymentAlerts.shift()!;
    saga.heedingAlerts = true;
    try {
      const decision = await progress.park(`payment alert (${alert.kind}): ${alert.eventType} ${alert.eventId}: ${alert.detail}`, 'payment_alert');
      if (decision !== 'interrupted' && decision.action === 'compensate') {
        throw ApplicationFailure.create({ type: PAYMENT_ALERT, message: `given up by ${decision.by} after a payment alert: ${alert.eventType} ${alert.eventId}`, nonRetryable: true });
      }
    } finally {
      saga.heedingAlerts = false;
    }
  }
}
