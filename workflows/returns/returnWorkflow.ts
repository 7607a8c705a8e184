import { ApplicationFailure, CancellationScope, allHandlersFinished, condition, proxyActivities, setHandler, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import { Saga } from '../saga';
import {
  RETURN_CANCEL_REFUSALS,
  applyReceipt,
  cancelReturnUpdate,
  isTerminalReturnStatus,
  refundPlan,
  returnReceivedSignal,
  returnStateQuery,
  type CancelReturnRequest,
  type ReturnInput,
  type ReturnReceived,
  type ReturnState,
  type ReturnStatus,
} from './contract';
import { resolveReturnPolicy, returnBriefAskOptions, returnCompensationOptions, returnSettlementOptions, returnStepOptions } from './policy';
import { returnSummary } from './summaries';

/**
 * One return, from its request to its end (docs/returns.md). Tell the WMS to expect it and get a return label per
 * warehouse the units go back to (each compensation registered before its step, every call under its return's
 * key); then wait for the warehouse's receipt, a cancel, or the end of the receipt window. On receipt: refund the
 * received units of each shipment from that shipment's capture, restock the resellable ones at its warehouse and
 * write the damaged ones off, post one ERP credit per shipment, tell the customer. On expiry or cancel: the
 * expectation and the labels are undone, and nothing else moved.
 */
export async function returnWorkflow(input: ReturnInput): Promise<ReturnState> {
  const policy = resolveReturnPolicy(input.policy);
  const act = proxyActivities<OrderActivities>(returnStepOptions(policy));
  const undo = proxyActivities<OrderActivities>(returnCompensationOptions(policy));
  const ask = proxyActivities<OrderActivities>(returnBriefAskOptions(policy));
  const settle = proxyActivities<OrderActivities>(returnSettlementOptions(policy));
  // Hotpath's own bookkeeping (Postgres only): retried until it succeeds.
  const books = proxyActivities<OrderActivities>({ startToCloseTimeout: policy.stepTimeoutMs, retry: { initialInterval: policy.initialIntervalMs, maximumInterval: policy.maximumIntervalMs } });
  const { returnId, orderId } = input;
  const state: ReturnState = { returnId, orderId, status: 'requested', labels: [], refundedCents: 0 };
  let seq = 1; // 1 is the API's `requested`
  const setStatus = async (status: ReturnStatus, detail?: Record<string, unknown>) => {
    state.status = status;
    upsertSearchAttributes({ ReturnStatus: [status] });
    await books.recordReturnStatus.executeWithOptions({ summary: returnSummary.status(status) }, [{ returnId, orderId, status, seq: ++seq, ...(detail ? { detail } : {}) }]);
  };

  upsertSearchAttributes({ ReturnStatus: ['requested'], OrderId: [orderId], CustomerId: [input.customerId] });
  setHandler(returnStateQuery, () => state);

  let receipt: ReturnReceived | undefined;
  setHandler(returnReceivedSignal, (received) => {
    // One receipt closes the return: a repeated callback (at least once) changes nothing.
    if (received.returnId === returnId && receipt === undefined && !isTerminalReturnStatus(state.status)) receipt = received;
  });

  let cancel: CancelReturnRequest | undefined;
  let cancelAsking = false;
  let closing = false;
  setHandler(
    cancelReturnUpdate,
    async (request) => {
      cancelAsking = true;
      try {
        // The warehouse is asked first: a return it has counted already is not cancelled, whatever the API thought.
        const answer = await ask.cancelReturnExpectation.executeWithOptions({ summary: returnSummary.cancelExpectation() }, [{ returnId, orderId }]);
        if (answer.outcome === 'refused') {
          throw ApplicationFailure.create({ type: RETURN_CANCEL_REFUSALS.received, message: 'the warehouse has received the return: it can no longer be cancelled', nonRetryable: true });
        }
        cancel ??= request;
        state.cancellation = { by: request.by, reason: request.reason };
        return state;
      } finally {
        cancelAsking = false;
      }
    },
    {
      validator: (_request: CancelReturnRequest) => {
        if (receipt !== undefined || state.status === 'received') throw ApplicationFailure.create({ type: RETURN_CANCEL_REFUSALS.received, message: 'the return was received: it can no longer be cancelled' });
        if (closing || isTerminalReturnStatus(state.status)) throw ApplicationFailure.create({ type: RETURN_CANCEL_REFUSALS.ended, message: `the return is ${state.status}` });
      },
    },
  );

  const saga = new Saga();
  const byWarehouse = new Map<string, { sku: string; quantity: number }[]>();
  for (const line of input.lines) {
    const parcels = byWarehouse.get(line.warehouse) ?? [];
    const same = parcels.find((p) => p.sku === line.sku);
    if (same) same.quantity += line.quantity;
    else parcels.push({ sku: line.sku, quantity: line.quantity });
    byWarehouse.set(line.warehouse, parcels);
  }

  const undoAll = async () => {
    const failed = await saga.compensate();
    return failed.map((f) => `${f.name}: ${f.error}`);
  };

  try {
    await saga.step('cancel the WMS expectation', {
      run: () => act.expectReturnAtWarehouse.executeWithOptions({ summary: returnSummary.expect(input) }, [{ returnId, orderId, lines: input.lines }]),
      undo: () => undo.cancelReturnExpectation.executeWithOptions({ summary: returnSummary.cancelExpectation() }, [{ returnId, orderId }]),
    });
    for (const [warehouse, parcels] of byWarehouse) {
      const label = await saga.step(`cancel the return label to ${warehouse}`, {
        run: () => act.createReturnLabel.executeWithOptions({ summary: returnSummary.label(warehouse, parcels) }, [{ returnId, orderId, warehouse, shipFrom: input.shipFrom, parcels }]),
        undo: () => undo.cancelReturnLabel.executeWithOptions({ summary: returnSummary.cancelLabel(warehouse) }, [{ returnId, orderId, warehouse }]),
      });
      state.labels.push(label);
    }
  } catch (err) {
    await condition(() => !cancelAsking);
    const left = await undoAll();
    closing = true;
    const why = err instanceof Error ? ((err.cause as Error | undefined)?.message ?? err.message) : String(err);
    await setStatus(cancel ? 'cancelled' : 'failed', cancel ? { by: cancel.by, reason: cancel.reason, ...(left.length ? { undoFailed: left } : {}) } : { why, ...(left.length ? { undoFailed: left } : {}) });
    if (!cancel) state.why = why;
    await condition(allHandlersFinished);
    return state;
  }

  if (cancel === undefined && receipt === undefined) {
    await setStatus('awaiting_receipt', { labels: state.labels });
    await act.notifyReturnCustomer
      .executeWithOptions({ summary: returnSummary.notify('return_label') }, [{ orderId, returnId, email: input.email, template: 'return_label', trackingNumbers: state.labels.map((l) => l.trackingNumber) }])
      .catch(() => undefined); // best effort: the label is in GET /orders/:id/returns/:returnId
  }

  // The receipt window runs from the request (the workflow's start).
  const elapsed = Date.now() - workflowInfo().startTime.getTime();
  const arrived = await condition(() => receipt !== undefined || (cancel !== undefined && !cancelAsking), Math.max(1, input.receiptWindowMs - elapsed));
  if (!arrived && receipt === undefined) {
    // A receipt recorded in Postgres whose signal was lost (a Temporal outage) still counts.
    receipt = (await books.lookUpReturnReceipt.executeWithOptions({ summary: returnSummary.lookUpReceipt() }, [{ returnId }])) ?? undefined;
  }

  if (receipt === undefined) {
    // Expired or cancelled: the warehouse is asked first; one that has counted the parcel meanwhile keeps the return open.
    if (cancel === undefined) {
      const answer = await undo.cancelReturnExpectation.executeWithOptions({ summary: returnSummary.cancelExpectation() }, [{ returnId, orderId }]);
      if (answer.outcome === 'refused') {
        await condition(() => receipt !== undefined, policy.maximumIntervalMs * 5);
        receipt ??= (await books.lookUpReturnReceipt.executeWithOptions({ summary: returnSummary.lookUpReceipt() }, [{ returnId }])) ?? undefined;
      }
    }
    if (receipt === undefined) {
      closing = true;
      const left = await CancellationScope.nonCancellable(undoAll);
      if (cancel) {
        await setStatus('cancelled', { by: cancel.by, reason: cancel.reason, ...(left.length ? { undoFailed: left } : {}) });
      } else {
        await setStatus('expired', { receiptWindowMs: input.receiptWindowMs, ...(left.length ? { undoFailed: left } : {}) });
        await act.notifyReturnCustomer
          .executeWithOptions({ summary: returnSummary.notify('return_expired') }, [{ orderId, returnId, email: input.email, template: 'return_expired', trackingNumbers: [] }])
          .catch(() => undefined);
      }
      await condition(allHandlersFinished);
      return state;
    }
  }

  // Received: nothing is undone any more. The money, the stock and the ERP follow the warehouse's count.
  closing = true;
  const { lines: received, unexpected } = applyReceipt(input.lines, receipt.lines);
  state.received = received;
  if (unexpected.length > 0) state.unexpected = unexpected;
  const missing = received.filter((l) => l.missing > 0).map((l) => ({ lineNo: l.lineNo, sku: l.sku, shipmentId: l.shipmentId, missing: l.missing }));
  await books.recordReturnReceipt.executeWithOptions({ summary: returnSummary.recordReceipt(received) }, [{ returnId, orderId, lines: received }]);
  await setStatus('received', { lines: receipt.lines, ...(missing.length ? { missing } : {}), ...(unexpected.length ? { unexpected } : {}) });

  for (const plan of refundPlan(received)) {
    if (plan.amountCents > 0) {
      const { refundedCents } = await settle.refundReturnedUnits.executeWithOptions({ summary: returnSummary.refund(plan.shipmentId, plan.amountCents, input.currency) }, [
        { orderId, returnId, shipmentId: plan.shipmentId, amountCents: plan.amountCents },
      ]);
      state.refundedCents += refundedCents;
    }
    await settle.settleReturnedStock.executeWithOptions({ summary: returnSummary.restock(plan) }, [{ returnId, orderId, shipmentId: plan.shipmentId }]);
    await settle.creditReturnInErp.executeWithOptions({ summary: returnSummary.credit(plan.shipmentId) }, [{ returnId, orderId, shipmentId: plan.shipmentId }]);
  }
  await act.notifyReturnCustomer
    .executeWithOptions({ summary: returnSummary.notify('return_refunded') }, [
      { orderId, returnId, email: input.email, template: 'return_refunded', trackingNumbers: [], refundedCents: state.refundedCents, currency: input.currency },
    ])
    .catch(() => undefined);
  await setStatus('refunded', { refundedCents: state.refundedCents });
  await condition(allHandlersFinished);
  return state;
}
