import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import { newReference, paymentIntentParams, startSim, stripeAt, type SimClient } from './sim-client';

const WEBHOOK_SECRET = 'whsec_test_simulator';

/** A webhook receiver that verifies like the API does (constructEvent) and keeps what it verified. */
let receiver: Server;
const events: Stripe.Event[] = [];
let rejected = 0;

let server: SimServer;
let sim: SimClient;
let stripe: Stripe;

beforeAll(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        events.push(Stripe.webhooks.constructEvent(Buffer.concat(chunks), String(req.headers['stripe-signature']), WEBHOOK_SECRET));
        res.writeHead(200).end('{}');
      } catch {
        rejected++;
        res.writeHead(400).end('{}');
      }
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const stripeWebhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/stripe`;
  ({ server, sim } = await startSim({ stripeWebhookUrl, stripeWebhookSecret: WEBHOOK_SECRET }));
  stripe = stripeAt(server.url);
});
afterAll(async () => {
  await server.close();
  await new Promise((resolve) => receiver.close(resolve));
});

const authorize = (reference = newReference(), paymentMethod = 'pm_card_visa', amount = 5000, idempotencyKey = randomUUID()) =>
  stripe.paymentIntents.create(paymentIntentParams(reference, paymentMethod, amount), { idempotencyKey });

async function stripeError(promise: Promise<unknown>): Promise<Stripe.errors.StripeError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(Stripe.errors.StripeError);
  return error as Stripe.errors.StripeError;
}

const recordsOf = async (reference: string) => (await sim.get(`/_sim/payment/records?reference=${reference}`)).body.records;

describe('authorizing: a confirmed PaymentIntent with manual capture', () => {
  it.each(['pm_card_visa', 'pm_card_mastercard', 'pm_card_amex', 'tok_visa', 'tok_mastercard'])('holds the amount on %s', async (pm) => {
    const intent = await authorize(newReference(), pm, 1234);
    expect(intent).toMatchObject({ object: 'payment_intent', status: 'requires_capture', amount: 1234, amount_capturable: 1234, amount_received: 0, currency: 'usd', capture_method: 'manual' });
    expect(intent.id).toMatch(/^pi_/);
  });

  it.each([
    ['pm_card_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'card_declined', 'insufficient_funds'],
    ['tok_chargeDeclined', 'card_declined', 'generic_decline'],
    ['pm_card_chargeDeclinedExpiredCard', 'expired_card', 'expired_card'],
  ])('declines %s with a 402 card_error and keeps the failed intent', async (pm, code, declineCode) => {
    const reference = newReference();
    const error = await stripeError(authorize(reference, pm));
    expect(error).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(error).toMatchObject({ statusCode: 402, code, decline_code: declineCode });
    expect(error.payment_intent?.status).toBe('requires_payment_method');
    expect(await recordsOf(reference)).toMatchObject([{ type: 'payment_intent', status: 'requires_payment_method', amount_capturable: 0, last_payment_error: { decline_code: declineCode } }]);
  });

  it('refuses an unknown PaymentMethod and bad amounts as invalid requests', async () => {
    expect(await stripeError(authorize(newReference(), 'pm_card_nonsense'))).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', code: 'resource_missing', param: 'payment_method' });
    const bad = await fetch(`${server.url}/v1/payment_intents`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=ten&currency=usd&capture_method=manual' });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { type: string; param: string } }).error).toMatchObject({ type: 'invalid_request_error', param: 'amount' });
  });

  it('sets the capture window (capture_before) from the authorization validity window', async () => {
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const fixed = await startSim({ now: () => now, authTtlMs: 60_000 });
    try {
      const intent = await stripeAt(fixed.server.url).paymentIntents.create(paymentIntentParams(newReference()), { idempotencyKey: randomUUID() });
      const charge = await stripeAt(fixed.server.url).paymentIntents.retrieve(intent.id, { expand: ['latest_charge'] });
      expect((charge.latest_charge as Stripe.Charge).payment_method_details?.card?.capture_before).toBe(now / 1000 + 60);
    } finally {
      await fixed.server.close();
    }
  });
});

describe("an order's card rules (PUT /_sim/payment/orders/:orderId/rules)", () => {
  it("give the order's authorizations a short capture window and decline its off-session ones; other orders are untouched", async () => {
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const fixed = await startSim({ now: () => now });
    try {
      const reference = newReference();
      expect((await fixed.sim.put(`/_sim/payment/orders/${reference}/rules`, { authorizationTtlMs: 8_000, declineOffSession: true })).status).toBe(200);
      const gateway = stripeAt(fixed.server.url);
      const first = await gateway.paymentIntents.create(paymentIntentParams(reference), { idempotencyKey: randomUUID() });
      const charge = await gateway.paymentIntents.retrieve(first.id, { expand: ['latest_charge'] });
      expect((charge.latest_charge as Stripe.Charge).payment_method_details?.card?.capture_before).toBe(now / 1000 + 8);
      const offSession = await stripeError(gateway.paymentIntents.create({ ...paymentIntentParams(reference), off_session: true }, { idempotencyKey: randomUUID() }));
      expect(offSession).toMatchObject({ statusCode: 402, type: 'StripeCardError', code: 'authentication_required', decline_code: 'authentication_required' });
      // Another order: the simulator's own window, off-session approved.
      const other = await gateway.paymentIntents.create({ ...paymentIntentParams(newReference()), off_session: true }, { idempotencyKey: randomUUID() });
      expect(other.status).toBe('requires_capture');
    } finally {
      await fixed.server.close();
    }
  });

  it('refuse a rule they do not know, or a window under a second, with a 400 naming it', async () => {
    const unknown = await sim.put(`/_sim/payment/orders/${newReference()}/rules`, { declineEverything: true });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(unknown.body)).toContain('declineEverything');
    const short = await sim.put(`/_sim/payment/orders/${newReference()}/rules`, { authorizationTtlMs: 10 });
    expect(short.status).toBe(400);
    expect(JSON.stringify(short.body)).toContain('authorizationTtlMs');
  });
});

describe('capturing once, with amount_to_capture', () => {
  it('captures part of the hold and releases the rest', async () => {
    const intent = await authorize(newReference(), 'pm_card_visa', 5000);
    const captured = await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 3000 }, { idempotencyKey: randomUUID() });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 3000, amount_capturable: 0 });
    const again = await stripeError(stripe.paymentIntents.capture(intent.id, { amount_to_capture: 1000 }, { idempotencyKey: randomUUID() }));
    expect(again).toMatchObject({ statusCode: 400, code: 'payment_intent_unexpected_state' });
  });

  it('refuses more than the hold', async () => {
    const intent = await authorize(newReference(), 'pm_card_visa', 5000);
    expect(await stripeError(stripe.paymentIntents.capture(intent.id, { amount_to_capture: 5001 }))).toMatchObject({ code: 'amount_too_large' });
    expect((await stripe.paymentIntents.retrieve(intent.id)).status).toBe('requires_capture');
  });

  it('cancels a hold whose capture window ended (cancellation_reason automatic)', async () => {
    const intent = await authorize();
    expect((await sim.post(`/_sim/payment/payment_intents/${intent.id}/expire`)).status).toBe(200);
    const error = await stripeError(stripe.paymentIntents.capture(intent.id, {}));
    expect(error.code).toBe('payment_intent_unexpected_state');
    expect(error.payment_intent).toMatchObject({ status: 'canceled', cancellation_reason: 'automatic' });
  });

  it('answers 404 resource_missing for an unknown PaymentIntent', async () => {
    expect(await stripeError(stripe.paymentIntents.capture('pi_missing', {}))).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    expect((await sim.post('/_sim/payment/payment_intents/pi_missing/expire')).status).toBe(404);
  });
});

describe('voiding: cancelling the PaymentIntent', () => {
  it('releases the hold once; a captured or cancelled intent cannot be cancelled', async () => {
    const reference = newReference();
    const intent = await authorize(reference);
    const canceled = await stripe.paymentIntents.cancel(intent.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned', amount_capturable: 0 });
    expect(await stripeError(stripe.paymentIntents.cancel(intent.id))).toMatchObject({ code: 'payment_intent_unexpected_state' });
    expect(await stripeError(stripe.paymentIntents.capture(intent.id))).toMatchObject({ code: 'payment_intent_unexpected_state' });

    const captured = await authorize();
    await stripe.paymentIntents.capture(captured.id);
    expect((await stripeError(stripe.paymentIntents.cancel(captured.id))).payment_intent?.status).toBe('succeeded');
    expect(await recordsOf(reference)).toMatchObject([{ status: 'canceled', canceled_at: expect.any(Number) }]);
  });
});

describe('refunds', () => {
  it('refund several times up to what was captured', async () => {
    const reference = newReference();
    const intent = await authorize(reference, 'pm_card_visa', 5000);
    await stripe.paymentIntents.capture(intent.id, { amount_to_capture: 4000 });
    const first = await stripe.refunds.create({ payment_intent: intent.id, amount: 2500, metadata: { order_id: reference } }, { idempotencyKey: randomUUID() });
    expect(first).toMatchObject({ object: 'refund', amount: 2500, payment_intent: intent.id, status: 'succeeded' });
    expect(await stripeError(stripe.refunds.create({ payment_intent: intent.id, amount: 1501 }))).toMatchObject({ statusCode: 400, code: 'amount_too_large' });
    await stripe.refunds.create({ payment_intent: intent.id, amount: 1500 });
    const [record] = await recordsOf(reference);
    expect(record).toMatchObject({ amount_received: 4000, amount_refunded: 4000 });
    expect(record.refunds.map((r: { amount: number }) => r.amount)).toEqual([2500, 1500]);
  });

  it('refuses to refund an intent that was not captured', async () => {
    const intent = await authorize();
    expect(await stripeError(stripe.refunds.create({ payment_intent: intent.id, amount: 100 }))).toMatchObject({ code: 'payment_intent_unexpected_state' });
    expect(await stripeError(stripe.refunds.create({ payment_intent: 'pi_missing', amount: 100 }))).toMatchObject({ code: 'resource_missing' });
  });
});

describe("Stripe's idempotency", () => {
  it('replays the first answer, declines included, without a second object', async () => {
    const reference = newReference();
    const key = randomUUID();
    const first = await authorize(reference, 'pm_card_visa', 700, key);
    expect((await authorize(reference, 'pm_card_visa', 700, key)).id).toBe(first.id);
    const declineKey = randomUUID();
    const declined = await stripeError(authorize(reference, 'pm_card_chargeDeclined', 700, declineKey));
    const replayed = await stripeError(authorize(reference, 'pm_card_chargeDeclined', 700, declineKey));
    expect(replayed.payment_intent?.id).toBe(declined.payment_intent?.id);
    expect(await recordsOf(reference)).toHaveLength(2);
  });

  it('refuses the same key with other parameters (idempotency_error)', async () => {
    const reference = newReference();
    const key = randomUUID();
    await authorize(reference, 'pm_card_visa', 700, key);
    const error = await stripeError(authorize(reference, 'pm_card_visa', 800, key));
    expect(error).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect(await recordsOf(reference)).toHaveLength(1);
  });
});

describe('search by metadata', () => {
  it("finds an order's PaymentIntents by metadata['order_id'] and attempt", async () => {
    const reference = newReference();
    const intent = await authorize(reference);
    await authorize(newReference());
    const found = await stripe.paymentIntents.search({ query: `metadata['order_id']:'${reference}' AND metadata['attempt']:'1'` });
    expect(found.data.map((pi) => pi.id)).toEqual([intent.id]);
    expect((await stripe.paymentIntents.search({ query: `metadata['order_id']:'${reference}' AND metadata['attempt']:'2'` })).data).toEqual([]);
    expect(await stripeError(stripe.paymentIntents.search({ query: 'amount>10' }))).toMatchObject({ statusCode: 400 });
  });

  it('trails writes by SIM_SEARCH_LAG_MS, as Stripe search does', async () => {
    let now = Date.parse('2030-01-01T00:00:00.000Z');
    const lagging = await startSim({ now: () => now, searchLagMs: 60_000 });
    try {
      const client = stripeAt(lagging.server.url);
      const reference = newReference();
      await client.paymentIntents.create(paymentIntentParams(reference), { idempotencyKey: randomUUID() });
      const query = `metadata['order_id']:'${reference}'`;
      expect((await client.paymentIntents.search({ query })).data).toHaveLength(0);
      now += 60_000;
      expect((await client.paymentIntents.search({ query })).data).toHaveLength(1);
    } finally {
      await lagging.server.close();
    }
  });
});

describe('webhooks', () => {
  it('sends signed payment_intent.canceled, charge.refunded and charge.dispute.created events', async () => {
    const reference = newReference();
    const voided = await authorize(reference);
    await stripe.paymentIntents.cancel(voided.id, {}, { idempotencyKey: `${reference}:void` });
    const captured = await authorize(reference);
    await stripe.paymentIntents.capture(captured.id, { amount_to_capture: 4000 });
    await stripe.refunds.create({ payment_intent: captured.id, amount: 1000 });
    expect((await sim.post(`/_sim/payment/payment_intents/${captured.id}/dispute`, { reason: 'fraudulent' })).status).toBe(200);

    await expect.poll(() => events.filter((e) => (e.data.object as { metadata?: Record<string, string> }).metadata?.order_id === reference || (e.data.object as { payment_intent?: string }).payment_intent === captured.id).length).toBe(3);
    const mine = events.filter((e) => [voided.id, captured.id].includes((e.data.object as { id: string; payment_intent?: string }).payment_intent ?? (e.data.object as { id: string }).id));
    expect(mine.map((e) => e.type)).toEqual(['payment_intent.canceled', 'charge.refunded', 'charge.dispute.created']);
    expect(mine[0]!.request?.idempotency_key).toBe(`${reference}:void`);
    expect(mine[1]!.data.object).toMatchObject({ object: 'charge', amount_captured: 4000, amount_refunded: 1000, payment_intent: captured.id });
    expect(mine[2]!.data.object).toMatchObject({ object: 'dispute', amount: 3000, payment_intent: captured.id });
    expect(rejected).toBe(0);
  });
});
