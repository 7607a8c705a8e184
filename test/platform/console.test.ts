import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { type Browser } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createHash } from 'node:crypto';
import { staffSessions } from '../../api/auth/sessions';
import type { Credential } from '../../lib/credentials';
import { startApi, type RunningApi } from '../../api/server';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { orderStateQuery } from '../../workflows/order/contract';
import { expectMoneyBalanced, stockOf } from '../support/invariants';
import { apiUrl, newSku, nextOrder, orderRequest, sim, simUrl, temporalClient, waitForStatus } from '../support/stack';
import { CHECKOUT_TOKEN, PAYLOAD_KEYS, STAFF_TOKEN, TEST_API_ENV, TEST_SAGA_POLICY } from '../support/testPolicy';

const UI_ORIGIN = 'http://localhost:8233';

/**
 * The console's own API on the run's stack: it knows the Web UI's URL (so orders carry `links.workflow`) and
 * parks an order whose step runs out of retries, which gives every test a cancellable order that waits for
 * staff however slow the machine is (the carrier is down for that order alone).
 */
let consoleApi: RunningApi;
beforeAll(async () => {
  const config = loadConfig({
    ...process.env,
    ...vendorUrlsFor(inject('simUrl')),
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: inject('taskQueue'),
    ...TEST_API_ENV,
    CODEC_CORS_ORIGINS: UI_ORIGIN,
  });
  consoleApi = await startApi(config, { port: 0, sagaPolicy: { ...TEST_SAGA_POLICY, onStepExhausted: 'park' }, temporalUiUrl: UI_ORIGIN });
});
afterAll(async () => consoleApi?.close());

interface Call {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  cookie?: string;
  base?: string;
}

/** A request to the console API with no credential unless given one. */
async function call(pathname: string, init: Call = {}) {
  const headers: Record<string, string> = { ...init.headers };
  if (init.body !== undefined && !headers['content-type']) headers['content-type'] = 'application/json';
  if (init.cookie) headers.cookie = init.cookie;
  const res = await fetch(`${init.base ?? consoleApi.url}${pathname}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    headers,
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  const json = res.headers.get('content-type')?.includes('json') && text ? JSON.parse(text) : undefined;
  return { status: res.status, headers: res.headers, setCookies: res.headers.getSetCookie(), contentType: res.headers.get('content-type') ?? '', body: json as any, text };
}

/** Signs in with the staff token; answers the `name=value` pair to send back as a Cookie header. */
async function signIn(token = STAFF_TOKEN) {
  const res = await call('/console/session', { body: { token } });
  expect(res.status).toBe(200);
  const [setCookie] = res.setCookies;
  return { res, setCookie: setCookie!, cookie: setCookie!.split(';')[0]! };
}

/** Places an order through the console API that parks before its label (carrier down for it alone). */
async function parkedOrder(customerId = `cust-console-${Date.now().toString(36)}`) {
  const sku = await newSku({ 'wh-east': 5 });
  const { key, orderId } = nextOrder();
  await sim('/_sim/carrier/behavior', { scope: orderId, outage: true });
  const placed = await call('/orders', {
    body: orderRequest({ customerId, lines: [{ sku, quantity: 2, unitPriceCents: 1250 }] }),
    headers: { authorization: `Bearer ${CHECKOUT_TOKEN}`, 'idempotency-key': key },
  });
  expect(placed.status).toBe(202);
  const parked = await waitForStatus(orderId, ['needs_attention']);
  // Parked with the hold and the authorization in place, waiting for a decision.
  expect(parked.payment).toMatchObject({ authorizedCents: 2500, voidedCents: 0 });
  return { orderId, sku, customerId };
}
const carrierBack = (orderId: string) => fetch(`${simUrl()}/_sim/carrier/behavior?scope=${orderId}`, { method: 'DELETE' });

describe('console sign-in', () => {
  it('a bad token is a 401 problem and sets no cookie; so is a checkout token and an empty body is a 400', async () => {
    for (const token of ['not-a-token', CHECKOUT_TOKEN]) {
      const res = await call('/console/session', { body: { token } });
      expect(res.status).toBe(401);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.detail).toMatch(/not a valid staff token/);
      expect(res.setCookies).toEqual([]);
    }
    const empty = await call('/console/session', { body: {} });
    expect(empty.status).toBe(400);
    expect(empty.body.detail).toMatch(/^token:/);
    expect(empty.setCookies).toEqual([]);
    const text = await call('/console/session', { body: STAFF_TOKEN, headers: { 'content-type': 'text/plain' } });
    expect(text.status).toBe(415);
    expect(text.setCookies).toEqual([]);
  });

  it('a staff token sets an HttpOnly, SameSite=Lax, Path=/ session cookie (JSON only: a form is a 415)', async () => {
    const { res, setCookie, cookie } = await signIn();
    expect(res.body).toMatchObject({ principal: 'support-alice', role: 'staff' });
    expect(Date.parse(res.body.expiresAt)).toBeGreaterThan(Date.now() + 7 * 3600_000);
    expect(setCookie).toMatch(/^hotpath_session=[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+;/);
    expect(setCookie).toMatch(/; HttpOnly/i);
    expect(setCookie).toMatch(/; SameSite=Lax/i);
    expect(setCookie).toMatch(/; Path=\//i);
    expect(setCookie).toMatch(/; Max-Age=28800/i);
    expect(setCookie).not.toMatch(/; Secure/i);
    // The cookie holds a signed principal and expiry, not the token.
    expect(setCookie).not.toContain(STAFF_TOKEN);

    const me = await call('/console/session', { cookie });
    expect(me.status).toBe(200);
    expect(me.body.principal).toBe('support-alice');

    const form = await call('/console/session', { body: `token=${encodeURIComponent(STAFF_TOKEN)}`, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(form.status).toBe(415);
    expect(form.setCookies).toEqual([]);
    const overHttps = await call('/console/session', { body: { token: STAFF_TOKEN }, headers: { 'x-forwarded-proto': 'https' } });
    expect(overHttps.status).toBe(200);
    expect(overHttps.setCookies[0]).toMatch(/; Secure/i);
  });

  it('a forged, tampered or foreign cookie authenticates nothing', async () => {
    const { cookie } = await signIn();
    const [name, value] = cookie.split('=') as [string, string];
    const [payload, mac] = value.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString());
    const asBob = Buffer.from(JSON.stringify({ ...claims, p: 'support-bob' })).toString('base64url');
    const later = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 3600 })).toString('base64url');
    const flipped = mac.slice(0, -2) + (mac.endsWith('AA') ? 'BB' : 'AA');
    for (const bad of [`${name}=${asBob}.${mac}`, `${name}=${later}.${mac}`, `${name}=${payload}.${flipped}`, `${name}=garbage`, `${name}=`]) {
      const res = await call('/orders?limit=1', { cookie: bad });
      expect(res.status, bad).toBe(401);
      expect(res.contentType).toContain('application/problem+json');
    }
    // Another API process (its own random SESSION_SECRET) does not accept this one's cookie.
    expect((await call('/orders?limit=1', { cookie, base: apiUrl() })).status).toBe(401);
  });

  it('signing out clears the cookie', async () => {
    const res = await call('/console/session', { method: 'DELETE' });
    expect(res.status).toBe(204);
    expect(res.setCookies[0]).toMatch(/^hotpath_session=;/);
    expect(res.setCookies[0]).toMatch(/Max-Age=0/i);
    expect((await call('/console/session')).status).toBe(401);
  });
});

describe('session signatures', () => {
  const alice: Credential = { principal: 'support-alice', role: 'staff', token: 'alice-token-1' };
  const secret = 'a-session-secret-of-at-least-32-characters';

  it('expire after 8 hours, end when the token is rotated or removed, and need the same secret', () => {
    const sessions = staffSessions([alice], secret);
    const fresh = sessions.sign(alice);
    expect(sessions.verify(fresh.value)).toEqual({ id: fresh.session.id, principal: 'support-alice', expiresAt: fresh.session.expiresAt });
    expect(sessions.verify(fresh.value, fresh.session.expiresAt - 1000)).toBeDefined();
    expect(sessions.verify(fresh.value, fresh.session.expiresAt)).toBeUndefined();
    expect(sessions.verify(sessions.sign(alice, Date.now() - 8 * 3600_000 - 1000).value)).toBeUndefined();
    expect(staffSessions([{ ...alice, token: 'alice-token-2' }], secret).verify(fresh.value)).toBeUndefined();
    expect(staffSessions([{ ...alice, role: 'checkout' }], secret).verify(fresh.value)).toBeUndefined();
    expect(staffSessions([], secret).verify(fresh.value)).toBeUndefined();
    expect(staffSessions([alice], `${secret}!`).verify(fresh.value)).toBeUndefined();
    expect(staffSessions([alice]).verify(fresh.value)).toBeUndefined();
  });

  it("carry a fingerprint of the token keyed by the secret: the readable payload is no oracle for guessing the token", () => {
    const claimsOf = (value: string) => JSON.parse(Buffer.from(value.split('.')[0]!, 'base64url').toString()) as { k: string; s: string };
    const here = claimsOf(staffSessions([alice], secret).sign(alice).value);
    const elsewhere = claimsOf(staffSessions([alice], `${secret}-of-another-deployment`).sign(alice).value);
    // Unkeyed, anyone holding a cookie could test token guesses offline against sha256(token).
    const unkeyed = createHash('sha256').update(alice.token).digest('base64url');
    expect(here.k).toHaveLength(22);
    expect(unkeyed.startsWith(here.k)).toBe(false);
    expect(here.k).not.toBe(elsewhere.k);
    // Every sign-in is a session of its own (what a sign-out revokes).
    expect(claimsOf(staffSessions([alice], secret).sign(alice).value).s).not.toBe(here.s);
  });
});

describe('the session cookie as a staff credential', () => {
  it('reads an order and searches; a checkout-only route stays closed to it', async () => {
    const { cookie } = await signIn();
    const { orderId, customerId } = await parkedOrder();
    const view = await call(`/orders/${orderId}`, { cookie });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ orderId, customerId, status: 'needs_attention' });
    expect(view.body.links.workflow).toBe(`${UI_ORIGIN}/namespaces/default/workflows/order-${orderId}`);
    expect((await call(`/orders/${orderId}`)).status).toBe(401);

    const found = await call(`/orders?customerId=${customerId}&status=needs_attention`, { cookie });
    expect(found.status).toBe(200);
    expect(found.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([orderId]);

    const place = await call('/orders', { cookie, body: {}, headers: { 'x-hotpath-console': '1', 'idempotency-key': 'console-cookie-place' } });
    expect(place.status).toBe(403);

    await carrierBack(orderId);
    expect((await call(`/orders/${orderId}/cancel`, { cookie, body: { reason: 'test cleanup' }, headers: { 'x-hotpath-console': '1' } })).status).toBe(202);
    await waitForStatus(orderId, ['cancelled']);
  });

  it('a cookie-only cancel without X-Hotpath-Console is a 403 and changes nothing; with it the order is cancelled and compensated', async () => {
    const { cookie } = await signIn();
    const { orderId, sku } = await parkedOrder();
    await carrierBack(orderId);

    const forged = await call(`/orders/${orderId}/cancel`, { cookie, body: { reason: 'cross-site' } });
    expect(forged.status).toBe(403);
    expect(forged.contentType).toContain('application/problem+json');
    expect(forged.body.detail).toMatch(/X-Hotpath-Console: 1/);
    const wrongValue = await call(`/orders/${orderId}/cancel`, { cookie, body: { reason: 'cross-site' }, headers: { 'x-hotpath-console': 'yes' } });
    expect(wrongValue.status).toBe(403);
    const unchanged = await call(`/orders/${orderId}`, { cookie });
    expect(unchanged.body.status).toBe('needs_attention');
    expect(unchanged.body.payment).toMatchObject({ authorizedCents: 2500, voidedCents: 0 });
    const state = await (await temporalClient()).workflow.getHandle(`order-${orderId}`).query(orderStateQuery);
    expect(state.cancellation).toBeUndefined();
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 2 } });

    const res = await call(`/orders/${orderId}/cancel`, { cookie, body: { reason: 'customer called support' }, headers: { 'x-hotpath-console': '1' } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ orderId, status: 'compensating' });
    const order = await waitForStatus(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    expect(order.payment).toMatchObject({ authorizedCents: 2500, voidedCents: 2500, capturedCents: 0 });
    const compensating = order.history.find((e: { status: string }) => e.status === 'compensating');
    expect(compensating.detail).toMatchObject({ cancelledBy: 'support-alice', cancelReason: 'customer called support' });
    expect(await stockOf(sku)).toEqual({ 'wh-east': { onHand: 5, reserved: 0 } });
    await expectMoneyBalanced(orderId);
  });
});

describe('codec endpoint for the Temporal Web UI', () => {
  it('decodes for the session cookie, with credentialed CORS for the Web UI origin', async () => {
    const { cookie } = await signIn();
    const codec = dataConverterFor({ PAYLOAD_KEYS })!.payloadCodecs![0]!;
    const [sealed] = await codec.encode([{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('{"hello":"console"}') }]);
    const wire = { payloads: [{ metadata: Object.fromEntries(Object.entries(sealed!.metadata!).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])), data: Buffer.from(sealed!.data!).toString('base64') }] };
    expect(Buffer.from(wire.payloads[0]!.data, 'base64').toString()).not.toContain('hello');

    // What the Web UI sends with "include cross-origin credentials": no bearer, no console header.
    const headers = { origin: UI_ORIGIN, 'x-namespace': 'default' };
    const decoded = await call('/codec/decode', { cookie, body: wire, headers });
    expect(decoded.status).toBe(200);
    expect(Buffer.from(decoded.body.payloads[0].data, 'base64').toString()).toBe('{"hello":"console"}');
    expect(decoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(decoded.headers.get('access-control-allow-credentials')).toBe('true');

    // The UI sends every `payloads` of a history, some written in clear (by Temporal, or by a client without the
    // keys): shown as they are, beside the opened ones, though no worker would act on them.
    const clear = { metadata: { encoding: Buffer.from('json/plain').toString('base64') }, data: Buffer.from('"as written"').toString('base64') };
    const mixed = await call('/codec/decode', { cookie, body: { payloads: [clear, wire.payloads[0]] }, headers });
    expect(mixed.status).toBe(200);
    expect(mixed.body.payloads.map((p: { data: string }) => Buffer.from(p.data, 'base64').toString())).toEqual(['"as written"', '{"hello":"console"}']);

    expect((await call('/codec/decode', { body: wire, headers })).status).toBe(401);
    expect((await call('/codec/decode', { cookie: 'hotpath_session=forged.cookie', body: wire, headers })).status).toBe(401);
  });

  it('answers the preflight from the allowed origin with Allow-Credentials and that origin, never *', async () => {
    const preflight = (origin: string) =>
      call('/codec/decode', { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' } });
    const ui = await preflight(UI_ORIGIN);
    expect(ui.status).toBe(204);
    expect(ui.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(ui.headers.get('access-control-allow-credentials')).toBe('true');
    expect(ui.headers.get('access-control-allow-headers')).toMatch(/content-type/);
    expect(ui.headers.get('access-control-allow-headers')).toMatch(/x-namespace/);
    expect(ui.headers.get('vary')).toMatch(/origin/i);
    const evil = await preflight('http://evil.example');
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();
    expect(evil.headers.get('access-control-allow-credentials')).toBeNull();
  });
});

describe('GET /orders (staff search)', () => {
  it('finds by customer, status and id, newest first, at most limit', async () => {
    const staff = { authorization: `Bearer ${STAFF_TOKEN}` };
    const customerId = `cust-search-${Date.now().toString(36)}`;
    const sku = await newSku({ 'wh-east': 10 });
    const ids: string[] = [];
    for (const quantity of [1, 2, 3]) {
      const { key, orderId } = nextOrder();
      const res = await call('/orders', { body: orderRequest({ customerId, lines: [{ sku, quantity, unitPriceCents: 100 }] }), headers: { authorization: `Bearer ${CHECKOUT_TOKEN}`, 'idempotency-key': key } });
      expect(res.status).toBe(202);
      ids.push(orderId);
    }
    const done = await Promise.all(ids.map((id) => waitForStatus(id)));
    expect(done.map((o) => o.status)).toEqual(['completed', 'completed', 'completed']);

    const all = await call(`/orders?customerId=${customerId}`, { headers: staff });
    expect(all.status).toBe(200);
    expect(all.body.limit).toBe(50);
    expect(all.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([...ids].reverse());
    expect(all.body.orders[0]).toEqual({
      orderId: ids[2],
      customerId,
      status: 'completed',
      reason: null,
      totalCents: 300,
      currency: 'USD',
      createdAt: done[2].createdAt,
      updatedAt: expect.any(String),
    });
    const createdAt = all.body.orders.map((o: { createdAt: string }) => Date.parse(o.createdAt));
    expect([...createdAt].sort((a, b) => b - a)).toEqual(createdAt);

    const newest = await call(`/orders?customerId=${customerId}&limit=1`, { headers: staff });
    expect(newest.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([ids[2]]);
    const byId = await call(`/orders?q=${ids[0]}`, { headers: staff });
    expect(byId.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([ids[0]]);
    const byCustomerAsQ = await call(`/orders?q=${customerId}&status=completed&customerId=`, { headers: staff });
    expect(byCustomerAsQ.body.orders).toHaveLength(3);
    const tracking = done[1].shipments[0].trackingNumber as string;
    const byTracking = await call(`/orders?q=${encodeURIComponent(tracking)}`, { headers: staff });
    expect(byTracking.body.orders.map((o: { orderId: string }) => o.orderId)).toEqual([ids[1]]);
    const otherStatus = await call(`/orders?customerId=${customerId}&status=cancelled`, { headers: staff });
    expect(otherStatus.body.orders).toEqual([]);
    const nobody = await call(`/orders?customerId=nobody-${Date.now()}`, { headers: staff });
    expect(nobody.body.orders).toEqual([]);
  });

  it.each([
    ['status=bogus', /^status: must be one of received, processing, .*needs_attention/],
    ['limit=0', /^limit:/],
    ['limit=201', /^limit: must be at most 200/],
    ['limit=ten', /^limit:/],
    ['limit=1.5', /^limit:/],
    ['status=completed&status=failed', /^status:/],
    ['sort=createdAt', /^sort: is not a search parameter/],
    [`q=${'x'.repeat(201)}`, /^q:/],
  ])('%s is a 400 problem naming the field', async (query, detail) => {
    const res = await call(`/orders?${query}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    expect(res.status).toBe(400);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.detail).toMatch(detail);
  });

  it('is for staff only', async () => {
    expect((await call('/orders')).status).toBe(401);
    expect((await call('/orders', { headers: { authorization: `Bearer ${CHECKOUT_TOKEN}` } })).status).toBe(403);
  });
});

describe('GET /console', () => {
  it('serves the page, its script and stylesheet with a strict Content-Security-Policy', async () => {
    const page = await call('/console');
    expect(page.status).toBe(200);
    expect(page.contentType).toContain('text/html');
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("default-src 'none'");
    expect(csp).not.toContain('unsafe-inline');
    expect(page.text).toContain('<script src="/console/console.js" defer></script>');
    expect(page.text).not.toMatch(/<script>|\son\w+=/);
    const script = await call('/console/console.js');
    expect(script.status).toBe(200);
    expect(script.contentType).toMatch(/javascript/);
    expect(script.text).not.toContain('innerHTML');
    expect((await call('/console/console.css')).contentType).toContain('text/css');
    expect((await call('/console/nope.js')).status).toBe(404);
  });
});

describe('the console in a browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => browser?.close());

  it('signs in, finds a parked order, cancels it and shows the compensations', { timeout: 120_000 }, async () => {
    const { orderId, customerId } = await parkedOrder();
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC' });
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
    page.on('console', (msg) => msg.type() === 'error' && !msg.text().startsWith('Failed to load resource') && problems.push(`console: ${msg.text()}`));
    const failed: string[] = [];
    page.on('response', (res) => res.status() >= 400 && failed.push(`${res.status()} ${res.request().method()} ${new URL(res.url()).pathname}`));
    const text = async (selector: string) => (await page.locator(selector).innerText()).trim();

    await page.goto(`${consoleApi.url}/console`);
    await page.locator('#sign-in').waitFor();
    // A wrong token shows the API's reason and keeps the workspace closed.
    await page.getByLabel('Staff token').fill('wrong-token');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#error', { hasText: 'not a valid staff token' }).waitFor();
    expect(await page.locator('#workspace').isVisible()).toBe(false);
    await page.getByLabel('Staff token').fill(STAFF_TOKEN);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who', { hasText: 'Signed in as support-alice' }).waitFor();
    expect(await page.locator('#error').isVisible()).toBe(false);

    // Find it by id: the order opens with its timeline, payment and Web UI link.
    await page.getByLabel('Order id, customer id or tracking number').fill(orderId);
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#order-id', { hasText: orderId }).waitFor();
    expect(await text('#order-status')).toBe('needs_attention');
    expect(await text('#payment-state')).toBe('authorized');
    expect(await text('#payment')).toContain('$25.00');
    expect(await text('#summary')).toContain(customerId);
    const timeline = await text('#timeline');
    for (const step of ['Order received', 'Inventory reserved (hold)', 'Payment authorized', 'Status: needs_attention']) expect(timeline).toContain(step);
    expect(await page.locator('#workflow-link').getAttribute('href')).toBe(`${UI_ORIGIN}/namespaces/default/workflows/order-${orderId}`);
    expect(await page.locator('#workflow-link').isVisible()).toBe(true);

    // Cancel with a reason; the page follows the saga until the order has ended.
    await carrierBack(orderId);
    await page.getByLabel('Reason (recorded with your name)').fill('customer called: <b>wrong size</b>');
    await page.getByRole('button', { name: 'Cancel order' }).click();
    await page.locator('#cancel-result', { hasText: 'Cancellation accepted' }).waitFor();
    await page.locator('#order-status', { hasText: 'cancelled' }).waitFor({ timeout: 60_000 });
    await page.locator('#timeline', { hasText: 'Authorization voided' }).waitFor();
    const after = await text('#timeline');
    expect(after).toContain('Hold released');
    expect(after).toContain('Authorization voided');
    expect(after).toContain('Status: cancelled');
    // The reason is shown as text, never interpreted as markup.
    expect(after).toContain('cancelled by support-alice: customer called: <b>wrong size</b>');
    expect(await page.locator('#timeline b').count()).toBe(0);
    expect(await text('#payment-state')).toBe('voided');
    expect(await page.locator('#timeline li.compensation').count()).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#cancel').isVisible()).toBe(false);
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: path.join('test-artifacts', 'console-cancel.png'), fullPage: true });

    // Search by customer id lists it, cancelled.
    await page.getByLabel('Order id, customer id or tracking number').fill('');
    await page.getByLabel('Customer id', { exact: true }).fill(customerId);
    await page.getByRole('button', { name: 'Search' }).click();
    // (A search clears the last answer at once, so the row that appears is this search's.)
    await page.locator('#results tbody tr', { hasText: orderId }).waitFor();
    expect(await page.locator('#results tbody tr').count()).toBe(1);
    expect(await text('#results tbody tr')).toContain('cancelled');
    expect(await text('#result-count')).toBe('1 order, newest first.');

    // A bad search shows the API's problem detail.
    await page.locator('#q').evaluate((input) => input.removeAttribute('maxlength'));
    await page.getByLabel('Order id, customer id or tracking number').fill('x'.repeat(201));
    await page.getByRole('button', { name: 'Search' }).click();
    await page.locator('#error', { hasText: 'q: must be at most 200 characters' }).waitFor();

    // Signing out closes the workspace; a reload stays signed out.
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor();
    await page.reload();
    await page.locator('#sign-in').waitFor();
    expect(await page.locator('#workspace').isVisible()).toBe(false);

    // The server side agrees: cancelled by the signed-in person, money and stock balanced.
    const order = await expectMoneyBalanced(orderId);
    expect(order).toMatchObject({ status: 'cancelled', reason: 'cancelled_by_staff' });
    // No CSP violation or script error; the only failed requests were the expected ones.
    expect(problems).toEqual([]);
    expect(failed).toEqual([
      '401 GET /console/session', // not signed in yet
      '401 POST /console/session', // the wrong token
      '400 GET /orders', // the over-long search
      '401 GET /console/session', // the reload after signing out
    ]);
    await context.close();
  });
});
