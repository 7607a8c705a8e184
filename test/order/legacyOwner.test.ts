import { randomUUID } from 'node:crypto';
import postgres from 'postgres';
import { afterAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import type { Database } from '../../db/client';
import { settleLegacyOrderOwner } from '../../db/order/legacyOwner';
import { deploymentFacts, stock } from '../../db/schema';
import { clientOf, startOwnApi } from '../support/ownApi';
import { newIdempotencyKey, orderRequest, temporalClient } from '../support/stack';
import { useScratchDatabases } from '../support/scratchDatabase';
import { CHECKOUT_CREDENTIAL, OTHER_CHECKOUT_CREDENTIAL } from '../support/testPolicy';

/**
 * LEGACY_ORDER_OWNER has no default: whose keys keep the unscoped order ids is recorded once per database. Each
 * case runs on a database of its own in the run's Postgres cluster, migrated as production migrates; the APIs
 * started here put their sagas on a task queue nobody polls (only what the API itself decides is under test).
 */
const newDatabase = useScratchDatabases('hotpath_legacy');

async function scratchDatabase(): Promise<{ url: string; db: Database }> {
  const scratch = await newDatabase();
  await scratch.db.insert(stock).values({ sku: 'LEGACY-1', warehouse: 'wh-east', onHand: 100, reserved: 0 });
  return scratch;
}

const NOBODY_POLLS = `legacy-owner-${randomUUID()}`;
const unsetLegacyOwner = { LEGACY_ORDER_OWNER: undefined } as unknown as Record<string, string>;
const apis: RunningApi[] = [];
async function apiOn(url: string, env: Record<string, string> = {}): Promise<RunningApi> {
  const api = await startOwnApi({ taskQueue: NOBODY_POLLS, env: { DATABASE_URL: url, ...unsetLegacyOwner, ...env } });
  apis.push(api);
  return api;
}
const body = orderRequest({ lines: [{ sku: 'LEGACY-1', quantity: 1, unitPriceCents: 900 }] });

afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  // The sagas these APIs started wait on a queue nobody polls: end them.
  const client = await temporalClient();
  for await (const wf of client.workflow.list({ query: `TaskQueue = '${NOBODY_POLLS}' AND ExecutionStatus = 'Running'` })) {
    await client.workflow.getHandle(wf.workflowId).terminate('test over').catch(() => {});
  }
});

describe('the legacy order owner, recorded once per database', () => {
  it('a database that already holds orders does not start without LEGACY_ORDER_OWNER, and says how to set it', async () => {
    const { url } = await scratchDatabase();
    // Orders placed as they were before: the first checkout name was the legacy owner by default.
    const first = await apiOn(url, { LEGACY_ORDER_OWNER: 'checkout-web' });
    expect((await clientOf(first).call('/orders', body, { 'idempotency-key': newIdempotencyKey() })).status).toBe(202);
    // The same database as it was before the fact was recorded (the record removed), upgraded: no default any more.
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    await sql`do $$ begin if to_regclass('deployment_facts') is not null then delete from deployment_facts; end if; end $$`;
    await sql.end();
    await expect(apiOn(url)).rejects.toThrow(/holds 1 orders.*set LEGACY_ORDER_OWNER.*"checkout-web"/s);
  });

  it('an empty database records nobody; a later LEGACY_ORDER_OWNER naming someone is refused, since it would move order ids', async () => {
    const { url, db } = await scratchDatabase();
    expect(await settleLegacyOrderOwner(db, undefined, ['checkout-web'])).toBeUndefined();
    expect(await db.select().from(deploymentFacts)).toEqual([expect.objectContaining({ key: 'legacy_order_owner', value: null })]);
    await expect(apiOn(url, { LEGACY_ORDER_OWNER: 'checkout-web' })).rejects.toThrow(/recorded no legacy owner.*second order/s);
  });

  it('once recorded, the setting may be removed, and one naming another client is refused', async () => {
    const { db } = await scratchDatabase();
    expect(await settleLegacyOrderOwner(db, 'checkout-web', ['checkout-web'])).toBe('checkout-web');
    expect(await settleLegacyOrderOwner(db, undefined, ['checkout-app'])).toBe('checkout-web');
    await expect(settleLegacyOrderOwner(db, 'checkout-app', ['checkout-app'])).rejects.toThrow(/recorded "checkout-web".*set it to checkout-web/s);
    // Several processes starting at once on an empty database agree on one record.
    const { db: fresh } = await scratchDatabase();
    const answers = await Promise.all([1, 2, 3, 4].map(() => settleLegacyOrderOwner(fresh, 'checkout-web', ['checkout-web'])));
    expect(answers).toEqual(['checkout-web', 'checkout-web', 'checkout-web', 'checkout-web']);
    expect(await fresh.select().from(deploymentFacts)).toHaveLength(1);
  });

  it('reordering CHECKOUT_TOKENS does not give a client\'s key a new order id: a retried request finds its order, never a second one', async () => {
    const { url } = await scratchDatabase();
    const key = newIdempotencyKey();
    const before = await apiOn(url, { CHECKOUT_TOKENS: `${CHECKOUT_CREDENTIAL},${OTHER_CHECKOUT_CREDENTIAL}` });
    const placed = await clientOf(before).call('/orders', body, { 'idempotency-key': key });
    expect(placed.status).toBe(202);
    // The operator lists the other client first (until now that made it the legacy owner) and the client retries.
    const after = await apiOn(url, { CHECKOUT_TOKENS: `${OTHER_CHECKOUT_CREDENTIAL},${CHECKOUT_CREDENTIAL}` });
    const retried = await clientOf(after).call('/orders', body, { 'idempotency-key': key });
    expect(retried.body.orderId).toBe(placed.body.orderId);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    const [row] = await sql`select count(*)::int as n from orders`;
    await sql.end();
    expect(row?.n).toBe(1);
  });
});
