import { randomUUID } from 'node:crypto';
import { stripeClient } from '../../activities/payment/stripe';
import { startSimServer, type SimServer, type SimServerOptions } from '../../sim/start';

export interface SimResponse {
  status: number;
  // Response bodies are asserted field by field in tests.
  body: any;
  elapsedMs: number;
}

export interface PostOptions {
  /** Idempotency-Key to send; a fresh one by default, `null` to omit the header. */
  key?: string | null;
  signal?: AbortSignal;
}

export interface SimClient {
  url: string;
  get(path: string): Promise<SimResponse>;
  post(path: string, body?: unknown, options?: PostOptions): Promise<SimResponse>;
  put(path: string, body: unknown): Promise<SimResponse>;
  delete(path: string): Promise<SimResponse>;
}

export function simClient(url: string): SimClient {
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
    signal?: AbortSignal,
  ): Promise<SimResponse> => {
    const started = performance.now();
    const response = await fetch(`${url}${path}`, {
      method,
      headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal,
    });
    const parsed: unknown = await response.json();
    return { status: response.status, body: parsed, elapsedMs: performance.now() - started };
  };
  return {
    url,
    get: (path) => call('GET', path),
    post: (path, body, options = {}) => {
      const key = options.key === undefined ? randomUUID() : options.key;
      return call('POST', path, body, key === null ? {} : { 'Idempotency-Key': key }, options.signal);
    },
    put: (path, body) => call('PUT', path, body),
    delete: (path) => call('DELETE', path),
  };
}

/** Starts a simulator on a random port for one test file. */
export async function startSim(options: SimServerOptions = {}): Promise<{ server: SimServer; sim: SimClient }> {
  const server = await startSimServer(0, options);
  return { server, sim: simClient(server.url) };
}

export function newReference(): string {
  return `ord_${randomUUID()}`;
}

type Address = Record<'name' | 'line1' | 'city' | 'postalCode' | 'country', string>;

export function labelBody(reference: string, shipTo: Partial<Address> = {}) {
  return {
    reference,
    shipmentId: `${reference}-1`,
    warehouse: 'wh-east',
    shipTo: {
      name: 'Ada Lovelace',
      line1: '1 Analytical Way',
      city: 'London',
      postalCode: 'N1 9GU',
      country: 'GB',
      ...shipTo,
    },
    parcels: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }],
  };
}

export function taskBody(reference: string) {
  return {
    reference,
    shipmentId: `${reference}-1`,
    warehouse: 'wh-east',
    trackingNumber: '1Z0000000000000001',
    lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }],
  };
}

export function erpOrderBody(reference: string) {
  return {
    reference,
    customerId: 'cus_123',
    currency: 'USD',
    totalCents: 5000,
    lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2, unitPriceCents: 2500 }],
    shipments: [
      { warehouse: 'wh-east', trackingNumber: '1Z0000000000000001', lines: [{ sku: 'TSHIRT-BLK-M', quantity: 2 }] },
    ],
  };
}

export function messageBody(reference: string, to = 'ada@example.com') {
  return { reference, to, template: 'order_confirmed', data: { orderId: reference } };
}

/** The official Stripe SDK pointed at the simulator, as the payment adapter uses it. */
export function stripeAt(url: string) {
  return stripeClient({ apiKey: 'sk_test_hotpath_simulator', apiBase: url, timeoutMs: 5_000 });
}

/** A confirmed manual-capture PaymentIntent request for an order, in the adapter's shape. */
export function paymentIntentParams(reference: string, paymentMethod = 'pm_card_visa', amount = 5000) {
  return { amount, currency: 'usd', capture_method: 'manual' as const, confirm: true, payment_method: paymentMethod, payment_method_types: ['card'], metadata: { order_id: reference, attempt: '1' } };
}
