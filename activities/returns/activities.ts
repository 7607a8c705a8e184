import { ApplicationFailure } from '@temporalio/activity';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { orderEvents, orders, returnLines, returns, stock } from '../../db/schema';
import { BUSINESS_FAILURES, isTerminalStatus } from '../../workflows/order/contract';
import { returnStepKeys, returnWorkflowId, type ReceivedLine, type ReturnInput, type ReturnReceived, type ReturnStatus } from '../../workflows/returns/contract';
import type { ActivityDeps } from '../deps';
import { vendorWords, viaPort } from '../vendorErrors';

/** The return statuses subscribers hear of (`return.requested` is written by the API with the return). */
const EVENT_OF_STATUS: Partial<Record<ReturnStatus, 'return.received' | 'return.refunded' | 'return.expired' | 'return.cancelled'>> = {
  received: 'return.received',
  refunded: 'return.refunded',
  expired: 'return.expired',
  cancelled: 'return.cancelled',
};

/**
 * The return workflow's steps (returns context): the warehouse's expectation and the carrier's return label (each
 * under its own key, with its compensation), the receipt, the stock (restocked or written off) and the ERP credit.
 * The refund itself is the payment context's (`refundReturnedUnits`). Every step is idempotent under its key.
 */
export function returnActivities({ db, carrier, wms, erp }: ActivityDeps) {
  return {
    /** Mirrors the workflow's status in Postgres, once per transition (a late or repeated write never goes back). */
    async recordReturnStatus(input: { returnId: string; orderId: string; status: ReturnStatus; seq: number; detail?: Record<string, unknown> }): Promise<void> {
      await db.transaction(async (tx) => {
        const moved = await tx
          .update(returns)
          .set({ status: input.status, statusSeq: input.seq, updatedAt: sql`now()`, ...(input.status === 'received' ? { receivedAt: sql`coalesce(${returns.receivedAt}, now())` } : {}) })
          .where(and(eq(returns.id, input.returnId), sql`${returns.statusSeq} < ${input.seq}`))
          .returning({ id: returns.id });
        if (moved.length === 0) return;
        await appendOrderEvent(tx, {
          orderId: input.orderId,
          type: `return.${input.status}`,
          detail: { returnId: input.returnId, ...input.detail },
          dedupeKey: `${returnWorkflowId(input.returnId)}:status:${input.seq}`,
        });
        const type = EVENT_OF_STATUS[input.status];
        if (type) await enqueueWebhookEvent(tx, { orderId: input.orderId, type, status: input.status, returnId: input.returnId });
      });
    },

    /** Tells the WMS to expect the return's units (each going back to the warehouse it left). */
    async expectReturnAtWarehouse(input: { returnId: string; orderId: string; lines: ReturnInput['lines'] }): Promise<{ expectationId: string }> {
      const key = returnStepKeys.expect(input.returnId);
      const lines = input.lines.map((l) => ({ sku: l.sku, quantity: l.quantity, warehouse: l.warehouse }));
      const { expectationId } = await viaPort(() => wms.expectReturn({ key, orderId: input.orderId, returnId: input.returnId, lines }));
      await appendOrderEvent(db, { orderId: input.orderId, type: 'return.expected', detail: { returnId: input.returnId, expectationId }, dedupeKey: key });
      return { expectationId };
    },

    /**
     * Compensation, and the cancel's question: the WMS stops expecting the return. A return it has counted already
     * cannot be cancelled: 'refused' is an answer (the receipt is on its way), not a failure.
     */
    async cancelReturnExpectation(input: { returnId: string; orderId: string }): Promise<{ outcome: 'cancelled' | 'nothing_to_cancel' | 'refused'; reason?: string }> {
      const key = returnStepKeys.cancelExpectation(input.returnId);
      const answer = await viaPort(() => wms.cancelExpectedReturn({ key, orderId: input.orderId, expectKey: returnStepKeys.expect(input.returnId) }));
      if (answer.outcome === 'refused') return { outcome: 'refused', reason: answer.reason };
      if (answer.outcome === 'cancelled') await appendOrderEvent(db, { orderId: input.orderId, type: 'return.expectation_cancelled', detail: { returnId: input.returnId }, dedupeKey: key });
      return { outcome: answer.outcome };
    },

    /** A return label for the units going back to one warehouse, from the order's shipping address. */
    async createReturnLabel(input: { returnId: string; orderId: string; warehouse: string; shipFrom: ReturnInput['shipFrom']; parcels: { sku: string; quantity: number }[] }) {
      const key = returnStepKeys.label(input.returnId, input.warehouse);
      const answer = await viaPort(() => carrier.createReturnLabel({ key, orderId: input.orderId, returnId: input.returnId, warehouse: input.warehouse, shipFrom: input.shipFrom, parcels: input.parcels }));
      if (answer.outcome === 'address_rejected') {
        throw ApplicationFailure.nonRetryable('the carrier rejected the return address', BUSINESS_FAILURES.invalidAddress, ...vendorWords(answer.message));
      }
      const label = { warehouse: input.warehouse, labelId: answer.labelId, trackingNumber: answer.trackingNumber };
      await db.transaction(async (tx) => {
        if (!(await appendOrderEvent(tx, { orderId: input.orderId, type: 'return.labelled', detail: { returnId: input.returnId, ...label }, dedupeKey: key }))) return;
        await tx
          .update(returns)
          .set({ labels: sql`${returns.labels} || ${JSON.stringify([label])}::jsonb`, updatedAt: sql`now()` })
          .where(eq(returns.id, input.returnId));
      });
      return label;
    },

    /** Compensation: cancels the return label made under the key (one a timed-out request made, too). */
    async cancelReturnLabel(input: { returnId: string; orderId: string; warehouse: string }): Promise<void> {
      const key = returnStepKeys.cancelLabel(input.returnId, input.warehouse);
      const answer = await viaPort(() => carrier.cancelLabel({ key, orderId: input.orderId, labelKey: returnStepKeys.label(input.returnId, input.warehouse) }));
      if (answer.outcome === 'cancelled') {
        await appendOrderEvent(db, { orderId: input.orderId, type: 'return.label_cancelled', detail: { returnId: input.returnId, warehouse: input.warehouse }, dedupeKey: key });
      }
    },

    /**
     * The receipt Postgres holds (POST /webhooks/wms records it before it signals the workflow): asked before the
     * return expires, so a signal lost to a Temporal outage never expires a return the warehouse has counted.
     */
    async lookUpReturnReceipt(input: { returnId: string }): Promise<ReturnReceived | null> {
      const [event] = await db.select({ detail: orderEvents.detail }).from(orderEvents).where(eq(orderEvents.dedupeKey, `wms:return:${input.returnId}:received`));
      if (!event?.detail) return null;
      return { returnId: input.returnId, lines: event.detail.lines as ReturnReceived['lines'], receivedAt: (event.detail.receivedAt as string | null) ?? null };
    },

    /** Writes the receipt on the return's lines: resellable, damaged and missing units per line. */
    async recordReturnReceipt(input: { returnId: string; orderId: string; lines: ReceivedLine[] }): Promise<void> {
      await db.transaction(async (tx) => {
        for (const line of input.lines) {
          await tx
            .update(returnLines)
            .set({ resellable: line.resellable, damaged: line.damaged, missing: line.missing })
            .where(and(eq(returnLines.returnId, input.returnId), eq(returnLines.lineNo, line.lineNo), eq(returnLines.shipmentId, line.shipmentId)));
        }
      });
    },

    /**
     * The received units of one shipment, in one transaction, once: resellable units back on hand at the warehouse
     * they left (available to sell at once), damaged ones written off (they left on hand at the handoff and stay out).
     */
    async settleReturnedStock(input: { returnId: string; orderId: string; shipmentId: string }): Promise<{ restocked: number; writtenOff: number }> {
      const key = returnStepKeys.restock(input.returnId, input.shipmentId);
      return db.transaction(async (tx) => {
        const lines = await tx
          .select()
          .from(returnLines)
          .where(and(eq(returnLines.returnId, input.returnId), eq(returnLines.shipmentId, input.shipmentId), isNull(returnLines.stockSettledAt)))
          .orderBy(asc(returnLines.lineNo))
          .for('update');
        const restocked = lines.filter((l) => (l.resellable ?? 0) > 0).map((l) => ({ sku: l.sku, warehouse: l.warehouse, quantity: l.resellable! }));
        const writtenOff = lines.filter((l) => (l.damaged ?? 0) > 0).map((l) => ({ sku: l.sku, warehouse: l.warehouse, quantity: l.damaged! }));
        if (lines.length === 0) return { restocked: 0, writtenOff: 0 };
        for (const unit of restocked) {
          await tx
            .insert(stock)
            .values({ sku: unit.sku, warehouse: unit.warehouse, onHand: unit.quantity })
            .onConflictDoUpdate({ target: [stock.sku, stock.warehouse], set: { onHand: sql`${stock.onHand} + ${unit.quantity}`, updatedAt: sql`now()` } });
        }
        await tx
          .update(returnLines)
          .set({ stockSettledAt: sql`now()` })
          .where(and(eq(returnLines.returnId, input.returnId), eq(returnLines.shipmentId, input.shipmentId)));
        await appendOrderEvent(tx, { orderId: input.orderId, type: 'return.restocked', detail: { returnId: input.returnId, shipmentId: input.shipmentId, restocked, writtenOff }, dedupeKey: key });
        return { restocked: restocked.reduce((n, u) => n + u.quantity, 0), writtenOff: writtenOff.reduce((n, u) => n + u.quantity, 0) };
      });
    },

    /**
     * One ERP credit per return and shipment: the received units at their prices, `restock` per line (resellable
     * units back on hand in the ERP's books too, damaged ones not), the money this return refunded of the shipment.
     */
    async creditReturnInErp(input: { returnId: string; orderId: string; shipmentId: string }): Promise<{ creditId: string | null }> {
      const key = returnStepKeys.erpCredit(input.returnId, input.shipmentId);
      const lines = await db.select().from(returnLines).where(and(eq(returnLines.returnId, input.returnId), eq(returnLines.shipmentId, input.shipmentId))).orderBy(asc(returnLines.lineNo));
      const credited = lines.flatMap((l) => [
        ...((l.resellable ?? 0) > 0 ? [{ sku: l.sku, quantity: l.resellable!, unitPriceCents: l.unitPriceCents, restock: true }] : []),
        ...((l.damaged ?? 0) > 0 ? [{ sku: l.sku, quantity: l.damaged!, unitPriceCents: l.unitPriceCents, restock: false }] : []),
      ]);
      const markCredited = (tx: Parameters<Parameters<typeof db.transaction>[0]>[0]) =>
        tx.update(returnLines).set({ erpCreditedAt: sql`now()` }).where(and(eq(returnLines.returnId, input.returnId), eq(returnLines.shipmentId, input.shipmentId), isNull(returnLines.erpCreditedAt)));
      if (credited.length === 0) {
        await db.transaction(async (tx) => void (await markCredited(tx)));
        return { creditId: null };
      }
      // The order's own ERP record comes at its settlement: a return of a parcel that shipped before it waits for it.
      const [order] = await db.select({ status: orders.status }).from(orders).where(eq(orders.id, input.orderId));
      if (order && !isTerminalStatus(order.status)) throw ApplicationFailure.retryable(`order ${input.orderId} is ${order.status}: its ERP record comes first`, 'OrderNotSettled');
      const { creditId } = await viaPort(() =>
        erp.creditShipment({
          key,
          orderId: input.orderId,
          shipmentId: input.shipmentId,
          returnId: input.returnId,
          warehouse: lines[0]!.warehouse,
          reason: 'returned',
          amountCents: lines.reduce((n, l) => n + l.refundedCents, 0),
          lines: credited,
          restock: false,
        }),
      );
      await db.transaction(async (tx) => {
        await appendOrderEvent(tx, { orderId: input.orderId, type: 'erp.credited', detail: { creditId, shipmentId: input.shipmentId, returnId: input.returnId, reason: 'returned' }, dedupeKey: key });
        await markCredited(tx);
      });
      return { creditId };
    },
  };
}
