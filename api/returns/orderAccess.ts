import { eq } from 'drizzle-orm';
import { orders } from '../../db/schema';
import { mayAccess, type Viewer } from '../order/contract';
import type { ReturnDeps } from './requestReturn';

/** Whether the viewer may see the order (its checkout client, or staff): another client's order is unknown to it. */
export async function mayViewOrder(deps: Pick<ReturnDeps, 'db' | 'legacyOrderOwner'>, orderId: string, viewer: Viewer): Promise<boolean> {
  const [order] = await deps.db.select({ owner: orders.owner }).from(orders).where(eq(orders.id, orderId));
  return !!order && mayAccess(viewer, order.owner, deps.legacyOrderOwner);
}
