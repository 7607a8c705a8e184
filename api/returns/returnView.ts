import { asc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { orderEvents, returnLines, returns } from '../../db/schema';

type ReturnRow = typeof returns.$inferSelect;
type LineRow = typeof returnLines.$inferSelect;

const viewOf = (row: ReturnRow, lines: LineRow[]) => ({
  returnId: row.id,
  status: row.status,
  reason: row.reason,
  resolution: row.resolution,
  requestedBy: row.requestedBy,
  lines: lines.map((l) => ({
    line: l.lineNo,
    sku: l.sku,
    quantity: l.quantity,
    unitPriceCents: l.unitPriceCents,
    shipmentId: l.shipmentId,
    warehouse: l.warehouse,
    resellable: l.resellable,
    damaged: l.damaged,
    missing: l.missing,
    refundedCents: l.refundedCents,
  })),
  // What the return is worth at its lines' prices, and what was refunded of it (received units only).
  amountCents: lines.reduce((n, l) => n + l.quantity * l.unitPriceCents, 0),
  refundedCents: row.refundedCents,
  labels: row.labels,
  createdAt: row.createdAt.toISOString(),
  updatedAt: row.updatedAt.toISOString(),
  expiresAt: row.expiresAt.toISOString(),
  receivedAt: row.receivedAt?.toISOString() ?? null,
  cancelledBy: row.cancelledBy,
  workflowId: row.workflowId,
});

/** Every return of an order, oldest first, with its lines and money (GET /orders/:id lists them). */
export async function returnsOfOrder(db: Database, orderId: string) {
  const [rows, lines] = await Promise.all([
    db.select().from(returns).where(eq(returns.orderId, orderId)).orderBy(asc(returns.createdAt), asc(returns.id)),
    db.select().from(returnLines).where(eq(returnLines.orderId, orderId)).orderBy(asc(returnLines.lineNo), asc(returnLines.shipmentId)),
  ]);
  return rows.map((row) => viewOf(row, lines.filter((l) => l.returnId === row.id)));
}

/** One return of the order with its timeline (the order's events that name it), or undefined. */
export async function returnView(db: Database, orderId: string, returnId: string) {
  const [row] = await db.select().from(returns).where(eq(returns.id, returnId));
  if (!row || row.orderId !== orderId) return undefined;
  const [lines, events] = await Promise.all([
    db.select().from(returnLines).where(eq(returnLines.returnId, returnId)).orderBy(asc(returnLines.lineNo), asc(returnLines.shipmentId)),
    db.select().from(orderEvents).where(sql`${orderEvents.orderId} = ${orderId} and ${orderEvents.detail}->>'returnId' = ${returnId}`).orderBy(asc(orderEvents.id)),
  ]);
  return { ...viewOf(row, lines), orderId, timeline: events.map((e) => ({ type: e.type, detail: e.detail, at: e.at.toISOString() })) };
}

export type ReturnView = NonNullable<Awaited<ReturnType<typeof returnView>>>;
