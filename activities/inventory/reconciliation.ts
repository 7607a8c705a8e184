import { and, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { reconciliationRuns, stock } from '../../db/schema';
import { fetchErpStock, type ErpStockRow } from './stockImport';
import { release } from './reservations';
import type { VendorClient } from '../vendorClient';

export interface Correction {
  sku: string;
  warehouse: string;
  erpOnHand: number;
  localOnHand: number;
  inFlight: number;
  delta: number;
  /** Units the ERP says are gone but live holds still need: left on hand, flagged for a human. */
  shortfall: number;
}

export interface ReconciliationReport {
  runId: string;
  skusChecked: number;
  corrections: Correction[];
  unitsCorrected: number;
  variancePct: number;
  holdsReleased: number;
  newRows: number;
}

/**
 * Brings Hotpath's on hand in line with the ERP. Units handed to the WMS but not yet recorded in the ERP
 * are "in flight": the ERP has not subtracted them yet, so they are subtracted from its figure first.
 * Corrections are applied as deltas to the row as it is at that moment, never below what live holds need,
 * and one run at a time (advisory lock), so a run repeated on unchanged books changes nothing.
 */
export async function reconcileStock(db: Database, erp: VendorClient, runId: string, skus?: string[]): Promise<Omit<ReconciliationReport, 'holdsReleased'>> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(4242)`);
    // One statement, one snapshot: local on hand and the units in flight towards the ERP.
    const local = await tx.execute<{ sku: string; warehouse: string; on_hand: number; in_flight: number }>(sql`
      select s.sku, s.warehouse, s.on_hand,
        coalesce((select sum(r.quantity) from reservations r
                  where r.sku = s.sku and r.warehouse = s.warehouse and r.status = 'committed'
                    and not exists (select 1 from order_events e where e.order_id = r.order_id and e.type = 'erp.recorded')), 0)::int as in_flight
      from stock s ${skus ? sql`where s.sku in ${skus}` : sql``}`);
    const erpRows = (await fetchErpStock(erp)).filter((r) => !skus || skus.includes(r.sku));
    const byKey = new Map(local.map((r) => [`${r.sku}\u0000${r.warehouse}`, r]));

    const corrections: Correction[] = [];
    let newRows = 0;
    for (const row of erpRows) {
      const mine = byKey.get(`${row.sku}\u0000${row.warehouse}`);
      if (!mine) {
        newRows += await addNewRow(tx as unknown as Database, row);
        continue;
      }
      const delta = row.onHand - mine.in_flight - mine.on_hand;
      if (delta === 0) continue;
      const [current] = await tx
        .select({ onHand: stock.onHand, reserved: stock.reserved })
        .from(stock)
        .where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse)))
        .for('update');
      // Live holds are never taken away: the correction stops at what they reserve.
      const target = Math.max(current!.onHand + delta, current!.reserved);
      await tx.update(stock).set({ onHand: target, updatedAt: sql`now()` }).where(and(eq(stock.sku, row.sku), eq(stock.warehouse, row.warehouse)));
      corrections.push({
        sku: row.sku,
        warehouse: row.warehouse,
        erpOnHand: row.onHand,
        localOnHand: mine.on_hand,
        inFlight: mine.in_flight,
        delta,
        shortfall: target - (current!.onHand + delta),
      });
    }
    const unitsCorrected = corrections.reduce((n, c) => n + Math.abs(c.delta), 0);
    const erpUnits = erpRows.reduce((n, r) => n + r.onHand, 0);
    const variancePct = erpUnits === 0 ? 0 : Math.round((unitsCorrected / erpUnits) * 10_000) / 100;
    return { runId, skusChecked: new Set(erpRows.map((r) => r.sku)).size, corrections, unitsCorrected, variancePct, newRows };
  });
}

async function addNewRow(db: Database, row: ErpStockRow): Promise<number> {
  const inserted = await db.insert(stock).values({ sku: row.sku, warehouse: row.warehouse, onHand: row.onHand }).onConflictDoNothing().returning({ sku: stock.sku });
  return inserted.length;
}

/**
 * The safety net behind the saga's own hold timer: releases holds past their expiry (plus a grace, so the
 * saga acts first) and holds whose order has ended or does not exist.
 */
export async function releaseStaleHolds(db: Database, graceMs: number, skus?: string[]): Promise<number> {
  const stale = await db.execute<{ order_id: string }>(sql`
    select distinct r.order_id from reservations r left join orders o on o.id = r.order_id
    where r.status = 'held'
      ${skus ? sql`and r.sku in ${skus}` : sql``}
      and (r.expires_at < now() - make_interval(secs => ${graceMs / 1000})
           or o.id is null or o.status in ('completed', 'rejected', 'failed', 'cancelled'))`);
  let released = 0;
  for (const { order_id } of stale) released += (await release(db, order_id, 'reconciliation: hold expired or order ended')) > 0 ? 1 : 0;
  return released;
}

export async function recordRun(db: Database, report: ReconciliationReport, trigger: string, startedAt: Date): Promise<void> {
  await db
    .insert(reconciliationRuns)
    .values({
      id: report.runId,
      trigger,
      startedAt,
      skusChecked: report.skusChecked,
      corrections: report.corrections.length,
      unitsCorrected: report.unitsCorrected,
      variancePct: report.variancePct.toFixed(2),
      holdsReleased: report.holdsReleased,
      details: { corrections: report.corrections, newRows: report.newRows },
    })
    .onConflictDoNothing();
}
