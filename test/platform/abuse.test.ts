import { request as httpRequest } from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import type { RunningApi } from '../../api/server';
import { orders } from '../../db/schema';
import { startOwnApi } from '../support/ownApi';
import { useScratchDatabases } from '../support/scratchDatabase';
import { startOwnWorker } from '../support/ownWorker';
import { newIdempotencyKey, newSku, orderRequest, testDb } from '../support/stack';
import { CHECKOUT_TOKEN, OTHER_CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';

/**
 * Issue 22, tried as an outsider would, one test per finding: credentials and limits before any body is read,
 * no lockout of a good client by its neighbours, a sign-in no other site can drive, limits that say when to
 * come back and never refuse a shop's peak, a /healthz that tells outsiders nothing, and no reachable 500.
 */

// Addresses of this file alone (these APIs trust X-Forwarded-For from loopback, as behind a proxy).
let nextHost = (process.pid % 200) + 1;
const newAddress = () => `198.51.100.${nextHost++ % 250}`;

interface EarlyAnswer {
  status: number;
  /** Body bytes written when the answer's status line arrived. */
  bytesSentBeforeAnswer: number;
  headers: Record<string, string | string[] | undefined>;
}

/**
 * Sends the headers (announcing `declaredLength` bytes) and `firstBytes`, then waits for an answer without
 * sending the rest: an answer proves the server decided without the body. Undefined when none came.
 */
function answerBeforeBody(api: RunningApi, path: string, headers: Record<string, string>, declaredLength: number, firstBytes: Buffer, waitMs = 4_000): Promise<EarlyAnswer | undefined> {
  const url = new URL(api.url);
  return new Promise((resolve, reject) => {
    let sent = 0;
    const req = httpRequest({ host: url.hostname, port: url.port, path, method: 'POST', headers: { ...headers, 'content-length': String(declaredLength) } }, (res) => {
      clearTimeout(timer);
      resolve({ status: res.statusCode!, bytesSentBeforeAnswer: sent, headers: res.headers });
      res.resume();
      req.destroy();
    });
    const timer = setTimeout(() => {
      req.destroy();
      resolve(undefined);
    }, waitMs);
    req.on('error', (err) => (sent >= declaredLength ? undefined : (err as NodeJS.ErrnoException).code === 'ECONNRESET' ? undefined : reject(err)));
    req.write(firstBytes, () => (sent += firstBytes.length));
  });
}

/** One whole request, and how long its answer took. */
async function timed(url: string, init: RequestInit = {}) {
  const started = performance.now();
  const res = await fetch(url, init);
  await res.arrayBuffer();
  return { status: res.status, ms: performance.now() - started };
}

const scratchDatabase = useScratchDatabases('abuse');
/** A SKU code of the right shape; no stock is needed where the orders table itself fails first. */
const newSkuName = () => `SKU-ABUSE-${process.pid}-${Date.now().toString(36).toUpperCase()}`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** `[0,0,…]`: the body whose syntax tree cost the old check ~100× JSON.parse. */
const tinyValues = (bytes: number) => Buffer.from(`[${Array(Math.floor(bytes / 2) - 1).fill('0').join(',')}]`);

describe('credentials and limits come before the body', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startOwnApi();
  });
  afterAll(async () => api?.close());

  it('an anonymous 8 MB body to /codec/decode and a 64 KB body of tiny values to /orders are answered 401 before they are sent', async () => {
    const eightMb = 8 * 1024 * 1024;
    const codec = await answerBeforeBody(api, '/codec/decode', { 'content-type': 'application/json' }, eightMb, tinyValues(64 * 1024));
    expect(codec, 'no answer while 99% of the body was still unsent: the server waited to read it').toBeDefined();
    expect(codec!.status).toBe(401);
    expect(codec!.bytesSentBeforeAnswer).toBeLessThan(eightMb / 10);
    // And the connection is closed, so the API does not read (and throw away) the other 8 MB to reuse it.
    expect(codec!.headers.connection).toBe('close');

    const body = tinyValues(64 * 1024);
    // Everything but the last byte: a server that reads the body before the credential never answers this.
    for (const auth of [{}, { authorization: 'Bearer not-a-token' }] as Record<string, string>[]) {
      const orders = await answerBeforeBody(api, '/orders', { 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey(), ...auth }, body.length, body.subarray(0, body.length - 1));
      expect(orders, 'no answer before the body was complete').toBeDefined();
      expect(orders!.status).toBe(401);
    }
    // A staff caller's codec body is read (and judged) as before.
    const staff = await fetch(`${api.url}/codec/decode`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` }, body: tinyValues(1024) });
    expect(staff.status).toBe(400);
  });

  it('an anonymous 64 KB body of tiny values costs about what an anonymous request without one costs; /healthz stays quick under eight of them at once', async () => {
    const body = tinyValues(64 * 1024);
    const withBody = () => timed(`${api.url}/orders`, { method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey() }, body });
    const withoutBody = () => timed(`${api.url}/orders/ord_nothere`);
    await Promise.all([withBody(), withoutBody()]);
    const bodyTimes: number[] = [];
    const controlTimes: number[] = [];
    for (let i = 0; i < 15; i++) {
      const [b, c] = [await withBody(), await withoutBody()];
      expect([b.status, c.status]).toEqual([401, 401]);
      bodyTimes.push(b.ms);
      controlTimes.push(c.ms);
    }
    // Generous: 64 KB over loopback is well under a millisecond; the old check parsed it first (~40 ms). The fastest of
    // each is compared: what the request costs, not what the rest of the suite was doing to the two cores meanwhile.
    const [bodyBest, controlBest] = [Math.min(...bodyTimes), Math.min(...controlTimes)];
    expect(bodyBest, `with body ${bodyBest.toFixed(2)} ms (median ${median(bodyTimes).toFixed(2)}), without ${controlBest.toFixed(2)} ms`).toBeLessThan(controlBest * 3 + 8);

    const healthz = async () => (await timed(`${api.url}/healthz`)).ms;
    const quiet: number[] = [];
    for (let i = 0; i < 20; i++) quiet.push(await healthz());
    let flooding = true;
    const flood = Array.from({ length: 8 }, async () => {
      while (flooding) await withBody();
    });
    const loud: number[] = [];
    for (let i = 0; i < 20; i++) loud.push(await healthz());
    flooding = false;
    await Promise.all(flood);
    // The eight senders share this process's event loop with the API (and the machine with the rest of the suite),
    // so the bound is loose: before, each of their bodies was parsed into a tree first (~40 ms of CPU apiece), and
    // /healthz waited behind them. The absolute figure (p99 under 20 ms) is measured with the API in a process of its
    // own by scripts/security/anonymousCost.ts (docs/reliability.md).
    expect(median(loud), `/healthz ${median(quiet).toFixed(2)} ms quiet, ${median(loud).toFixed(2)} ms under eight anonymous bodies`).toBeLessThan(median(quiet) * 4 + 50);
  });
});

describe('a wrong credential is throttled; a right one from the same address is never refused', () => {
  let a: RunningApi;
  let b: RunningApi;
  beforeAll(async () => {
    const env = { AUTH_FAILURES_PER_MINUTE: '10', TRUST_PROXY: 'loopback' };
    [a, b] = await Promise.all([startOwnApi({ env }), startOwnApi({ env })]);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  const read = async (api: RunningApi, token: string, address: string) => {
    const res = await fetch(`${api.url}/orders/ord_nothere`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address } });
    await res.arrayBuffer();
    return res.status;
  };
  const signIn = async (api: RunningApi, token: string, address: string) =>
    (await fetch(`${api.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': address }, body: JSON.stringify({ token }) })).status;
  const rowsOf = async (address: string) => (await testDb().execute<{ n: number }>(sql`select count(*)::int as n from auth_failures where address = ${address}`))[0]!.n;

  it('a checkout service and a staff member keep working while a neighbour sends bad tokens, on every replica', async () => {
    const address = newAddress();
    const neighbour: number[] = [];
    const good: number[] = [];
    for (let i = 0; i < 40; i++) {
      neighbour.push(await read(a, `guess-${i}-${Math.random()}`, address));
      if (i % 4 === 3) good.push(await read(a, CHECKOUT_TOKEN, address), await read(b, CHECKOUT_TOKEN, address));
    }
    expect(neighbour.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(neighbour.slice(10)).toEqual(Array(30).fill(429));
    // The checkout token is answered by the route (404: no such order), never refused.
    expect(good).toEqual(Array(20).fill(404));
    expect(await signIn(a, STAFF_TOKEN, address)).toBe(200);
    expect(await signIn(b, STAFF_TOKEN, address)).toBe(200);
    // Past the budget, the neighbour's guesses cost no database write: only the ten that spent it are rows.
    expect(await rowsOf(address)).toBe(10);
    // The budget is still shared: a wrong sign-in on the other replica is refused as one too many.
    expect(await signIn(b, 'one-more-guess', address)).toBe(429);
  });
});

describe('the console sign-in takes JSON from its own page only', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startOwnApi({ env: { AUTH_FAILURES_PER_MINUTE: '3', TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => api?.close());

  const post = (address: string, contentType: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${api.url}/console/session`, { method: 'POST', headers: { 'content-type': contentType, 'x-forwarded-for': address, ...headers }, body });

  it('a form or text/plain post, as any web page can send, neither signs in nor counts a failure; a cross-site request is refused', async () => {
    const address = newAddress();
    const form = await post(address, 'application/x-www-form-urlencoded', `token=${encodeURIComponent(STAFF_TOKEN)}`);
    expect(form.status).toBe(415);
    expect(form.headers.getSetCookie()).toEqual([]);
    for (let i = 0; i < 10; i++) {
      expect((await post(address, 'application/x-www-form-urlencoded', `token=guess-${i}`)).status).toBe(415);
      expect((await post(address, 'text/plain', `{"token":"guess-${i}"}`)).status).toBe(415);
      expect((await post(address, 'application/json', `{"token":"guess-${i}"}`, { 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    }
    expect((await testDb().execute<{ n: number }>(sql`select count(*)::int as n from auth_failures where address = ${address}`))[0]!.n).toBe(0);
    // The address's budget is untouched: a wrong JSON sign-in is still a plain 401, and the page's own sign-in works.
    expect((await post(address, 'application/json', '{"token":"a-typo"}')).status).toBe(401);
    const page = await post(address, 'application/json', JSON.stringify({ token: STAFF_TOKEN }), { 'sec-fetch-site': 'same-origin' });
    expect(page.status).toBe(200);
    expect(page.headers.getSetCookie()[0]).toMatch(/^hotpath_session=/);
  });
});

describe('console sessions end when staff sign out', () => {
  let a: RunningApi;
  let b: RunningApi;
  beforeAll(async () => {
    // Two replicas that accept each other's cookies, as a deployment with one SESSION_SECRET runs them.
    const env = { SESSION_SECRET: `abuse-${process.pid}-a-session-secret-of-32-characters` };
    [a, b] = await Promise.all([startOwnApi({ env }), startOwnApi({ env })]);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  const asCookie = async (api: RunningApi, cookie: string, path = '/console/session') => {
    const res = await fetch(`${api.url}${path}`, { headers: { cookie } });
    await res.arrayBuffer();
    return res.status;
  };

  it('a signed-out cookie is refused by every replica, even a copy kept from before (a shared machine, a stolen cookie)', async () => {
    const signIn = await fetch(`${a.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: STAFF_TOKEN }) });
    expect(signIn.status).toBe(200);
    const cookie = signIn.headers.getSetCookie()[0]!.split(';')[0]!;
    expect([await asCookie(a, cookie), await asCookie(b, cookie), await asCookie(b, cookie, '/orders?limit=1')]).toEqual([200, 200, 200]);

    const signOut = await fetch(`${a.url}/console/session`, { method: 'DELETE', headers: { cookie } });
    expect(signOut.status).toBe(204);
    expect(signOut.headers.getSetCookie()[0]).toMatch(/^hotpath_session=;/);
    // The browser forgets the cookie; whoever kept a copy of it gets nothing with it, on either replica.
    expect([await asCookie(a, cookie), await asCookie(b, cookie), await asCookie(b, cookie, '/orders?limit=1')]).toEqual([401, 401, 401]);

    // Signing in again is a new session, untouched by the old one's revocation.
    const again = await fetch(`${b.url}/console/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: STAFF_TOKEN }) });
    const fresh = again.headers.getSetCookie()[0]!.split(';')[0]!;
    expect([await asCookie(a, fresh), await asCookie(b, fresh)]).toEqual([200, 200]);
  });
});

describe('limits say when to come back, and are set per credential', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startOwnApi({
      env: { RATE_LIMIT_PER_MINUTE: '4', CHECKOUT_RATE_LIMIT_PER_MINUTE: '8', RATE_LIMITS_PER_MINUTE: 'checkout-app:3', AUTH_FAILURES_PER_MINUTE: '2', TRUST_PROXY: 'loopback' },
    });
  });
  afterAll(async () => api?.close());

  const read = (token: string, address = newAddress()) => fetch(`${api.url}/orders/ord_nothere`, { headers: { authorization: `Bearer ${token}`, 'x-forwarded-for': address } });

  it("a checkout credential has its role's budget or its own; every 429 carries Retry-After and the IETF RateLimit headers", async () => {
    for (const [token, budget] of [[CHECKOUT_TOKEN, 8], [OTHER_CHECKOUT_TOKEN, 3], [STAFF_TOKEN, 4]] as const) {
      const statuses: number[] = [];
      let limited: Response | undefined;
      for (let i = 0; i < budget + 2; i++) {
        const res = await read(token);
        statuses.push(res.status);
        if (res.status === 429) limited = res;
        await res.arrayBuffer();
      }
      expect(statuses, token).toEqual([...Array(budget).fill(404), 429, 429]);
      expect(Number(limited!.headers.get('retry-after'))).toBeGreaterThan(0);
      expect(limited!.headers.get('ratelimit-policy')).toMatch(new RegExp(`"principal"; q=${budget}; w=60`));
      expect(limited!.headers.get('ratelimit')).toMatch(/"principal"; r=0; t=\d+/);
    }
    // The failure budget's 429 says the same of itself.
    const address = newAddress();
    const failures: Response[] = [];
    for (let i = 0; i < 3; i++) failures.push(await read(`wrong-${i}`, address));
    expect(failures.map((r) => r.status)).toEqual([401, 401, 429]);
    expect(Number(failures[2]!.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(failures[2]!.headers.get('ratelimit-policy')).toMatch(/"auth-failures"; q=2; w=60/);
    expect(failures[2]!.headers.get('ratelimit')).toMatch(/"auth-failures"; r=0; t=\d+/);
  });

  it('a budget for a name no credential has is refused at start-up', async () => {
    const started = startOwnApi({ env: { RATE_LIMITS_PER_MINUTE: 'chekout-web:100' } });
    await started.then((api) => api.close()).catch(() => undefined);
    await expect(started).rejects.toThrow(/RATE_LIMITS_PER_MINUTE names chekout-web/);
  });
});

describe('under the default budgets', () => {
  let api: RunningApi;
  beforeAll(async () => {
    // The test stack lifts every budget; this API has the production defaults.
    api = await startOwnApi({ env: { RATE_LIMIT_PER_MINUTE: undefined, CHECKOUT_RATE_LIMIT_PER_MINUTE: undefined, AUTH_FAILURES_PER_MINUTE: undefined } as unknown as Record<string, string> });
  });
  afterAll(async () => api?.close());

  it("one checkout credential's minute of 100 requests a second (6,000) is never refused", async () => {
    const statuses = new Map<number, number>();
    let sent = 0;
    // Twenty at a time, as fast as the API answers (faster than 100/s): cheap reads (an id of the wrong shape is
    // a 404 without a query), since the budget counts requests, not what they do.
    await Promise.all(
      Array.from({ length: 20 }, async () => {
        while (sent < 6_000) {
          sent++;
          const res = await fetch(`${api.url}/orders/ord_NOT-AN-ID`, { headers: { authorization: `Bearer ${CHECKOUT_TOKEN}` } });
          await res.arrayBuffer();
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 404: 6_000 });
  });
});

describe('/healthz', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startOwnApi();
  });
  afterAll(async () => api?.close());

  it('tells an anonymous caller up or down and nothing more; staff get the checks, from a probe shared by every request of its second', async () => {
    const anonymous = await fetch(`${api.url}/healthz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ status: 'ok' });
    const staffAnswers = await Promise.all(Array.from({ length: 40 }, () => fetch(`${api.url}/healthz`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } }).then((r) => r.json() as Promise<any>)));
    for (const answer of staffAnswers) expect(answer).toMatchObject({ status: 'ok', checks: { postgres: 'ok', temporal: 'ok' } });
    // Forty requests at once, one or two probes (a second may turn over between them), not forty.
    expect(new Set(staffAnswers.map((a) => a.checkedAt)).size).toBeLessThanOrEqual(2);
  });
});

describe('payloads in clear', () => {
  it('a saga started in clear, by a client without the keys, is refused by the worker before any of its code runs', { timeout: 60_000 }, async () => {
    const queue = `plaintext-${process.pid}`;
    const stopWorker = await startOwnWorker(queue);
    const connection = await Connection.connect({ address: inject('temporalAddress') });
    const keyless = new Client({ connection });
    const handle = await keyless.workflow.start('orderWorkflowV3', { taskQueue: queue, workflowId: `plaintext-${process.pid}-${Date.now()}`, args: [{ orderId: 'ord_forged', lines: [] }] });
    try {
      const events = async () => (await handle.fetchHistory()).events ?? [];
      const taskFailure = async () => (await events()).find((e) => e.workflowTaskFailedEventAttributes)?.workflowTaskFailedEventAttributes?.failure?.message;
      await expect.poll(taskFailure, { timeout: 30_000, interval: 250 }).toMatch(/refusing a payload that is not encrypted \(encoding json\/plain\)/);
      // The saga acted on nothing: no activity, no timer, no command of any kind was recorded.
      expect((await events()).filter((e) => e.activityTaskScheduledEventAttributes || e.timerStartedEventAttributes || e.workflowTaskCompletedEventAttributes)).toEqual([]);
    } finally {
      await handle.terminate('test: a forged saga').catch(() => undefined);
      await connection.close();
      await stopWorker();
    }
  });
});

describe('reachable 500s', () => {
  it('five POST /admin/reconcile in the same millisecond each get their own run and report (no collision on the workflow id)', async () => {
    const api = await startOwnApi();
    try {
      const sku = await newSku({ 'wh-east': 5 });
      // This API runs in this process: with its clock standing still, every request is "in the same millisecond",
      // as two requests to two replicas (or a fast machine) can be.
      vi.useFakeTimers({ toFake: ['Date'], now: new Date() });
      const answers = await Promise.all(
        Array.from({ length: 5 }, () =>
          fetch(`${api.url}/admin/reconcile`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` }, body: JSON.stringify({ skus: [sku] }) }).then(async (r) => ({
            status: r.status,
            body: (await r.json()) as any,
          })),
        ),
      );
      vi.useRealTimers();
      expect(answers.map((a) => a.status), JSON.stringify(answers.find((a) => a.status !== 200)?.body)).toEqual(Array(5).fill(200));
      expect(new Set(answers.map((a) => a.body.runId)).size).toBe(5);
    } finally {
      vi.useRealTimers();
      await api.close();
    }
  });

  it('the last-resort 500 promises a safe retry only where an Idempotency-Key makes it safe', async () => {
    const { url, db } = await scratchDatabase();
    const api = await startOwnApi({ env: { DATABASE_URL: url } });
    try {
      // A failure no request causes (a botched migration, a half-restored database): the orders table is gone.
      await db.execute(sql`alter table orders rename to orders_gone`);
      const auth = { authorization: `Bearer ${CHECKOUT_TOKEN}` };
      const read = await fetch(`${api.url}/orders/ord_0123456789abcdef`, { headers: auth });
      const readProblem = (await read.json()) as { detail: string };
      expect(read.status).toBe(500);
      expect(readProblem.detail).not.toMatch(/Idempotency-Key/);
      expect(readProblem.detail).toMatch(/whether the request took effect is not known/);

      const sku = newSkuName();
      const place = await fetch(`${api.url}/orders`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey() },
        body: JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 100 }] })),
      });
      const placeProblem = (await place.json()) as { detail: string };
      expect(place.status, JSON.stringify(placeProblem)).toBe(500);
      expect(placeProblem.detail).toMatch(/same Idempotency-Key is safe/);
    } finally {
      await api.close();
    }
  });

  it('a cancel the saga cannot answer in time (no worker runs it) is a 503 that says it is not confirmed, not a 500', { timeout: 90_000 }, async () => {
    const queue = `no-worker-${process.pid}`;
    const api = await startOwnApi({ taskQueue: queue, env: { CANCEL_ANSWER_TIMEOUT_MS: '1500' } });
    let stopWorker: (() => Promise<void>) | undefined;
    try {
      const sku = await newSku({ 'wh-east': 3 });
      const placed = await fetch(`${api.url}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': newIdempotencyKey(), authorization: `Bearer ${CHECKOUT_TOKEN}` },
        body: JSON.stringify(orderRequest({ lines: [{ sku, quantity: 1, unitPriceCents: 900 }] })),
      });
      expect(placed.status).toBe(202);
      const { orderId } = (await placed.json()) as { orderId: string };
      await expect.poll(async () => (await testDb().select({ s: orders.workflowStartedAt }).from(orders).where(eq(orders.id, orderId)))[0]?.s, { timeout: 10_000 }).not.toBeNull();

      const started = Date.now();
      const cancel = await fetch(`${api.url}/orders/${orderId}/cancel`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${STAFF_TOKEN}` },
        body: JSON.stringify({ reason: 'customer changed their mind' }),
        signal: AbortSignal.timeout(20_000),
      });
      const problem = (await cancel.json()) as any;
      expect(cancel.status, JSON.stringify(problem)).toBe(503);
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(problem.detail).toMatch(/not confirmed/);
      expect(problem.detail).not.toMatch(/Idempotency-Key/);
      expect(Number(cancel.headers.get('retry-after'))).toBeGreaterThan(0);

      // A worker comes back: the order reaches its end (cancelled, or completed if the cancel was dropped), books balanced.
      stopWorker = await startOwnWorker(queue);
      await expect
        .poll(async () => (await testDb().select({ status: orders.status }).from(orders).where(eq(orders.id, orderId)))[0]?.status, { timeout: 60_000, interval: 250 })
        .toMatch(/^(cancelled|completed)$/);
    } finally {
      await stopWorker?.();
      await api.close();
    }
  });
});
