import { performance } from 'node:perf_hooks';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { demandBySku, nearestSingleWarehouseFirst, type AllocationPolicy } from '../../activities/inventory/allocation';
import { OutOfStock, planShipments, reserve } from '../../activities/inventory/reservations';
import { openDatabase, type Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { reservations, shipments, stock } from '../../db/schema';
import type { Address } from '../../workflows/order/contract';
import { round, summarize, type Summary } from './stats';

/**
 * Flash sale on one hot SKU, straight against Postgres (as scripts/bench-reservations.ts does): N concurrent
 * reservers take 1 unit each, with Hotpath's reserve() (plain read, then `UPDATE … WHERE on_hand − reserved >= q`,
 * retried on a lost race) and with a naive lock-first baseline (`SELECT … FOR UPDATE` of the SKU's stock rows,
 * then UPDATE). Both write the same rows (stock, reservations, shipments, order_events) on the same tables;
 * the baseline skips reserve()'s per-order advisory lock and existing-hold check (fewer statements: in its favour).
 */
export interface FlashPlan {
  concurrencies: number[];
  seconds: number;
  selloutUnits: number;
  preparedOrders: number;
}

type Request = { orderId: string; lines: { sku: string; quantity: number }[]; shipTo: Address; holdTtlMs: number; policy: AllocationPolicy };
type Reserver = (db: Database, request: Request) => Promise<unknown>;

async function lockFirstReserve(db: Database, request: Request): Promise<void> {
  await db.transaction(async (tx) => {
    const demand = demandBySku(request.lines);
    const rows = await tx
      .select({ sku: stock.sku, warehouse: stock.warehouse, onHand: stock.onHand, reserved: stock.reserved })
      .from(stock)
      .where(inArray(stock.sku, [...demand.keys()]))
      .orderBy(asc(stock.sku), asc(stock.warehouse))
      .for('update');
    const picks = request.policy(demand, rows.map((r) => ({ sku: r.sku, warehouse: r.warehouse, available: r.onHand - r.reserved })), request.shipTo);
    if (!picks) throw new OutOfStock('sold out');
    for (const pick of picks) {
      await tx
        .update(stock)
        .set({ reserved: sql`${stock.reserved} + ${pick.quantity}`, updatedAt: sql`now()` })
        .where(and(eq(stock.sku, pick.sku), eq(stock.warehouse, pick.warehouse)));
    }
    const expiresAt = new Date(Date.now() + request.holdTtlMs);
    await tx.insert(reservations).values(picks.map((p) => ({ orderId: request.orderId, sku: p.sku, warehouse: p.warehouse, quantity: p.quantity, status: 'held' as const, expiresAt })));
    const plans = planShipments(request.orderId, picks);
    await tx.insert(shipments).values(plans.map((p) => ({ id: p.shipmentId, orderId: request.orderId, warehouse: p.warehouse, lines: p.lines, status: 'allocated' })));
    await appendOrderEvent(tx, { orderId: request.orderId, type: 'inventory.reserved', detail: { picks }, dedupeKey: `${request.orderId}:inventory.reserved` });
  });
}

const IMPLEMENTATIONS: Record<string, Reserver> = {
  'hotpath-reserve': reserve,
  'select-for-update': lockFirstReserve,
};

export interface FlashRun {
  implementation: string;
  concurrency: number;
  seconds: number;
  reservations: number;
  perSecond: number | null;
  latencyMs: Summary;
  heldInDb: number;
  /** Units held beyond on hand (the database's check constraint makes this impossible; counted anyway). */
  oversold: number;
  /** |units held in the stock rows − reservations that succeeded|: must be 0. */
  heldMismatch: number;
  /** The run stopped early because every prepared order id was used. */
  exhausted: boolean;
}

export interface FlashSellout {
  implementation: string;
  concurrency: number;
  units: number;
  reservations: number;
  refused: number;
  heldInDb: number;
  availableAfter: number;
  /** Reservations beyond the units on sale, plus units held beyond on hand. */
  oversold: number;
  heldMismatch: number;
  seconds: number;
}

export interface FlashResult {
  status: 'ok';
  plan: FlashPlan;
  how: string;
  runs: FlashRun[];
  sellouts: FlashSellout[];
}

const shipTo: Address = { name: 'b', line1: 'b', city: 'Boston', postalCode: '02110', country: 'US' };

export async function flashSale(databaseUrl: string, runId: string, plan: FlashPlan, log: (line: string) => void): Promise<FlashResult> {
  const maxConcurrency = Math.max(...plan.concurrencies);
  const { db, close } = openDatabase(databaseUrl, { max: maxConcurrency + 2 });
  try {
    // Shipments and events reference their order: create the order rows up front so only reservations are timed.
    // Ids of the API's shape (the database refuses others), owned by no credential; the saga marked as started, so
    // the dispatcher never starts one for these rows.
    const prefix = `ord_flash${runId.toLowerCase().replace(/[^a-z0-9]/g, '')}n`;
    await db.execute(sql`
      insert into orders (id, idempotency_key, owner, request_hash, customer_id, email, currency, total_cents, shipping_address, payment_token, status, workflow_id, workflow_started_at)
      select ${prefix} || g, ${prefix} || g, 'bench-fixtures', '', 'bench', 'bench@example.com', 'USD', 100, '{}'::jsonb, 'tok_visa', 'processing', 'none', now()
      from generate_series(0, ${plan.preparedOrders - 1}) g`);
    let next = 0;
    const nextOrder = () => (next < plan.preparedOrders ? `${prefix}${next++}` : undefined);

    const held = async (sku: string) => {
      const rows = await db.select().from(stock).where(eq(stock.sku, sku));
      return {
        reserved: rows.reduce((n, r) => n + r.reserved, 0),
        available: rows.reduce((n, r) => n + r.onHand - r.reserved, 0),
        overCommitted: rows.reduce((n, r) => n + Math.max(0, r.reserved - r.onHand), 0),
      };
    };

    const runs: FlashRun[] = [];
    for (const concurrency of plan.concurrencies) {
      for (const [name, reserveOne] of Object.entries(IMPLEMENTATIONS)) {
        const sku = `FLASH-${runId}-${name}-${concurrency}`.toUpperCase();
        await db.insert(stock).values([
          { sku, warehouse: 'wh-east', onHand: 500_000 },
          { sku, warehouse: 'wh-west', onHand: 500_000 },
        ]);
        const latencies: number[] = [];
        let exhausted = false;
        const started = performance.now();
        const deadline = started + plan.seconds * 1000;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (performance.now() < deadline) {
              const orderId = nextOrder();
              if (!orderId) {
                exhausted = true;
                return;
              }
              const t0 = performance.now();
              await reserveOne(db, { orderId, lines: [{ sku, quantity: 1 }], shipTo, holdTtlMs: 900_000, policy: nearestSingleWarehouseFirst });
              latencies.push(performance.now() - t0);
            }
          }),
        );
        const elapsed = (performance.now() - started) / 1000;
        const after = await held(sku);
        const run: FlashRun = {
          implementation: name,
          concurrency,
          seconds: round(elapsed)!,
          reservations: latencies.length,
          perSecond: round(latencies.length / elapsed, 1),
          latencyMs: summarize(latencies),
          heldInDb: after.reserved,
          oversold: after.overCommitted,
          heldMismatch: Math.abs(after.reserved - latencies.length),
          exhausted,
        };
        runs.push(run);
        log(`flash: ${name} × ${concurrency}: ${run.perSecond} reservations/s, p99 ${run.latencyMs.p99} ms, oversold ${run.oversold}${exhausted ? ' (ran out of prepared orders)' : ''}`);
      }
    }

    // Sell-out: scarce stock, more reservers than units; exactly `units` must succeed, every other attempt is refused.
    const sellouts: FlashSellout[] = [];
    for (const [name, reserveOne] of Object.entries(IMPLEMENTATIONS)) {
      const sku = `SOLDOUT-${runId}-${name}`.toUpperCase();
      const half = Math.floor(plan.selloutUnits / 2);
      await db.insert(stock).values([
        { sku, warehouse: 'wh-east', onHand: half },
        { sku, warehouse: 'wh-west', onHand: plan.selloutUnits - half },
      ]);
      let ok = 0;
      let refused = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: maxConcurrency }, async () => {
          for (;;) {
            const orderId = nextOrder();
            if (!orderId) return;
            try {
              await reserveOne(db, { orderId, lines: [{ sku, quantity: 1 }], shipTo, holdTtlMs: 900_000, policy: nearestSingleWarehouseFirst });
              ok += 1;
            } catch (err) {
              if (!(err instanceof OutOfStock)) throw err;
              refused += 1;
              return;
            }
          }
        }),
      );
      const after = await held(sku);
      const sellout: FlashSellout = {
        implementation: name,
        concurrency: maxConcurrency,
        units: plan.selloutUnits,
        reservations: ok,
        refused,
        heldInDb: after.reserved,
        availableAfter: after.available,
        oversold: Math.max(0, ok - plan.selloutUnits) + after.overCommitted,
        heldMismatch: Math.abs(after.reserved - ok),
        seconds: round((performance.now() - started) / 1000)!,
      };
      sellouts.push(sellout);
      log(`flash: sell-out ${name}: ${ok} of ${plan.selloutUnits} units reserved, ${refused} refused, oversold ${sellout.oversold}`);
    }
    return {
      status: 'ok',
      plan,
      how: 'N concurrent reservers of 1 unit on one hot SKU (stock in two warehouses, every shopper nearest to wh-east, so one row is hot), straight against Postgres from the bench process; Hotpath reserve() vs lock-first SELECT … FOR UPDATE then UPDATE, same tables and rows written',
      runs,
      sellouts,
    };
  } finally {
    await close();
  }
}
