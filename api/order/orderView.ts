import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orderEvents, orderLines, orders, payments, shipments } from '../../db/schema';
import { mayAccess, ownerOf, type Viewer } from './ownership';
import { returnsOfOrder } from '../returns/contract';

/**
 * Everything support and the checkout service may read about one order; no payment token, ever. A checkout
 * credential sees only its own orders: another's is answered as unknown.
 */
export async function orderView(db: Database, orderId: string, access: { viewer?: Viewer; legacyOwner?: string } = {}) {
  const [order] = await db.select().from(orders).where(eq(orders.id, orderId));
  if (!order) return undefined;
  if (access.viewer && !mayAccess(access.viewer, order.owner, access.legacyOwner)) return undefined;
  const [lines, parcels, [payment], events, orderReturns] = await Promise.all([
    db.select().from(orderLines).where(eq(orderLines.orderId, orderId)).orderBy(asc(orderLines.lineNo)),
    db.select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.id)),
    db.select().from(payments).where(eq(payments.orderId, orderId)),
    db.select().from(orderEvents).where(eq(orderEvents.orderId, orderId)).orderBy(asc(orderEvents.id)),
    returnsOfOrder(db, orderId),
  ]);
  return {
    orderId: order.id,
    status: order.status,
    reason: order.reason,
    customerId: order.customerId,
    owner: ownerOf(order.owner, access.legacyOwner),
    currency: order.currency,
    totalCents: order.totalCents,
    createdAt: order.createdAt.toISOString(),
    updatedAt: order.updatedAt.toISOString(),
    workflowId: order.workflowId,
    lines: lines.map((l) => ({ line: l.lineNo, sku: l.sku, quantity: l.quantity, unitPriceCents: l.unitPriceCents })),
    shipments: parcels.map((s) => ({
      shipmentId: s.id,
      warehouse: s.warehouse,
      lines: s.lines,
      status: s.status,
      trackingNumber: s.trackingNumber,
      labelId: s.labelId,
      wmsTaskId: s.wmsTaskId,
      amountCents: s.amountCents,
      capturedCents: s.capturedCents,
      refundedCents: s.refundedCents,
    })),
    amounts: orderAmounts(parcels),
    payment: {
      authorizationId: payment?.authorizationId ?? null,
      authorizedCents: payment?.authorizedCents ?? 0,
      capturedCents: payment?.capturedCents ?? 0,
      voidedCents: payment?.voidedCents ?? 0,
      refundedCents: payment?.refundedCents ?? 0,
    },
    // Its returns, oldest first, with their lines and money (each one's timeline: GET /orders/:id/returns/:returnId).
    returns: orderReturns.map(({ workflowId: _w, ...r }) => r),
    history: events.map((e) => ({ type: e.type, status: e.status, detail: e.detail, at: e.at.toISOString() })),
  };
}

export type OrderView = NonNullable<Awaited<ReturnType<typeof orderView>>>;

/** The order's sums over its shipments: what ships (or may still), what was captured and refunded, what was cancelled. */
function orderAmounts(parcels: { status: string; amountCents: number; capturedCents: number; refundedCents: number }[]) {
  const sum = (rows: typeof parcels, pick: (r: (typeof parcels)[number]) => number) => rows.reduce((n, r) => n + pick(r), 0);
  const cancelled = parcels.filter((p) => p.status === 'cancelled');
  return {
    shippedOrOpenCents: sum(parcels.filter((p) => p.status !== 'cancelled'), (p) => p.amountCents),
    capturedCents: sum(parcels, (p) => p.capturedCents),
    refundedCents: sum(parcels, (p) => p.refundedCents),
    cancelledCents: sum(cancelled, (p) => p.amountCents),
  };
}
