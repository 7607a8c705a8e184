import { sql } from 'drizzle-orm';
import type { Database } from '../client';

export interface OrderBacklog {
  /** Orders parked in needs_attention, waiting for a human (docs/operations: OrdersParked). */
  parked: number;
  /** The saga outbox: orders committed whose saga has not been seen to start (docs/operations: OutboxBacklog). */
  unstarted: number;
  /** Seconds since the oldest of those was accepted; 0 when there is none. */
  oldestUnstartedSeconds: number;
}

/**
 * The order backlog in one round trip, each part an index scan: orders_status_created_idx for the parked,
 * the partial orders_unstarted_idx (workflow_started_at is null) for the outbox.
 */
export async function orderBacklog(db: Database): Promise<OrderBacklog> {
  const [row] = (await db.execute(sql`
    select
      (select count(*) from orders where status = 'needs_attention')::int as parked,
      (select count(*) from orders where workflow_started_at is null)::int as unstarted,
      coalesce(extract(epoch from now() - (select min(created_at) from orders where workflow_started_at is null)), 0)::float8 as oldest
  `)) as unknown as { parked: number; unstarted: number; oldest: number }[];
  return { parked: row!.parked, unstarted: row!.unstarted, oldestUnstartedSeconds: Math.max(0, row!.oldest) };
}
