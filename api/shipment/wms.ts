import type { Client } from '@temporalio/client';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import { and, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { orders, returns, shipments } from '../../db/schema';
import { isTerminalStatus, shipmentShippedSignal } from '../../workflows/order/contract';
import { RETURN_CONDITIONS, isTerminalReturnStatus, returnReceivedSignal } from '../../workflows/returns/contract';
import { mayBecome } from '../../db/shipmentStatuses';
import { SIGNATURE_HEADER, verifySignature } from '../../lib/shipment/wmsSignature';
import { Problem, invalidInput } from '../problem';
import { ORDINARY_BODY, bodyBytes, rawBodyOf, strictJsonOf } from '../input/requestBody';

export const shippedEvent = z.object({
  event: z.literal('task.shipped'),
  taskId: z.string().min(1).max(200),
  reference: z.string().min(1).max(200),
  shipmentId: z.string().min(1).max(200),
  trackingNumber: z.string().max(100).nullish(),
  shippedAt: z.string().max(64).nullish(),
});

/** The warehouse counted a return's parcel (returns context): per SKU the units and their condition. */
export const returnReceivedEvent = z.object({
  event: z.literal('return.received'),
  returnId: z.string().regex(/^ret_[a-z0-9]{1,40}$/),
  reference: z.string().min(1).max(200),
  lines: z
    .array(z.object({ sku: z.string().min(1).max(64), quantity: z.number().int().min(0).max(10_000), condition: z.enum(RETURN_CONDITIONS) }))
    .max(200),
  receivedAt: z.string().max(64).nullish(),
});

/** Every event the WMS calls back with: `event` tells them apart. */
export const wmsEvent = z.discriminatedUnion('event', [shippedEvent, returnReceivedEvent]);

/**
 * The WMS tells us a parcel left the building. Signed with a shared secret and a timestamp, so a forged
 * or an old replayed callback is refused; delivered at least once, so a repeat changes nothing. Once recorded, the
 * news goes on to the order's live saga (`shipmentShipped`), best effort: the saga asks the WMS before it gives
 * any handed-off shipment up, so a signal lost to a Temporal outage costs a question, never a parcel.
 */
export function wmsWebhookRoutes(db: Database, secret: string | undefined, toleranceSeconds = 300, saga?: { client: Client; log: Logger }): Router {
  const router = Router();
  // Nobody's body is read before a signature header is seen, and nobody's is parsed before the signature holds.
  const signed: RequestHandler = (req, _res, next) => {
    if (!secret) throw new Problem(401, 'Unauthorized', 'webhooks are refused: no WMS_WEBHOOK_SECRET is configured');
    if (!req.header(SIGNATURE_HEADER)) throw new Problem(401, 'Unauthorized', `the ${SIGNATURE_HEADER} header is missing`);
    next();
  };
  router.post('/webhooks/wms', signed, bodyBytes(ORDINARY_BODY), async (req, res) => {
    const check = verifySignature(secret!, rawBodyOf(req), req.header(SIGNATURE_HEADER), toleranceSeconds);
    if (!check.ok) throw new Problem(401, 'Unauthorized', check.why);
    const parsed = wmsEvent.safeParse(strictJsonOf(req, ORDINARY_BODY));
    if (!parsed.success) throw invalidInput(parsed.error);
    if (parsed.data.event === 'return.received') {
      const duplicate = await recordReturnReceived(db, parsed.data, saga);
      return void res.status(200).json({ received: true, duplicate });
    }
    const event = parsed.data;
    const recorded = await db.transaction(async (tx) => {
      const [shipment] = await tx
        .select({ id: shipments.id, wmsTaskId: shipments.wmsTaskId })
        .from(shipments)
        .where(and(eq(shipments.id, event.shipmentId), eq(shipments.orderId, event.reference)))
        .for('update');
      if (!shipment || shipment.wmsTaskId !== event.taskId) throw new Problem(404, 'Unknown shipment', `no shipment ${event.shipmentId} with WMS task ${event.taskId}`);
      const appended = await appendOrderEvent(tx, {
        orderId: event.reference,
        type: 'shipment.shipped',
        detail: { shipmentId: event.shipmentId, taskId: event.taskId, shippedAt: event.shippedAt },
        dedupeKey: `wms:${event.taskId}:shipped`,
      });
      if (appended) {
        // Forward only: a shipment the saga undid (the WMS confirmed its task cancelled) is not written shipped.
        const moved = await tx
          .update(shipments)
          .set({ status: 'shipped', updatedAt: sql`now()` })
          .where(and(eq(shipments.id, event.shipmentId), mayBecome('shipped')))
          .returning({ id: shipments.id });
        if (moved.length > 0) await enqueueWebhookEvent(tx, { orderId: event.reference, type: 'shipment.shipped', status: 'shipped', shipmentId: event.shipmentId });
      }
      const [order] = await tx.select({ workflowId: orders.workflowId, status: orders.status }).from(orders).where(eq(orders.id, event.reference));
      return { appended, order };
    });
    // A repeated callback signals again: the first signal may have been lost (the saga ignores a repeat).
    if (saga && recorded.order && !isTerminalStatus(recorded.order.status)) {
      await saga.client.workflow
        .getHandle(recorded.order.workflowId)
        .signal(shipmentShippedSignal, { shipmentId: event.shipmentId, taskId: event.taskId, shippedAt: event.shippedAt ?? null })
        .catch((err: unknown) => saga.log.warn({ err, orderId: event.reference, shipmentId: event.shipmentId }, 'shipped callback: the saga could not be signalled'));
    }
    res.status(200).json({ received: true, duplicate: !recorded.appended });
  });
  return router;
}

/**
 * A return's receipt: recorded in Postgres first (once: a repeat changes nothing), then passed on to the return's
 * workflow as the `returnReceived` signal, best effort. The workflow looks the receipt up before it expires, so a
 * signal lost to a Temporal outage never expires a return the warehouse has counted.
 */
async function recordReturnReceived(db: Database, event: z.infer<typeof returnReceivedEvent>, saga?: { client: Client; log: Logger }): Promise<boolean> {
  const recorded = await db.transaction(async (tx) => {
    const [row] = await tx
      .select({ id: returns.id, status: returns.status, workflowId: returns.workflowId })
      .from(returns)
      .where(and(eq(returns.id, event.returnId), eq(returns.orderId, event.reference)))
      .for('update');
    if (!row) throw new Problem(404, 'Unknown return', `no return ${event.returnId} of order ${event.reference}`);
    const appended = await appendOrderEvent(tx, {
      orderId: event.reference,
      type: 'wms.return_received',
      detail: { returnId: event.returnId, lines: event.lines, receivedAt: event.receivedAt ?? null },
      dedupeKey: `wms:return:${event.returnId}:received`,
    });
    return { appended, row };
  });
  if (saga && !isTerminalReturnStatus(recorded.row.status)) {
    await saga.client.workflow
      .getHandle(recorded.row.workflowId)
      .signal(returnReceivedSignal, { returnId: event.returnId, lines: event.lines, receivedAt: event.receivedAt ?? null })
      .catch((err: unknown) => saga.log.warn({ err, returnId: event.returnId }, 'return callback: the return workflow could not be signalled'));
  }
  return !recorded.appended;
}
