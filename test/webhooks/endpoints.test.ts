import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { inject } from 'vitest';
import { webhookDeliveries, webhookEvents, webhookSubscriptions } from '../../db/schema';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { startWebhookDelivery } from '../../worker/createWorker';
import { api, testDb } from '../support/stack';
import { startOwnApi } from '../support/ownApi';
import type { RunningApi } from '../../api/server';
import { CROWD_CHECKOUT_TOKEN, OTHER_CHECKOUT_TOKEN, TEST_API_ENV } from '../support/testPolicy';
import { startReceiver } from './receiver';
import { deliveriesOf, outboxEvents, subscribe } from './support';

/** Webhook endpoints are bounded: how many one client may have, what a disabled one is queued, whose credential made it. */

const CAP_TOKEN = 'test-checkout-token-cap-0123456789';
const RETIRED_TOKEN = 'test-checkout-token-retired-0123456789';

describe('endpoints per owner', () => {
  let own: RunningApi;
  beforeAll(async () => {
    // The cap as shipped (the run's stack raises it: its files share a few principals).
    own = await startOwnApi({ env: { CHECKOUT_TOKENS: `${TEST_API_ENV.CHECKOUT_TOKENS},checkout-cap:${CAP_TOKEN}`, WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER: String(loadConfig({}).WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER) } });
  });
  afterAll(async () => {
    await testDb().delete(webhookSubscriptions).where(eq(webhookSubscriptions.owner, 'checkout-cap'));
    await own?.close();
  });

  const create = async (token: string, url: string) => {
    const res = await fetch(`${own.url}/webhook-subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify({ url }) });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('the default is 16 (as Stripe)', () => {
    expect(loadConfig({}).WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER).toBe(16);
  });

  it('the 17th endpoint is refused with 409 naming the cap, even when all 17 are asked for at once; a deletion makes room', async () => {
    const answers = await Promise.all(Array.from({ length: 17 }, (_, i) => create(CAP_TOKEN, `https://hooks.cap.example/${i}`)));
    expect(answers.map((a) => a.status).sort()).toEqual([...Array(16).fill(201), 409]);
    const refused = answers.find((a) => a.status === 409)!;
    expect(refused.body).toMatchObject({ title: 'Too many webhook endpoints', detail: 'checkout-cap has 16 webhook endpoints, the most one client may have (16): delete one before adding another' });
    const [count] = await testDb().select({ n: sql<number>`count(*)::int` }).from(webhookSubscriptions).where(eq(webhookSubscriptions.owner, 'checkout-cap'));
    expect(count!.n).toBe(16);
    // Another client is not counted against it.
    const theirs = await create(OTHER_CHECKOUT_TOKEN, 'https://hooks.cap.example/other');
    expect(theirs.status).toBe(201);
    await testDb().delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, theirs.body.id));
    // Deleting one makes room for one.
    const one = answers.find((a) => a.status === 201)!.body.id as string;
    expect((await fetch(`${own.url}/webhook-subscriptions/${one}`, { method: 'DELETE', headers: { authorization: `Bearer ${CAP_TOKEN}` } })).status).toBe(204);
    expect((await create(CAP_TOKEN, 'https://hooks.cap.example/again')).status).toBe(201);
    expect((await create(CAP_TOKEN, 'https://hooks.cap.example/again-2')).status).toBe(409);
  });
});

describe('a disabled endpoint', () => {
  it('gets nothing queued: its backlog waits paused, outside the claim, new events are dropped and counted; re-enabling resumes the backlog', async () => {
    const receiver = await startReceiver();
    const sub = await subscribe(receiver.url(), { token: CROWD_CHECKOUT_TOKEN });
    receiver.setSecrets([sub.secret]);
    const auth = { authorization: `Bearer ${CROWD_CHECKOUT_TOKEN}` };
    await receiver.down();

    // Two events; the endpoint is down, so both wait in their retry schedule.
    const before = await outboxEvents('checkout-crowd', 2);
    const deliveryOf = async (messageId: string) => {
      const [row] = await testDb()
        .select({ id: webhookDeliveries.id, state: webhookDeliveries.state, attempts: webhookDeliveries.attempts })
        .from(webhookDeliveries)
        .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
        .where(sql`${webhookDeliveries.subscriptionId} = ${sub.id} and ${webhookEvents.messageId} = ${messageId}`);
      return row;
    };
    await expect.poll(async () => (await deliveryOf(before.messageIds[0]!))?.attempts ?? 0, { timeout: 10_000 }).toBeGreaterThanOrEqual(1);
    // The first is one attempt from the end of its schedule, due now; the second waits an hour (still pending).
    const set = async (messageId: string, change: ReturnType<typeof sql>) => {
      await expect
        .poll(async () => (await testDb().execute(sql`update webhook_deliveries set ${change} where id = ${(await deliveryOf(messageId))!.id} and state = 'pending' returning id`)).length, { timeout: 10_000 })
        .toBe(1);
    };
    await set(before.messageIds[1]!, sql`next_attempt_at = now() + interval '1 hour'`);
    await set(before.messageIds[0]!, sql`attempts = 7, next_attempt_at = now()`);

    // Its last attempt fails: the endpoint is disabled, and the rest of its backlog is paused.
    await expect.poll(async () => (await deliveriesOf(sub.id, CROWD_CHECKOUT_TOKEN)).subscription.disabledAt, { timeout: 10_000 }).not.toBeNull();
    expect((await deliveryOf(before.messageIds[0]!))!.state).toBe('failed');
    expect((await deliveryOf(before.messageIds[1]!))!.state).toBe('paused');
    // Nothing of it is where the claim looks (the due index holds pending and sending deliveries only).
    const scanned = async () => (await testDb().execute(sql`select count(*)::int as n from webhook_deliveries where subscription_id = ${sub.id} and state in ('pending', 'sending')`))[0]!.n;
    expect(await scanned()).toBe(0);

    // While it is disabled, its events are not queued: dropped, and counted.
    const during = await outboxEvents('checkout-crowd', 3);
    await expect
      .poll(async () => (await testDb().execute(sql`select count(*)::int as n from webhook_events where message_id = any(string_to_array(${during.messageIds.join(',')}, ',')) and fanned_out_at is not null`))[0]!.n, { timeout: 10_000 })
      .toBe(3);
    for (const messageId of during.messageIds) expect(await deliveryOf(messageId)).toBeUndefined();
    expect(await scanned()).toBe(0);
    const log = await deliveriesOf(sub.id, CROWD_CHECKOUT_TOKEN);
    expect(log.subscription).toMatchObject({ droppedEvents: 3 });
    expect(log.deliveries.map((d: { state: string }) => d.state).sort()).toEqual(['failed', 'paused']);

    // Enabled again (a redelivery): the failed one and the paused backlog go out; the dropped ones do not.
    await receiver.up();
    const failedId = String((await deliveryOf(before.messageIds[0]!))!.id);
    const res = await api(`/webhook-subscriptions/${sub.id}/deliveries/${failedId}/redeliver`, { method: 'POST', headers: auth });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ deliveryId: failedId, state: 'pending', resumed: 1 });
    await expect.poll(() => new Set(receiver.received.map((r) => r.id)).size, { timeout: 15_000 }).toBe(2);
    expect(new Set(receiver.received.map((r) => r.id))).toEqual(new Set(before.messageIds));
    await expect.poll(async () => (await deliveryOf(before.messageIds[1]!))!.state, { timeout: 10_000 }).toBe('delivered');
    expect((await deliveriesOf(sub.id, CROWD_CHECKOUT_TOKEN)).subscription).toMatchObject({ disabledAt: null, droppedEvents: 3 });
    // A new event is queued and delivered again.
    const after = await outboxEvents('checkout-crowd', 1);
    await expect.poll(() => receiver.received.some((r) => r.id === after.messageIds[0]), { timeout: 10_000 }).toBe(true);

    expect((await api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await receiver.close();
  });
});

/** Runs `check` beside a second dispatcher of the run's settings (one attempt in flight at most), started for it. */
async function withOwnDispatcher(check: () => Promise<void>) {
  const config = loadConfig({ ...process.env, ...vendorUrlsFor(inject('simUrl')), DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), ...TEST_API_ENV, WEBHOOK_MAX_IN_FLIGHT: '1', LOG_LEVEL: 'error' });
  const stop = startWebhookDelivery(config, testDb());
  try {
    await check();
  } finally {
    await stop();
  }
}

describe('a delivery queued for an endpoint as it was disabled (a fan-out racing the disabling)', () => {
  it("is paused by the dispatcher's owners check (at its start, then every minute)", async () => {
    const sub = await subscribe('https://hooks.raced.example/x', { token: CROWD_CHECKOUT_TOKEN });
    await testDb().update(webhookSubscriptions).set({ disabledAt: new Date(), disabledReason: 'raced' }).where(eq(webhookSubscriptions.id, sub.id));
    const { messageIds } = await outboxEvents('checkout-crowd', 1);
    await expect.poll(async () => (await testDb().select().from(webhookEvents).where(eq(webhookEvents.messageId, messageIds[0]!)))[0]?.fannedOutAt ?? null, { timeout: 10_000 }).not.toBeNull();
    const [event] = await testDb().select().from(webhookEvents).where(eq(webhookEvents.messageId, messageIds[0]!));
    // What the race leaves: a pending delivery (an hour ahead, in the due index) for the disabled endpoint.
    await testDb().insert(webhookDeliveries).values({ eventId: event!.id, subscriptionId: sub.id, state: 'pending', nextAttemptAt: new Date(Date.now() + 3_600_000) });
    await withOwnDispatcher(async () => {
      await expect.poll(async () => (await testDb().select().from(webhookDeliveries).where(eq(webhookDeliveries.subscriptionId, sub.id))).map((d) => d.state), { timeout: 10_000 }).toEqual(['paused']);
    });
    expect((await api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${CROWD_CHECKOUT_TOKEN}` } })).status).toBe(204);
  });
});

describe('an endpoint whose credential is removed', () => {
  let own: RunningApi;
  beforeAll(async () => {
    // An API that still knows the retired client (as before its credential was removed from the settings).
    own = await startOwnApi({ env: { CHECKOUT_TOKENS: `${TEST_API_ENV.CHECKOUT_TOKENS},checkout-retired:${RETIRED_TOKEN}` } });
  });
  afterAll(async () => {
    await testDb().delete(webhookSubscriptions).where(eq(webhookSubscriptions.owner, 'checkout-retired'));
    await own?.close();
  });

  it('is disabled by the dispatcher, which no longer has that credential, at its start; the others are left alone', async () => {
    const res = await fetch(`${own.url}/webhook-subscriptions`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${RETIRED_TOKEN}` }, body: JSON.stringify({ url: 'https://hooks.retired.example/x' }) });
    expect(res.status).toBe(201);
    const retired = (await res.json()) as { id: string };
    const kept = await subscribe('https://hooks.kept.example/x', { token: CROWD_CHECKOUT_TOKEN });

    // A dispatcher started with the run's settings, which do not name checkout-retired.
    await withOwnDispatcher(async () => {
      await expect
        .poll(async () => (await testDb().select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, retired.id)))[0]?.disabledAt ?? null, { timeout: 10_000 })
        .not.toBeNull();
    });
    const [row] = await testDb().select().from(webhookSubscriptions).where(eq(webhookSubscriptions.id, retired.id));
    expect(row!.disabledReason).toBe('its credential checkout-retired is no longer configured');
    // Its owner, were its credential back, reads why.
    const log = await fetch(`${own.url}/webhook-subscriptions/${retired.id}/deliveries`, { headers: { authorization: `Bearer ${RETIRED_TOKEN}` } });
    expect(((await log.json()) as any).subscription).toMatchObject({ disabledReason: 'its credential checkout-retired is no longer configured' });
    // A configured client's endpoint is not touched.
    expect((await deliveriesOf(kept.id, CROWD_CHECKOUT_TOKEN)).subscription.disabledAt).toBeNull();
    expect((await api(`/webhook-subscriptions/${kept.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${CROWD_CHECKOUT_TOKEN}` } })).status).toBe(204);
  });
});
