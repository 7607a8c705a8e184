import { beforeAll, describe, expect, it } from 'vitest';
import { paymentIntentsOf, expectMoneyBalanced } from '../support/invariants';
import { api, newIdempotencyKey, newSku, orderRequest, placeOrder, testDb, waitForStatus } from '../support/stack';
import { orderEvents } from '../../db/schema';
import { eq } from 'drizzle-orm';
import { STAFF_TOKEN } from '../support/testPolicy';

describe('POST /orders is idempotent', () => {
  it('the same key and body return the same order and start one saga, even when sent concurrently', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const body = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 999 }] });
    const key = newIdempotencyKey();
    const answers = await Promise.all(Array.from({ length: 8 }, () => placeOrder(body, key)));
    expect(answers.map((a) => a.status)).toEqual(Array(8).fill(202));
    const ids = new Set(answers.map((a) => a.body.orderId));
    expect(ids.size).toBe(1);
    const [orderId] = [...ids] as string[];
    await waitForStatus(orderId!);
    const again = await placeOrder(body, key);
    expect(again.body).toMatchObject({ orderId, status: 'completed' });

    expect(await paymentIntentsOf(orderId!)).toHaveLength(1);
    const received = await testDb().select().from(orderEvents).where(eq(orderEvents.orderId, orderId!));
    expect(received.filter((e) => e.type === 'order.received')).toHaveLength(1);
    expect(received.filter((e) => e.status === 'processing')).toHaveLength(1);
    await expectMoneyBalanced(orderId!);
  });

  it('the same key with a different body is a 409 and changes nothing', async () => {
    const sku = await newSku({ 'wh-east': 10 });
    const key = newIdempotencyKey();
    const first = await placeOrder(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] }), key);
    const second = await placeOrder(orderRequest({ lines: [{ sku, quantity: 2, unitPriceCents: 100 }] }), key);
    expect(second.status).toBe(409);
    expect(second.contentType).toContain('application/problem+json');
    expect(second.body).toMatchObject({ status: 409, orderId: first.body.orderId });
    const order = await waitForStatus(first.body.orderId);
    expect(order.lines).toEqual([{ line: 1, sku, quantity: 1, unitPriceCents: 100 }]);
  });
});

describe('bad input gets a clear 4xx problem and writes nothing', () => {
  let sku = '';
  beforeAll(async () => {
    sku = await newSku({ 'wh-east': 100 });
  });
  const valid = () => orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] });

  type Body = ReturnType<typeof valid>;
  it.each<[string, (v: Body) => unknown, Record<string, string> | undefined, number, RegExp]>([
    ['no Idempotency-Key', (v) => v, {}, 400, /Idempotency-Key/],
    ['a negative quantity', (v) => ({ ...v, lines: [{ ...v.lines[0], quantity: -1 }] }), undefined, 400, /^lines\.0\.quantity:/],
    ['a missing e-mail', (v) => ({ ...v, email: undefined }), undefined, 400, /^email:/],
    ['a card number instead of a token', (v) => ({ ...v, paymentToken: '4242424242424242' }), undefined, 400, /^paymentToken:/],
    ['an unexpected field', (v) => ({ ...v, discount: 5 }), undefined, 400, /discount/],
    ['no lines', (v) => ({ ...v, lines: [] }), undefined, 400, /^lines:/],
    ['a lower-case country', (v) => ({ ...v, shippingAddress: { ...v.shippingAddress, country: 'us' } }), undefined, 400, /^shippingAddress\.country:/],
    ['an unknown SKU', (v) => ({ ...v, lines: [{ sku: 'NO-SUCH-SKU', quantity: 1, unitPriceCents: 1 }] }), undefined, 422, /unknown SKU NO-SUCH-SKU/],
  ])('%s', async (_name, makeBody, headers, status, detail) => {
    const key = newIdempotencyKey();
    const res = await api('/orders', { body: makeBody(valid()), headers: headers ?? { 'idempotency-key': key } });
    expect(res.status).toBe(status);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.detail).toMatch(detail);
    // Nothing was written: the key is still free for a valid request.
    const retry = await api('/orders', { body: valid(), headers: { 'idempotency-key': key } });
    expect(retry.status).toBe(202);
  });

  it('malformed JSON', async () => {
    const res = await api('/orders', { body: '{"customerId": ', headers: { 'idempotency-key': newIdempotencyKey(), 'content-type': 'application/json' } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toBe('the body is not valid JSON');
  });

  it('an unknown order and an unknown route are 404 problems', async () => {
    const order = await api('/orders/ord_nope');
    expect(order.status).toBe(404);
    expect(order.contentType).toContain('application/problem+json');
    expect((await api('/nowhere')).status).toBe(404);
  });

  it('who may do what: no token 401, a wrong role 403', async () => {
    const body = valid();
    expect((await api('/orders', { body, headers: { 'idempotency-key': newIdempotencyKey(), authorization: '' } })).status).toBe(401);
    expect((await api('/orders', { body, headers: { 'idempotency-key': newIdempotencyKey(), authorization: 'Bearer nope' } })).status).toBe(401);
    const asStaff = await api('/orders', { body, headers: { 'idempotency-key': newIdempotencyKey(), authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(asStaff.status).toBe(403);
    expect(asStaff.contentType).toContain('application/problem+json');
    expect((await api(`/inventory/${sku}`, { headers: { authorization: '' } })).status).toBe(401);
    expect((await api(`/inventory/${sku}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).status).toBe(200);
    expect((await api('/admin/reconciliations', {})).status).toBe(403);
  });

  it('/healthz reports Postgres and Temporal (each check to staff only)', async () => {
    const res = await api('/healthz', { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(res).toMatchObject({ status: 200, body: { status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } } });
    expect((await api('/healthz', { headers: { authorization: '' } })).body).toEqual({ status: 'ok' });
  });

  it('/healthz?need= names the checks that decide, and refuses an unknown one', async () => {
    expect(await api('/healthz?need=postgres', { headers: { authorization: `Bearer ${STAFF_TOKEN}` } })).toMatchObject({ status: 200, body: { checks: { postgres: 'ok', temporal: 'ok' } } });
    expect(await api('/healthz?need=postgres', { headers: { authorization: '' } })).toMatchObject({ status: 200, body: { status: 'ok' } });
    expect(await api('/healthz?need=postgres,disk')).toMatchObject({ status: 400, body: { detail: expect.stringContaining('disk') } });
  });
});
