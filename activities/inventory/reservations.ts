import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import postgres from 'postgres';
import type { Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { orderEvents, orders, reservations, shipments, stock } from '../../db/schema';
import { mayBecome } from '../../db/shipmentStatuses';
import { shipmentId, priceShipments, TERMINAL_STATUSES, type Address, type OrderLine, type OrderStatus } from '../../workflows/order/contract';
import type { Hold } from '../../workflows/inventory/contract';
import type { ShipmentPlan } from '../../workflows/shipment/contract';
import { demandBySku, type AllocationPolicy, type Pick, type StockLevel } from './allocation';
import { Coalescer, type Settled } from './coalesce';

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

export interface ReserveRequest {
  orderId: string;
  lines: (Omit<OrderLine, 'unitPriceCents'> & { unitPriceCents?: number })[];
  shipTo: Address;
  holdTtlMs: number;
  policy: AllocationPolicy;
}

/**
 * Reserves every line of an order. Concurrent reservations of the same SKUs in this process are coalesced: while
 * one transaction of those SKUs is in flight, the next callers queue, and one transaction then reserves for all of
 * them (`reserveTogether`: one update per stock row, a hold per order, each caller its own answer). A caller alone
 * runs `reserveAlone`, today's one-order transaction. A retry of the same order returns its existing hold.
 */
export function reserve(db: Database, request: ReserveRequest): Promise<Hold> {
  return reservationCoalescer(db).submit([...demandBySku(request.lines).keys()].sort().join('\u0000'), request);
}

/** How many orders one coalesced transaction reserves at most (the rest wait for the next one). */
export const MAX_ORDERS_PER_TRANSACTION = 256;
const coalescers = new WeakMap<Database, Coalescer<ReserveRequest, Hold>>();

/** The coalescer of this database handle: one lane per set of SKUs, one transaction in flight per lane. */
export function reservationCoalescer(db: Database): Coalescer<ReserveRequest, Hold> {
  let coalescer = coalescers.get(db);
  if (!coalescer) {
    coalescer = new Coalescer((requests) => reserveEach(db, requests), MAX_ORDERS_PER_TRANSACTION);
    coalescers.set(db, coalescer);
  }
  return coalescer;
}

/**
 * Reserves every line of an order in one short transaction of conditional updates. Nothing is locked
 * while vendors are called: the hold is a row, and `reserved <= on_hand` is enforced by the database.
 * A retry of the same order returns its existing hold.
 */
export async function reserveAlone(db: Database, request: ReserveRequest): Promise<Hold> {
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

/**
 * Answers a coalesced batch, each request its own: retries of one order in the batch share one reservation and one
 * answer; the others are reserved together.
 */
async function reserveEach(db: Database, requests: readonly ReserveRequest[]): Promise<Settled<Hold>[]> {
  const firstOf = new Map<string, ReserveRequest>();
  for (const r of requests) if (!firstOf.has(r.orderId)) firstOf.set(r.orderId, r);
  const answers = await settleTogether(db, [...firstOf.values()]);
  return requests.map((r) => answers.get(r.orderId)!);
}

async function settled<T>(run: () => Promise<T>): Promise<Settled<T>> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    return { ok: false, error };
  }
}

/** An order of a batch whose answer shows only once its rows are written (a shipment already past allocated). */
class AnswerAlone extends Error {
  constructor(readonly orderId: string) {
    super(`order ${orderId} is answered alone`);
  }
}

/**
 * No answer from Postgres: the connection was lost (or never made), and a commit in flight may or may not have
 * happened. Any other error (Postgres refused a statement or the commit, or the code threw) rolled the whole
 * transaction back.
 */
function lostConnection(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if (e instanceof postgres.PostgresError) return false;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && /^(CONNECTION_|CONNECT_TIMEOUT|ECONN|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)/.test(code)) return true;
  }
  return false;
}

/**
 * Every order of `requests` gets its own answer, and no order's failure is another's: a batch whose transaction
 * fails (every write of it rolled back) is halved and each half tried again, so a bad order costs about
 * 2·log2(n) short transactions and fails only itself. A lost connection (the commit may or may not have
 * happened, and halving would only wait on the connection again) is every caller's to retry; a retry finds its
 * hold if there was one.
 */
async function settleTogether(db: Database, requests: readonly ReserveRequest[]): Promise<Map<string, Settled<Hold>>> {
  if (requests.length === 1) return new Map([[requests[0]!.orderId, await settled(() => reserveAlone(db, requests[0]!))]]);
  try {
    return await reserveTogether(db, requests);
  } catch (err) {
    if (err instanceof AnswerAlone) {
      const rest = await settleTogether(db, requests.filter((r) => r.orderId !== err.orderId));
      const alone = requests.find((r) => r.orderId === err.orderId)!;
      rest.set(alone.orderId, await settled(() => reserveAlone(db, alone)));
      return rest;
    }
    if (lostConnection(err)) return new Map(requests.map((r) => [r.orderId, { ok: false, error: err }]));
    const half = Math.ceil(requests.length / 2);
    const first = await settleTogether(db, requests.slice(0, half));
    const second = await settleTogether(db, requests.slice(half));
    return new Map([...first, ...second]);
  }
}

const byRow = (a: { sku: string; warehouse: string }, b: { sku: string; warehouse: string }) => a.sku.localeCompare(b.sku) || a.warehouse.localeCompare(b.warehouse);

/**
 * Reserves for several orders (distinct ids) in one transaction, with what `reserveAlone` guarantees each of them:
 * - every order's advisory lock (taken in one statement, in hash order, so two batches cannot deadlock), then
 *   its live hold (answered as is), its release or undoing (HoldReleased), read for all orders at once;
 * - one plain read of the stock rows; orders are allocated in arrival order from what the earlier ones left, each
 *   all or nothing: an order that does not fit is refused (OutOfStock) and the later ones still may fit;
 * - the holds, shipments and events of every granted order in one statement each, then one conditional update
 *   per stock row for the sum of its picks (`on_hand − reserved >= total`), last, so the hot row is locked only
 *   from that update to the commit. A row that no longer has the total (another process took units since the
 *   read) rolls everything back and the batch is allocated again from fresh numbers.
 * Throws only when the transaction failed (nothing written): `settleTogether` then splits the batch.
 */
async function reserveTogether(db: Database, requests: readonly ReserveRequest[]): Promise<Map<string, Settled<Hold>>> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(async (tx) => {
        const ids = requests.map((r) => r.orderId);
        await tx.execute(sql`select pg_advisory_xact_lock(h) from (select distinct hashtext(id) as h from unnest(array[${sql.join(ids.map((id) => sql`${id}`), sql`, `)}]::text[]) as id order by h) as locks`);
        const [rows, plans, statuses] = await Promise.all([
          tx.select({ orderId: reservations.orderId, status: reservations.status, expiresAt: reservations.expiresAt }).from(reservations).where(inArray(reservations.orderId, ids)),
          tx.select().from(shipments).where(inArray(shipments.orderId, ids)).orderBy(asc(shipments.id)),
          tx.select({ id: orders.id, status: orders.status }).from(orders).where(inArray(orders.id, ids)),
        ]);
        const answers = new Map<string, Settled<Hold>>();
        const toAllocate: ReserveRequest[] = [];
        for (const request of requests) {
          const mine = rows.filter((r) => r.orderId === request.orderId);
          const live = mine.filter((r) => (LIVE as readonly string[]).includes(r.status));
          const status = statuses.find((o) => o.id === request.orderId)?.status;
          if (live.length > 0) answers.set(request.orderId, { ok: true, value: holdOf(live, plans.filter((p) => p.orderId === request.orderId)) });
          else if (mine.some((r) => r.status === 'released')) answers.set(request.orderId, { ok: false, error: new HoldReleased(`the hold of ${request.orderId} was released`) });
          else if (status && (UNDONE as readonly string[]).includes(status)) answers.set(request.orderId, { ok: false, error: new HoldReleased(`order ${request.orderId} is ${status}`) });
          else toAllocate.push(request);
        }
        if (toAllocate.length === 0) return answers;

        const skus = [...new Set(toAllocate.flatMap((r) => r.lines.map((l) => l.sku)))];
        const levels: StockLevel[] = await tx
          .select({ sku: stock.sku, warehouse: stock.warehouse, available: sql<number>`${stock.onHand} - ${stock.reserved}` })
          .from(stock)
          .where(inArray(stock.sku, skus));
        const granted: { request: ReserveRequest; picks: Pick[]; plans: ShipmentPlan[]; expiresAt: Date }[] = [];
        for (const request of toAllocate) {
          const demand = demandBySku(request.lines);
          const picks = request.policy(demand, levels, request.shipTo);
          // A policy's picks are checked here, as reserveAlone's conditional updates check them: an order that asks
          // for more than a row has left is refused alone, never carried into the batch's update of that row.
          const need = new Map<string, number>();
          for (const p of picks ?? []) need.set(`${p.sku}\u0000${p.warehouse}`, (need.get(`${p.sku}\u0000${p.warehouse}`) ?? 0) + p.quantity);
          const fits = picks?.every((p) => p.quantity > 0) && [...need].every(([key, n]) => (levels.find((l) => `${l.sku}\u0000${l.warehouse}` === key)?.available ?? 0) >= n);
          if (!picks || !fits) {
            answers.set(request.orderId, { ok: false, error: new OutOfStock(describeShortage(demand, levels)) });
            continue;
          }
          for (const p of picks) levels.find((l) => l.sku === p.sku && l.warehouse === p.warehouse)!.available -= p.quantity;
          granted.push({ request, picks, plans: planShipments(request.orderId, picks, request.lines), expiresAt: new Date(Date.now() + request.holdTtlMs) });
        }
        if (granted.length === 0) return answers;

        await tx
          .insert(reservations)
          .values(granted.flatMap((g) => g.picks.map((p) => ({ orderId: g.request.orderId, sku: p.sku, warehouse: p.warehouse, quantity: p.quantity, status: 'held' as const, expiresAt: g.expiresAt }))))
          .onConflictDoUpdate({
            target: [reservations.orderId, reservations.sku, reservations.warehouse],
            set: { quantity: sql`excluded.quantity`, status: 'held', expiresAt: sql`excluded.expires_at`, updatedAt: sql`now()` },
          });
        const written = await tx
          .insert(shipments)
          .values(granted.flatMap((g) => g.plans.map((p) => ({ id: p.shipmentId, orderId: g.request.orderId, warehouse: p.warehouse, lines: p.lines, status: 'allocated', amountCents: p.amountCents!, pricedLines: p.pricedLines! }))))
          .onConflictDoUpdate({
            target: shipments.id,
            set: { warehouse: sql`excluded.warehouse`, lines: sql`excluded.lines`, status: 'allocated', amountCents: sql`excluded.amount_cents`, pricedLines: sql`excluded.priced_lines` },
            setWhere: mayBecome('allocated'),
          })
          .returning({ orderId: shipments.orderId });
        for (const g of granted) {
          // A shipment already past allocated: reserveAlone answers this order (HoldReleased), the rest go again without it.
          if (written.filter((w) => w.orderId === g.request.orderId).length < g.plans.length) throw new AnswerAlone(g.request.orderId);
        }
        await tx
          .insert(orderEvents)
          .values(granted.map((g) => ({ orderId: g.request.orderId, type: 'inventory.reserved', detail: { picks: g.picks, expiresAt: g.expiresAt.toISOString() }, dedupeKey: `${g.request.orderId}:inventory.reserved:${g.expiresAt.getTime()}` })))
          .onConflictDoNothing({ target: orderEvents.dedupeKey });

        const totals = new Map<string, { sku: string; warehouse: string; quantity: number }>();
        for (const p of granted.flatMap((g) => g.picks)) {
          const key = `${p.sku}\u0000${p.warehouse}`;
          const total = totals.get(key) ?? { sku: p.sku, warehouse: p.warehouse, quantity: 0 };
          total.quantity += p.quantity;
          totals.set(key, total);
        }
        for (const row of [...totals.values()].sort(byRow)) {
          const updated = await tx
            .update(stock)
            .set({ reserved: sql`${stock.reserved} + ${row.quantity}`, updatedAt: sql`now()` })
            .where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse), sql`${stock.onHand} - ${stock.reserved} >= ${row.quantity}`))
            .returning({ sku: stock.sku });
          if (updated.length === 0) throw new LostRace();
        }
        for (const g of granted) answers.set(g.request.orderId, { ok: true, value: { shipments: g.plans, expiresAt: g.expiresAt.toISOString() } });
        return answers;
      });
    } catch (err) {
      if (err instanceof LostRace && attempt < 50) continue;
      if (err instanceof LostRace) return new Map(requests.map((r) => [r.orderId, { ok: false, error: new OutOfStock('stock was taken by concurrent orders') }]));
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
  return holdOf(rows, plans);
}

/** The hold an order's live reservation rows and its planned shipments (in id order) describe. */
function holdOf(rows: readonly { expiresAt: Date | null }[], plans: readonly (typeof shipments.$inferSelect)[]): Hold {
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
