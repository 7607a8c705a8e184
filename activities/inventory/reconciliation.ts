import { and, eq, isNull, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { Correction, ReconciliationReport } from '../../workflows/inventory/contract';
import { reconciliationRuns, stock } from '../../db/schema';
import type { ErpPort, ErpStockRow } from '../erp/contract';
import { release } from './reservations';
import { viaPort } from '../vendorErrors';
import { terminalStatusList } from '../../db/terminalStatuses';

const keyOf = (sku: string, warehouse: string) => `${sku}\u0000${warehouse}`;

/**
 * Brings Hotpath's on hand in line with the ERP, from one consistent view:
 * - The ERP answers its stock together with the net units of every order it recorded since the oldest order
 *   that has not ended here (one answer, one instant).
 * - Then one statement reads local on hand and, per order that has not ended, the units committed to the WMS.
 * - Those are "in flight": each order's committed units minus what the ERP has recorded for it (a handoff not
 *   yet recorded, or a cancelled shipment not yet credited). Reading the ERP first means an order recorded in
 *   between is still counted in flight locally and not yet in the ERP's stock: never subtracted twice.
 * Corrections are applied as deltas to the row as it is at that moment, never below what live holds reserve
 * (units of live or parked orders are never touched), one run at a time (advisory lock). The run is stored in
 * the same transaction, so a retried activity returns the run it already applied instead of applying it again,
 * and a second run on unchanged books changes nothing.
 */
export async function reconcileStock(db: Database, erp: ErpPort, runId: string, skus?: string[]): Promise<Omit<ReconciliationReport, 'holdsReleased'>> {
  const applied = await storedRun(db, runId);
  if (applied) return applied;
  const [oldest] = await db.execute<{ since: Date | string | null }>(sql`select min(created_at) as since from orders where status not in ${terminalStatusList()}`);
  const since = oldest?.since ? new Date(oldest.since) : new Date();
  const snapshot = await viaPort(() => erp.stockSnapshot(since));

  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(4242)`);
    const again = await storedRun(tx as unknown as Database, runId);
    if (again) return again;
    const erpNet = new Map<string, Map<string, number>>();
    for (const o of snapshot.orders) erpNet.set(o.reference, new Map(o.net.map((n) => [keyOf(n.sku, n.warehouse), n.quantity])));

    // One statement, one snapshot: local on hand, what each order that has not ended has committed to the WMS,
    // and which of the ERP's orders have not ended here.
    const references = snapshot.orders.length > 0 ? snapshot.orders.map((o) => o.reference) : [''];
    const local = await tx.execute<{ kind: 'stock' | 'committed' | 'live'; sku: string | null; warehouse: string | null; units: number; order_id: string | null }>(sql`
      with live as (select id from orders where status not in ${terminalStatusList()})
      select 'stock' as kind, s.sku, s.warehouse, s.on_hand as units, null as order_id from stock s ${skus ? sql`where s.sku in ${skus}` : sql``}
      union all
      select 'committed', r.sku, r.warehouse, sum(r.quantity)::int, r.order_id
        from reservations r join live on live.id = r.order_id
        where r.status = 'committed' ${skus ? sql`and r.sku in ${skus}` : sql``}
        group by r.sku, r.warehouse, r.order_id
      union all
      select 'live', null, null, 0, live.id from live where live.id in ${references}`);
    const mine = new Map<string, { onHand: number; inFlight: number }>();
    for (const row of local) if (row.kind === 'stock') mine.set(keyOf(row.sku!, row.warehouse!), { onHand: row.units, inFlight: 0 });
    // In flight, per order that has not ended: what it committed here minus what the ERP recorded for it. An
    // order with no committed row left (a cancelled shipment awaiting its credit) still counts the ERP's units.
    const committed = new Map<string, Map<string, number>>();
    for (const row of local) {
      if (row.kind !== 'committed') continue;
      const perOrder = committed.get(row.order_id!) ?? new Map<string, number>();
      perOrder.set(keyOf(row.sku!, row.warehouse!), row.units);
      committed.set(row.order_id!, perOrder);
    }
    const liveReferences = new Set(local.filter((r) => r.kind === 'live').map((r) => r.order_id!));
    for (const orderId of new Set([...committed.keys(), ...liveReferences])) {
      const here = committed.get(orderId) ?? new Map<string, number>();
      const there = erpNet.get(orderId) ?? new Map<string, number>();
      for (const key of new Set([...here.keys(), ...there.keys()])) {
        const entry = mine.get(key);
        if (entry) entry.inFlight += (here.get(key) ?? 0) - (there.get(key) ?? 0);
      }
    }

    const erpRows = snapshot.stock.filter((r) => !skus || skus.includes(r.sku));
    const corrections: Correction[] = [];
    let newRows = 0;
    for (const row of erpRows) {
      const entry = mine.get(keyOf(row.sku, row.warehouse));
      if (!entry) {
        newRows += await addNewRow(tx as unknown as Database, row);
        continue;
      }
      const delta = row.onHand - entry.inFlight - entry.onHand;
      if (delta === 0) continue;
      const [current] = await tx
        .select({ onHand: stock.onHand, reserved: stock.reserved })
        .from(stock)
        .where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse)))
        .for('update');
      // Live holds are never taken away: the correction stops at what they reserve.
      const target = Math.max(current!.onHand + delta, current!.reserved);
      await tx.update(stock).set({ onHand: target, updatedAt: sql`now()` }).where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse)));
      corrections.push({ sku: row.sku, warehouse: row.warehouse, erpOnHand: row.onHand, localOnHand: entry.onHand, inFlight: entry.inFlight, delta, shortfall: target - (current!.onHand + delta) });
    }
    const unitsCorrected = corrections.reduce((n, c) => n + Math.abs(c.delta), 0);
    const erpUnits = erpRows.reduce((n, r) => n + r.onHand, 0);
    const variancePct = erpUnits === 0 ? 0 : Math.round((unitsCorrected / erpUnits) * 10_000) / 100;
    const report = { runId, skusChecked: new Set(erpRows.map((r) => r.sku)).size, corrections, unitsCorrected, variancePct, newRows };
    await tx.insert(reconciliationRuns).values({
      id: runId,
      trigger: 'pending',
      startedAt: new Date(),
      skusChecked: report.skusChecked,
      corrections: corrections.length,
      unitsCorrected,
      variancePct: variancePct.toFixed(2),
      holdsReleased: 0,
      details: { corrections, newRows },
      finishedAt: null,
    });
    return report;
  });
}

/** The run this id already applied, if any: what a retried activity answers instead of applying it twice. */
async function storedRun(db: Database, runId: string): Promise<Omit<ReconciliationReport, 'holdsReleased'> | undefined> {
  const [run] = await db.select().from(reconciliationRuns).where(eq(reconciliationRuns.id, runId));
  if (!run) return undefined;
  const details = run.details as { corrections: Correction[]; newRows: number };
  return { runId, skusChecked: run.skusChecked, corrections: details.corrections, unitsCorrected: run.unitsCorrected, variancePct: Number(run.variancePct), newRows: details.newRows };
}

async function addNewRow(db: Database, row: ErpStockRow): Promise<number> {
  const inserted = await db.insert(stock).values({ sku: row.sku, warehouse: row.warehouse, onHand: row.onHand }).onConflictDoNothing().returning({ sku: stock.sku });
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
