import { and, eq, lt, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../db/events';
import { orders } from '../db/schema';
import type { ActivityDeps } from './deps';
import { orderTransitions, ordersFinished } from '../lib/metrics';
import { isTerminalStatus } from '../workflows/order/types';

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
          await tx
            .update(orders)
            .set({ status: input.status, statusSeq: input.seq, ...(input.reason || input.replacesReason ? { reason: input.reason } : {}), updatedAt: sql`now()` })
            .where(and(eq(orders.id, input.orderId), lt(orders.statusSeq, input.seq)));
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
