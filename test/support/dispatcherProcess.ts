import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { freePort } from '../../db/embedded';
import type { Database } from '../../db/client';
import { orders, webhookEvents, webhookSubscriptions } from '../../db/schema';
import { vendorUrlsFor } from '../../lib/config';
import { ManagedProcess } from '../../lib/childProcess/managed';
import { reconciliationScheduleId } from '../../worker/inventory';
import { retentionScheduleId } from '../../worker/retention';
import { fixtureOrder, temporalClient } from './stack';
import { scrape, type Scrape } from './stackScrape';
import { TEST_API_ENV } from './testPolicy';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** The checkout principal the fixtures' subscriptions belong to (a configured one: the dispatcher disables others). */
export const DISPATCHER_TEST_OWNER = 'checkout-crowd';

export interface DispatcherProcess {
  process: ManagedProcess;
  metricsUrl: string;
  scrape: () => Promise<Scrape>;
  stop: () => Promise<void>;
}

/**
 * `npm run dispatcher` (worker/dispatcher.ts) as its own OS process, on a scratch database of the caller's (so it
 * delivers only that database's webhooks, never the run's other tests'), a task queue of its own and a free
 * DISPATCHER_METRICS_PORT. Its schedules (reconciliation, retention) are deleted when it stops.
 */
export async function startDispatcherProcess(databaseUrl: string, extraEnv: Record<string, string> = {}): Promise<DispatcherProcess> {
  const port = await freePort();
  const taskQueue = `dispatcher-metrics-${randomUUID()}`;
  const child = ManagedProcess.node(
    'dispatcher',
    root,
    'worker/dispatcher.ts',
    {
      ...process.env,
      ...vendorUrlsFor(inject('simUrl')),
      ...TEST_API_ENV,
      DATABASE_URL: databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TASK_QUEUE: taskQueue,
      LOG_LEVEL: 'info',
      RECONCILE_EVERY_MINUTES: '600',
      RETENTION_EVERY_MINUTES: '600',
      DISPATCHER_METRICS_PORT: String(port),
      ...extraEnv,
    },
    'dispatcher running',
    60_000,
  );
  await child.start();
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  return {
    process: child,
    metricsUrl,
    scrape: () => scrape(metricsUrl),
    stop: async () => {
      await child.stop();
      const client = await temporalClient();
      for (const id of [reconciliationScheduleId(taskQueue), retentionScheduleId(taskQueue)]) await client.schedule.getHandle(id).delete().catch(() => {});
    },
  };
}

/** A webhook endpoint on loopback: answers each request with `answer()` (a status, or 'hold': answered at release or close). */
export async function fixedEndpoint(answer: () => number | 'hold'): Promise<{ url: string; requests: () => number; release: () => void; close: () => Promise<void> }> {
  let requests = 0;
  const held = new Set<import('node:http').ServerResponse>();
  const server: Server = createServer((req, res) => {
    requests += 1;
    req.resume();
    const status = answer();
    if (status === 'hold') {
      held.add(res);
      res.on('close', () => held.delete(res));
      return;
    }
    res.writeHead(status).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    requests: () => requests,
    /** Answers 200 to the requests held now. */
    release: () => {
      for (const res of held) res.writeHead(200).end();
    },
    close: async () => {
      for (const res of held) res.writeHead(200).end();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A subscription of DISPATCHER_TEST_OWNER to every event, written straight into the scratch database. */
export async function subscribeDirectly(db: Database, url: string): Promise<string> {
  const id = `whsub_${randomUUID().replace(/-/g, '')}`;
  await db.insert(webhookSubscriptions).values({ id, owner: DISPATCHER_TEST_OWNER, url, secret: `whsec_${Buffer.alloc(24, 3).toString('base64')}`, createdAt: new Date(Date.now() - 60_000) });
  return id;
}

/** `count` events of a fixture order of DISPATCHER_TEST_OWNER, written straight into the outbox. */
export async function writeEvents(db: Database, count: number): Promise<string> {
  const order = { ...fixtureOrder(`dispatcher-${randomUUID()}`), owner: DISPATCHER_TEST_OWNER, webhookSeq: count };
  await db.insert(orders).values(order);
  await db.insert(webhookEvents).values(
    Array.from({ length: count }, (_, i) => ({
      messageId: `msg_${order.id!.replace(/^ord_/, '')}_${i + 1}`,
      orderId: order.id!,
      owner: DISPATCHER_TEST_OWNER,
      type: 'order.processing',
      sequence: i + 1,
      payload: { type: 'order.processing', timestamp: new Date().toISOString(), data: { orderId: order.id!, status: 'processing', reason: null, sequence: i + 1 } },
    })),
  );
  return order.id!;
}
