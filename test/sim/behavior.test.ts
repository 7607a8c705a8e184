import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import Stripe from 'stripe';
import { messageBody, newReference, paymentIntentParams, startSim, stripeAt, type SimClient } from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());
afterEach(() => sim.post('/_sim/reset'));

const recordsFor = async (system: string, reference: string) =>
  (await sim.get(`/_sim/${system}/records?reference=${reference}`)).body.records;

describe('injected unavailability', () => {
  it('fails the next N requests before acting, without storing them for replay', async () => {
    await sim.post('/_sim/notifications/behavior', { failNext: 2 });
    const reference = newReference();
    const key = randomUUID();

    const first = await sim.post('/notifications/messages', messageBody(reference), { key });
    const second = await sim.post('/notifications/messages', messageBody(reference), { key });
    expect([first.status, second.status]).toEqual([503, 503]);
    expect(first.body.error.code).toBe('unavailable');
    expect(await recordsFor('notifications', reference)).toEqual([]);

    const third = await sim.post('/notifications/messages', messageBody(reference), { key });
    expect(third.status).toBe(201);
    expect(await recordsFor('notifications', reference)).toHaveLength(1);
    expect((await sim.get('/_sim/notifications/behavior')).body.failNext).toBe(0);
  });

  it('fails every request during an outage, reads included', async () => {
    await sim.post('/_sim/erp/behavior', { outage: true });
    expect((await sim.get('/erp/stock')).status).toBe(503);
    await sim.delete('/_sim/erp/behavior');
    expect((await sim.get('/erp/stock')).status).toBe(200);
  });

  it('fails every request at failureRate 1 and none at 0', async () => {
    await sim.post('/_sim/carrier/behavior', { failureRate: 1 });
    expect((await sim.get('/carrier/labels/lbl_missing')).status).toBe(503);
    await sim.post('/_sim/carrier/behavior', { failureRate: 0 });
    expect((await sim.get('/carrier/labels/lbl_missing')).status).toBe(404);
  });
});

describe('lost responses and hangs', () => {
  it('acts but answers 503 when the response is lost; a retry with the key gets the original answer', async () => {
    await sim.post('/_sim/payment/behavior', { lostResponseRate: 1 });
    const reference = newReference();
    const key = randomUUID();

    const stripe = stripeAt(sim.url);
    const lost = await stripe.paymentIntents.create(paymentIntentParams(reference), { idempotencyKey: key }).catch((e: unknown) => e);
    expect(lost).toMatchObject({ statusCode: 503 });
    const [auth] = await recordsFor('payment', reference);
    expect(auth).toMatchObject({ status: 'requires_capture', idempotencyKey: key });

    await sim.delete('/_sim/payment/behavior');
    const retry = await stripe.paymentIntents.create(paymentIntentParams(reference), { idempotencyKey: key });
    expect(retry.id).toBe(auth.id);
    expect(await recordsFor('payment', reference)).toHaveLength(1);
  });

  it('acts before hanging, so a client timeout fires after the action happened', async () => {
    await sim.post('/_sim/notifications/behavior', { hangMs: 1000 });
    const reference = newReference();
    const timedOut = sim.post('/notifications/messages', messageBody(reference), {
      signal: AbortSignal.timeout(300),
    });
    await expect(timedOut).rejects.toThrow();
    expect(await recordsFor('notifications', reference)).toHaveLength(1);
  });
});

describe('latency', () => {
  it('delays vendor requests, reads included, but not control routes', async () => {
    await sim.post('/_sim/erp/behavior', { latencyMs: 300 });
    expect((await sim.get('/erp/stock')).elapsedMs).toBeGreaterThanOrEqual(295);
    expect((await sim.post('/erp/orders', {})).elapsedMs).toBeGreaterThanOrEqual(295);
    expect((await sim.get('/_sim/erp/behavior')).elapsedMs).toBeLessThan(300);
  });

  it('adds jitter drawn from the random source', async () => {
    const jittery = await startSim({ random: () => 0.5 });
    try {
      await jittery.sim.post('/_sim/notifications/behavior', { latencyMs: 50, jitterMs: 200 });
      const response = await jittery.sim.post('/notifications/messages', messageBody(newReference()));
      expect(response.elapsedMs).toBeGreaterThanOrEqual(145);
    } finally {
      await jittery.server.close();
    }
  });

  it('takes default latency per system from the environment', async () => {
    const configured = await startSim({ env: { SIM_LATENCY_MS: '20', SIM_ERP_LATENCY_MS: '80' } });
    try {
      expect((await configured.sim.get('/_sim/erp/behavior')).body.latencyMs).toBe(80);
      expect((await configured.sim.get('/_sim/payment/behavior')).body.latencyMs).toBe(20);
      await configured.sim.post('/_sim/erp/behavior', { latencyMs: 0 });
      await configured.sim.delete('/_sim/erp/behavior');
      expect((await configured.sim.get('/_sim/erp/behavior')).body.latencyMs).toBe(80);
    } finally {
      await configured.server.close();
    }
  });

  it('refuses a malformed latency setting in the environment', async () => {
    await expect(startSim({ env: { SIM_WMS_LATENCY_MS: 'slow' } })).rejects.toThrow(/SIM_WMS_LATENCY_MS/);
  });
});

describe('scoped behaviors', () => {
  it('confines an outage to one reference', async () => {
    const broken = newReference();
    const healthy = newReference();
    await sim.post('/_sim/notifications/behavior', { scope: broken, outage: true });

    expect((await sim.post('/notifications/messages', messageBody(broken))).status).toBe(503);
    expect((await sim.post('/notifications/messages', messageBody(healthy))).status).toBe(201);
    expect((await sim.get('/_sim/notifications/behavior')).body.outage).toBe(false);
  });

  it('overrides the system default for its reference', async () => {
    const shielded = newReference();
    await sim.post('/_sim/notifications/behavior', { outage: true });
    await sim.post('/_sim/notifications/behavior', { scope: shielded, latencyMs: 0 });

    expect((await sim.post('/notifications/messages', messageBody(shielded))).status).toBe(201);
    expect((await sim.post('/notifications/messages', messageBody(newReference()))).status).toBe(503);
  });

  it("counts a scoped failNext only against that scope's requests", async () => {
    const scoped = newReference();
    await sim.post('/_sim/notifications/behavior', { scope: scoped, failNext: 1 });

    expect((await sim.post('/notifications/messages', messageBody(newReference()))).status).toBe(201);
    expect((await sim.post('/notifications/messages', messageBody(scoped))).status).toBe(503);
    expect((await sim.post('/notifications/messages', messageBody(scoped))).status).toBe(201);
  });

  it('applies to a capture through the reference of its authorization', async () => {
    const reference = newReference();
    const stripe = stripeAt(sim.url);
    const auth = await stripe.paymentIntents.create(paymentIntentParams(reference));
    await sim.post('/_sim/payment/behavior', { scope: reference, outage: true });

    const capture = await stripe.paymentIntents.capture(auth.id).catch((e: unknown) => e);
    expect(capture).toBeInstanceOf(Stripe.errors.StripeError);
    expect(capture).toMatchObject({ statusCode: 503 });
    expect((await recordsFor('payment', reference))[0].status).toBe('requires_capture');
  });

  it('never applies to reads, which carry no reference', async () => {
    const reference = newReference();
    const stripe = stripeAt(sim.url);
    const auth = await stripe.paymentIntents.create(paymentIntentParams(reference));
    await sim.post('/_sim/payment/behavior', { scope: reference, outage: true });
    expect((await stripe.paymentIntents.retrieve(auth.id)).id).toBe(auth.id);
  });

  it('can be removed without touching other scopes', async () => {
    const [a, b] = [newReference(), newReference()];
    await sim.post('/_sim/notifications/behavior', { scope: a, outage: true });
    await sim.post('/_sim/notifications/behavior', { scope: b, outage: true });
    await sim.delete(`/_sim/notifications/behavior?scope=${a}`);

    expect((await sim.post('/notifications/messages', messageBody(a))).status).toBe(201);
    expect((await sim.post('/notifications/messages', messageBody(b))).status).toBe(503);
  });
});

describe('behavior control', () => {
  it('merges a partial behavior and answers the result', async () => {
    await sim.post('/_sim/wms/behavior', { latencyMs: 5 });
    const response = await sim.post('/_sim/wms/behavior', { failureRate: 0.25 });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      latencyMs: 5,
      jitterMs: 0,
      failureRate: 0.25,
      outage: false,
      lostResponseRate: 0,
      hangMs: 0,
      failNext: 0,
    });
    expect((await sim.get('/_sim/wms/behavior')).body).toEqual(response.body);
  });

  it.each([
    { latencyMs: -1 },
    { failureRate: 1.5 },
    { lostResponseRate: -0.1 },
    { outage: 'yes' },
    { failNext: 1.5 },
    { failRate: 1 },
    { scope: '' },
  ])('refuses the invalid behavior %o', async (patch) => {
    const response = await sim.post('/_sim/payment/behavior', patch);
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
    expect((await sim.get('/_sim/payment/behavior')).body.failureRate).toBe(0);
  });

  it('resets one system with DELETE and every system with /_sim/reset, keeping records', async () => {
    const reference = newReference();
    await sim.post('/notifications/messages', messageBody(reference));
    await sim.post('/_sim/payment/behavior', { outage: true });
    await sim.post('/_sim/carrier/behavior', { outage: true });

    expect((await sim.delete('/_sim/payment/behavior')).body.outage).toBe(false);
    expect((await sim.get('/_sim/carrier/behavior')).body.outage).toBe(true);

    const reset = await sim.post('/_sim/reset');
    expect(reset.status).toBe(200);
    expect((await sim.get('/_sim/carrier/behavior')).body.outage).toBe(false);
    expect(await recordsFor('notifications', reference)).toHaveLength(1);
  });

  it('answers 404 for an unknown system', async () => {
    for (const response of [
      await sim.get('/_sim/bank/behavior'),
      await sim.post('/_sim/bank/behavior', { outage: true }),
      await sim.get('/_sim/bank/records'),
    ]) {
      expect(response.status).toBe(404);
      expect(response.body.error.code).toBe('unknown_system');
    }
  });
});
