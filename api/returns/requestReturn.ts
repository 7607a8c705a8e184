import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { and, asc, eq, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { orderLines, orders, returnLines, returns, shipments } from '../../db/schema';
import { enqueueWebhookEvent } from '../../db/webhooks/contract';
import { mayAccess, requestHash, type Viewer } from '../order/contract';
import type { SagaPolicy } from '../../workflows/order/contract';
import { planReturnLines, returnWorkflowId, type ReturnInput } from '../../workflows/returns/contract';
import { Problem } from '../problem';
import type { CreateReturnRequest } from './schemas';

export interface ReturnDeps {
  db: Database;
  /** Where workflows are started (the API's Temporal client and task queue, as for orders). */
  saga: { client: Client; taskQueue: string; startTimeoutMs?: number };
  sagaPolicy?: Partial<SagaPolicy>;
  /** RETURN_RECEIPT_WINDOW in ms. */
  returnReceiptWindowMs: number;
  legacyOrderOwner?: string;
  log: Logger;
}

/** The return id, derived from the order, the credential and its Idempotency-Key: a repeat names the same return. */
export function returnIdFor(orderId: string, principal: string, idempotencyKey: string): string {
  return `ret_${createHash('sha256').update(`${orderId}\n${principal}\n${idempotencyKey}`).digest('hex').slice(0, 24)}`;
}

/**
 * Requests a return: in one transaction that locks the order's row (two returns of one order are planned one after
 * the other, so neither can take units the other took), the lines are found and checked against what shipped minus
 * what is already returning or returned, and the return, its lines, its `return.requested` event and webhook are
 * written. Its workflow is started after the commit; a repeat of a request whose start failed starts it.
 */
export async function requestReturn(deps: ReturnDeps, orderId: string, viewer: Viewer, idempotencyKey: string, request: CreateReturnRequest): Promise<{ returnId: string; status: string; created: boolean }> {
  const returnId = returnIdFor(orderId, viewer.principal, idempotencyKey);
  const hash = requestHash(request);
  const outcome = await deps.db.transaction(async (tx) => {
    const [order] = await tx.select().from(orders).where(eq(orders.id, orderId)).for('update');
    if (!order || !mayAccess(viewer, order.owner, deps.legacyOrderOwner)) throw new Problem(404, 'Order not found', `no order ${orderId}`);
    const [existing] = await tx.select().from(returns).where(eq(returns.id, returnId));
    if (existing) {
      if (existing.requestHash !== hash) throw new Problem(409, 'Idempotency-Key reused', `the Idempotency-Key was already used for return ${existing.id} with a different body`, { returnId: existing.id });
      return { created: false, row: existing, input: existing.workflowStartedAt ? undefined : await inputOf(tx, existing.id) };
    }
    if (request.resolution === 'exchange') {
      throw new Problem(422, 'Exchange not available', 'resolution: exchanges are not available yet; request a refund (resolution: refund) and a new order', { field: 'resolution' });
    }
    const lines = await tx.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNo));
    const parcels = await tx.select().from(shipments).where(eq(shipments.orderId, orderId));
    if (!parcels.some((s) => s.status === 'shipped')) {
      throw new Problem(409, 'Not shipped', `lines: order ${orderId} has not shipped anything yet (it is ${order.status}): only shipped units can be returned`, { field: 'lines', orderStatus: order.status });
    }
    // Units of live returns count whole; of a refunded return, only what came back (missing units may be returned again).
    const taken = await tx.execute<{ line_no: number; shipment_id: string; quantity: number }>(sql`
      select l.line_no, l.shipment_id,
        sum(case when r.status = 'refunded' then coalesce(l.resellable, 0) + coalesce(l.damaged, 0) else l.quantity end)::int as quantity
      from return_lines l join returns r on r.id = l.return_id
      where l.order_id = ${orderId} and r.status in ('requested', 'awaiting_receipt', 'received', 'refunded')
      group by l.line_no, l.shipment_id`);
    const plan = planReturnLines(
      lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
      parcels.map((s) => ({ shipmentId: s.id, warehouse: s.warehouse, status: s.status, lines: s.lines })),
      taken.map((t) => ({ lineNo: t.line_no, shipmentId: t.shipment_id, quantity: t.quantity })),
      request.lines,
    );
    if (!plan.ok) {
      const { status, detail, ...extra } = plan.refusal;
      throw new Problem(status, status === 409 ? 'More than can be returned' : 'Unknown line', detail, extra);
    }
    // The window runs from the request, in the database's clock like created_at.
    const expiresAt = sql`now() + make_interval(secs => ${deps.returnReceiptWindowMs / 1000})`;
    const [row] = await tx
      .insert(returns)
      .values({
        id: returnId,
        orderId,
        requestedBy: viewer.principal,
        idempotencyKey,
        requestHash: hash,
        reason: request.reason,
        resolution: request.resolution,
        status: 'requested',
        statusSeq: 1,
        workflowId: returnWorkflowId(returnId),
        expiresAt,
      })
      .returning();
    await tx.insert(returnLines).values(plan.lines.map((l) => ({ returnId, orderId, lineNo: l.lineNo, shipmentId: l.shipmentId, warehouse: l.warehouse, sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })));
    await appendOrderEvent(tx, {
      orderId,
      type: 'return.requested',
      status: null,
      detail: { returnId, by: viewer.principal, reason: request.reason, lines: plan.lines.map((l) => ({ line: l.lineNo, sku: l.sku, quantity: l.quantity, shipmentId: l.shipmentId })) },
      dedupeKey: `${returnWorkflowId(returnId)}:status:1`,
    });
    await enqueueWebhookEvent(tx, { orderId, type: 'return.requested', status: 'requested', returnId });
    const input: ReturnInput = {
      returnId,
      orderId,
      customerId: order.customerId,
      email: order.email,
      currency: order.currency,
      reason: request.reason,
      resolution: 'refund',
      lines: plan.lines,
      shipFrom: order.shippingAddress,
      receiptWindowMs: deps.returnReceiptWindowMs,
      ...(deps.sagaPolicy ? { policy: deps.sagaPolicy } : {}),
    };
    return { created: true, row: row!, input };
  });
  if (outcome.input) await startReturnWorkflow(deps, outcome.input);
  return { returnId, status: outcome.row.status, created: outcome.created };
}

/** A committed return's workflow input, rebuilt from its rows (a repeat of a request whose start failed). */
async function inputOf(tx: Parameters<Parameters<Database['transaction']>[0]>[0], returnId: string): Promise<ReturnInput | undefined> {
  const [row] = await tx.select().from(returns).where(eq(returns.id, returnId));
  if (!row) return undefined;
  const [order] = await tx.select().from(orders).where(eq(orders.id, row.orderId));
  const lines = await tx.select().from(returnLines).where(eq(returnLines.returnId, returnId)).orderBy(asc(returnLines.lineNo), asc(returnLines.shipmentId));
  return {
    returnId,
    orderId: row.orderId,
    customerId: order!.customerId,
    email: order!.email,
    currency: order!.currency,
    reason: row.reason,
    resolution: 'refund',
    lines: lines.map((l) => ({ lineNo: l.lineNo, sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents, shipmentId: l.shipmentId, warehouse: l.warehouse })),
    shipFrom: order!.shippingAddress,
    receiptWindowMs: Math.max(1, row.expiresAt.getTime() - row.createdAt.getTime()),
    ...((order!.sagaPolicy as Partial<SagaPolicy> | null) ? { policy: order!.sagaPolicy as Partial<SagaPolicy> } : {}),
  };
}

/**
 * Starts the return's workflow under its deterministic id, once (REJECT_DUPLICATE: a late second start never runs
 * an ended return again). A start that fails leaves `workflow_started_at` empty: the same request again starts it.
 */
async function startReturnWorkflow(deps: ReturnDeps, input: ReturnInput): Promise<void> {
  const { saga } = deps;
  try {
    await saga.client.withDeadline(Date.now() + (saga.startTimeoutMs ?? 2_000), () =>
      saga.client.workflow.start('returnWorkflow', {
        workflowId: returnWorkflowId(input.returnId),
        taskQueue: saga.taskQueue,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [input],
        staticSummary: `Return ${input.returnId} of order ${input.orderId} · ${input.lines.reduce((n, l) => n + l.quantity, 0)} unit(s) · ${input.resolution} · customer ${input.customerId}`,
        memo: { orderId: input.orderId, customerId: input.customerId, units: input.lines.reduce((n, l) => n + l.quantity, 0) },
      }),
    );
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) {
      deps.log.warn({ returnId: input.returnId, error: (err as Error).message }, 'return workflow not started: the same request again starts it');
      return;
    }
  }
  await deps.db.update(returns).set({ workflowStartedAt: sql`now()` }).where(and(eq(returns.id, input.returnId)));
}
