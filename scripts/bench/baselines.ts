/**
 * Bench-only HTTP server, in its own process, next to the real API:
 *   POST /insert-only       validate and insert the order rows (the hot path's transaction) and answer: the floor.
 *   POST /chain-orders      the architecture Hotpath replaces: insert the order, then reserve, authorize, label,
 *                           hand off, capture and notify in sequence inside the request, with the saga's own
 *                           activity code (same Postgres writes, same vendor requests), no Temporal.
 *   POST /breakdown-orders  the real placeOrder() (transaction + Temporal start + outbox mark) with timers around
 *                           its phases; GET /breakdown-stats returns and clears the per-request phase timings.
 * Env: BASELINES_PORT, DATABASE_URL, TEMPORAL_ADDRESS, TASK_QUEUE, PAYLOAD_KEYS, the vendor URLs.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Client, Connection } from '@temporalio/client';
import express, { type Request, type Response } from 'express';
import { Agent } from 'undici';
import { createOrderActivities } from '../../activities';
import { simErp } from '../../activities/erp/adapters/simErp';
import { simNotifications } from '../../activities/notifications/adapters/simNotifications';
import { simCarrier } from '../../activities/shipment/adapters/simCarrier';
import { simWms } from '../../activities/shipment/adapters/simWms';
import { nearestSingleWarehouseFirst } from '../../activities/inventory/allocation';
import { VendorClient } from '../../activities/vendorClient';
import { paymentGateway } from '../../worker/createWorker';
import { placeOrder } from '../../api/order/placeOrder';
import { createSagaLauncher } from '../../api/order/sagaLauncher';
import { createOrderSchema, idempotencyKeySchema, type CreateOrderRequest } from '../../api/validation';
import { openDatabase, type Database } from '../../db/client';
import { dataConverterFor } from '../../lib/codec/dataConverter';
import { loadConfig } from '../../lib/config';
import { logger } from '../../lib/logger';
import { DEFAULT_POLICY } from '../../workflows/order/policy';
import { insertOrderRows } from './orders';
import { Problem } from '../../api/problem';

/**
 * The chain's vendor clients: the production client on an undici Agent without a connection cap. The shared
 * Agent allows 64 connections per vendor, which at 100 orders/s (~90 chained requests in flight, each waiting
 * on a vendor) would queue inside the baseline and inflate it.
 */
const chainAgent = new Agent({ keepAliveTimeout: 30_000, connections: null });

/** Per request, durations (ms) and end times (performance.now()) of the hot path's phases. */
interface Phases {
  key: string;
  validateMs: number;
  txMs?: number;
  txEndAt?: number;
  placeOrderMs?: number;
  handlerMs?: number;
  handlerEndAt?: number;
  /** The Temporal start may end after the answer (a launcher that starts sagas in the background): still this request's. */
  temporalStartMs?: number;
  startEndAt?: number;
}

function parseOrder(req: Request, res: Response): { key: string; body: CreateOrderRequest } | undefined {
  const key = idempotencyKeySchema.safeParse(req.headers['idempotency-key']);
  if (!key.success) {
    res.status(400).json({ detail: `Idempotency-Key: ${key.error.issues[0]!.message}` });
    return undefined;
  }
  if (!req.is('application/json')) {
    res.status(415).json({ detail: 'send the order as application/json' });
    return undefined;
  }
  const body = createOrderSchema.safeParse(req.body);
  if (!body.success) {
    res.status(400).json({ detail: body.error.issues[0]?.message ?? 'invalid' });
    return undefined;
  }
  return { key: key.data, body: body.data };
}

/** Wraps db.transaction and client.workflow.start so each records its duration on the current request's phases. */
function instrumented(db: Database, client: Client, als: AsyncLocalStorage<Phases>) {
  const timedDb = new Proxy(db, {
    get(target, prop, receiver) {
      const value = Reflect.get(target, prop, receiver);
      if (prop !== 'transaction' || typeof value !== 'function') return typeof value === 'function' ? value.bind(target) : value;
      return async (...args: unknown[]) => {
        const t0 = performance.now();
        try {
          return await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
        } finally {
          const phases = als.getStore();
          if (phases && phases.txMs === undefined) {
            phases.txEndAt = performance.now();
            phases.txMs = phases.txEndAt - t0;
          }
        }
      };
    },
  });
  const workflow = client.workflow;
  const start = workflow.start.bind(workflow);
  (workflow as { start: unknown }).start = async (...args: Parameters<typeof start>) => {
    const t0 = performance.now();
    try {
      return await start(...args);
    } finally {
      const phases = als.getStore();
      if (phases) {
        phases.startEndAt = performance.now();
        phases.temporalStartMs = phases.startEndAt - t0;
      }
    }
  };
  return timedDb as Database;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const config = loadConfig();
  const database = openDatabase(config.DATABASE_URL!, { max: 20 });
  const { db } = database;
  const vendor = (system: string, url: string) => new VendorClient(system, url, config.VENDOR_TIMEOUT_MS, chainAgent);
  // The simulators' adapters on the bench's own connection pool.
  const ports = {
    carrier: simCarrier(vendor('carrier', config.CARRIER_URL)),
    wms: simWms(vendor('wms', config.WMS_URL)),
    erp: simErp(vendor('erp', config.ERP_URL)),
    notifications: simNotifications(vendor('notifications', config.NOTIFICATIONS_URL)),
  };
  const acts = createOrderActivities({ db, payments: paymentGateway(config), ...ports, allocation: nearestSingleWarehouseFirst });

  const connection = Connection.lazy({ address: config.TEMPORAL_ADDRESS });
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(config) });
  const als = new AsyncLocalStorage<Phases>();
  const timedDb = instrumented(db, client, als);
  const log = logger.child({ component: 'bench-baselines' });
  let phases: Phases[] = [];
  // Wired as api/server.ts wires the API's placeOrder(), with the instrumented database and client.
  const saga = { client, taskQueue: config.TASK_QUEUE, startTimeoutMs: config.TEMPORAL_START_TIMEOUT_MS };
  const deps = { db: timedDb, saga, launcher: createSagaLauncher(timedDb, saga, log), log };

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(express.json({ limit: '64kb', strict: true }));

  app.post('/insert-only', async (req, res) => {
    const parsed = parseOrder(req, res);
    if (!parsed) return;
    try {
      const placed = await insertOrderRows(db, parsed.key, parsed.body);
      res.status(202).json({ orderId: placed.orderId, status: 'received' });
    } catch (err) {
      if (err instanceof Problem) res.status(err.status).json({ detail: err.detail });
      else throw err;
    }
  });

  app.post('/chain-orders', async (req, res) => {
    const parsed = parseOrder(req, res);
    if (!parsed) return;
    const { key, body } = parsed;
    const placed = await insertOrderRows(db, key, body);
    const orderId = placed.orderId;
    const amountCents = body.lines.reduce((s, l) => s + l.quantity * l.unitPriceCents, 0);
    const hold = await acts.reserveInventory({ orderId, lines: body.lines, shipTo: body.shippingAddress, holdTtlMs: DEFAULT_POLICY.holdTtlMs });
    const auth = await acts.authorizePayment({ orderId, attempt: 1, amountCents, currency: body.currency, paymentToken: body.paymentToken });
    const labels = [];
    for (const shipment of hold.shipments) labels.push(await acts.createLabel({ orderId, shipment, shipTo: body.shippingAddress }));
    for (const [i, shipment] of hold.shipments.entries()) await acts.handOffShipment({ orderId, shipment, trackingNumber: labels[i]!.trackingNumber });
    await acts.capturePayment({ orderId, authorizationId: auth.authorizationId, amountCents });
    await acts.notifyCustomer({ orderId, email: body.email, template: 'order_confirmed', trackingNumbers: labels.map((l) => l.trackingNumber) });
    await acts.recordOrderStatus({ orderId, seq: 1, status: 'completed', reason: null, note: 'bench chain', detail: null, dedupeKey: `${orderId}:chain:completed` });
    res.status(201).json({ orderId, status: 'completed' });
  });

  app.post('/breakdown-orders', async (req, res) => {
    const t0 = performance.now();
    const parsed = parseOrder(req, res);
    if (!parsed) return;
    const current: Phases = { key: parsed.key, validateMs: performance.now() - t0 };
    const placed = await als.run(current, async () => {
      const tPlace = performance.now();
      const result = await placeOrder(deps, parsed.key, parsed.body);
      current.placeOrderMs = performance.now() - tPlace;
      return result;
    });
    current.handlerEndAt = performance.now();
    current.handlerMs = current.handlerEndAt - t0;
    phases.push(current);
    res.status(202).json({ orderId: placed.orderId, status: placed.status });
  });

  app.get('/breakdown-stats', (_req, res) => {
    res.json({ phases });
    phases = [];
  });

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use((err: unknown, _req: Request, res: Response, _next: express.NextFunction) => {
    log.error({ err }, 'baseline request failed');
    res.status(500).json({ detail: (err as Error).message });
  });

  const server = createServer(app);
  server.keepAliveTimeout = 65_000;
  server.listen(Number(process.env.BASELINES_PORT ?? 0), '127.0.0.1', () => {
    console.log(`bench baselines listening on http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  });
  const stop = () => {
    server.closeAllConnections();
    server.close(async () => {
      await connection.close().catch(() => {});
      await database.close();
      process.exit(0);
    });
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}
