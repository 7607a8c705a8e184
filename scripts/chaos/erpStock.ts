import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { SimState } from '../../sim/state';
import type { Violation } from './invariants';
import type { Random } from './random';

/**
 * The ERP's stock changes during a chaos run (receipts and shrinkage), and what they mean for the books:
 * - Only some SKUs change (CHANGING_SKUS); the others must never be corrected by any reconciliation, so a run
 *   that corrects one of them has miscounted units in flight (the double count of issue 11).
 * - Conservation becomes: initial + restocks − shrinkage = on hand + shipped, once a final reconciliation on a
 *   quiet system has applied the last changes; and then the ERP's stock equals Hotpath's on hand everywhere.
 *
 * A change is applied to the simulator's stock book in-process, read and write in one synchronous step: the
 * control route `PUT /_sim/erp/stock` sets an absolute figure, and a recording landing between reading the
 * figure and writing it would be silently undone.
 */
// SKUs stocked everywhere in hundreds, which a default-size run never sells out: shrinkage of a SKU that later sells
// out would have the ERP record more than it holds (it clamps at zero), an artefact of the run, not drift.
export const CHANGING_SKUS = ['CHAOS-00', 'CHAOS-01', 'CHAOS-02'];

export interface ErpStockLedger {
  restocks: number;
  shrinkages: number;
  unitsRestocked: number;
  unitsShrunk: number;
  skipped: number;
  /** Net change per `sku@warehouse`. */
  net: Map<string, number>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Every ~`everyMs` one SKU of CHANGING_SKUS in one warehouse gains 1–20 units or loses 1–5. Shrinkage only
 * where Hotpath has at least 150 units available (on hand − reserved): the ERP can justify the loss (no live
 * hold needs those units, and the ERP never has to record more than it holds, which would leave it overdrawn).
 */
export function runErpStockChanges(options: { state: SimState; db: Database; random: Random; log: (line: string) => void; everyMs: number }) {
  const ledger: ErpStockLedger = { restocks: 0, shrinkages: 0, unitsRestocked: 0, unitsShrunk: 0, skipped: 0, net: new Map() };
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      await sleep(options.everyMs);
      if (stopped) break;
      const rows = options.state.stock.rows().filter((r) => CHANGING_SKUS.includes(r.sku) && r.onHand > 0);
      if (rows.length === 0) continue;
      const row = options.random.pick(rows);
      const key = `${row.sku}@${row.warehouse}`;
      // The first change is a receipt and the next ones shrinkage until one lands, so every run has both; then 60/40.
      const roll = options.random.chance(0.6);
      if (ledger.restocks === 0 || (ledger.shrinkages > 0 && roll)) {
        const units = options.random.int(1, 20);
        options.state.stock.receive(row.sku, row.warehouse, units);
        ledger.restocks += 1;
        ledger.unitsRestocked += units;
        ledger.net.set(key, (ledger.net.get(key) ?? 0) + units);
        continue;
      }
      const units = options.random.int(1, 5);
      const [local] = await options.db.execute<{ available: number }>(sql`select on_hand - reserved as available from stock where sku = ${row.sku} and warehouse = ${row.warehouse}`);
      if (!local || local.available < 150) {
        ledger.skipped += 1;
        continue;
      }
      // Read and write in one synchronous step (see above).
      const [current] = options.state.stock.rows(row.sku).filter((r) => r.warehouse === row.warehouse);
      if (!current || current.onHand < 150) {
        ledger.skipped += 1;
        continue;
      }
      options.state.stock.upsert({ ...current, onHand: current.onHand - units });
      ledger.shrinkages += 1;
      ledger.unitsShrunk += units;
      ledger.net.set(key, (ledger.net.get(key) ?? 0) - units);
    }
  })();
  return {
    ledger,
    stop: async () => {
      stopped = true;
      await loop;
      options.log(`ERP stock changes: ${ledger.restocks} restocks (+${ledger.unitsRestocked}), ${ledger.shrinkages} shrinkages (−${ledger.unitsShrunk})`);
    },
  };
}

/** Starting stock plus the ERP's changes: what on hand + shipped must come to once the changes are reconciled. */
export function expectedStock(initial: Map<string, number>, ledger: ErpStockLedger): Map<string, number> {
  const expected = new Map(initial);
  for (const [key, n] of ledger.net) expected.set(key, (expected.get(key) ?? 0) + n);
  return expected;
}

export interface ReconciliationSummary {
  runs: number;
  byTrigger: Record<string, number>;
  runsWithCorrections: number;
  corrections: number;
  unitsCorrected: number;
  shortfalls: number;
  holdsReleased: number;
}

type Correction = { sku: string; warehouse: string; delta: number; shortfall: number; inFlight: number; localOnHand: number; erpOnHand: number };

/** Every reconciliation run so far, counted; and any that corrected a SKU whose ERP stock never changed. */
export async function reconciliationRuns(db: Database): Promise<{ summary: ReconciliationSummary; violations: Violation[] }> {
  const runs = await db.execute<{ id: string; trigger: string; corrections: number; units_corrected: number; holds_released: number; details: { corrections?: Correction[] } | null; finished_at: Date | null }>(
    sql`select id, trigger, corrections, units_corrected, holds_released, details, finished_at from reconciliation_runs order by started_at`,
  );
  const summary: ReconciliationSummary = { runs: 0, byTrigger: {}, runsWithCorrections: 0, corrections: 0, unitsCorrected: 0, shortfalls: 0, holdsReleased: 0 };
  const violations: Violation[] = [];
  for (const run of runs) {
    summary.runs += 1;
    const trigger = run.trigger.startsWith('staff') ? 'staff' : run.trigger;
    summary.byTrigger[trigger] = (summary.byTrigger[trigger] ?? 0) + 1;
    if (run.corrections > 0) summary.runsWithCorrections += 1;
    summary.corrections += run.corrections;
    summary.unitsCorrected += run.units_corrected;
    summary.holdsReleased += run.holds_released;
    for (const c of run.details?.corrections ?? []) {
      if (c.shortfall !== 0) summary.shortfalls += 1;
      if (!CHANGING_SKUS.includes(c.sku)) {
        violations.push({
          invariant: 'reconciliation corrects only real drift',
          detail: `${run.id} corrected ${c.sku}@${c.warehouse} by ${c.delta} (ERP ${c.erpOnHand}, local ${c.localOnHand}, in flight ${c.inFlight}); its ERP stock never changed (a miscount of units in flight, or a unit Hotpath lost that the run put back)`,
        });
      }
    }
  }
  return { summary, violations };
}

/** On a quiet system: per SKU and warehouse, the ERP's stock against Hotpath's on hand. */
export async function erpAgreesOnStock(db: Database, state: SimState, only?: (sku: string) => boolean): Promise<Violation[]> {
  const local = new Map((await db.execute<{ sku: string; warehouse: string; on_hand: number }>(sql`select sku, warehouse, on_hand from stock`)).map((r) => [`${r.sku}@${r.warehouse}`, r.on_hand]));
  const violations: Violation[] = [];
  for (const row of state.stock.rows()) {
    if (only && !only(row.sku)) continue;
    const key = `${row.sku}@${row.warehouse}`;
    const mine = local.get(key);
    if (mine !== row.onHand) violations.push({ invariant: 'after reconciliation the ERP and Hotpath agree on stock', detail: `${key}: ERP ${row.onHand}, Hotpath on hand ${mine ?? 'missing'}` });
  }
  return violations;
}
