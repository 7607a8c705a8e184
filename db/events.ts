import { orderEvents } from './schema';
import type { Database } from './client';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];
export type Executor = Database | Tx;

/**
 * Appends to an order's timeline. Activities can be retried, so each append carries a dedupe key and
 * a repeat is ignored; returns whether this call appended.
 */
export async function appendOrderEvent(
  db: Executor,
  event: { orderId: string; type: string; status?: string | null; detail?: Record<string, unknown> | null; dedupeKey: string },
): Promise<boolean> {
  const inserted = await db
    .insert(orderEvents)
    .values({ orderId: event.orderId, type: event.type, status: event.status ?? null, detail: event.detail ?? null, dedupeKey: event.dedupeKey })
    .onConflictDoNothing({ target: orderEvents.dedupeKey })
    .returning({ id: orderEvents.id });
  return inserted.length > 0;
}
