import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PaymentGateway } from '../../activities/payment/port';
import { stripeGateway } from '../../activities/payment/stripe';
import { freePort } from '../../db/embedded';
import { resolveStripeMock, STRIPE_MOCK_API_VERSION } from '../../lib/stripeMock';

/**
 * Every call the Stripe adapter makes goes through stripe-mock, which checks it against Stripe's OpenAPI
 * specification (of the SDK's own API version: -strict-version-check) and answers invalid_request_error
 * for any parameter Stripe would refuse. A recording proxy in between keeps what was asked and answered.
 */
interface Exchange {
  method: string;
  path: string;
  status: number;
  errorType: string | undefined;
  stripeVersion: string | undefined;
  body: string;
}

let mock: ChildProcess;
let proxy: Server;
let proxyUrl: string;
const exchanges: Exchange[] = [];

beforeAll(async () => {
  const binary = resolveStripeMock({ build: false });
  if (!binary) throw new Error('stripe-mock is not built: run `npm run setup` (needs Go)');
  const port = await freePort();
  mock = spawn(binary.path, ['-http-addr', `127.0.0.1:${port}`, '-strict-version-check'], { stdio: 'ignore' });
  await waitForPort(port);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const upstream = httpRequest({ host: '127.0.0.1', port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
        const out: Buffer[] = [];
        answer.on('data', (chunk: Buffer) => out.push(chunk));
        answer.on('end', () => {
          const text = Buffer.concat(out).toString('utf8');
          let errorType: string | undefined;
          try {
            errorType = (JSON.parse(text) as { error?: { type?: string } }).error?.type;
          } catch {
            errorType = 'unparseable';
          }
          exchanges.push({ method: req.method!, path: req.url!, status: answer.statusCode!, errorType, stripeVersion: req.headers['stripe-version'] as string | undefined, body: body.toString('utf8') });
          res.writeHead(answer.statusCode!, answer.headers);
          res.end(text);
        });
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
}, 30_000);

afterAll(async () => {
  mock?.kill();
  await new Promise((resolve) => proxy?.close(resolve));
});

async function waitForPort(port: number) {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const up = await fetch(`http://127.0.0.1:${port}/v1/payment_intents/pi_x`, { headers: { authorization: 'Bearer sk_test_123' } }).then(
      () => true,
      () => false,
    );
    if (up) return;
    if (Date.now() > deadline) throw new Error('stripe-mock did not start');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe('the Stripe adapter against stripe-mock', () => {
  it('sends only requests Stripe accepts, for every method of the payment port', async () => {
    const gateway = stripeGateway({ apiKey: 'sk_test_123', apiBase: proxyUrl, timeoutMs: 5_000 });
    // Typed as the whole port: a method added to it must be added here too.
    const calls: Record<keyof PaymentGateway, (() => Promise<unknown>)[]> = {
      authorize: [
        () => gateway.authorize({ orderId: 'ord_conf', attempt: 1, amountCents: 1500, currency: 'USD', paymentMethod: 'pm_card_visa', idempotencyKey: 'order-ord_conf:authorize' }),
        () => gateway.authorize({ orderId: "ord_o'brien", attempt: 2, amountCents: 99, currency: 'EUR', paymentMethod: 'tok_visa', idempotencyKey: 'order-ord_o:authorize#2' }),
      ],
      capture: [() => gateway.capture({ paymentId: 'pi_conf', amountCents: 1200, idempotencyKey: 'order-ord_conf:capture:pi_conf' })],
      void: [() => gateway.void({ paymentId: 'pi_conf', idempotencyKey: 'order-ord_conf:authorize:void' })],
      refund: [
        () => gateway.refund({ orderId: 'ord_conf', paymentId: 'pi_conf', amountCents: 500, idempotencyKey: 'order-ord_conf:refund:pi_conf:ord_conf-s1', shipmentId: 'ord_conf-s1' }),
        () => gateway.refund({ orderId: 'ord_conf', paymentId: 'pi_conf', amountCents: 700, idempotencyKey: 'order-ord_conf:refund:pi_conf' }),
      ],
      get: [() => gateway.get('pi_conf')],
      find: [() => gateway.find("ord_o'brien", 2)],
      preventAuthorization: [() => gateway.preventAuthorization({ orderId: 'ord_conf', attempt: 1, currency: 'USD', idempotencyKey: 'order-ord_conf:authorize' })],
    };
    for (const [method, variants] of Object.entries(calls)) {
      for (const call of variants) await expect(call(), method).resolves.toBeDefined();
    }

    const refused = exchanges.filter((e) => e.status >= 400);
    expect(refused, JSON.stringify(refused, null, 2)).toEqual([]);
    expect(exchanges.filter((e) => e.errorType === 'invalid_request_error')).toHaveLength(0);
    expect(new Set(exchanges.map((e) => e.stripeVersion))).toEqual(new Set([STRIPE_MOCK_API_VERSION]));
    const endpoints = new Set(exchanges.map((e) => `${e.method} ${e.path.split('?')[0]!.replace(/pi_[A-Za-z0-9]+/, '{intent}')}`));
    expect([...endpoints].sort()).toEqual([
      'GET /v1/payment_intents/search',
      'GET /v1/payment_intents/{intent}',
      'POST /v1/payment_intents',
      'POST /v1/payment_intents/{intent}/cancel',
      'POST /v1/payment_intents/{intent}/capture',
      'POST /v1/refunds',
    ]);
    // Idempotency keys come from the saga's step keys, and metadata.order_id is on every object created.
    const posts = exchanges.filter((e) => e.method === 'POST' && !e.path.endsWith('/cancel') && !e.path.endsWith('/capture'));
    for (const post of posts) expect(new URLSearchParams(post.body).get('metadata[order_id]'), post.path).toMatch(/^ord_/);
    // No card data ever leaves Hotpath: only a PaymentMethod id or token.
    for (const e of exchanges) expect(e.body).not.toMatch(/card\[number\]|\bcvc\b|exp_month/);
  });

  it('would notice a request Stripe refuses (the check can fail)', async () => {
    const res = await fetch(`${proxyUrl}/v1/payment_intents/pi_conf/capture`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk_test_123', 'content-type': 'application/x-www-form-urlencoded' },
      body: 'amount_to_capture=twelve&capture_everything=true',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
  });
});
