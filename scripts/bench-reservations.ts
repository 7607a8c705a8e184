/**
 * Reservation rate on one hot SKU: concurrent orders reserving 1 unit each through the same code the saga
 * uses (one short transaction of conditional updates). Prints reservations/s and checks nothing oversold.
 * Usage: npm run bench:reservations [-- --seconds 10 --concurrency 16]
 */
import { mkdtemp, rm, chmod } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { nearestSingleWarehouseFirst } from '../activities/inventory/allocation';
import { OutOfStock, reserve } from '../activities/inventory/reservations';
import { openDatabase } from '../db/client';
import { startEmbeddedPostgres } from '../db/embedded';
import { migrateDatabase } from '../db/migrate';
import { stock } from '../db/schema';

const { values } = parseArgs({ options: { seconds: { type: 'string', default: '10' }, concurrency: { type: 'string', default: '16' } } });
const seconds = Number(values.seconds);
const concurrency = Number(values.concurrency);

let url = process.env.DATABASE_URL;
let cleanup = async () => {};
if (!url) {
  const dir = await mkdtemp(path.join(tmpdir(), 'hotpath-bench-'));
  await chmod(dir, 0o755);
  const pg = await startEmbeddedPostgres(path.join(dir, 'pg'));
  url = pg.url;
  cleanup = async () => {
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
await migrateDatabase(url);
const { db, close } = openDatabase(url, { max: concurrency + 2 });
const sku = `HOT-${Date.now()}`;
const units = 1_000_000;
await db.insert(stock).values([{ sku, warehouse: 'wh-east', onHand: units / 2 }, { sku, warehouse: 'wh-west', onHand: units / 2 }]);

// Shipments reference their order: create the order rows up front so only reservations are timed. Ids of the API's
// shape (the database refuses others), owned by no credential, the saga marked as started (the dispatcher leaves them).
const orderPrefix = `ord_bench${sku.toLowerCase().replace(/[^a-z0-9]/g, '')}n`;
const prepared = 300_000;
await db.execute(sql`
  insert into orders (id, idempotency_key, owner, request_hash, customer_id, email, currency, total_cents, shipping_address, payment_token, status, workflow_id, workflow_started_at)
  select ${orderPrefix} || g, ${orderPrefix} || g, 'bench-fixtures', '', 'bench', 'bench@example.com', 'USD', 100, '{}'::jsonb, 'tok_visa', 'processing', 'none', now()
  from generate_series(0, ${prepared - 1}) g`);

const shipTo = { name: 'b', line1: 'b', city: 'Boston', postalCode: '02110', country: 'US' };
const deadline = Date.now() + seconds * 1000;
let reserved = 0;
let counter = 0;
const started = Date.now();
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (Date.now() < deadline && counter < prepared) {
      const orderId = `${orderPrefix}${counter++}`;
      try {
        await reserve(db, { orderId, lines: [{ sku, quantity: 1 }], shipTo, holdTtlMs: 900_000, policy: nearestSingleWarehouseFirst });
        reserved += 1;
      } catch (err) {
        if (!(err instanceof OutOfStock)) throw err;
      }
    }
  }),
);
const elapsed = (Date.now() - started) / 1000;
const rows = await db.select().from(stock).where(eq(stock.sku, sku));
const heldInDb = rows.reduce((n, r) => n + r.reserved, 0);
console.log(JSON.stringify({ sku, concurrency, seconds: elapsed, reservations: reserved, perSecond: Math.round(reserved / elapsed), heldInDb, oversold: heldInDb !== reserved || rows.some((r) => r.reserved > r.onHand) }));
await close();
await cleanup();
