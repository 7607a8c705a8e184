import { eq, sql } from 'drizzle-orm';
import type { Executor } from '../events';
import { orders, webhookEvents } from '../schema';
import type { WebhookEventType, WebhookPayload } from '../../lib/webhooks/events';

/**
 * Writes a webhook event to the outbox, in the caller's transaction with the change it reports, so the event
 * exists exactly when the change committed. The order's next `sequence` is taken from its row in the same
 * transaction: the row lock orders concurrent writers, and a rollback gives the number back (gapless).
 * Callers only call this once per change (after their own dedupe), so a retried activity adds no event.
 */
export async function enqueueWebhookEvent(
  tx: Executor,
  event: { orderId: string; type: WebhookEventType; status: string; reason?: string | null; shipmentId?: string; returnId?: string },
): Promise<void> {
  const [order] = await tx
    .update(orders)
    .set({ webhookSeq: sql`${orders.webhookSeq} + 1` })
    .where(eq(orders.id, event.orderId))
    .returning({ sequence: orders.webhookSeq, owner: orders.owner });
  if (!order) return;
  await insertWebhookEvent(tx, { ...event, sequence: order.sequence, owner: order.owner });
}

/** The outbox row of an event whose sequence the caller already took (a new order's first event is 1). */
export async function insertWebhookEvent(
  tx: Executor,
  event: { orderId: string; type: WebhookEventType; status: string; reason?: string | null; shipmentId?: string; returnId?: string; sequence: number; owner: string | null },
): Promise<void> {
  const payload: WebhookPayload = {
    type: event.type,
    timestamp: new Date().toISOString(),
    data: {
      orderId: event.orderId,
      status: event.status,
      reason: event.reason ?? null,
      sequence: event.sequence,
      ...(event.shipmentId ? { shipmentId: event.shipmentId } : {}),
      ...(event.returnId ? { returnId: event.returnId } : {}),
    },
  };
  await tx.insert(webhookEvents).values({
    messageId: `msg_${event.orderId.replace(/^ord_/, '')}_${event.sequence}`,
    orderId: event.orderId,
    owner: event.owner,
    type: event.type,
    sequence: event.sequence,
    payload: payload as unknown as Record<string, unknown>,
  });
}
