import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SimServer } from '../../sim/start';
import { authorizationBody, newReference, startSim, type SimClient } from './sim-client';

let server: SimServer;
let sim: SimClient;

beforeAll(async () => ({ server, sim } = await startSim()));
afterAll(() => server.close());

async function authorize(amountCents = 5000, key = randomUUID()) {
  const reference = newReference();
  const response = await sim.post('/payment/authorizations', authorizationBody(reference, 'tok_visa', amountCents), {
    key,
  });
  expect(response.status).toBe(201);
  return { reference, key, id: response.body.id as string };
}

const capture = (id: string, body: object = {}, key?: string) =>
  sim.post(`/payment/authorizations/${id}/capture`, body, { key });
const voidByKey = (reference: string, authorizationKey: string) =>
  sim.post('/payment/voids', { reference, authorizationKey });
const refund = (reference: string, authorizationId: string, amountCents: number) =>
  sim.post('/payment/refunds', { reference, authorizationId, amountCents });
const authorization = async (id: string) => (await sim.get(`/payment/authorizations/${id}`)).body;

describe('authorizations', () => {
  it.each(['tok_visa', 'tok_mastercard', 'tok_amex'])('approves %s', async (token) => {
    const reference = newReference();
    const response = await sim.post('/payment/authorizations', authorizationBody(reference, token, 1234));
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ status: 'authorized', amountCents: 1234, currency: 'USD' });
    expect(response.body.id).toMatch(/^auth_/);
  });

  it.each([
    ['tok_chargeDeclined', 'card_declined'],
    ['tok_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
    ['tok_whatever', 'invalid_token'],
  ])('declines %s with %s and keeps the declined attempt', async (token, code) => {
    const reference = newReference();
    const response = await sim.post('/payment/authorizations', authorizationBody(reference, token));
    expect(response.status).toBe(402);
    expect(response.body.error.code).toBe(code);
    const { records } = (await sim.get(`/_sim/payment/records?reference=${reference}`)).body;
    expect(records).toMatchObject([{ status: 'declined', declineCode: code }]);
  });

  it.each([
    { amountCents: 0 },
    { amountCents: 10.5 },
    { currency: 'DOLLARS' },
    { paymentToken: undefined },
    { reference: undefined },
  ])('refuses the invalid request %o', async (override) => {
    const response = await sim.post('/payment/authorizations', { ...authorizationBody(newReference()), ...override });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('invalid_request');
  });

  it('sets expiresAt from the authorization validity window', async () => {
    const now = Date.parse('2030-01-01T00:00:00.000Z');
    const fixed = await startSim({ now: () => now, authTtlMs: 60_000 });
    try {
      const response = await fixed.sim.post('/payment/authorizations', authorizationBody(newReference()));
      expect(response.body.expiresAt).toBe('2030-01-01T00:01:00.000Z');
    } finally {
      await fixed.server.close();
    }
  });

  it('defaults the validity window to seven days', async () => {
    const before = Date.now();
    const { id } = await authorize();
    const expiresAt = Date.parse((await authorization(id)).expiresAt);
    expect(expiresAt - before).toBeGreaterThanOrEqual(7 * 24 * 3600 * 1000);
    expect(expiresAt - before).toBeLessThan(7 * 24 * 3600 * 1000 + 60_000);
  });

  it('shows the full authorization on GET', async () => {
    const { id, reference } = await authorize(5000);
    await capture(id, { amountCents: 4000 });
    await refund(reference, id, 1500);
    expect(await authorization(id)).toMatchObject({
      id,
      reference,
      status: 'captured',
      amountCents: 5000,
      capturedCents: 4000,
      refundedCents: 1500,
      voidedCents: 0,
    });
    expect((await sim.get('/payment/authorizations/auth_missing')).status).toBe(404);
  });
});

describe('captures', () => {
  it('captures the full amount by default', async () => {
    const { id } = await authorize(5000);
    const response = await capture(id);
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ id, status: 'captured', capturedCents: 5000 });
  });

  it('captures part of the amount', async () => {
    const { id } = await authorize(5000);
    expect((await capture(id, { amountCents: 3000 })).body.capturedCents).toBe(3000);
    expect((await authorization(id)).capturedCents).toBe(3000);
  });

  it('refuses to capture more than authorized', async () => {
    const { id } = await authorize(5000);
    const response = await capture(id, { amountCents: 5001 });
    expect(response.status).toBe(400);
    expect(response.body.error.code).toBe('amount_too_large');
    expect((await authorization(id)).status).toBe('authorized');
  });

  it('replays a capture with the same key but refuses a second capture with another key', async () => {
    const { id } = await authorize();
    const key = randomUUID();
    const first = await capture(id, {}, key);
    expect((await capture(id, {}, key)).body).toEqual(first.body);
    const second = await capture(id, {});
    expect(second.status).toBe(409);
    expect(second.body.error.code).toBe('already_captured');
  });

  it('refuses to capture a voided authorization', async () => {
    const { id, key, reference } = await authorize();
    await voidByKey(reference, key);
    const response = await capture(id);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('authorization_voided');
  });

  it('refuses to capture an expired authorization', async () => {
    const { id } = await authorize();
    const expired = await sim.post(`/_sim/payment/authorizations/${id}/expire`);
    expect(expired.status).toBe(200);
    const response = await capture(id);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('authorization_expired');
  });

  it('refuses to capture a declined authorization', async () => {
    const reference = newReference();
    const declined = await sim.post('/payment/authorizations', authorizationBody(reference, 'tok_chargeDeclined'));
    expect(declined.status).toBe(402);
    const [auth] = (await sim.get(`/_sim/payment/records?reference=${reference}`)).body.records;
    const response = await capture(auth.id);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('authorization_declined');
  });

  it('answers 404 for an unknown authorization', async () => {
    const response = await capture('auth_missing');
    expect(response.status).toBe(404);
    expect(response.body.error.code).toBe('not_found');
    expect((await sim.post('/_sim/payment/authorizations/auth_missing/expire')).status).toBe(404);
  });
});

describe('voids', () => {
  it('voids an authorization found by its idempotency key, idempotently', async () => {
    const { id, key, reference } = await authorize(5000);
    const first = await voidByKey(reference, key);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({ status: 'voided', authorizationId: id, amountCents: 5000 });
    expect(await authorization(id)).toMatchObject({ status: 'voided', voidedCents: 5000 });

    const again = await voidByKey(reference, key);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
  });

  it('refuses to void a captured authorization', async () => {
    const { id, key, reference } = await authorize();
    await capture(id);
    const response = await voidByKey(reference, key);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('already_captured');
  });

  it('has nothing to void for a declined authorization', async () => {
    const reference = newReference();
    const key = randomUUID();
    await sim.post('/payment/authorizations', authorizationBody(reference, 'tok_chargeDeclined'), { key });
    expect((await voidByKey(reference, key)).body).toEqual({ status: 'nothing_to_void' });
  });

  it('tombstones an unknown key so a late authorization with it is refused', async () => {
    const reference = newReference();
    const key = randomUUID();
    const voided = await voidByKey(reference, key);
    expect(voided.status).toBe(200);
    expect(voided.body).toEqual({ status: 'nothing_to_void' });

    const late = await sim.post('/payment/authorizations', authorizationBody(reference), { key });
    expect(late.status).toBe(409);
    expect(late.body.error.code).toBe('authorization_voided');
    const { records } = (await sim.get(`/_sim/payment/records?reference=${reference}`)).body;
    expect(records).toEqual([expect.objectContaining({ type: 'tombstone', key })]);
  });
});

describe('refunds', () => {
  it('refunds up to the captured amount', async () => {
    const { id, reference } = await authorize(5000);
    await capture(id, { amountCents: 4000 });

    const first = await refund(reference, id, 2500);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ authorizationId: id, amountCents: 2500 });
    expect(first.body.id).toMatch(/^re_/);

    const tooMuch = await refund(reference, id, 1501);
    expect(tooMuch.status).toBe(409);
    expect(tooMuch.body.error.code).toBe('refund_exceeds_capture');

    expect((await refund(reference, id, 1500)).status).toBe(201);
    const auth = await authorization(id);
    expect(auth.refundedCents).toBe(4000);
    expect(auth.refunds).toHaveLength(2);
  });

  it('answers 404 when refunding an unknown authorization', async () => {
    expect((await refund(newReference(), 'auth_missing', 100)).status).toBe(404);
  });

  it('refuses to refund an authorization that was not captured', async () => {
    const { id, reference } = await authorize();
    const response = await refund(reference, id, 100);
    expect(response.status).toBe(409);
    expect(response.body.error.code).toBe('not_captured');
  });
});
