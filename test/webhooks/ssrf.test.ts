import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { webhookSender } from '../../lib/webhooks/sender';
import { attemptOutcome } from '../../worker/webhooks/delivery';
import type { Resolver } from '../../lib/webhooks/safeTarget';
import { eq } from 'drizzle-orm';
import { orders, webhookDeliveries, webhookEvents, webhookSubscriptions } from '../../db/schema';
import { api, fixtureOrder, testDb } from '../support/stack';
import { startOwnApi } from '../support/ownApi';
import type { RunningApi } from '../../api/server';
import { CHECKOUT_TOKEN } from '../support/testPolicy';
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
    'public.shop.example': [{ address: '93.184.215.14', family: 4 }],
    'db.corp.example': [{ address: '10.1.2.3', family: 4 }],
    'mixed.shop.example': [
      { address: '93.184.215.14', family: 4 },
      { address: '127.0.0.1', family: 4 },
    ],
    'metadata.shop.example': [{ address: '169.254.169.254', family: 4 }],
    'v6.shop.example': [{ address: '::1', family: 6 }],
    // IPv6 forms that carry a forbidden IPv4 address, or are no public address at all.
    'sixtofour.shop.example': [{ address: '2002:a9fe:a9fe::', family: 6 }],
    'teredo.shop.example': [{ address: '2001:0:4136:e378:8000:63bf:3fff:fdd2', family: 6 }],
    'nat64.shop.example': [{ address: '64:ff9b::7f00:1', family: 6 }],
    'nat64local.shop.example': [{ address: '64:ff9b:1::a00:1', family: 6 }],
    'translated.shop.example': [{ address: '::ffff:0:7f00:1', family: 6 }],
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
    // A resolved address is not the client's to know: the refusal names the host, never what it resolves to.
    ['a public-looking name resolving to loopback', () => `http://hooks.shop.example:${port}/d`, /^refused: hooks\.shop\.example resolves to a private, loopback or link-local address$/],
    ['a name with a public and a loopback address', () => `http://mixed.shop.example:${port}/e`, /^refused: mixed\.shop\.example resolves to a private/],
    ['a name resolving to the cloud metadata address', () => `http://metadata.shop.example/latest/meta-data/`, /^refused: metadata\.shop\.example resolves to a private/],
    ['a name resolving to IPv6 loopback', () => `http://v6.shop.example:${port}/f`, /^refused: v6\.shop\.example resolves to a private/],
    ['a name resolving to 6to4 of the metadata address', () => `http://sixtofour.shop.example:${port}/t1`, /^refused: sixtofour\.shop\.example resolves to a private/],
    ['a name resolving to a Teredo address', () => `http://teredo.shop.example:${port}/t2`, /^refused: teredo\.shop\.example resolves to a private/],
    ['a name resolving to NAT64 of loopback', () => `http://nat64.shop.example:${port}/t3`, /^refused: nat64\.shop\.example resolves to a private/],
    ['a name resolving to NAT64 local-use', () => `http://nat64local.shop.example:${port}/t4`, /^refused: nat64local\.shop\.example resolves to a private/],
    ['a name resolving to an IPv4-translated loopback', () => `http://translated.shop.example:${port}/t5`, /^refused: translated\.shop\.example resolves to a private/],
    ['a 6to4 literal of the metadata address', () => `http://[2002:a9fe:a9fe::]:${port}/t6`, /2002:a9fe:a9fe:: is a private/],
    ['an IPv4-translated loopback literal', () => `http://[::ffff:0:7f00:1]:${port}/t7`, /::ffff:0:7f00:1 is a private/],
    ['the metadata address literal', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is a private/],
    ['a private network literal', () => 'http://10.0.0.7/hooks', /10\.0\.0\.7 is a private/],
  ])('%s', async (_what, url, why) => {
    hits = [];
    const outcome = await refusing.send(url(), { 'webhook-id': 'msg_x' }, '{}');
    expect(outcome).toMatchObject({ delivered: false, status: null });
    expect(outcome.error).toMatch(/^refused: /);
    expect(outcome.error).toMatch(why);
    // What is recorded (lastError, the log) names no address the hostile DNS answered.
    expect(outcome.error).not.toMatch(/127\.0\.0\.1 *,|169\.254\.169\.254,|resolves to [0-9a-f:.]+,/);
    // The operator's log still learns which address was refused; the dispatcher's metrics count it as refused.
    expect(outcome.refusedAddress).toEqual(expect.any(String));
    expect(attemptOutcome(outcome)).toBe('refused');
    expect(hits).toEqual([]);
  });

  it('localhost, resolved by the system DNS, is refused', async () => {
    hits = [];
    const outcome = await refusingSystemDns.send(`http://localhost:${port}/g`, {}, '{}');
    expect(outcome.error).toBe('refused: localhost resolves to a private, loopback or link-local address');
    expect(outcome.refusedAddress).toMatch(/^(127\.0\.0\.1|::1)$/);
    expect(hits).toEqual([]);
  });

  it('a connect error is recorded with the host name, not the address the name resolved to', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const closedPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const outcome = await allowing.send(`http://hooks.shop.example:${closedPort}/gone`, {}, '{}');
    expect(outcome.error).toBe(`ECONNREFUSED: connect ECONNREFUSED hooks.shop.example:${closedPort}`);
    // No endpoint answered, but nothing was refused by policy either.
    expect(attemptOutcome(outcome)).toBe('unreachable');
  });

  it('a port outside WEBHOOK_ALLOWED_PORTS is refused at delivery too, before any connection (endpoints made before the policy)', async () => {
    const withPolicy = webhookSender({ allowPrivateTargets: true, timeoutMs: 2_000, resolve: hostileDns, allowedPorts: [[80, 80], [443, 443], [port + 1, 65535]] });
    hits = [];
    const outcome = await withPolicy.send(`http://hooks.shop.example:${port}/p`, {}, '{}');
    await withPolicy.close();
    expect(outcome).toMatchObject({ delivered: false, status: null, error: `refused: port ${port} is not one webhooks may use (allowed: 80, 443, ${port + 1}-65535)` });
    expect(attemptOutcome(outcome)).toBe('refused');
    expect(hits).toEqual([]);
  });

  it('the same names reach the server when private targets are allowed (the refusal is the check, not the DNS)', async () => {
    hits = [];
    const outcome = await allowing.send(`http://hooks.shop.example:${port}/h`, {}, '{}');
    expect(outcome).toMatchObject({ delivered: true, status: 200 });
    expect(attemptOutcome(outcome)).toBe('delivered');
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

describe('URLs are judged at subscription, and the delivery log names no internal address', () => {
  let refusing: RunningApi;
  let refusingSystemDns: RunningApi;
  beforeAll(async () => {
    // The DNS of a hostile world for the names (as the dispatcher's sender above); the system's for localhost.
    refusing = await startOwnApi({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' }, webhookResolve: hostileDns });
    refusingSystemDns = await startOwnApi({ env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'false' } });
  });
  afterAll(async () => {
    await refusing?.close();
    await refusingSystemDns?.close();
  });

  const subscribeTo = async (url: string, to = refusing) => {
    const res = await fetch(`${to.url}/webhook-subscriptions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CHECKOUT_TOKEN}` },
      body: JSON.stringify({ url }),
    });
    return { status: res.status, body: (await res.json()) as any };
  };

  it.each([
    ['http://127.0.0.1:8080/hooks', '127.0.0.1'],
    ['http://10.0.0.7/hooks', '10.0.0.7'],
    ['http://169.254.169.254/latest/meta-data/', '169.254.169.254'],
    ['http://[::1]/hooks', '::1'],
    ['http://[::ffff:127.0.0.1]/hooks', '::ffff:7f00:1'],
    ['http://[2002:a9fe:a9fe::]/hooks', '2002:a9fe:a9fe::'],
    ['http://[fd00::1]/hooks', 'fd00::1'],
    // The URL parser's other spellings of loopback are the same literal.
    ['http://0x7f.1/hooks', '127.0.0.1'],
    ['http://2130706433/hooks', '127.0.0.1'],
  ])('%s is a 422 when private targets are not allowed', async (url, literal) => {
    const res = await subscribeTo(url);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ title: 'Forbidden webhook target', detail: `url: names ${literal}, a private, loopback or link-local address: webhook targets must be public` });
  });

  it.each([
    ['hooks.shop.example', 'http://hooks.shop.example/hooks', '127.0.0.1'],
    ['mixed.shop.example', 'https://mixed.shop.example/hooks', '127.0.0.1'],
    ['metadata.shop.example', 'http://metadata.shop.example/latest/meta-data/', '169.254.169.254'],
    ['db.corp.example', 'https://db.corp.example:8443/hooks', '10.1.2.3'],
    ['v6.shop.example', 'https://v6.shop.example/hooks', '::1'],
    ['sixtofour.shop.example', 'https://sixtofour.shop.example/hooks', '2002:a9fe:a9fe::'],
  ])('a name resolving to a forbidden address (%s) is a 422 that does not name the address', async (host, url, address) => {
    const res = await subscribeTo(url);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({
      title: 'Forbidden webhook target',
      detail: `url: ${host} resolves to a private, loopback or link-local address: webhook targets must be public`,
      issues: [{ field: 'url', message: `${host} resolves to a private, loopback or link-local address: webhook targets must be public` }],
    });
    expect(JSON.stringify(res.body)).not.toContain(address);
  });

  it('localhost, resolved by the system DNS at subscription, is a 422 that does not name its address', async () => {
    const res = await subscribeTo('http://localhost:8080/hooks', refusingSystemDns);
    expect(res.status).toBe(422);
    expect(res.body.detail).toBe('url: localhost resolves to a private, loopback or link-local address: webhook targets must be public');
    expect(JSON.stringify(res.body)).not.toMatch(/127\.0\.0\.1|::1/);
  });

  it('a name with no address is a 422', async () => {
    const res = await subscribeTo('https://nowhere.shop.example/hooks');
    expect(res.status).toBe(422);
    expect(res.body.detail).toBe('url: nowhere.shop.example has no address: webhook targets must resolve');
  });

  it.each([
    ['https://8.8.8.8:22/hooks', 22],
    ['http://public.shop.example:25/hooks', 25],
    ['https://8.8.8.8:1023/hooks', 1023],
  ])('%s names a port webhooks may not use: 422', async (url, port) => {
    const res = await subscribeTo(url);
    expect(res.status).toBe(422);
    expect(res.body.detail).toBe(`url: port ${port} is not one webhooks may use (allowed: 80, 443, 1024-65535)`);
  });

  it('a public literal and a name resolving to public addresses are accepted, on allowed ports', async () => {
    for (const url of ['https://8.8.8.8/hooks', 'https://[2606:4700:4700::1111]/hooks', 'https://public.shop.example/x', 'http://public.shop.example:80/x', 'https://public.shop.example:8443/x']) {
      const res = await subscribeTo(url);
      expect(res.status).toBe(201);
      await testDb().delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, res.body.id));
    }
  });

  it('the stack (private targets allowed, as in development) still accepts a loopback receiver, on an allowed port', async () => {
    const res = await api('/webhook-subscriptions', { body: { url: 'http://127.0.0.1:9999/hooks' } });
    expect(res.status).toBe(201);
    expect((await api(`/webhook-subscriptions/${res.body.id}`, { method: 'DELETE' })).status).toBe(204);
    // The port policy holds with private targets allowed: no webhook to a local SSH or SMTP.
    const ssh = await api('/webhook-subscriptions', { body: { url: 'http://127.0.0.1:22/hooks' } });
    expect(ssh.status).toBe(422);
    expect(ssh.body.detail).toBe('url: port 22 is not one webhooks may use (allowed: 80, 443, 1024-65535)');
  });

  it('a refusal recorded with the resolved address (before it was withheld) is shown without it', async () => {
    // A disabled subscription, so the dispatcher leaves it alone, with a refusal recorded as older code wrote it.
    const sub = await subscribe('https://db.corp.example/hooks');
    const leaked = 'refused: db.corp.example resolves to 10.1.2.3, a private, loopback or link-local address';
    // A connect error names the address the name resolved to, as undici words it.
    const connectError = 'ECONNREFUSED: connect ECONNREFUSED 10.1.2.3:443';
    const order = fixtureOrder(`ssrf-${Date.now()}`);
    await testDb().insert(orders).values({ ...order, webhookSeq: 1 });
    const [event] = await testDb()
      .insert(webhookEvents)
      .values({ messageId: `msg_ssrf_${Date.now()}`, orderId: order.id!, owner: order.owner, type: 'order.received', sequence: 1, payload: {}, fannedOutAt: new Date() })
      .returning();
    await testDb()
      .update(webhookSubscriptions)
      .set({ disabledAt: new Date(), disabledReason: `8 attempts to deliver ${event!.messageId} failed; the last: ${leaked}` })
      .where(eq(webhookSubscriptions.id, sub.id));
    await testDb()
      .insert(webhookDeliveries)
      .values({
        eventId: event!.id,
        subscriptionId: sub.id,
        state: 'failed',
        attempts: 8,
        lastError: leaked,
        log: [
          { at: new Date().toISOString(), status: null, error: connectError, durationMs: 2 },
          { at: new Date().toISOString(), status: null, error: leaked, durationMs: 3 },
        ],
      });

    const log = await deliveriesOf(sub.id);
    const text = JSON.stringify(log);
    expect(text).not.toContain('10.1.2.3');
    expect(log.deliveries[0]).toMatchObject({ lastError: 'refused: db.corp.example resolves to a private, loopback or link-local address' });
    expect(log.deliveries[0].log[0].error).toBe('ECONNREFUSED: connect ECONNREFUSED db.corp.example:443');
    expect(log.deliveries[0].log[1].error).toBe('refused: db.corp.example resolves to a private, loopback or link-local address');
    expect(log.subscription.disabledReason).toMatch(/the last: refused: db\.corp\.example resolves to a private, loopback or link-local address$/);
    const listed = (await api('/webhook-subscriptions')).body.subscriptions.find((s: { id: string }) => s.id === sub.id);
    expect(JSON.stringify(listed)).not.toContain('10.1.2.3');
    expect((await api(`/webhook-subscriptions/${sub.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});
