import { createHash } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { appendOrderEvent, type Executor } from '../../db/events';
import { insertWebhookEvent } from '../../db/webhooks/contract';
import { orderLines, orders, stock } from '../../db/schema';
import { orderWorkflowId, type OrderInput, type SagaPolicy } from '../../workflows/order/contract';
import { Problem } from '../problem';
import { ordersPlaced } from '../../lib/metrics';
import type { CreateOrderRequest } from '../validation';
import { requestHash } from './canonicalJson';
import { sagaInputFor, type SagaStarter } from '../../db/order/sagaOutbox';
import { keyScope, ownerOf } from './ownership';
import type { SagaLauncher } from './sagaLauncher';

export interface PlaceOrderDeps {
  db: Database;
  saga: SagaStarter;
  launcher: SagaLauncher;
  sagaPolicy?: Partial<SagaPolicy>;
  log: Logger;
  /** Owner of the orders placed before owners were recorded (LEGACY_ORDER_OWNER). */
  legacyOrderOwner?: string;
}

export interface PlacedOrder {
  orderId: string;
  status: string;
  created: boolean;
}

/**
 * The hot path: persist the order, then hand its saga to the launcher, which starts it after the answer.
 * The same Idempotency-Key from the same owner with the same body returns the first order and starts nothing
 * new; with a different body it is refused, and once the key expired (the order ended IDEMPOTENCY_RETENTION ago)
 * it is refused whatever the body. Another owner's same key is another order.
 */
export async function placeOrder(deps: PlaceOrderDeps, idempotencyKey: string, request: CreateOrderRequest, owner?: string): Promise<PlacedOrder> {
  const { db } = deps;
  const hash = requestHash(request);
  const orderId = orderIdFor(idempotencyKey, keyScope(owner, deps.legacyOrderOwner));
  const totalCents = request.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0);

  const outcome = await db.transaction(async (tx) => {
    const created = await persistNewOrder(tx, { orderId, idempotencyKey, requestHash: hash, request, totalCents, sagaPolicy: deps.sagaPolicy, owner });
    if (!created) {
      const [existing] = await tx.select().from(orders).where(eq(orders.id, orderId));
      if (!existing) throw new Error('order id conflict without a row');
      // The id is a hash of (owner, key): a row of another owner under it would be a hash collision.
      const sameOwner = ownerOf(existing.owner, deps.legacyOrderOwner) === ownerOf(owner ?? null, deps.legacyOrderOwner);
      if (!sameOwner || existing.idempotencyKey !== idempotencyKey) throw new Error(`order id ${orderId} collides with another owner's key`);
      // Retention forgot the request (IDEMPOTENCY_RETENTION after the order ended): nothing to compare a replay
      // with, and the key still names this order, so it is refused whatever the body, never placed again.
      if (existing.requestHash === null) {
        throw new Problem(409, 'Idempotency-Key expired', `the Idempotency-Key was used for order ${existing.id}, which has ended, and has expired: send a new key for a new order`, { orderId: existing.id });
      }
      if (existing.requestHash !== hash) {
        throw new Problem(409, 'Idempotency-Key reused', `the Idempotency-Key was already used for order ${existing.id} with a different body`, { orderId: existing.id });
      }
      return { created: false, row: existing };
    }
    return { created: true, row: undefined };
  });

  if (!outcome.created) {
    const row = outcome.row!;
    // A repeat of a request whose saga never started (crash or Temporal outage) starts it now; one that has
    // recorded a transition has run, whatever became of its start's mark.
    if (!row.workflowStartedAt && row.statusSeq === 0) {
      const input = await sagaInputFor(db, row.id);
      if (input) deps.launcher.launch(input);
    }
    ordersPlaced.inc({ result: 'replayed' });
    return { orderId: row.id, status: row.status, created: false };
  }
  deps.launcher.launch({ orderId, customerId: request.customerId, email: request.email, currency: request.currency, totalCents, lines: request.lines, shippingAddress: request.shippingAddress, paymentToken: request.paymentToken, policy: deps.sagaPolicy });
  ordersPlaced.inc({ result: 'created' });
  return { orderId, status: 'received', created: true };
}

/**
 * The order id is derived from the Idempotency-Key and the scope of its owner (see `keyScope`): a repeated
 * request names the same order by construction, a client (or a test) knows the id before the first response
 * arrives, and two clients' equal keys name two orders. Without a scope (the legacy owner) it is the
 * derivation from before keys were scoped, so old keys still find their orders.
 */
export function orderIdFor(idempotencyKey: string, scope?: string): string {
  // Keys are visible ASCII, so a newline cannot occur in one: scope and key never run into each other.
  const material = scope === undefined ? idempotencyKey : `${scope}\n${idempotencyKey}`;
  return `ord_${createHash('sha256').update(material).digest('hex').slice(0, 24)}`;
}

/**
 * The order's rows, as one transaction writes them: the order (nothing when its Idempotency-Key exists
 * already; answers false), a check that every SKU exists, the lines and the `order.received` event.
 * `markStarted` is for orders whose saga is started elsewhere (the benchmark's insert-only control): the
 * outbox dispatcher then leaves them alone.
 */
export async function persistNewOrder(
  tx: Executor,
  order: { orderId: string; idempotencyKey: string; requestHash: string; request: CreateOrderRequest; totalCents: number; sagaPolicy?: Partial<SagaPolicy>; markStarted?: boolean; owner?: string },
): Promise<boolean> {
  const { orderId, request, totalCents } = order;
  const [inserted] = await tx
    .insert(orders)
    .values({
      id: orderId,
      idempotencyKey: order.idempotencyKey,
      owner: order.owner ?? null,
      requestHash: order.requestHash,
      customerId: request.customerId,
      email: request.email,
      currency: request.currency,
      totalCents,
      shippingAddress: request.shippingAddress,
      paymentToken: request.paymentToken,
      status: 'received',
      webhookSeq: 1,
      workflowId: orderWorkflowId(orderId),
      sagaPolicy: order.sagaPolicy ?? null,
      ...(order.markStarted ? { workflowStartedAt: sql`now()` } : {}),
    })
    // No conflict target: the id is derived from the key, so a concurrent twin may trip the primary key first.
    .onConflictDoNothing()
    .returning({ id: orders.id });
  if (!inserted) return false;
  await assertKnownSkus(tx, request);
  await tx.insert(orderLines).values(request.lines.map((l, i) => ({ orderId, lineNo: i + 1, ...l })));
  await appendOrderEvent(tx, { orderId, type: 'order.received', status: 'received', detail: { lines: request.lines.length, totalCents }, dedupeKey: `${orderId}:received` });
  // The order's first webhook event, numbered 1 by the insert above (no second write to the new row).
  await insertWebhookEvent(tx, { orderId, type: 'order.received', status: 'received', sequence: 1, owner: order.owner ?? null });
  return true;
}

async function assertKnownSkus(db: Executor, request: CreateOrderRequest): Promise<void> {
  const skus = [...new Set(request.lines.map((l) => l.sku))];
  const known = await db.selectDistinct({ sku: stock.sku }).from(stock).where(inArray(stock.sku, skus));
  const unknown = skus.filter((s) => !known.some((k) => k.sku === s));
  if (unknown.length > 0) {
    throw new Problem(422, 'Unknown SKU', `lines: unknown SKU ${unknown.join(', ')}`, { unknownSkus: unknown });
  }
}
