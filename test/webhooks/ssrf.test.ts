import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSender } from '../../lib/webhooks/sender';
import type { Resolver } from '../../lib/webhooks/safeTarget';
import { api } from '../support/stack';
import { startReceiver } from './receiver';
import { deliveriesOf, shippedOrder, subscribe } from './support';

/** A plain loopback server counting what reaches it: the target an SSRF would be after. */
let hits: string[] = [];
let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((req, res) => {
    hits.push(req.url ?? '');
    res.writeHead(200).end('internal secrets');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** DNS of a hostile world: public-looking names that point inside. */
const hostileDns: Resolver = async (hostname) => {
  const answers: Record<string, { address: string; family: number }[]> = {
    'hooks.shop.example': [{ address: '127.0.0.1', family: 4 }],
    'mixed.shop.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
    'metadata.shop.example': [{ address: '169.254.169.254', family: 4 }],
    'v6.shop.example': [{ address: '::1', family: 6 }],
  };
  const found = answers[hostname];
  if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
  return found;
};

describe('webhook targets: private, loopback and link-local addresses are refused (WEBHOOK_ALLOW_PRIVATE_TARGETS unset)', () => {
  // The dispatcher's own sender, as production configures it, with the DNS injected for the hostile names.
  const refusing = webhookSender({ allowPrivateTargets: false, timeoutMs: 2_000, resolve: hostileDns });
  const refusingSystemDns = webhookSender({ allowPrivateTargets: false, timeoutMs: 2_000 });
  const allowing = webhookSender({ allowPrivateTargets: true, timeoutMs: 2_000, resolve: hostileDns });
  afterAll(async () => {
    await Promise.all([refusing.close(), refusingSystemDns.close(), allowing.close()]);
  });

  it.each([
    ['a loopback literal', () => `http://127.0.0.1:${port}/a`, /127\.0\.0\.1 is a private/],
    ['an IPv4-mapped IPv6 loopback literal', () => `http://[::ffff:127.0.0.1]:${port}/b`, /::ffff:7f00:1 is a private/],
    ['an IPv6 loopback literal', () => `http://[::1]:${port}/c`, /::1 is a private/],
    ['a public-looking name resolving to loopback', () => `http://hooks.shop.example:${port}/d`, /hooks\.shop\.example resolves to 127\.0\.0\.1/],
    ['a name with a public and a loopback address', () => `http://mixed.shop.example:${port}/e`, /resolves to 127\.0\.0\.1/],
    ['a name resolving to the cloud metadata address', () => `http://metadata.shop.example/latest/meta-data/`, /resolves to 169\.254\.169\.254/],
    ['a name resolving to IPv6 loopback', () => `http://v6.shop.example:${port}/f`, /resolves to ::1/],
    ['the metadata address literal', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a private/],
    ['a private network literal', () => 'http://10.0.0.7/hooks', /10\.0\.0\.7 is a private/],
  ])('%s', async (_what, url, why) => {
    hits = [];
    const outcome = await refusing.send(url(), { 'webhook-id': 'msg_x' }, '{}');
    expect(outcome).toMatchObject({ delivered: false, status: null });
    expect(outcome.error).toMatch(/^refused: /);
    expect(outcome.error).toMatch(why);
    expect(hits).toEqual([]);
  });

  it('localhost, resolved by the system DNS, is refused', async () => {
    hits = [];
    const outcome = await refusingSystemDns.send(`http://localhost:${port}/g`, {}, '{}');
    expect(outcome.error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1)/);
    expect(hits).toEqual([]);
  });

  it('the same names reach the server when private targets are allowed (the refusal is the check, not the DNS)', async () => {
    hits = [];
    expect(await allowing.send(`http://hooks.shop.example:${port}/h`, {}, '{}')).toMatchObject({ delivered: true, status: 200 });
    expect(hits).toEqual(['/h']);
  });
});

describe('redirects are not followed', () => {
  it('a 3xx is a failed attempt, in the delivery log, and its Location is never requested', async () => {
    const receiver = await startReceiver();
    // The endpoint answers every delivery with a redirect to the internal server.
    receiver.behave((_req, res) => (res.writeHead(307, { location: `http://127.0.0.1:${port}/stolen` }).end(), true));
    hits = [];
    const sub = await subscribe(receiver.url(), { events: ['order.received'] });
    const { orderId } = await shippedOrder();
    await expect
      .poll(async () => (await deliveriesOf(sub.id, undefined, orderId)).deliveries.find((d) => d.orderId === orderId)?.attempts ?? 0, { timeout: 10_000 })
      .toBeGreaterThanOrEqual(2);
    const delivery = (await deliveriesOf(sub.id, undefined, orderId)).deliveries.find((d) => d.orderId === orderId);
    expect(delivery).toMatchObject({ state: expect.stringMatching(/pending|sending/), lastStatus: 307, lastError: 'answered 307: redirects are not followed' });
    expect(hits).toEqual([]);
    expect((await api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE' })).status).toBe(204);
    await receiver.close();
  });

  it('a URL carrying credentials is refused at subscription', async () => {
    const res = await api('/webhook-subscriptions', { body: { url: 'https://user:pass@hooks.example.com/x' } });
    expect(res.status).toBe(400);
    expect(res.body.detail).toMatch(/url: must not carry credentials/);
  });
});
