import type { Client } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { inject } from 'vitest';
import { openDatabase } from '../../db/client';
import { orders, stock } from '../../db/schema';
import { orderIdFor } from '../../api/order/placeOrder';
import { CHECKOUT_TOKEN, PAYLOAD_KEYS, STAFF_TOKEN } from './testPolicy';
import { TERMINAL_STATUSES } from '../../workflows/order/contract';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { createHotpathClient } from '@hotpath/client';
import { contractFetch, expectDocumentedResponse } from './contract';

export const apiUrl = () => inject('apiUrl');
export const simUrl = () => inject('simUrl');

let client: Promise<Client> | undefined;
/** A Temporal client on the run's dev server (through the testing package, as production code would not). */
export function temporalClient(): Promise<Client> {
  client ??= TestWorkflowEnvironment.createFromExistingServer({ address: inject('temporalAddress'), client: { dataConverter: dataConverterFor({ PAYLOAD_KEYS }) } }).then((env) => env.client);
  return client;
}

let database: ReturnType<typeof openDatabase> | undefined;
/** A connection to the test run's Postgres, for setting up stock and checking invariants. */
export function testDb() {
  database ??= openDatabase(inject('databaseUrl'), { max: 5 });
  return database.db;
}

export async function api(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string> } = {}) {
  const res = await fetch(`${apiUrl()}${path}`, {
    method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
    // Calls act as the checkout service unless a test says otherwise (an empty authorization sends none).
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), authorization: `Bearer ${CHECKOUT_TOKEN}`, ...init.headers },
    body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body),
  });
  const text = await res.text();
  const contentType = res.headers.get('content-type') ?? '';
  const body = (text && contentType.includes('json') ? JSON.parse(text) : text || undefined) as any;
  // Every answer the tests see must be one the OpenAPI document describes.
  expectDocumentedResponse(init.method ?? (init.body === undefined ? 'GET' : 'POST'), path, res.status, contentType, body);
  return { status: res.status, contentType, body };
}

/** The typed client (clients/ts) on the run's API, as a checkout service (or `token`) would use it; answers are checked against the document. */
export function typedClient(token = CHECKOUT_TOKEN) {
  return createHotpathClient({ baseUrl: apiUrl(), token, fetch: contractFetch });
}

export async function sim(path: string, body?: unknown, method = body === undefined ? 'GET' : 'POST') {
  const res = await fetch(`${simUrl()}${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

let skuCounter = 0;
/** A SKU of this test alone, stocked in the ERP and in Hotpath's working set. */
/** No credential has this principal: no client's views, webhooks or delivery logs ever see a fixture order. */
export const FIXTURE_OWNER = 'test-fixtures';

/**
 * An order row for tests that exercise inventory without a saga, shaped as the API writes one: an id of the
 * API's shape (the database refuses others), owned by no credential, and its saga marked as started so the
 * dispatcher never starts one for it (a saga for a row without lines would fail it and send its webhooks).
 */
export function fixtureOrder(tag: string): typeof orders.$inferInsert {
  const id = orderIdFor(`fixture:${process.pid}:${tag}`, FIXTURE_OWNER);
  return {
    id,
    idempotencyKey: id,
    owner: FIXTURE_OWNER,
    requestHash: '',
    customerId: 'fixture',
    email: 'fixture@example.com',
    currency: 'USD',
    totalCents: 1,
    shippingAddress: { name: 'n', line1: 'l', city: 'Boston', postalCode: '02110', country: 'US' },
    paymentToken: 'tok_visa',
    status: 'processing',
    workflowId: 'none',
    workflowStartedAt: new Date(),
  };
}

export async function newSku(levels: Record<string, number>, prefix = 'T'): Promise<string> {
  const sku = `${prefix}-${process.pid}-${Date.now().toString(36)}-${skuCounter++}`.toUpperCase();
  for (const [warehouse, onHand] of Object.entries(levels)) {
    await sim('/_sim/erp/stock', { sku, warehouse, onHand }, 'PUT');
    await testDb().insert(stock).values({ sku, warehouse, onHand, reserved: 0 });
  }
  return sku;
}

export function orderRequest(overrides: Partial<Record<string, unknown>> & { lines: { sku: string; quantity: number; unitPriceCents: number }[] }) {
  return {
    customerId: 'cust-42',
    email: 'ada@example.com',
    currency: 'USD',
    shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical St', city: 'Boston', postalCode: '02110', country: 'US' },
    paymentToken: 'tok_visa',
    ...overrides,
  };
}

let keyCounter = 0;
export const newIdempotencyKey = () => `test-${process.pid}-${Date.now()}-${keyCounter++}`;

export async function placeOrder(body: unknown, key = newIdempotencyKey()) {
  return api('/orders', { body, headers: { 'idempotency-key': key } });
}

/** A key and the order id it will create, so faults can be injected before the saga starts. */
export function nextOrder() {
  const key = newIdempotencyKey();
  return { key, orderId: orderIdFor(key) };
}


/** Polls the API until the order reaches one of `statuses` (default: any terminal one). */
export async function waitForStatus(orderId: string, statuses: readonly string[] = TERMINAL_STATUSES, timeoutMs = 90_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    // As staff, who read every client's orders.
    const res = await api(`/orders/${orderId}`, { headers: { authorization: `Bearer ${STAFF_TOKEN}` } });
    if (res.status === 200 && statuses.includes(res.body.status)) return res.body;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is ${res.body?.status}, not ${statuses.join('|')}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Sees the order to its end as staff would, resolving it with retry whenever it waits for a human. */
export async function finishRetryingParks(orderId: string, timeoutMs = 60_000) {
  const asStaff = { authorization: `Bearer ${STAFF_TOKEN}` };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const order = (await api(`/orders/${orderId}`, { headers: asStaff })).body;
    if ((TERMINAL_STATUSES as readonly string[]).includes(order.status)) return order;
    if (Date.now() > deadline) throw new Error(`order ${orderId} is still ${order.status} after ${timeoutMs} ms`);
    if (order.status === 'needs_attention') await api(`/orders/${orderId}/resolve`, { body: { action: 'retry' }, headers: asStaff });
    await new Promise((r) => setTimeout(r, 250));
  }
}

/**
 * With RECORD_FIXTURES=1, saves a finished order's workflow history as a replay fixture
 * (test/fixtures/histories/v<N>-<name>.json for a saga of type orderWorkflowV<N>, sealed with the test key), so a
 * frozen type's fixtures are never overwritten by a newer type's run; otherwise does nothing.
 */
export async function recordFixture(orderId: string, name: string): Promise<void> {
  await recordWorkflowFixture(`order-${orderId}`, name);
}

/** recordFixture for any finished workflow of the run's Temporal, by its workflow id. */
export async function recordWorkflowFixture(workflowId: string, name: string): Promise<void> {
  if (process.env.RECORD_FIXTURES !== '1') return;
  const { historyToJSON } = await import('@temporalio/common/lib/proto-utils');
  const { writeFile } = await import('node:fs/promises');
  const history = await (await temporalClient()).workflow.getHandle(workflowId).fetchHistory();
  const type = history.events?.[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name ?? '';
  const version = /^orderWorkflowV(\d+)$/.exec(type)?.[1];
  const file = version ? `v${version}-${name.replace(/^v\d+-/, '')}` : name;
  await writeFile(new URL(`../fixtures/histories/${file}.json`, import.meta.url), historyToJSON(history));
}
