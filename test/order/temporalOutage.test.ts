import { eq, inArray } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { startOwnApi } from '../support/ownApi';
import { freePort } from '../../db/embedded';
import { orders } from '../../db/schema';
import { paymentIntentsOf, expectMoneyBalanced } from '../support/invariants';
import { newIdempotencyKey, newSku, orderRequest, testDb, waitForStatus } from '../support/stack';
import { CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';

/** An API whose Temporal is unreachable (nothing listens on its port), as during an outage. */
let api: RunningApi;

describe('orders accepted while Temporal is unreachable', () => {
  beforeAll(async () => {
    api = await startOwnApi({ env: { TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`, TEMPORAL_START_TIMEOUT_MS: '500' } });
  });
  afterAll(async () => api?.close());

  it('are answered 202 at once, committed with their outbox mark, and completed exactly once by the dispatcher', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const started = Date.now();
    const answers = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${api.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey(), authorization: `Bearer ${CHECKOUT_TOKEN}` },
        body: JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] })),
      });
      answers.push({ status: res.status, body: (await res.json()) as { orderId: string } });
    }
    // The answer never waits for Temporal: the start runs after it, and fails in the background.
    expect(Date.now() - started).toBeLessThan(2_500);
    expect(answers.map((a) => a.status)).toEqual([202, 202, 202, 202, 202]);
    const ids = answers.map((a) => a.body.orderId);
    const rows = await testDb()
      .select({ id: orders.id, createdAt: orders.createdAt, startedAt: orders.workflowStartedAt })
      .from(orders)
      .where(inArray(orders.id, ids));
    expect(rows).toHaveLength(5);
    // The API could not start them: each is still unmarked, or was marked by the shared dispatcher, which
    // only touches orders older than its DISPATCH_AFTER_MS (1 s in the test stack), never by the API itself.
    for (const row of rows) {
      if (row.startedAt !== null) expect(row.startedAt.getTime() - row.createdAt.getTime()).toBeGreaterThanOrEqual(1_000);
    }

    // The worker's dispatcher, which does reach Temporal, starts each saga; each completes once.
    for (const id of ids) expect((await waitForStatus(id)).status).toBe('completed');
    for (const id of ids) {
      expect(await paymentIntentsOf(id)).toHaveLength(1);
      await expectMoneyBalanced(id);
      const [row] = await testDb().select({ startedAt: orders.workflowStartedAt }).from(orders).where(eq(orders.id, id));
      expect(row!.startedAt).not.toBeNull();
    }
  });

  it('reports Temporal as down in /healthz: degraded to anyone, which check to staff', async () => {
    const anonymous = await fetch(`${api.url}/healthz`);
    expect(anonymous.status).toBe(503);
    expect(await anonymous.json()).toEqual({ status: 'degraded' });
    const res = await fetch(`${api.url}/healthz`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: { temporal: string; postgres: string } }).checks).toMatchObject({ postgres: 'ok', temporal: expect.not.stringMatching(/^ok$/) });
  });

  it('is ready for orders by /healthz?need=postgres while Temporal is down (the probe the Helm chart uses)', async () => {
    const res = await fetch(`${api.url}/healthz?need=postgres`);
    expect(res.status).toBe(200);
    // A probe (anonymous) learns up or down; staff see that Temporal is the one down.
    expect(await res.json()).toEqual({ status: 'ok' });
    const staff = await fetch(`${api.url}/healthz?need=postgres`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(await staff.json()).toMatchObject({ status: 'ok', checks: { postgres: 'ok', temporal: expect.not.stringMatching(/^ok$/) } });
    expect((await fetch(`${api.url}/healthz?need=temporal`)).status).toBe(503);
    expect((await fetch(`${api.url}/healthz?need=nothing-known`)).status).toBe(400);
    // The liveness probe's question: the process answers, whatever its dependencies do.
    expect((await fetch(`${api.url}/healthz?need=`)).status).toBe(200);
  });
});
