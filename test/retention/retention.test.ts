import { randomUUID } from 'node:crypto';
import { eq, inArray, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { freePort } from '../../db/embedded';
import { orderEvents, orderLines, orders, payments, retentionRuns, stock, webhookDeliveries, webhookEvents } from '../../db/schema';
import type { Database } from '../../db/client';
import { loadConfig, retentionPolicyOf } from '../../lib/config';
import { serveWorkerMetrics } from '../../worker/metricsServer';
import type { RetentionInput, RetentionReport } from '../../workflows/retention/contract';
import { expectDocumentedResponse } from '../support/contract';
import { clientOf, startOwnApi } from '../support/ownApi';
import { startOwnWorker } from '../support/ownWorker';
import { parsePromText, sampleKey } from '../support/promText';
import { useScratchDatabases } from '../support/scratchDatabase';
import { CHECKOUT_TOKEN } from '../support/testPolicy';
import { newIdempotencyKey, orderRequest, recordWorkflowFixture, sim, temporalClient } from '../support/stack';
import { expectedOf, seedYearOfRows, type SeededEvent, type SeededOrder } from './yearOfRows';

/**
 * Retention on a database of its own with a year and three months of synthetic rows, run as production runs it: the
 * retentionWorkflow on the run's Temporal, its activities in a worker of this file on that database. The policy is
 * the default one (loadConfig with nothing set); only the batch is small, so every step takes many batches.
 */
const newDatabase = useScratchDatabases('hotpath_retention');
const policy = { ...retentionPolicyOf(loadConfig({})), batchSize: 40 };
const taskQueue = `retention-${randomUUID()}`;

let db: Database;
let databaseUrl: string;
let seed: { orders: SeededOrder[]; events: SeededEvent[] };
let stopWorker: () => Promise<void>;
let stopMetrics: () => Promise<void>;
let metricsUrl: string;
const apis: RunningApi[] = [];

async function runRetention(workflowId = `retention-test-${randomUUID()}`): Promise<RetentionReport> {
  const client = await temporalClient();
  const input: RetentionInput = { trigger: 'staff', policy };
  return client.workflow.execute('retentionWorkflow', { taskQueue, workflowId, args: [input], workflowExecutionTimeout: '5m' });
}

async function scrape(): Promise<Map<string, number>> {
  return parsePromText(await (await fetch(metricsUrl)).text());
}

beforeAll(async () => {
  ({ db, url: databaseUrl } = await newDatabase());
  seed = await seedYearOfRows(db);
  stopWorker = await startOwnWorker(taskQueue, { DATABASE_URL: databaseUrl });
  // This process's registry, served as a worker serves it: the worker above runs the activities here.
  const port = await freePort();
  stopMetrics = await serveWorkerMetrics(port);
  metricsUrl = `http://127.0.0.1:${port}/metrics`;
}, 120_000);

afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  await stopWorker?.();
  await stopMetrics?.();
});

describe('a retention run over a year of rows', () => {
  let report: RetentionReport;
  let expected: ReturnType<typeof expectedOf>;
  const workflowId = `retention-test-${randomUUID()}`;

  it('removes what the policy says, and reports it in its result and its metrics', async () => {
    const before = await scrape();
    report = await runRetention(workflowId);
    await recordWorkflowFixture(workflowId, 'retention-run');
    expected = expectedOf(seed, policy, Date.parse(report.asOf));
    // The seed reaches every cut-off: each step has work, and more than one batch of it.
    for (const count of Object.values(expected.counts)) expect(count).toBeGreaterThan(policy.batchSize / 10);
    expect(report.counts).toEqual(expected.counts);

    const [run] = await db.select().from(retentionRuns).where(eq(retentionRuns.id, workflowId));
    expect(run!.finishedAt).not.toBeNull();
    expect(run!.idempotencyKeysExpired).toBe(expected.counts.idempotencyKeys);

    const after = await scrape();
    for (const [step, count] of Object.entries(expected.counts)) {
      const key = sampleKey('hotpath_retention_removed_total', { step });
      expect((after.get(key) ?? 0) - (before.get(key) ?? 0)).toBe(count);
    }
    expect((after.get('hotpath_retention_runs_total') ?? 0) - (before.get('hotpath_retention_runs_total') ?? 0)).toBe(1);
    expect(after.get('hotpath_retention_last_run_timestamp_seconds')).toBeGreaterThan(Date.parse(report.asOf) / 1000 - 1);
  }, 300_000);

  it('deletes exactly the delivered webhook deliveries and the delivered events past WEBHOOK_RETENTION_DAYS', async () => {
    const deliveries = new Set((await db.select({ id: webhookDeliveries.id }).from(webhookDeliveries)).map((r) => r.id));
    const events = new Set((await db.select({ id: webhookEvents.id }).from(webhookEvents)).map((r) => r.id));
    for (const event of seed.events) {
      expect(events.has(event.id), `event ${event.id}`).toBe(!expected.goneEvents.has(event.id));
      for (const d of event.deliveries) expect(deliveries.has(d.id), `delivery ${d.id}`).toBe(!expected.goneDeliveries.has(d.id));
    }
    // What stays past the cut-off: failed deliveries (a receiver may ask for them again), their events, and events never fanned out.
    const oldFailed = seed.events.flatMap((e) => e.deliveries).filter((d) => d.state === 'failed' && d.at < Date.parse(report.asOf) - 31 * 86_400_000);
    expect(oldFailed.length).toBeGreaterThan(0);
    for (const d of oldFailed) expect(deliveries.has(d.id)).toBe(true);
    const oldUnsent = seed.events.filter((e) => !e.fannedOut && e.createdAt < Date.parse(report.asOf) - 31 * 86_400_000);
    expect(oldUnsent.length).toBeGreaterThan(0);
    for (const e of oldUnsent) expect(events.has(e.id)).toBe(true);
  });

  it('forgets the keys, timelines and customer data of ended orders only, each after its own retention, and keeps every order row', async () => {
    const rows = await db.select().from(orders);
    expect(rows).toHaveLength(seed.orders.length);
    const eventCounts = new Map(
      (await db.select({ orderId: orderEvents.orderId, n: sql<number>`count(*)::int` }).from(orderEvents).groupBy(orderEvents.orderId)).map((r) => [r.orderId, r.n]),
    );
    const byId = new Map(rows.map((r) => [r.id, r]));
    for (const o of seed.orders) {
      const row = byId.get(o.id)!;
      expect(row.requestHash === null, `key of ${o.status} ${o.id}`).toBe(expected.expiredKeys.has(o.id));
      expect(eventCounts.get(o.id) ?? 0, `events of ${o.status} ${o.id}`).toBe(expected.prunedTimelines.has(o.id) ? 0 : o.events);
      if (expected.redacted.has(o.id)) {
        expect(row.email).toBe('');
        // The tax jurisdiction stays for the books; who and where exactly goes.
        expect(row.shippingAddress).toEqual({ name: '', line1: '', city: '', postalCode: '02110', country: 'US' });
        expect(row.piiRedactedAt).not.toBeNull();
      } else {
        expect(row.email).toBe(o.email);
        expect(row.shippingAddress.name).toBe('Ada Lovelace');
      }
      // What the books need, on every order: amounts, customer, status, when.
      expect(row).toMatchObject({ totalCents: 1234, currency: 'USD', status: o.status, customerId: `cust-${o.id.slice(4, 10)}` });
      expect(row.updatedAt.getTime()).toBe(o.at);
    }
    expect(await db.$count(orderLines)).toBe(seed.orders.length);
    expect(await db.$count(payments)).toBe(seed.orders.filter((o) => o.status === 'completed').length);
  });

  it('keeps the key, timeline and customer data of an order that has not ended, however old', async () => {
    const open = seed.orders.filter((o) => o.status === 'needs_attention' || o.status === 'processing');
    const oldest = Math.min(...open.map((o) => o.at));
    // Open orders far older than every retention: parked for a year and more, and still theirs.
    expect(Date.parse(report.asOf) - oldest).toBeGreaterThan(450 * 86_400_000);
    const rows = await db.select().from(orders).where(inArray(orders.id, open.map((o) => o.id)));
    expect(rows).toHaveLength(open.length);
    for (const row of rows) {
      expect(row.requestHash).toBe(`hash-${row.id}`);
      expect(row.piiRedactedAt).toBeNull();
      expect(row.eventsPrunedAt).toBeNull();
      expect(row.shippingAddress.line1).toBe('12 Analytical St');
    }
    const [events] = await db.select({ n: sql<number>`count(*)::int` }).from(orderEvents).where(inArray(orderEvents.orderId, open.map((o) => o.id)));
    expect(events!.n).toBe(open.length * 3);
  });

  it('is idempotent: the same run retried reports the same counts and removes nothing more, and a new run finds nothing', async () => {
    const counts = async () => ({ deliveries: await db.$count(webhookDeliveries), events: await db.$count(webhookEvents), orderEvents: await db.$count(orderEvents) });
    const state = await counts();
    const again = await runRetention(workflowId);
    expect(again).toEqual(report);
    const fresh = await runRetention();
    expect(fresh.counts).toEqual({ webhookDeliveries: 0, webhookEvents: 0, idempotencyKeys: 0, orderEvents: 0, personalData: 0 });
    expect(await counts()).toEqual(state);
  }, 120_000);
});

describe('an Idempotency-Key after its order ended IDEMPOTENCY_RETENTION ago', () => {
  it('answers 409 "Idempotency-Key expired" once retention forgot it, whatever the body, and never places a second order', async () => {
    // The saga runs on this file's worker, on this file's database.
    const sku = `RET-${randomUUID().slice(0, 8)}`.toUpperCase();
    await sim('/_sim/erp/stock', { sku, warehouse: 'wh-east', onHand: 5 }, 'PUT');
    await db.insert(stock).values({ sku, warehouse: 'wh-east', onHand: 5, reserved: 0 });
    const own = await startOwnApi({ taskQueue, env: { DATABASE_URL: databaseUrl } });
    apis.push(own);
    const { call, statusOf } = clientOf(own);
    const key = newIdempotencyKey();
    const body = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 700 }] });
    const placed = await call('/orders', body, { 'idempotency-key': key });
    expect(placed.status).toBe(202);
    const orderId = placed.body.orderId as string;
    expect((await statusOf(orderId, ['completed', 'failed', 'rejected', 'cancelled'], 90_000)).status).toBe('completed');

    // Within its retention the key answers the same order.
    const early = await call('/orders', body, { 'idempotency-key': key });
    expect(early).toMatchObject({ status: 202, body: { orderId } });
    const hashOf = async () => (await db.select({ hash: orders.requestHash }).from(orders).where(eq(orders.id, orderId)))[0]!.hash;
    await runRetention();
    expect(await hashOf()).not.toBeNull();
    expect((await call('/orders', body, { 'idempotency-key': key })).status).toBe(202);

    // A day and an hour later (its end moved back, as the clock would have moved on).
    await db.execute(sql`update orders set updated_at = now() - interval '25 hours' where id = ${orderId}`);
    expect((await runRetention()).counts.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(await hashOf()).toBeNull();

    for (const replay of [body, { ...body, customerId: 'someone-else' }]) {
      const res = await fetch(`${own.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${CHECKOUT_TOKEN}`, 'idempotency-key': key },
        body: JSON.stringify(replay),
      });
      const problem = await res.json();
      expect(res.status).toBe(409);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(problem).toMatchObject({ title: 'Idempotency-Key expired', status: 409, orderId });
      expectDocumentedResponse('POST', '/orders', res.status, res.headers.get('content-type') ?? '', problem);
    }
    const same = await db.select({ id: orders.id, status: orders.status }).from(orders).where(eq(orders.idempotencyKey, key));
    expect(same).toEqual([{ id: orderId, status: 'completed' }]);
    expect((await call(`/orders/${orderId}`)).status).toBe(200);
  }, 180_000);
});
