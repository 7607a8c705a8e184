import type { Client } from '@temporalio/client';
import { eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orders, returns } from '../../db/schema';
import { mayAccess, updateSaga, type Viewer } from '../order/contract';
import { RETURN_CANCEL_REFUSALS, cancelReturnUpdate, isTerminalReturnStatus } from '../../workflows/returns/contract';
import { Problem } from '../problem';

/** How long a return's cancel waits for its workflow (which asks the WMS twice at most) before a 503. */
const CANCEL_RETURN_TIMEOUT_MS = 30_000;

/**
 * Cancels a return before its receipt, by the order's owner or staff: sent to the return's workflow as an update,
 * which asks the WMS to stop expecting it first (a return the warehouse has counted is refused, 409) and then
 * cancels the return label.
 */
export async function cancelReturn(deps: { db: Database; client: Client; legacyOwner?: string }, orderId: string, returnId: string, viewer: Viewer, reason: string) {
  const [row] = await deps.db
    .select({ status: returns.status, workflowId: returns.workflowId, orderId: returns.orderId, owner: orders.owner })
    .from(returns)
    .innerJoin(orders, eq(orders.id, returns.orderId))
    .where(eq(returns.id, returnId));
  if (!row || row.orderId !== orderId || !mayAccess(viewer, row.owner, deps.legacyOwner)) throw new Problem(404, 'Return not found', `no return ${returnId} of order ${orderId}`);
  if (isTerminalReturnStatus(row.status) || row.status === 'received') throw new Problem(409, 'Cannot cancel', `the return is already ${row.status}`, { returnStatus: row.status });
  const state = await updateSaga(
    deps.client,
    CANCEL_RETURN_TIMEOUT_MS,
    () => deps.client.workflow.getHandle(row.workflowId).executeUpdate(cancelReturnUpdate, { args: [{ by: viewer.principal, reason }] }),
    {
      what: 'cancellation',
      refused: ({ message, type }) =>
        type === RETURN_CANCEL_REFUSALS.received || type === RETURN_CANCEL_REFUSALS.ended
          ? new Problem(409, 'Cannot cancel', message, { returnStatus: type === RETURN_CANCEL_REFUSALS.received ? 'received' : row.status })
          : // The warehouse could not be asked (twice): nothing was cancelled, and the return goes on.
            new Problem(503, 'Warehouse did not answer', 'the warehouse could not be asked to stop expecting the return: nothing was cancelled; send the cancel again', { retryAfterSeconds: 5 }),
      ended: () => new Problem(409, 'Cannot cancel', 'the return has already ended'),
    },
  );
  await deps.db.update(returns).set({ cancelledBy: viewer.principal, updatedAt: sql`now()` }).where(eq(returns.id, returnId));
  return { returnId, status: state.status };
}
