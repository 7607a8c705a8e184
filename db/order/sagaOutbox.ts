import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import { sagaStarts } from '../../lib/metrics';
import type { Database } from '../client';
import { orderLines, orders } from '../schema';
import { ORDER_WORKFLOW_TYPE, type OrderInput, type SagaPolicy } from '../../workflows/order/contract';

/**
 * The order outbox: an order row is committed first, then its saga is started (by the API right after the
 * commit, or by the dispatcher for the starts that did not happen). Both sides use this file, so neither the
 * worker nor the API imports the other.
 */

export interface SagaStarter {
  client: Client;
  taskQueue: string;
  /** How long the hot path waits for Temporal before leaving the start to the dispatcher. */
  startTimeoutMs?: number;
}

/**
 * Starts the order's saga under its deterministic workflow id. Starting twice is harmless: the second
 * start finds the first. Marks the order as started so the dispatcher leaves it alone.
 */
export async function startOrderSaga(db: Database, starter: SagaStarter, workflowId: string, input: OrderInput): Promise<void> {
  try {
    await starter.client.withDeadline(Date.now() + (starter.startTimeoutMs ?? 2_000), () =>
      starter.client.workflow.start(ORDER_WORKFLOW_TYPE, {
        workflowId,
        taskQueue: starter.taskQueue,
        // An order's saga runs once: a late second start (the dispatcher after a crash) must not run a finished
        // order again, whatever became of its first run.
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
        // What an engineer sees in the Web UI's list and header: no PII, only what identifies the order.
        staticSummary: orderSummary(input),
        memo: { customerId: input.customerId, totalCents: input.totalCents, currency: input.currency, lines: input.lines.length },
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
  await db.update(orders).set({ workflowStartedAt: sql`now()` }).where(eq(orders.id, input.orderId));
}

/** Rebuilds a saga's input from the committed order, for starts that did not happen in the request. */
export async function sagaInputFor(db: Database, orderId: string): Promise<OrderInput | undefined> {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return undefined;
  const lines = await db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNo));
  return {
    orderId: order.id,
    customerId: order.customerId,
    email: order.email,
    currency: order.currency,
    totalCents: order.totalCents,
    lines: lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
    shippingAddress: order.shippingAddress,
    paymentToken: order.paymentToken,
    policy: (order.sagaPolicy as Partial<SagaPolicy> | null) ?? undefined,
  };
}

export function orderSummary(input: OrderInput): string {
  const units = input.lines.reduce((n, l) => n + l.quantity, 0);
  return `Order ${input.orderId} · ${input.lines.length} line(s), ${units} unit(s) · ${(input.totalCents / 100).toFixed(2)} ${input.currency} · customer ${input.customerId}`;
}

/**
 * The outbox's other half: every committed order whose saga has not been seen to start (Temporal was down,
 * the API crashed between commit and start) is started here. Starting is idempotent, so several
 * dispatchers, or a dispatcher racing the API, start each saga once.
 */
export async function dispatchUnstartedOrders(db: Database, starter: SagaStarter, options: { olderThanMs: number; batch: number }): Promise<number> {
  const pending = await db
    .select({ id: orders.id, workflowId: orders.workflowId, statusSeq: orders.statusSeq })
    .from(orders)
    .where(and(isNull(orders.workflowStartedAt), lt(orders.createdAt, sql`now() - make_interval(secs => ${options.olderThanMs / 1000})`)))
    .orderBy(asc(orders.createdAt))
    .limit(options.batch);
  let started = 0;
  for (const order of pending) {
    // A saga that already recorded a transition has run (its start's mark was lost): mark it, never start it again.
    if (order.statusSeq > 0) {
      await db.update(orders).set({ workflowStartedAt: sql`now()` }).where(eq(orders.id, order.id));
      continue;
    }
    const input = await sagaInputFor(db, order.id);
    if (!input) continue;
    await startOrderSaga(db, starter, order.workflowId, input);
    sagaStarts.inc({ by: 'dispatcher', result: 'started' });
    started += 1;
  }
  return started;
}
