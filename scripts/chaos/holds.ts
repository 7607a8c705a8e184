import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Violation } from './invariants';
import { terminalStatusList } from '../../db/terminalStatuses';

/**
 * No unit held by an ended order: once every order ended (and the final reconciliation released stale holds),
 * a `held` row belongs to no one, and a `committed` row must belong to a shipment that ships (its order
 * completed, the shipment not cancelled). Anything else is a unit lost to the shelf, which a conservation check
 * alone misses (on hand + committed still adds up) and a reconciliation quietly hides by raising on hand to the
 * ERP's figure. Each violation carries the order's timeline, so the run says what to look at.
 */
export async function unitsHeldByEndedOrders(db: Database): Promise<Violation[]> {
  const rows = await db.execute<{ order_id: string; sku: string; warehouse: string; quantity: number; reservation: string; status: string; shipment_id: string | null; shipment_status: string | null }>(sql`
    select r.order_id, r.sku, r.warehouse, r.quantity, r.status as reservation, o.status, s.id as shipment_id, s.status as shipment_status
    from reservations r join orders o on o.id = r.order_id
    left join shipments s on s.order_id = r.order_id and s.warehouse = r.warehouse
    where o.status in ${terminalStatusList()}
      and (r.status = 'held' or (r.status = 'committed' and (o.status <> 'completed' or s.status is distinct from 'handed_off' and s.status is distinct from 'shipped')))`);
  const violations: Violation[] = [];
  for (const r of rows) {
    const events = await db.execute<{ type: string; status: string | null; note: string | null }>(
      sql`select type, status, coalesce(detail->>'note', detail->>'shipmentId', detail->>'reason') as note from order_events where order_id = ${r.order_id} order by id`,
    );
    const timeline = events.map((e) => `${e.type}${e.status ? `:${e.status}` : ''}${e.note ? `(${e.note.slice(0, 80)})` : ''}`).join(' > ');
    violations.push({
      invariant: 'no unit held by an ended order',
      detail: `${r.order_id} (${r.status}) keeps ${r.quantity} ${r.sku}@${r.warehouse} ${r.reservation}; shipment ${r.shipment_id ?? '?'} is ${r.shipment_status ?? '?'}. Timeline: ${timeline}`,
    });
  }
  return violations;
}
