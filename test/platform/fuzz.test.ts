import { request as httpRequest } from 'node:http';
import fc from 'fast-check';
import { eq } from 'drizzle-orm';
import { beforeAll, describe, expect, it } from 'vitest';
import { orderIdFor } from '../../api/order/placeOrder';
import { orders } from '../../db/schema';
import { SIGNATURE_HEADER, signPayload } from '../../lib/shipment/wmsSignature';
import { api, apiUrl, newSku, orderRequest, testDb } from '../support/stack';
import { CHECKOUT_TOKEN, STAFF_TOKEN, WMS_WEBHOOK_SECRET } from '../support/testPolicy';

const ALLOWED = [202, 400, 401, 403, 404, 409, 413, 415, 422];
let sku = '';
let keyCounter = 0;

async function send(body: string, headers: Record<string, string>) {
  const res = await fetch(`${apiUrl()}/orders`, { method: 'POST', headers: { authorization: `Bearer ${CHECKOUT_TOKEN}`, ...headers }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
}

/** The answer is a 202 or a 4xx problem, never a 5xx; a refused request wrote nothing under its key. */
async function expectCleanAnswer(res: { status: number; contentType: string; text: string }, key: string) {
  expect(ALLOWED, `status ${res.status}: ${res.text.slice(0, 200)}`).toContain(res.status);
  if (res.status >= 400) {
    expect(res.contentType).toContain('application/problem+json');
    expect(JSON.parse(res.text).detail).toEqual(expect.any(String));
    if (res.status !== 409) {
      const rows = await testDb().select({ id: orders.id }).from(orders).where(eq(orders.idempotencyKey, key));
      expect(rows).toEqual([]);
    }
  }
}

/** A valid order with one field, anywhere in it, replaced by something arbitrary. */
const mutatedOrder = () =>
  fc
    .tuple(
      fc.constantFrom('customerId', 'email', 'currency', 'lines', 'shippingAddress', 'paymentToken', 'lines.0.sku', 'lines.0.quantity', 'lines.0.unitPriceCents', 'shippingAddress.country', 'shippingAddress.postalCode', 'extra'),
      // Full Unicode: 'binary' strings hold any code unit, lone surrogates and NUL included.
      fc.oneof(fc.anything({ stringUnit: 'binary' }), fc.integer({ min: -1e12, max: 1e12 }), fc.double(), fc.string({ unit: 'binary' }), fc.constant(0), fc.constant(-1), fc.constant(1e9), fc.constant(null)),
    )
    .map(([path, value]) => {
      const order: any = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] });
      const parts = path.split('.');
      let target = order;
      for (const part of parts.slice(0, -1)) target = target[part];
      target[parts.at(-1)!] = value;
      return order;
    });

describe('fuzzing the API (property-based): never a 5xx, never a partial write', () => {
  beforeAll(async () => {
    sku = await newSku({ 'wh-east': 100_000 }, 'FUZZ');
  });

  it('POST /orders with mutated orders', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedOrder(), async (order) => {
        const key = `fuzz-${process.pid}-${keyCounter++}`;
        await expectCleanAnswer(await send(JSON.stringify(order), { 'content-type': 'application/json', 'idempotency-key': key }), key);
      }),
      { numRuns: 150 },
    );
  });

  it('POST /orders with arbitrary full-Unicode text in every text field', async () => {
    const textFields = ['customerId', 'email', 'paymentToken', 'shippingAddress.name', 'shippingAddress.line1', 'shippingAddress.city', 'shippingAddress.postalCode', 'shippingAddress.country', 'lines.0.sku'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...textFields), fc.string({ unit: 'binary', maxLength: 300 }), async (path, text) => {
        const order: any = orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] });
        const parts = path.split('.');
        let target = order;
        for (const part of parts.slice(0, -1)) target = target[part];
        target[parts.at(-1)!] = text;
        const key = `fuzz-${process.pid}-${keyCounter++}`;
        await expectCleanAnswer(await send(JSON.stringify(order), { 'content-type': 'application/json', 'idempotency-key': key }), key);
      }),
      { numRuns: 200 },
    );
  });

  it('POST /orders with arbitrary JSON and arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.oneof(fc.json({ stringUnit: 'binary' }), fc.string({ unit: 'binary' }), fc.uint8Array().map((b) => Buffer.from(b).toString('latin1'))), async (body) => {
        const key = `fuzz-${process.pid}-${keyCounter++}`;
        await expectCleanAnswer(await send(body, { 'content-type': 'application/json', 'idempotency-key': key }), key);
      }),
      { numRuns: 150 },
    );
  });

  it('POST /orders with odd Idempotency-Keys and content types', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), minLength: 0, maxLength: 300 }),
        fc.constantFrom('application/json', 'text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=latin1'),
        async (oddKey, contentType) => {
          // Unique per case, so a key that an earlier case used for a valid order is not mistaken for a partial write.
          const key = `k${keyCounter++}${oddKey}`;
          const body = JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1 }] }));
          await expectCleanAnswer(await send(body, { 'content-type': contentType, 'idempotency-key': key }), key);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('an oversized body is a 413 problem', async () => {
    const key = `fuzz-big-${process.pid}`;
    const big = { ...orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1 }] }), customerId: 'x'.repeat(200_000) };
    const res = await send(JSON.stringify(big), { 'content-type': 'application/json', 'idempotency-key': key });
    expect(res.status).toBe(413);
    await expectCleanAnswer(res, key);
  });

  it('a duplicated Idempotency-Key header is a 400 problem', async () => {
    const key = `fuzz-dup-${process.pid}`;
    const body = JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1 }] }));
    const url = new URL(`${apiUrl()}/orders`);
    const res = await new Promise<{ status: number; contentType: string; text: string }>((resolve, reject) => {
      const req = httpRequest(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), authorization: `Bearer ${CHECKOUT_TOKEN}`, 'idempotency-key': [key, `${key}-other`] } },
        (r) => {
          let text = '';
          r.on('data', (c) => (text += c));
          r.on('end', () => resolve({ status: r.statusCode!, contentType: String(r.headers['content-type']), text }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });
    expect(res.status).toBe(400);
    await expectCleanAnswer(res, key);
    await expectCleanAnswer(res, `${key}-other`);
  });

  it('GET /orders/:id, cancel and webhooks with arbitrary input', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', minLength: 1, maxLength: 80 }), fc.anything({ stringUnit: 'binary' }), async (id, body) => {
        // encodeURIComponent refuses lone surrogates: send their UTF-8-like bytes percent-encoded as a client could.
        const path = `/orders/${encodeURIComponent(id.replace(/[\ud800-\udfff]/g, '')) || 'x'}${/[\ud800-\udfff]/.test(id) ? '%ED%A0%80' : ''}`;
        const read = await api(path);
        const cancel = await api(`${path}/cancel`, { body: JSON.stringify(body ?? null), headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` } });
        const hook = await api('/webhooks/wms', { body: JSON.stringify(body ?? null), headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: `t=${id.replace(/[^\x21-\x7e]/g, "")},v1=${id.replace(/[^\x21-\x7e]/g, "")}` } });
        for (const res of [read, cancel, hook]) {
          expect(res.status).toBeGreaterThanOrEqual(400);
          expect(res.status).toBeLessThan(500);
          expect(res.contentType).toContain('application/problem+json');
        }
      }),
      { numRuns: 100 },
    );
  });

  it('correctly signed WMS callbacks with arbitrary full-Unicode content', async () => {
    const event = fc.record({
      event: fc.oneof(fc.constant('task.shipped'), fc.string({ unit: 'binary' })),
      taskId: fc.string({ unit: 'binary' }),
      reference: fc.string({ unit: 'binary' }),
      shipmentId: fc.string({ unit: 'binary' }),
      trackingNumber: fc.option(fc.string({ unit: 'binary' })),
      shippedAt: fc.option(fc.string({ unit: 'binary' })),
    });
    await fc.assert(
      fc.asyncProperty(fc.oneof(event, fc.anything({ stringUnit: 'binary' })), async (body) => {
        const text = JSON.stringify(body ?? null);
        const res = await fetch(`${apiUrl()}/webhooks/wms`, { method: 'POST', headers: { 'content-type': 'application/json', [SIGNATURE_HEADER]: signPayload(WMS_WEBHOOK_SECRET, text) }, body: text });
        expect(res.status).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
        await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
  });

  it('every route with arbitrary full-Unicode bodies', async () => {
    // (/admin/reconcile is left out: an empty body is a valid request for a full reconciliation.)
    const routes = ['/orders/ord_abc/cancel', '/orders/ord_abc/resolve', '/codec/decode', '/console/session'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), fc.anything({ stringUnit: 'binary' }), async (route, body) => {
        const res = await fetch(`${apiUrl()}${route}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` }, body: JSON.stringify(body ?? null) });
        expect(res.status, route).toBeLessThan(500);
        if (res.status >= 400) expect(res.headers.get('content-type')).toContain('application/problem+json');
        await res.arrayBuffer();
      }),
      { numRuns: 150 },
    );
  });

  it('the key of a refused request still works for a valid one', async () => {
    const key = `fuzz-after-${process.pid}`;
    expect((await send('{"nope"', { 'content-type': 'application/json', 'idempotency-key': key })).status).toBe(400);
    expect((await send(JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 1 }] })), { 'content-type': 'application/json', 'idempotency-key': key })).status).toBe(202);
    expect(orderIdFor(key)).toMatch(/^ord_/);
  });
});
