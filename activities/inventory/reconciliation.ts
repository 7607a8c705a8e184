import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Correction, ReconciliationReport } from '../../workflows/inventory/contract';
import { reconciliationRuns, stock } from '../../db/schema';
import type { ErpPort, ErpSnapshot, ErpStockRow } from '../erp/contract';
import { release } from './reservations';
import { viaPort } from '../vendorErrors';
import { terminalStatusList } from '../../db/terminalStatuses';

const keyOf = (sku: string, warehouse: string) => `${sku}\u0000${warehouse}`;
type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** How many times a run reads both books again when a unit moved between its reads and its corrections. */
export const RECONCILE_ATTEMPTS = 3;
/**
 * How much earlier than the oldest order that has not ended the ERP is asked for its orders: room for the two
 * clocks to disagree. An order listed that had ended here before the run began counts nothing, so a wide margin
 * only lengthens the answer.
 */
const RECORDED_SINCE_MARGIN_MS = 10 * 60_000;

/** Hotpath's books as one read saw them, in the terms the drift is computed in. */
interface Books {
  onHand: Map<string, number>;
  /** Units committed to the WMS, per order that had not ended as of the read. */
  committed: Map<string, Map<string, number>>;
  /** ERP references whose recorded units count in flight: orders that had not ended as of the read. */
  counted: Set<string>;
  /**
   * Units a return restocked here whose ERP credit was not recorded as of the read, per `<returnId>:<shipmentId>`:
   * on hand here, not yet in the ERP's books, unless the ERP's answer lists that credit.
   */
  restocked: Map<string, Map<string, number>>;
}

/** A correction as computed, before the holds it may not take from are known. */
type Drift = Omit<Correction, 'shortfall'>;

/**
 * Brings Hotpath's on hand in line with the ERP. Hotpath's books are read first, then the ERP's, and an order
 * that moved in between is accounted for:
 * - One repeatable-read snapshot reads local on hand and, per order that has not ended, the units committed to
 *   the WMS. The snapshot stays open (read only, no row locked) while the ERP answers its stock together with the
 *   net units of every order it recorded since the oldest order that had not ended (one answer, one instant);
 *   then the same snapshot tells which of the ERP's orders had ended before it, and which it did not know yet.
 * - In flight, per order that had not ended as of the snapshot: its committed units then, minus what the ERP has
 *   recorded for it by its answer. An order recorded (or credited) at the ERP and ended in between is still
 *   counted, with the units its record took (or gave back); an order placed after the snapshot and already at the
 *   ERP counts what the ERP recorded, negatively, since the snapshot's on hand does not have it. An order that had
 *   ended before the snapshot is in both books and counts nothing; an ERP order Hotpath does not have is the
 *   ERP's alone, and the drift it causes is corrected.
 * - Corrections are applied one run at a time (advisory lock), as deltas to the row as it is at that moment,
 *   never below what live holds reserve. Under the lock a fresh read is compared with the ERP's answer once more:
 *   a SKU whose drift differs (a unit moved that the first read could not see, such as a correction another
 *   run applied meanwhile) is not corrected from these reads; the run reads both books again, up to
 *   RECONCILE_ATTEMPTS times, and a SKU still moving is left for the next run (`unsettled` in the run's details).
 * The run is stored in the same transaction, so a retried activity returns the run it already applied instead of
 * applying it again, and a second run on unchanged books changes nothing.
 */
export async function reconcileStock(db: Database, erp: ErpPort, runId: string, skus?: string[]): Promise<Omit<ReconciliationReport, 'holdsReleased'>> {
  const applied = await storedRun(db, runId);
  if (applied) return applied;
  for (let attempt = 1; ; attempt++) {
    const read = await readBooksThenErp(db, erp, skus);
    const report = await db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(4242)`);
      const again = await storedRun(tx as unknown as Database, runId);
      if (again) return again;
      // Orders the snapshot did not know: placed after it (count them), or not Hotpath's at all (the ERP's alone).
      for (const { id } of await tx.execute<{ id: string }>(sql`select id from orders where id in ${listOf(read.unseen)}`)) read.books.counted.add(id);
      const drift = driftOf(read.books, read.snapshot, skus);
      // The fresh read, after the ERP's answer: a unit that moved unseen by the first read changes its drift.
      const fresh = driftOf(await readLocal(tx, read.snapshot, skus), read.snapshot, skus);
      const unsettled = [...drift.values()].filter((d) => d.delta !== fresh.get(keyOf(d.sku, d.warehouse))?.delta);
      if (unsettled.length > 0 && attempt < RECONCILE_ATTEMPTS) return undefined;
      return applyCorrections(tx, runId, read.snapshot, skus, drift, new Set(unsettled.map((d) => keyOf(d.sku, d.warehouse))));
    });
    if (report) return report;
  }
}

/**
 * Hotpath's books in one repeatable-read snapshot, then the ERP's answer, then what that snapshot knew of the ERP's
 * orders. The read-only transaction is open for the ERP's one read (bounded by the port's timeout): it holds a
 * pool connection and the tables' share locks (which only DDL waits for), no row lock, and writes nothing.
 */
async function readBooksThenErp(db: Database, erp: ErpPort, skus: string[] | undefined): Promise<{ books: Books; snapshot: ErpSnapshot; unseen: string[] }> {
  return db.transaction(
    async (tx) => {
      const local = await tx.execute<{ kind: 'since' | 'stock' | 'committed'; sku: string | null; warehouse: string | null; units: number; order_id: string | null; since: Date | string | null }>(sql`
        with live as (select id, created_at from orders where status not in ${terminalStatusList()}),
          uncredited as (select return_id, shipment_id, sku, warehouse, resellable, stock_settled_at from return_lines where stock_settled_at is not null and erp_credited_at is null)
        select 'since' as kind, null as sku, null as warehouse, 0 as units, null as order_id,
          coalesce(least((select min(created_at) from live), (select min(stock_settled_at) from uncredited)), now()) as since
        union all
        select 'restocked', u.sku, u.warehouse, sum(u.resellable)::int, u.return_id || ':' || u.shipment_id, null
          from uncredited u where u.resellable > 0 ${skus ? sql`and u.sku in ${skus}` : sql``}
          group by u.sku, u.warehouse, u.return_id, u.shipment_id
        union all
        select 'stock', s.sku, s.warehouse, s.on_hand, null, null from stock s ${skus ? sql`where s.sku in ${skus}` : sql``}
        union all
        select 'committed', r.sku, r.warehouse, sum(r.quantity)::int, r.order_id, null
          from reservations r join live on live.id = r.order_id
          where r.status = 'committed' ${skus ? sql`and r.sku in ${skus}` : sql``}
          group by r.sku, r.warehouse, r.order_id`);
      const books = booksOf(local);
      const since = new Date(local.find((r) => r.kind === 'since')!.since!);
      const snapshot = await viaPort(() => erp.stockSnapshot(new Date(since.getTime() - RECORDED_SINCE_MARGIN_MS)));
      // The same snapshot, after the ERP answered: which of its orders had not ended, and which it did not know.
      const references = snapshot.orders.map((o) => o.reference);
      const known = await tx.execute<{ id: string; live: boolean }>(sql`select id, status not in ${terminalStatusList()} as live from orders where id in ${listOf(references)}`);
      for (const { id, live } of known) if (live) books.counted.add(id);
      const seen = new Set(known.map((o) => o.id));
      return { books, snapshot, unseen: references.filter((r) => !seen.has(r)) };
    },
    { isolationLevel: 'repeatable read', accessMode: 'read only' },
  );
}

/** Hotpath's books as they are now (one statement), for the ERP's orders in `snapshot`. */
async function readLocal(tx: Tx, snapshot: ErpSnapshot, skus: string[] | undefined): Promise<Books> {
  const local = await tx.execute<{ kind: 'stock' | 'committed' | 'live' | 'restocked'; sku: string | null; warehouse: string | null; units: number; order_id: string | null }>(sql`
    with live as (select id from orders where status not in ${terminalStatusList()})
    select 'stock' as kind, s.sku, s.warehouse, s.on_hand as units, null as order_id from stock s ${skus ? sql`where s.sku in ${skus}` : sql``}
    union all
    select 'restocked', l.sku, l.warehouse, sum(l.resellable)::int, l.return_id || ':' || l.shipment_id
      from return_lines l where l.stock_settled_at is not null and l.erp_credited_at is null and l.resellable > 0 ${skus ? sql`and l.sku in ${skus}` : sql``}
      group by l.sku, l.warehouse, l.return_id, l.shipment_id
    union all
    select 'committed', r.sku, r.warehouse, sum(r.quantity)::int, r.order_id
      from reservations r join live on live.id = r.order_id
      where r.status = 'committed' ${skus ? sql`and r.sku in ${skus}` : sql``}
      group by r.sku, r.warehouse, r.order_id
    union all
    select 'live', null, null, 0, live.id from live where live.id in ${listOf(snapshot.orders.map((o) => o.reference))}`);
  const books = booksOf(local);
  for (const row of local) if (row.kind === 'live') books.counted.add(row.order_id!);
  return books;
}

function booksOf(rows: readonly { kind: string; sku: string | null; warehouse: string | null; units: number; order_id: string | null }[]): Books {
  const books: Books = { onHand: new Map(), committed: new Map(), counted: new Set(), restocked: new Map() };
  for (const row of rows) {
    if (row.kind === 'stock') books.onHand.set(keyOf(row.sku!, row.warehouse!), row.units);
    if (row.kind === 'restocked') {
      const perReturn = books.restocked.get(row.order_id!) ?? new Map<string, number>();
      perReturn.set(keyOf(row.sku!, row.warehouse!), row.units);
      books.restocked.set(row.order_id!, perReturn);
      continue;
    }
    if (row.kind !== 'committed') continue;
    const perOrder = books.committed.get(row.order_id!) ?? new Map<string, number>();
    perOrder.set(keyOf(row.sku!, row.warehouse!), row.units);
    books.committed.set(row.order_id!, perOrder);
  }
  return books;
}

/**
 * Drift per (SKU, warehouse) Hotpath has and the ERP lists: ERP on hand − in flight − local on hand. In flight,
 * per order that had not ended as of the read: what it committed here minus what the ERP recorded for it (a
 * handoff not yet recorded, or a cancelled shipment not yet credited). An order with no committed row left (a
 * cancelled shipment awaiting its credit, or one placed after the read) still counts the ERP's units.
 */
function driftOf(books: Books, snapshot: ErpSnapshot, skus: string[] | undefined): Map<string, Drift> {
  const erpNet = new Map<string, Map<string, number>>();
  for (const o of snapshot.orders) erpNet.set(o.reference, new Map(o.net.map((n) => [keyOf(n.sku, n.warehouse), n.quantity])));
  const inFlight = new Map<string, number>();
  for (const orderId of new Set([...books.committed.keys(), ...books.counted])) {
    const here = books.committed.get(orderId) ?? new Map<string, number>();
    const there = erpNet.get(orderId) ?? new Map<string, number>();
    for (const key of new Set([...here.keys(), ...there.keys()])) inFlight.set(key, (inFlight.get(key) ?? 0) + (here.get(key) ?? 0) - (there.get(key) ?? 0));
  }
  // Units a return restocked here before its ERP credit: on hand here and not yet in the ERP's (negative in flight),
  // unless the ERP's answer already has the credit (then both books have them).
  const creditedAtErp = new Set((snapshot.returnCredits ?? []).map((c) => `${c.returnId}:${c.shipmentId}`));
  for (const [returnShipment, units] of books.restocked) {
    if (creditedAtErp.has(returnShipment)) continue;
    for (const [key, quantity] of units) inFlight.set(key, (inFlight.get(key) ?? 0) - quantity);
  }
  const drift = new Map<string, Drift>();
  for (const row of snapshot.stock) {
    if (skus && !skus.includes(row.sku)) continue;
    const key = keyOf(row.sku, row.warehouse);
    const localOnHand = books.onHand.get(key);
    if (localOnHand === undefined) continue;
    const units = inFlight.get(key) ?? 0;
    drift.set(key, { sku: row.sku, warehouse: row.warehouse, erpOnHand: row.onHand, localOnHand, inFlight: units, delta: row.onHand - units - localOnHand });
  }
  return drift;
}

/** Applies the settled drift and stores the run, in the caller's transaction (under the advisory lock). */
async function applyCorrections(tx: Tx, runId: string, snapshot: ErpSnapshot, skus: string[] | undefined, drift: Map<string, Drift>, unsettled: Set<string>): Promise<Omit<ReconciliationReport, 'holdsReleased'>> {
  const erpRows = snapshot.stock.filter((r) => !skus || skus.includes(r.sku));
  const corrections: Correction[] = [];
  let newRows = 0;
  for (const row of erpRows) {
    const key = keyOf(row.sku, row.warehouse);
    const entry = drift.get(key);
    if (!entry) {
      newRows += await addNewRow(tx as unknown as Database, row);
      continue;
    }
    if (entry.delta === 0 || unsettled.has(key)) continue;
    const { delta } = entry;
    const [current] = await tx
      .select({ onHand: stock.onHand, reserved: stock.reserved })
      .from(stock)
      .where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse)))
      .for('update');
    // Live holds are never taken away: the correction stops at what they reserve.
    const target = Math.max(current!.onHand + delta, current!.reserved);
    await tx.update(stock).set({ onHand: target, updatedAt: sql`now()` }).where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse)));
    corrections.push({ sku: row.sku, warehouse: row.warehouse, erpOnHand: row.onHand, localOnHand: entry.localOnHand, inFlight: entry.inFlight, delta, shortfall: target - (current!.onHand + delta) });
  }
  const unitsCorrected = corrections.reduce((n, c) => n + Math.abs(c.delta), 0);
  const erpUnits = erpRows.reduce((n, r) => n + r.onHand, 0);
  const variancePct = erpUnits === 0 ? 0 : Math.round((unitsCorrected / erpUnits) * 10_000) / 100;
  const report = { runId, skusChecked: new Set(erpRows.map((r) => r.sku)).size, corrections, unitsCorrected, variancePct, newRows };
  const left = [...unsettled].map((key) => drift.get(key)!).map(({ sku, warehouse }) => ({ sku, warehouse }));
  await tx.insert(reconciliationRuns).values({
    id: runId,
    trigger: 'pending',
    startedAt: new Date(),
    skusChecked: report.skusChecked,
    corrections: corrections.length,
    unitsCorrected,
    variancePct: variancePct.toFixed(2),
    holdsReleased: 0,
    details: { corrections, newRows, ...(left.length > 0 ? { unsettled: left } : {}) },
    finishedAt: null,
  });
  return report;
}

/** A list for `in ${…}` that is never empty (an empty `in ()` is a syntax error). */
const listOf = (values: readonly string[]) => (values.length > 0 ? [...values] : ['']);

/** The run this id already applied, if any: what a retried activity answers instead of applying it twice. */
async function storedRun(db: Database, runId: string): Promise<Omit<ReconciliationReport, 'holdsReleased'> | undefined> {
  const [run] = await db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, runId));
  if (!run) return undefined;
  const details = run.details as { corrections: Correction[]; newRows: number };
  return { runId, skusChecked: run.skusChecked, corrections: details.corrections, unitsCorrected: run.unitsCorrected, variancePct: Number(run.variancePct), newRows: details.newRows };
}

/** A SKU the ERP has and Hotpath lacks; an overdrawn ERP row (negative) starts at 0, as on hand is never negative. */
async function addNewRow(db: Database, row: ErpStockRow): Promise<number> {
  const inserted = await db.insert(stock).values({ sku: row.sku, warehouse: row.warehouse, onHand: Math.max(0, row.onHand) }).onConflictDoNothing().returning({ sku: stock.sku });
  return inserted.length;
}

/**
 * The safety net behind the saga: releases holds whose order has ended or does not exist. Holds of an order
 * that has not ended are the saga's (it releases them at their TTL, and keeps them while a human decides), so
 * this never touches them. Each release is noted once per run, so a retried activity counts the same releases.
 */
export async function releaseStaleHolds(db: Database, runId: string, skus?: string[]): Promise<number> {
  const stale = await db.execute<{ order_id: string }>(sql`
    select distinct r.order_id from reservations r left join orders o on o.id = r.order_id
    where r.status = 'held'
      ${skus ? sql`and r.sku in ${skus}` : sql``}
      and (o.id is null or o.status in ${terminalStatusList()})`);
  for (const { order_id } of stale) {
    if ((await release(db, order_id, 'reconciliation: the order has ended')) > 0) {
      await db.execute(sql`insert into reconciliation_releases (run_id, order_id) values (${runId}, ${order_id}) on conflict do nothing`);
    }
  }
  const [counted] = await db.execute<{ n: number }>(sql`select count(*)::int as n from reconciliation_releases where run_id = ${runId}`);
  return counted?.n ?? 0;
}

/** Marks the applied run finished, once; returns whether this call did (so metrics count each run once). */
export async function recordRun(db: Database, report: ReconciliationReport, trigger: string, startedAt: Date): Promise<boolean> {
  const finished = await db
    .update(reconciliationRuns)
    .set({ trigger, startedAt, holdsReleased: report.holdsReleased, finishedAt: sql`now()` })
    .where(and(eq(reconciliationRuns.id, report.runId), isNull(reconciliationRuns.finishedAt)))
    .returning({ id: reconciliationRuns.id });
  return finished.length > 0;
}
