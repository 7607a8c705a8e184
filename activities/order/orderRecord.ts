import { and, eq, lt, notInArray, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { orderEventFor } from '../../lib/webhooks/contract';
import { orders } from '../../db/schema';
import type { ActivityDeps } from '../deps';
import { orderTransitions, ordersFinished } from '../../lib/metrics';
import { isTerminalStatus, TERMINAL_STATUSES } from '../../workflows/order/contract';

export function orderRecordActivities({ db }: ActivityDeps) {
  return {
    /** Mirrors a saga transition into Postgres: the orders row and an append-only event, once per transition. */
    async recordOrderStatus(input: {
      orderId: string;
      /** The saga's transition number: only a newer transition may change the order's status. */
      seq: number;
      status: string;
      reason: string | null;
      note: string | null;
      detail: Record<string, unknown> | null;
      dedupeKey: string;
      /** The transition states the order's whole reason (null clears an earlier one); the first saga type leaves it out. */
      replacesReason?: boolean;
    }): Promise<void> {
      const appended = await db.transaction(async (tx) => {
        const detail = { ...(input.reason ? { reason: input.reason } : {}), ...(input.note ? { note: input.note } : {}), ...input.detail };
        const appended = await appendOrderEvent(tx, { orderId: input.orderId, type: 'status', status: input.status, detail, dedupeKey: input.dedupeKey });
        if (appended) {
          const moved = await tx
            .update(orders)
            .set({ status: input.status, statusSeq: input.seq, ...(input.reason || input.replacesReason ? { reason: input.reason } : {}), updatedAt: sql`now()` })
            // Only a newer transition of a saga that has not ended moves the row: an ended order stays ended.
            .where(and(eq(orders.id, input.orderId), lt(orders.statusSeq, input.seq), notInArray(orders.status, [...TERMINAL_STATUSES])))
            .returning({ reason: orders.reason });
          // Subscribers hear of the transitions that moved the order, never of a late older one.
          const type = orderEventFor(input.status);
          if (moved[0] && type) await enqueueWebhookEvent(tx, { orderId: input.orderId, type, status: input.status, reason: moved[0].reason });
        }
        return appended;
      });
      // Counted once per transition: a retried recording finds its event already appended.
      if (appended) {
        orderTransitions.inc({ status: input.status });
        if (isTerminalStatus(input.status)) ordersFinished.inc({ outcome: input.status });
      }
    },
  };
}
