import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../api/server';
import { startOwnApi } from '../support/ownApi';
import { testDb } from '../support/stack';
import { CHECKOUT_TOKEN, OTHER_CHECKOUT_TOKEN, STAFF_TOKEN } from '../support/testPolicy';

// Addresses of this file alone (the APIs here trust X-Forwarded-For from loopback, as behind a proxy).
let nextHost = (process.pid % 200) + 1;
const newAddress = () => `203.0.113.${nextHost++ % 250}`;

async function signIn(api: RunningApi, token: string, address: string) {
  const res = await fetch(`${api.url}/console/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-forwarded-for': address },
    body: JSON.stringify({ token }),
  });
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body: (await res.json().catch(() => undefined)) as any };
}

async function read(api: RunningApi, authorization: string, address: string) {
  const res = await fetch(`${api.url}/orders/ord_nothere`, { headers: { authorization, 'x-forwarded-for': address } });
  await res.arrayBuffer();
  return res.status;
}

const failuresOf = async (address: string) =>
  (await testDb().execute<{ n: number }>(sql`select count(*)::int as n from auth_failures where address = ${address}`))[0]!.n;

describe('the budget for failed credentials (10 a minute per address, in memory and then in Postgres)', () => {
  let a: RunningApi;
  let b: RunningApi;
  beforeAll(async () => {
    const env = { AUTH_FAILURES_PER_MINUTE: '10', TRUST_PROXY: 'loopback' };
    [a, b] = await Promise.all([startOwnApi({ env }), startOwnApi({ env })]);
  });
  afterAll(async () => Promise.all([a?.close(), b?.close()]));

  it('1,000 sign-ins from one address, each with another bogus token: 401 ten times, then 429; the right token still signs in', async () => {
    const address = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i++) statuses.push((await signIn(a, `guess-${i}-${Math.random()}`, address)).status);
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(990).fill(429));
    const refused = await signIn(a, `guess-${Math.random()}`, address);
    expect(refused.status).toBe(429);
    expect(refused.contentType).toContain('application/problem+json');
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    // Refused attempts write nothing: the address holds exactly the ten failures that spent its budget.
    expect(await failuresOf(address)).toBe(10);
    // The right token is never refused, on either replica.
    expect((await signIn(a, STAFF_TOKEN, address)).status).toBe(200);
    expect((await signIn(b, STAFF_TOKEN, address)).status).toBe(200);
    // The other replica refuses the address's next wrong token too: the count is in Postgres.
    expect((await signIn(b, 'one-more', address)).status).toBe(429);
    // Another address is unaffected.
    expect((await signIn(a, STAFF_TOKEN, newAddress())).status).toBe(200);
  });

  it('1,000 requests from one address, each with another bogus bearer token: 401 ten times, then 429; a valid token still works', async () => {
    const address = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 1000; i++) statuses.push(await read(a, `Bearer bogus-${i}-${Math.random()}`, address));
    expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
    expect(statuses.slice(10)).toEqual(Array(990).fill(429));
    expect(await read(a, `Bearer ${CHECKOUT_TOKEN}`, address)).toBe(404);
    expect(await read(a, `Bearer ${CHECKOUT_TOKEN}`, newAddress())).toBe(404);
  });

  it('failures on two replicas add up to one budget', async () => {
    const address = newAddress();
    for (let i = 0; i < 5; i++) expect(await read(a, `Bearer a-${i}`, address)).toBe(401);
    for (let i = 0; i < 5; i++) expect(await read(b, `Bearer b-${i}`, address)).toBe(401);
    expect(await read(a, 'Bearer one-more', address)).toBe(429);
    expect(await read(b, 'Bearer and-another', address)).toBe(429);
    expect(await read(a, `Bearer ${STAFF_TOKEN}`, address)).toBe(404);
    expect((await signIn(b, STAFF_TOKEN, address)).status).toBe(200);
  });

  it('successful requests write nothing to the failure counters', async () => {
    const address = newAddress();
    for (let i = 0; i < 20; i++) expect(await read(a, `Bearer ${i % 2 ? CHECKOUT_TOKEN : STAFF_TOKEN}`, address)).toBe(404);
    expect((await signIn(a, STAFF_TOKEN, address)).status).toBe(200);
    expect(await failuresOf(address)).toBe(0);
  });
});

describe('the general rate limit, keyed on the verified principal', () => {
  let api: RunningApi;
  beforeAll(async () => {
    api = await startOwnApi({ env: { RATE_LIMIT_PER_MINUTE: '5', CHECKOUT_RATE_LIMIT_PER_MINUTE: '5', TRUST_PROXY: 'loopback' } });
  });
  afterAll(async () => api?.close());

  it('a different bogus Authorization header on every request does not dodge it: they count against the address', async () => {
    const address = newAddress();
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await read(api, `Bearer dodge-${i}-${Math.random()}`, address));
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
    const limited = await fetch(`${api.url}/orders/ord_nothere`, { headers: { authorization: 'Bearer another', 'x-forwarded-for': address } });
    expect(limited.headers.get('content-type')).toContain('application/problem+json');
    expect(limited.headers.get('ratelimit')).toBeTruthy();
  });

  it('a principal has one budget wherever it calls from, and another principal has its own', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push(await read(api, `Bearer ${OTHER_CHECKOUT_TOKEN}`, newAddress()));
    expect(statuses).toEqual([404, 404, 404, 404, 404, 429, 429]);
    expect(await read(api, `Bearer ${STAFF_TOKEN}`, newAddress())).toBe(404);
  });
});
