import { inject } from 'vitest';
import { startApi, type RunningApi } from '../../api/server';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import type { SagaPolicy } from '../../workflows/order/contract';
import type { Resolver } from '../../lib/webhooks';
import { CHECKOUT_TOKEN, TEST_API_ENV, TEST_SAGA_POLICY } from './testPolicy';

/** A second API on the run's stack whose orders carry a different saga policy (or go to another task queue). */
export async function startOwnApi(options: { policy?: Partial<SagaPolicy>; taskQueue?: string; env?: Record<string, string>; webhookResolve?: Resolver } = {}): Promise<RunningApi> {
  const config = loadConfig({
    ...process.env,
    ...vendorUrlsFor(inject('simUrl')),
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: options.taskQueue ?? inject('taskQueue'),
    ...TEST_API_ENV,
    ...options.env,
  });
  return startApi(config, { port: 0, sagaPolicy: { ...TEST_SAGA_POLICY, ...options.policy }, webhookResolve: options.webhookResolve });
}

export function clientOf(api: RunningApi) {
  const call = async (path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${api.url}${path}`, {
      method: body === undefined ? 'GET' : 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${CHECKOUT_TOKEN}`, ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as any };
  };
  const statusOf = async (orderId: string, wanted: string[], timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const order = (await call(`/orders/${orderId}`)).body;
      if (wanted.includes(order.status)) return order;
      if (Date.now() > deadline) throw new Error(`order ${orderId} is ${order.status}, not ${wanted.join('|')}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { call, statusOf };
}
