import { performance } from 'node:perf_hooks';
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { demandBySku, nearestSingleWarehouseFirst, type AllocationPolicy } from '../../activities/inventory/allocation';
import { OutOfStock, planShipments, reservationCoalescer, reserve, reserveAlone } from '../../activities/inventory/reservations';
import { openDatabase, type Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { reservations, shipments, stock } from '../../db/schema';
import type { Address } from '../../workflows/order/contract';
import { round, summarize, type Summary } from './stats';

/**
 * Flash sale on one hot SKU, straight against Postgres (`npm run bench:reservations` runs it alone; `npm run bench`
 * as its `flash` section): N concurrent reservers take 1 unit each, with
 * - a naive lock-first baseline (`SELECT … FOR UPDATE` of the SKU's stock rows, then UPDATE), which skips
 *   reserve()'s per-order advisory lock and existing-hold check (fewer statements: in its favour);
 * - reserve()'s one-order transaction (`reserveAlone`: plain read, then `UPDATE … WHERE on_hand − reserved >= q`,
 *   retried on a lost race), what reserve() was before coalescing;
 * - reserve() itself, which coalesces concurrent reservations of one SKU into one transaction;
 * - a prototype of stock split into bucket rows (below).
 * All write the same rows (stock or buckets, reservations, shipments, order_events) on the same tables. Each
 * implementation gets its own pool, and the connections Postgres saw are sampled from pg_stat_activity.
 */
export interface FlashPlan {
  concurrencies: number[];
  seconds: number;
  selloutUnits: number;
  preparedOrders: number;
  /** Most connections any implementation's pool may open (default 150: the stack's own pools share the 200). */
  maxConnections?: number;
  /** Only these implementations (default: all). */
  implementations?: string[];
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

/**
 * Prototype of the other candidate, stock split into buckets: each (SKU, warehouse) row becomes BUCKETS rows of a
 * bench-only table, a reservation takes its unit from a random bucket that has it and that no one else holds (SKIP
 * LOCKED), waiting for a held bucket only when no free one has stock, so concurrent reservers commit in parallel
 * on different rows. Readers would sum the buckets. One-line orders whose quantity fits in one bucket only (what
 * the bench sends); the holds, shipments and event are written as the baseline writes them, with reserve()'s
 * per-order advisory lock. Not wired into Hotpath: release, commit, reconciliation and the inventory API would all
 * have to learn the buckets.
 */
const BUCKETS = 32;
class BucketsTaken extends Error {}

/**
 * A row that `FOR UPDATE` locked and then found changed and no longer matching (read committed's re-check) stays
 * locked until the transaction ends, so a reserver can hold a bucket it does not use while it waits for another: two
 * such reservers can deadlock. Postgres detects it and aborts one (40P01, seen once in CI's sell-out); that one retries,
 * as any bucket scheme in production would have to.
 */
function isDeadlock(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e instanceof Error && depth < 4; depth++, e = e.cause) {
    if ((e as { code?: unknown }).code === '40P01') return true;
  }
  return false;
}

async function prepareBuckets(db: Database, sku: string, levels: { warehouse: string; onHand: number }[]): Promise<void> {
  await db.execute(sql`create table if not exists bench_stock_buckets (sku text not null, warehouse text not null, bucket int not null, on_hand int not null, reserved int not null default 0, primary key (sku, warehouse, bucket), check (reserved <= on_hand))`);
  for (const { warehouse, onHand } of levels) {
    await db.execute(sql`insert into bench_stock_buckets (sku, warehouse, bucket, on_hand)
      select ${sku}, ${warehouse}, b, ${onHand}::int / ${BUCKETS} + case when b < ${onHand}::int % ${BUCKETS} then 1 else 0 end from generate_series(0, ${BUCKETS - 1}) b`);
  }
}

async function bucketsOf(db: Database, sku: string): Promise<{ warehouse: string; onHand: number; reserved: number }[]> {
  return db.execute<{ warehouse: string; onHand: number; reserved: number }>(sql`select warehouse, sum(on_hand)::int as "onHand", sum(reserved)::int as reserved from bench_stock_buckets where sku = ${sku} group by warehouse`);
}

async function bucketReserve(db: Database, request: Request): Promise<void> {
  const [line] = request.lines;
  if (!line || request.lines.length !== 1) throw new Error('the bucket prototype reserves one-line orders only');
  for (let attempt = 1; attempt <= 50; attempt++) {
    const done = await db.transaction(async (tx): Promise<boolean> => {
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${request.orderId}))`);
      const levels = await tx.execute<{ warehouse: string; available: number }>(sql`select warehouse, sum(on_hand - reserved)::int as available from bench_stock_buckets where sku = ${line.sku} group by warehouse`);
      const picks = request.policy(demandBySku(request.lines), levels.map((l) => ({ sku: line.sku, warehouse: l.warehouse, available: l.available })), request.shipTo);
      if (!picks) throw new OutOfStock('sold out');
      for (const pick of picks) {
        // Lock one bucket that has the units (a free one if any, else wait for a held one), then update that bucket:
        // one row lock per transaction, so reservers never deadlock.
        const lockBucket = (skipLocked: boolean) =>
          tx.execute<{ bucket: number }>(sql`select bucket from bench_stock_buckets where sku = ${pick.sku} and warehouse = ${pick.warehouse} and on_hand - reserved >= ${pick.quantity}
            ${skipLocked ? sql`order by random() limit 1 for update skip locked` : sql`order by bucket limit 1 for update`}`);
        const free = await lockBucket(true);
        const [bucket] = free.length > 0 ? free : await lockBucket(false);
        if (!bucket) throw new BucketsTaken();
        await tx.execute(sql`update bench_stock_buckets set reserved = reserved + ${pick.quantity} where sku = ${pick.sku} and warehouse = ${pick.warehouse} and bucket = ${bucket.bucket}`);
      }
      const expiresAt = new Date(Date.now() + request.holdTtlMs);
      await tx.insert(reservations).values(picks.map((p) => ({ orderId: request.orderId, sku: p.sku, warehouse: p.warehouse, quantity: p.quantity, status: 'held' as const, expiresAt })));
      const plans = planShipments(request.orderId, picks);
      await tx.insert(shipments).values(plans.map((p) => ({ id: p.shipmentId, orderId: request.orderId, warehouse: p.warehouse, lines: p.lines, status: 'allocated' })));
      await appendOrderEvent(tx, { orderId: request.orderId, type: 'inventory.reserved', detail: { picks }, dedupeKey: `${request.orderId}:inventory.reserved` });
      return true;
    }).catch((err: unknown) => {
      if (err instanceof BucketsTaken || isDeadlock(err)) return false;
      throw err;
    });
    if (done) return;
  }
  throw new OutOfStock('stock was taken by concurrent orders');
}

/** A failure with its causes: drizzle wraps the server's own error (a deadlock, a too-many-clients) in `cause`. */
function describeFailure(err: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 4; depth++) {
    if (e instanceof Error) {
      const code = (e as { code?: unknown }).code;
      parts.push(`${depth === 0 ? (e.stack ?? e.message) : e.message}${code ? ` [${String(code)}]` : ''}`);
      e = e.cause;
    } else {
      parts.push(String(e));
      break;
    }
  }
  return parts.join('\n  caused by: ');
}

interface Implementation {
  reserve: Reserver;
  /** Pool size for N reservers, at most `cap` (the embedded server allows 200 connections in all). */
  connections: (reservers: number, cap: number) => number;
  prepare?: (db: Database, sku: string, levels: { warehouse: string; onHand: number }[]) => Promise<void>;
  stockOf?: (db: Database, sku: string) => Promise<{ warehouse: string; onHand: number; reserved: number }[]>;
}

/** Every implementation measured; `select-for-update` is the baseline the goals are stated against. */
export const IMPLEMENTATIONS: Record<string, Implementation> = {
  'select-for-update': { reserve: lockFirstReserve, connections: (n, cap) => Math.min(n, cap) },
  // The same baseline on at most 16 connections: fewer backends queueing on the row lock serve it faster at 64+ reservers.
  'select-for-update-16': { reserve: lockFirstReserve, connections: (n, cap) => Math.min(n, cap, 16) },
  // Today's one-order transaction, as reserve() ran before coalescing (and still runs for a caller alone).
  'reserve-per-order': { reserve: reserveAlone, connections: (n, cap) => Math.min(n, cap) },
  // reserve(): concurrent reservations of one SKU coalesced into one transaction; one transaction in flight per SKU.
  'hotpath-reserve': { reserve, connections: (n, cap) => Math.min(n, cap, 4) },
  // At most 16 connections: at 64 reservers it made 666/s on 16 and 389/s on 64 (2 s runs, this 2-core machine).
  'buckets-prototype': { reserve: bucketReserve, connections: (n, cap) => Math.min(n, cap, 16), prepare: prepareBuckets, stockOf: bucketsOf },
};

export interface FlashRun {
  implementation: string;
  concurrency: number;
  /** Pool size given to the reservers, and the most connections Postgres saw open / in a query or transaction at once. */
  poolMax: number;
  peakConnections: number;
  peakBusyConnections: number;
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
  /** Coalesced implementations: transactions run and the mean and largest number of orders per transaction. */
  transactions?: number;
  ordersPerTransaction?: number | null;
  largestTransaction?: number;
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

/** Samples pg_stat_activity for one application name: the most connections open, and busy (not idle), at once. */
function connectionSampler(db: Database, applicationName: string) {
  let peak = 0;
  let busy = 0;
  let stopped = false;
  const loop = (async () => {
    while (!stopped) {
      const [row] = await db.execute<{ open: number; busy: number }>(
        sql`select count(*)::int as open, (count(*) filter (where state <> 'idle'))::int as busy from pg_stat_activity where application_name = ${applicationName}`,
      );
      peak = Math.max(peak, row?.open ?? 0);
      busy = Math.max(busy, row?.busy ?? 0);
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return async () => {
    stopped = true;
    await loop;
    return { peak, busy };
  };
}

export async function flashSale(databaseUrl: string, runId: string, plan: FlashPlan, log: (line: string) => void): Promise<FlashResult> {
  const maxConcurrency = Math.max(...plan.concurrencies);
  const cap = plan.maxConnections ?? 150;
  const implementations = Object.entries(IMPLEMENTATIONS).filter(([name]) => !plan.implementations || plan.implementations.includes(name));
  const { db, close } = openDatabase(databaseUrl, { max: 3 });
  // Each sell-out: one order per unit, and one refused attempt per reserver.
  const selloutOrders = implementations.length * (plan.selloutUnits + maxConcurrency);
  try {
    // Shipments and events reference their order: create the order rows up front so only reservations are timed.
    // Ids of the API's shape (the database refuses others), owned by no credential; the saga marked as started, so
    // the dispatcher never starts one for these rows.
    const prefix = `ord_flash${runId.toLowerCase().replace(/[^a-z0-9]/g, '')}n`;
    await db.execute(sql`
      insert into orders (id, idempotency_key, owner, request_hash, customer_id, email, currency, total_cents, shipping_address, payment_token, status, workflow_id, workflow_started_at)
      select ${prefix} || g, ${prefix} || g, 'bench-fixtures', '', 'bench', 'bench@example.com', 'USD', 100, '{}'::jsonb, 'tok_visa', 'processing', 'none', now()
      from generate_series(0, ${plan.preparedOrders + selloutOrders - 1}) g`);
    // The timed runs share the first preparedOrders, an equal slice each, so a fast run never starves a later one;
    // each sell-out has its own after them.
    const perRun = Math.floor(plan.preparedOrders / (plan.concurrencies.length * implementations.length));
    let runsStarted = 0;
    const ordersOfNextRun = () => {
      const first = perRun * runsStarted++;
      let taken = 0;
      return () => (taken < perRun ? `${prefix}${first + taken++}` : undefined);
    };
    let nextSellout = plan.preparedOrders;
    const nextSelloutOrder = () => (nextSellout < plan.preparedOrders + selloutOrders ? `${prefix}${nextSellout++}` : undefined);

    const stockRows = async (implementation: Implementation, sku: string) =>
      implementation.stockOf ? implementation.stockOf(db, sku) : db.select({ warehouse: stock.warehouse, onHand: stock.onHand, reserved: stock.reserved }).from(stock).where(eq(stock.sku, sku));
    const held = async (implementation: Implementation, sku: string) => {
      const rows = await stockRows(implementation, sku);
      return {
        reserved: rows.reduce((n, r) => n + r.reserved, 0),
        available: rows.reduce((n, r) => n + r.onHand - r.reserved, 0),
        overCommitted: rows.reduce((n, r) => n + Math.max(0, r.reserved - r.onHand), 0),
      };
    };
    const stockUp = async (implementation: Implementation, sku: string, levels: { warehouse: string; onHand: number }[]) => {
      if (implementation.prepare) await implementation.prepare(db, sku, levels);
      else await db.insert(stock).values(levels.map((l) => ({ sku, ...l })));
    };

    const runs: FlashRun[] = [];
    for (const concurrency of plan.concurrencies) {
      for (const [name, implementation] of implementations) {
        const sku = `FLASH-${runId}-${name}-${concurrency}`.toUpperCase();
        await stockUp(implementation, sku, [
          { warehouse: 'wh-east', onHand: 500_000 },
          { warehouse: 'wh-west', onHand: 500_000 },
        ]);
        const applicationName = `flash-${name}-${concurrency}`;
        const poolMax = implementation.connections(concurrency, cap);
        const pool = openDatabase(databaseUrl, { max: poolMax, applicationName });
        const coalescer = name === 'hotpath-reserve' ? reservationCoalescer(pool.db) : undefined;
        const latencies: number[] = [];
        const nextOrder = ordersOfNextRun();
        let exhausted = false;
        const sampled = connectionSampler(db, applicationName);
        const started = performance.now();
        const deadline = started + plan.seconds * 1000;
        const reserving = Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (performance.now() < deadline) {
              const orderId = nextOrder();
              if (!orderId) {
                exhausted = true;
                return;
              }
              const t0 = performance.now();
              await implementation.reserve(pool.db, { orderId, lines: [{ sku, quantity: 1 }], shipTo, holdTtlMs: 900_000, policy: nearestSingleWarehouseFirst });
              latencies.push(performance.now() - t0);
            }
          }),
        );
        await reserving.catch(async (err: unknown) => {
          await sampled();
          await pool.close();
          throw err;
        });
        const elapsed = (performance.now() - started) / 1000;
        const connections = await sampled();
        await pool.close();
        const after = await held(implementation, sku);
        const run: FlashRun = {
          implementation: name,
          concurrency,
          poolMax,
          peakConnections: connections.peak,
          peakBusyConnections: connections.busy,
          seconds: round(elapsed)!,
          reservations: latencies.length,
          perSecond: round(latencies.length / elapsed, 1),
          latencyMs: summarize(latencies),
          heldInDb: after.reserved,
          oversold: after.overCommitted,
          heldMismatch: Math.abs(after.reserved - latencies.length),
          exhausted,
          ...(coalescer
            ? { transactions: coalescer.stats.runs, ordersPerTransaction: round(coalescer.stats.callers / Math.max(1, coalescer.stats.runs), 1), largestTransaction: coalescer.stats.largestRun }
            : {}),
        };
        runs.push(run);
        log(
          `flash: ${name} × ${concurrency} (${poolMax} connections, ${connections.peak} open at most): ${run.perSecond} reservations/s, p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, oversold ${run.oversold}, mismatch ${run.heldMismatch}` +
            (coalescer ? `, ${run.ordersPerTransaction} orders per transaction (largest ${run.largestTransaction})` : '') +
            (exhausted ? ' (ran out of prepared orders)' : ''),
        );
      }
    }

    // Sell-out: scarce stock, more reservers than units; exactly `units` must succeed, every other attempt is refused.
    const sellouts: FlashSellout[] = [];
    for (const [name, implementation] of implementations) {
      const sku = `SOLDOUT-${runId}-${name}`.toUpperCase();
      const half = Math.floor(plan.selloutUnits / 2);
      await stockUp(implementation, sku, [
        { warehouse: 'wh-east', onHand: half },
        { warehouse: 'wh-west', onHand: plan.selloutUnits - half },
      ]);
      const pool = openDatabase(databaseUrl, { max: implementation.connections(maxConcurrency, cap), applicationName: `soldout-${name}` });
      let ok = 0;
      let refused = 0;
      const started = performance.now();
      const failures: unknown[] = [];
      await Promise.all(
        Array.from({ length: maxConcurrency }, async () => {
          for (;;) {
            const orderId = nextSelloutOrder();
            if (!orderId) return;
            try {
              await implementation.reserve(pool.db, { orderId, lines: [{ sku, quantity: 1 }], shipTo, holdTtlMs: 900_000, policy: nearestSingleWarehouseFirst });
              ok += 1;
            } catch (err) {
              // Every reserver stops before the error is thrown: none is left writing while the pool closes.
              if (!(err instanceof OutOfStock)) failures.push(err);
              else refused += 1;
              return;
            }
          }
        }),
      );
      const seconds = round((performance.now() - started) / 1000)!;
      await pool.close();
      if (failures.length > 0) throw new Error(`sell-out ${name}: ${failures.length} reservations failed, the first: ${describeFailure(failures[0])}`);
      // A sell-out that did not sell out proves nothing about overselling: a harness failure, not a result.
      if (ok + refused < plan.selloutUnits + maxConcurrency) throw new Error(`sell-out ${name}: only ${ok} reserved and ${refused} refused of ${plan.selloutUnits} units and ${maxConcurrency} reservers (ran out of prepared orders)`);
      const after = await held(implementation, sku);
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
        seconds,
      };
      sellouts.push(sellout);
      log(`flash: sell-out ${name}: ${ok} of ${plan.selloutUnits} units reserved, ${refused} refused, ${after.available} left, oversold ${sellout.oversold}`);
    }
    await db.execute(sql`drop table if exists bench_stock_buckets`);
    return {
      status: 'ok',
      plan,
      how:
        'N concurrent reservers of 1 unit on one hot SKU (stock in two warehouses, every shopper nearest to wh-east, so one row is hot), straight against Postgres from the bench process, each implementation on its own pool; ' +
        'lock-first SELECT … FOR UPDATE then UPDATE (the baseline; `-16`: on at most 16 connections), reserve()\'s one-order transaction alone (as before coalescing), reserve() coalescing concurrent reservations of the SKU into one transaction, and a prototype of stock split into 32 bucket rows per warehouse',
      runs,
      sellouts,
    };
  } finally {
    await close();
  }
}
