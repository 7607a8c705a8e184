import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { orders, reservations, shipments, stock } from '../../db/schema';
import { mayBecome } from '../../db/shipmentStatuses';
import { shipmentId, priceShipments, TERMINAL_STATUSES, type Address, type OrderLine, type OrderStatus } from '../../workflows/order/contract';
import type { Hold } from '../../workflows/inventory/contract';
import type { ShipmentPlan } from '../../workflows/shipment/contract';
import { demandBySku, type AllocationPolicy, type Pick } from './allocation';

export class OutOfStock extends Error {}
/** The order's hold was given back, or the order is being undone or has ended: nothing may hold its units again. */
export class HoldReleased extends Error {}
class LostRace extends Error {}

const LIVE = ['held', 'committed'] as const;
/** Order statuses after which the saga never reserves again: it compensates, or it has ended. */
const UNDONE: readonly OrderStatus[] = ['compensating', ...TERMINAL_STATUSES];

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/**
 * One reservation or release of an order at a time: a timed-out attempt may still be running while its retry (or
 * the saga's release of the hold) starts, and each must see what the other committed.
 */
async function lockOrder(tx: Tx, orderId: string): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${orderId}))`);
}

/**
 * Reserves every line of an order in one short transaction of conditional updates. Nothing is locked
 * while vendors are called: the hold is a row, and `reserved <= on_hand` is enforced by the database.
 * A retry of the same order returns its existing hold.
 */
export async function reserve(
  db: Database,
  request: { orderId: string; lines: (Omit<OrderLine, 'unitPriceCents'> & { unitPriceCents?: number })[]; shipTo: Address; holdTtlMs: number; policy: AllocationPolicy },
): Promise<Hold> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        // A timed-out attempt may still be committing while its retry starts: one reservation per order at a time,
        // so the retry sees the first attempt's hold instead of reserving the units a second time.
        await lockOrder(tx, request.orderId);
        const existing = await liveHold(tx as unknown as Database, request.orderId);
        if (existing) return existing;
        // ...and an attempt that reaches the lock after the order was undone (declined, released) must not hold the
        // units again: nothing would give them back before the next reconciliation.
        const undone = await whyUndone(tx, request.orderId);
        if (undone) throw new HoldReleased(undone);

        const demand = demandBySku(request.lines);
        const levels = await tx
          .select({ sku: stock.sku, warehouse: stock.warehouse, available: sql<number>`${stock.onHand} - ${stock.reserved}` })
          .from(stock)
          .where(inArray(stock.sku, [...demand.keys()]));
        const picks = request.policy(demand, levels, request.shipTo);
        if (!picks) throw new OutOfStock(describeShortage(demand, levels));

        // A fixed order of row updates keeps concurrent reservations from deadlocking.
        for (const pick of [...picks].sort((a, b) => a.sku.localeCompare(b.sku) || a.warehouse.localeCompare(b.warehouse))) {
          const updated = await tx
            .update(stock)
            .set({ reserved: sql`${stock.reserved} + ${pick.quantity}`, updatedAt: sql`now()` })
            .where(and(eq(stock.sku, pick.sku), eq(stock.warehouse, pick.warehouse), sql`${stock.onHand} - ${stock.reserved} >= ${pick.quantity}`))
            .returning({ sku: stock.sku });
          if (updated.length === 0) throw new LostRace();
        }

        const expiresAt = new Date(Date.now() + request.holdTtlMs);
        await tx
          .insert(reservations)
          .values(picks.map((p) => ({ orderId: request.orderId, sku: p.sku, warehouse: p.warehouse, quantity: p.quantity, status: 'held' as const, expiresAt })))
          .onConflictDoUpdate({
            target: [reservations.orderId, reservations.sku, reservations.warehouse],
            set: { quantity: sql`excluded.quantity`, status: 'held', expiresAt, updatedAt: sql`now()` },
          });
        const plans = planShipments(request.orderId, picks, request.lines);
        const written = await tx
          .insert(shipments)
          .values(plans.map((p) => ({ id: p.shipmentId, orderId: request.orderId, warehouse: p.warehouse, lines: p.lines, status: 'allocated', amountCents: p.amountCents!, pricedLines: p.pricedLines! })))
          .onConflictDoUpdate({
            target: shipments.id,
            set: { warehouse: sql`excluded.warehouse`, lines: sql`excluded.lines`, status: 'allocated', amountCents: sql`excluded.amount_cents`, pricedLines: sql`excluded.priced_lines` },
            // A shipment's status never goes back (db/shipmentStatuses.ts): one already labelled or undone is not allocated again.
            setWhere: mayBecome('allocated'),
          })
          .returning({ id: shipments.id });
        if (written.length < plans.length) throw new HoldReleased(`a shipment of ${request.orderId} is past allocated`);
        await appendOrderEvent(tx, {
          orderId: request.orderId,
          type: 'inventory.reserved',
          detail: { picks, expiresAt: expiresAt.toISOString() },
          dedupeKey: `${request.orderId}:inventory.reserved:${expiresAt.getTime()}`,
        });
        return { shipments: plans, expiresAt: expiresAt.toISOString() };
      });
    } catch (err) {
      // Another order took the units between our read and our update: allocate again from fresh numbers.
      if (err instanceof LostRace && attempt < 50) continue;
      if (err instanceof LostRace) throw new OutOfStock('stock was taken by concurrent orders');
      throw err;
    }
  }
}

/** One shipment per warehouse, numbered in a stable order so retries name the same shipments, each with its share of the money. */
export function planShipments(orderId: string, picks: readonly Pick[], orderLines: readonly (Omit<OrderLine, 'unitPriceCents'> & { unitPriceCents?: number })[] = picks): ShipmentPlan[] {
  const byWarehouse = new Map<string, { sku: string; quantity: number }[]>();
  for (const pick of picks) {
    const lines = byWarehouse.get(pick.warehouse) ?? [];
    lines.push({ sku: pick.sku, quantity: pick.quantity });
    byWarehouse.set(pick.warehouse, lines);
  }
  const plans = [...byWarehouse.keys()].sort().map((warehouse, i) => ({ shipmentId: shipmentId(orderId, i), warehouse, lines: byWarehouse.get(warehouse)! }));
  const prices = priceShipments(orderLines.map((l) => ({ ...l, unitPriceCents: l.unitPriceCents ?? 0 })), plans);
  return plans.map((plan, i) => ({ ...plan, ...prices[i]! }));
}

async function liveHold(db: Database, orderId: string): Promise<Hold | undefined> {
  const rows = await db.select().from(reservations).where(and(eq(reservations.orderId, orderId), inArray(reservations.status, [...LIVE])));
  if (rows.length === 0) return undefined;
  const plans = await db.select().from(shipments).where(eq(shipments.orderId, orderId)).orderBy(asc(shipments.id));
  const expiries = rows.map((r) => r.expiresAt?.getTime() ?? Number.POSITIVE_INFINITY);
  return {
    shipments: plans.map((s) => ({ shipmentId: s.id, warehouse: s.warehouse, lines: s.lines, pricedLines: s.pricedLines ?? [], amountCents: s.amountCents })),
    expiresAt: Number.isFinite(Math.min(...expiries)) ? new Date(Math.min(...expiries)).toISOString() : new Date(8.64e15).toISOString(),
  };
}

/** Why the order may no longer reserve (its hold was released, or it is undone or ended), if it may not. */
async function whyUndone(tx: Tx, orderId: string): Promise<string | undefined> {
  const released = await tx
    .select({ warehouse: reservations.warehouse })
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), eq(reservations.status, 'released')))
    .limit(1);
  if (released.length > 0) return `the hold of ${orderId} was released`;
  const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, orderId));
  if (order && (UNDONE as readonly string[]).includes(order.status)) return `order ${orderId} is ${order.status}`;
  return undefined;
}

function describeShortage(demand: Map<string, number>, levels: { sku: string; available: number }[]): string {
  const short = [...demand]
    .map(([sku, wanted]) => ({ sku, wanted, available: levels.filter((l) => l.sku === sku).reduce((n, l) => n + Math.max(0, l.available), 0) }))
    .filter((s) => s.available < s.wanted);
  return short.length === 0
    ? 'no single allocation covers the order'
    : short.map((s) => `${s.sku}: wanted ${s.wanted}, available ${s.available}`).join('; ');
}

/**
 * Gives back every live unit of an order (or of its shipment from one warehouse), exactly once: held units
 * return to available, committed (handed-off) units return to on hand. Safe to call for an order that never reserved.
 */
export async function release(db: Database, orderId: string, why: string, warehouse?: string, statuses: readonly ('held' | 'committed')[] = LIVE): Promise<number> {
  return db.transaction(async (tx) => {
    // Serialized with reserve(): a reservation in flight commits first and is released here, or sees this release.
    await lockOrder(tx, orderId);
    const ofThisHold = and(eq(reservations.orderId, orderId), inArray(reservations.status, [...statuses]), warehouse === undefined ? undefined : eq(reservations.warehouse, warehouse));
    const live = await tx.select().from(reservations).where(ofThisHold).for('update');
    for (const r of live) {
      const change =
        r.status === 'held'
          ? { reserved: sql`${stock.reserved} - ${r.quantity}` }
          : { onHand: sql`${stock.onHand} + ${r.quantity}` };
      await tx.update(stock).set({ ...change, updatedAt: sql`now()` }).where(and(eq(stock.sku, r.sku), eq(stock.warehouse, r.warehouse)));
    }
    if (live.length > 0) {
      await tx.update(reservations).set({ status: 'released', updatedAt: sql`now()` }).where(ofThisHold);
      // A hold can outlive (or never have had) its order row; the timeline exists only for real orders.
      const [order] = await tx.select({ id: orders.id }).from(orders).where(eq(orders.id, orderId));
      if (order) {
        await appendOrderEvent(tx, { orderId, type: 'inventory.released', detail: { why, units: live.reduce((n, r) => n + r.quantity, 0), ...(warehouse ? { warehouse } : {}) }, dedupeKey: `${orderId}:inventory.released:${warehouse ?? '*'}:${Date.now()}` });
      }
    }
    return live.reduce((n, r) => n + r.quantity, 0);
  });
}

/** At the warehouse handoff a hold becomes a decrement of on hand, exactly once. */
export async function commit(tx: Tx, orderId: string, warehouse: string): Promise<number> {
  const held = await tx
    .select()
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), eq(reservations.warehouse, warehouse), eq(reservations.status, 'held')))
    .for('update');
  for (const r of held) {
    await tx
      .update(stock)
      .set({ onHand: sql`${stock.onHand} - ${r.quantity}`, reserved: sql`${stock.reserved} - ${r.quantity}`, updatedAt: sql`now()` })
      .where(and(eq(stock.sku, r.sku), eq(stock.warehouse, r.warehouse)));
  }
  if (held.length > 0) {
    await tx
      .update(reservations)
      .set({ status: 'committed', updatedAt: sql`now()` })
      .where(and(eq(reservations.orderId, orderId), eq(reservations.warehouse, warehouse), eq(reservations.status, 'held')));
  }
  return held.reduce((n, r) => n + r.quantity, 0);
}

/** Whether the order still holds (or has already committed) its units in this warehouse. */
export async function holdIsLive(db: Database, orderId: string, warehouse: string): Promise<boolean> {
  const rows = await db
    .select({ status: reservations.status })
    .from(reservations)
    .where(and(eq(reservations.orderId, orderId), eq(reservations.warehouse, warehouse), inArray(reservations.status, [...LIVE])))
    .limit(1);
  return rows.length > 0;
}

/**
 * While an order waits for a human its held units have no expiry (null); when the human resumes it they get a
 * fresh TTL. Committed units are the warehouse's already and keep none.
 */
export async function setHoldExpiry(db: Database, orderId: string, ttlMs: number | null): Promise<number> {
  const updated = await db
    .update(reservations)
    .set({ expiresAt: ttlMs === null ? null : sql`now() + make_interval(secs => ${ttlMs / 1000})`, updatedAt: sql`now()` })
    .where(and(eq(reservations.orderId, orderId), eq(reservations.status, 'held')))
    .returning({ sku: reservations.sku });
  return updated.length;
}
