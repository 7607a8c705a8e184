import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  isCancellation,
  proxyActivities,
  patched,
  setHandler,
  sleep,
  TemporalFailure,
  upsertSearchAttributes,
} from '@temporalio/workflow';
import type { OrderActivities } from '../../../activities';
import { failureMessage, failureType, isBusinessFailure, outcomeOf } from '../failures';
import { BUSINESS_FAILURES, TERMINAL_STATUSES, cancelOrderUpdate, orderStateQuery, resolveParkedOrderSignal, type CancelRequest, type OrderInput, type OrderState } from '../contract';
import { compensationOptions, resolvePolicy, stepOptions } from '../policy';
import { OrderProgress } from './progress';
import { stepSummary } from '../summaries';
import { Saga, runCompensations, type FailedCompensation } from '../../saga';
import type { Authorization } from '../../payment/contract';
import type { Label, ShipmentPlan, WmsTask } from '../../shipment/contract';

/**
 * FROZEN: the first order saga type, kept only so that orders started before `orderWorkflowV2` finish on the
 * code they started with (their committed histories replay against it). New orders never start here; do not
 * change this file or ./progress.ts. See docs/versioning.md.
 *
 * The order saga. Reserve stock while authorizing payment, label and hand each shipment to the
 * warehouse, capture, notify, record in the ERP. Any failure undoes what was done, in reverse.
 */
export async function orderWorkflow(order: OrderInput): Promise<OrderState> {
  const policy = resolvePolicy(order.policy);
  // Forward steps wait for a cancelled activity to settle, so compensation never races a step in flight.
  const act = proxyActivities<OrderActivities>({ ...stepOptions(policy), cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED });
  const undo = proxyActivities<OrderActivities>(compensationOptions(policy));
  const { orderId } = order;
  const progress = new OrderProgress(orderId);
  const saga = new Saga();
  const fulfilment = new CancellationScope();
  let handedOff = false;
  // Once the order is being recorded in the system of record it is final: no more cancellations.
  let finalising = false;
  let holdExpired = false;
  let cancellationPending = false;

  upsertSearchAttributes({ CustomerId: [order.customerId] });
  setHandler(orderStateQuery, () => progress.state);
  setHandler(resolveParkedOrderSignal, (request) => progress.resolve(request));
  setHandler(
    cancelOrderUpdate,
    async (request: CancelRequest) => {
      if (handedOff) {
        // The warehouse owns the parcel now: cancel only if it confirms it has not started shipping.
        cancellationPending = true;
        try {
          const shipmentIds = progress.state.tasks.map((t) => t.shipmentId);
          const answer = await undo.requestWarehouseCancellation.executeWithOptions({ summary: stepSummary.askWarehouseToCancel(shipmentIds.length) }, [{ orderId, shipmentIds }]);
          if (!answer.confirmed) {
            throw ApplicationFailure.create({ type: BUSINESS_FAILURES.cancellationRefused, message: `the warehouse refused the cancellation: ${answer.reason}`, nonRetryable: true });
          }
        } finally {
          cancellationPending = false;
        }
      }
      progress.state.cancellation = request;
      progress.stepDone('cancellation accepted', { by: request.by, reason: request.reason });
      fulfilment.cancel();
      return { status: 'compensating' as const };
    },
    {
      validator: (request: CancelRequest) => {
        if (!request?.by || !request?.reason) throw new Error('a cancellation needs who (by) and why (reason)');
        if (TERMINAL_STATUSES.includes(progress.status)) throw new Error(`the order is already ${progress.status}`);
        if (finalising) throw new Error('the order is already completed: it is being recorded as final');
        if (progress.status === 'compensating') throw new Error('the order is already being compensated');
        if (progress.state.cancellation || cancellationPending) throw new Error('a cancellation is already in progress');
      },
    },
  );

  /** Steps past their retry budget either fail the saga or wait for a human, as the policy says. */
  async function persevere<T>(step: string, run: () => Promise<T>, mode = policy.onStepExhausted): Promise<T> {
    for (;;) {
      try {
        return await run();
      } catch (err) {
        if (mode !== 'park' || isCancellation(err) || isBusinessFailure(err)) throw err;
        const decision = await progress.park(`${step} failed after ${policy.maximumAttempts} attempts: ${failureMessage(err)}`, 'vendor_unavailable');
        if (decision.action === 'compensate') throw err;
      }
    }
  }

  const reserveAndAuthorize = () =>
    saga.parallel(
      () =>
        saga.step('reserve inventory', {
          run: () =>
            act.reserveInventory.executeWithOptions({ summary: stepSummary.reserve(order, policy.holdTtlMs) }, [
              { orderId, lines: order.lines, shipTo: order.shippingAddress, holdTtlMs: policy.holdTtlMs },
            ]),
          undo: () => undo.releaseHold.executeWithOptions({ summary: stepSummary.releaseHold() }, [{ orderId }]),
        }),
      () => authorize(1),
    );

  const authorize = (attempt: number) =>
    saga.step(`authorize payment #${attempt}`, {
      run: () =>
        act.authorizePayment.executeWithOptions({ summary: stepSummary.authorize(order, attempt) }, [
          { orderId, attempt, amountCents: order.totalCents, currency: order.currency, paymentToken: order.paymentToken },
        ]),
      undo: () => undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(attempt) }, [{ orderId, attempt }]),
    });

  const createLabel = (shipment: ShipmentPlan) =>
    saga.step(`create label ${shipment.shipmentId}`, {
      run: () => persevere('create label', () => act.createLabel.executeWithOptions({ summary: stepSummary.label(shipment) }, [{ orderId, shipment, shipTo: order.shippingAddress }])),
      undo: () => undo.cancelLabel.executeWithOptions({ summary: stepSummary.cancelLabel(shipment.shipmentId) }, [{ orderId, shipmentId: shipment.shipmentId }]),
    });

  const handOff = (shipment: ShipmentPlan, label: Label) =>
    saga.step(`hand off ${shipment.shipmentId}`, {
      run: () =>
        persevere('warehouse handoff', () =>
          act.handOffShipment.executeWithOptions({ summary: stepSummary.handOff(shipment, label.trackingNumber) }, [{ orderId, shipment, trackingNumber: label.trackingNumber }]),
        ),
      undo: () => undo.cancelWarehouseTask.executeWithOptions({ summary: stepSummary.cancelWarehouseTask(shipment.shipmentId) }, [{ orderId, shipmentId: shipment.shipmentId }]),
    });

  async function capture(authorization: Authorization): Promise<number> {
    const captureStep = (auth: Authorization) =>
      saga.step('capture payment', {
        run: () => act.capturePayment.executeWithOptions({ summary: stepSummary.capture(order) }, [{ orderId, authorizationId: auth.authorizationId, amountCents: order.totalCents }]),
        undo: () => undo.refundPayment.executeWithOptions({ summary: stepSummary.refund(order) }, [{ orderId, authorizationId: auth.authorizationId }]),
      });
    try {
      return await captureStep(authorization);
    } catch (err) {
      if (failureType(err) !== BUSINESS_FAILURES.authorizationExpired) throw err;
      // The authorization lapsed while the order was in flight: authorize again once, release the stale one.
      const fresh = await authorize(2);
      progress.state.authorization = fresh;
      await undo.voidAuthorization.executeWithOptions({ summary: stepSummary.voidAuthorization(1) }, [{ orderId, attempt: 1 }]);
      return captureStep(fresh);
    }
  }

  /** A hold lives `holdTtlMs` unless the order reaches the warehouse first; then the saga gives the units back. */
  function expireHoldUnlessHandedOff(): void {
    CancellationScope.cancellable(async () => {
      await sleep(policy.holdTtlMs);
      if (handedOff) return;
      holdExpired = true;
      progress.stepDone('hold expired before the handoff');
      fulfilment.cancel();
    }).catch(() => {
      // Cancelled together with the fulfilment: nothing left to expire.
    });
  }

  /** After the handoff a staff cancellation asks the warehouse first; hold the next step until it has answered. */
  const unlessCancelling = () => condition(() => !cancellationPending);

  async function fulfil(): Promise<void> {
    await progress.moveTo('processing');
    const [hold, authorization] = await reserveAndAuthorize();
    progress.state.hold = hold;
    progress.state.authorization = authorization;
    if (patched('hold-expiry-timer')) expireHoldUnlessHandedOff();
    progress.stepDone('inventory reserved and payment authorized', { shipments: hold.shipments.length, authorizationId: authorization.authorizationId });

    const labels: Label[] = [];
    for (const shipment of hold.shipments) labels.push(await createLabel(shipment));
    progress.state.labels = labels;
    await progress.moveTo('labelled');

    const tasks: WmsTask[] = [];
    for (const [i, shipment] of hold.shipments.entries()) {
      tasks.push(await handOff(shipment, labels[i]!));
      progress.state.tasks = [...tasks];
      handedOff = true;
    }
    await progress.moveTo('handed_off');

    await unlessCancelling();
    progress.state.capturedCents = await capture(progress.state.authorization);
    await progress.moveTo('captured');

    await unlessCancelling();
    const confirmation = { orderId, email: order.email, template: 'order_confirmed', trackingNumbers: labels.map((l) => l.trackingNumber) };
    await act.notifyCustomer.executeWithOptions({ summary: stepSummary.notify() }, [confirmation]).catch((err) => {
      // A missing e-mail is not worth refunding a good order; it stays visible in the timeline.
      progress.stepDone('notification failed', { error: failureMessage(err) });
    });

    // The system of record must get every completed order: if the ERP stays down, park rather than refund.
    // While a recording is in flight the order is final (no cancellation may race it); while parked it is not.
    await persevere(
      'record in ERP',
      async () => {
        await unlessCancelling();
        finalising = true;
        try {
          const shipmentIds = hold.shipments.map((s) => s.shipmentId);
          return await act.recordOrderInErp.executeWithOptions({ summary: stepSummary.recordInErp(shipmentIds.length) }, [{ orderId, shipmentIds }]);
        } catch (err) {
          finalising = false;
          throw err;
        }
      },
      'park',
    );
  }

  try {
    await fulfilment.run(fulfil);
    await CancellationScope.nonCancellable(() => progress.moveTo('completed'));
  } catch (err) {
    // Anything but a Temporal failure is a bug: let the workflow task fail and retry until it is fixed.
    if (!(err instanceof TemporalFailure)) throw err;
    const outcome = outcomeOf(err, { cancelledByStaff: progress.state.cancellation !== undefined, holdExpired });
    await CancellationScope.nonCancellable(async () => {
      const cancellation = progress.state.cancellation;
      await progress.moveTo('compensating', {
        reason: outcome.reason,
        note: cancellation ? `cancelled by ${cancellation.by}: ${cancellation.reason}` : failureMessage(err),
        detail: cancellation ? { cancelledBy: cancellation.by, cancelReason: cancellation.reason } : undefined,
      });
      let failed: FailedCompensation[] = await saga.compensate((name) => progress.stepDone(`undone: ${name}`));
      while (failed.length > 0) {
        const why = failed.map((f) => `${f.name}: ${f.error}`).join('; ');
        await progress.park(`compensation failed: ${why}`, 'compensation_failed');
        failed = await runCompensations(failed, (name) => progress.stepDone(`undone: ${name}`));
      }
      await progress.moveTo(outcome.status, { reason: outcome.reason });
    });
  }
  await condition(allHandlersFinished);
  return progress.state;
}
