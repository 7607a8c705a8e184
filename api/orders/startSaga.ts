import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orderLines, orders } from '../../db/schema';
import type { OrderInput, SagaPolicy } from '../../workflows/order/contract';

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
      starter.client.workflow.start('orderWorkflowV2', {
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
