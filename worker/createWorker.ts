import { fileURLToPath } from 'node:url';
import { NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { Client, Connection } from '@temporalio/client';
import { runDispatcher } from './order';
import { dataConverterFor } from '../lib/codec/dataConverter';
import { logger } from '../lib/logger';
import { createOrderActivities } from '../activities';
import { ensureReconciliationSchedule } from './inventory';
import { ensureRetentionSchedule } from './retention';
import { activityMetrics } from './activityMetrics';
import { installWorkerRuntime } from './sdkMetrics';
import { startTracing } from '../lib/tracing';
import { temporalConnectionOptions } from '../lib/temporalConnection';
import { nearestSingleWarehouseFirst } from '../activities/inventory';
import { stripeGateway } from '../activities/payment';
import type { PaymentGateway } from '../activities/payment/contract';
import type { Database } from '../db/client';
import { retentionPolicyOf, type Config } from '../lib/config';
import { assertDeployable } from '../lib/deployment';
import { settleLegacyOrderOwner } from '../db/order';
import { checkoutNames, parseCredentials } from '../lib/credentials';
import { webhookSender, type SenderOptions } from '../lib/webhooks';
import { runWebhookDelivery } from './webhooks';
import { vendorPorts } from './vendors';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The key the simulator (and stripe-mock) accept; never valid at Stripe itself. */
export const SIMULATOR_STRIPE_KEY = 'sk_test_hotpath_simulator';

/** The payment port's adapter for PAYMENT_PROVIDER (only stripe). */
export function paymentGateway(config: Config): PaymentGateway {
  const apiKey = config.STRIPE_API_KEY ?? (config.STRIPE_API_BASE ? SIMULATOR_STRIPE_KEY : undefined);
  if (!apiKey) throw new Error('STRIPE_API_KEY is required (sk_test_… for Stripe test mode), or STRIPE_API_BASE pointing at the simulator');
  return stripeGateway({ apiKey, apiBase: config.STRIPE_API_BASE, timeoutMs: config.VENDOR_TIMEOUT_MS });
}

/** A worker for the order saga: workflows plus activities bound to Postgres and the vendors. */
export async function createWorker(options: {
  config: Config;
  db: Database;
  connection?: NativeConnection;
  workflowBundle?: WorkerOptions['workflowBundle'];
}): Promise<{ worker: Worker; connection: NativeConnection }> {
  const { config, db } = options;
  assertDeployable(config, 'the worker');
  await installWorkerRuntime(config.LOG_LEVEL);
  const tracing = startTracing(config, 'hotpath-worker');
  const connection = options.connection ?? (await NativeConnection.connect(temporalConnectionOptions(config)));
  const worker = await Worker.create({
    connection,
    namespace: config.TEMPORAL_NAMESPACE,
    taskQueue: config.TASK_QUEUE,
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath }),
    activities: createOrderActivities({ db, payments: paymentGateway(config), ...vendorPorts(config, db), allocation: nearestSingleWarehouseFirst }),
    dataConverter: dataConverterFor(config),
    interceptors: { activity: [activityMetrics] },
    ...(config.WORKER_WORKFLOW_SLOTS ? { maxConcurrentWorkflowTaskExecutions: config.WORKER_WORKFLOW_SLOTS } : {}),
    ...(config.WORKER_ACTIVITY_SLOTS ? { maxConcurrentActivityTaskExecutions: config.WORKER_ACTIVITY_SLOTS } : {}),
    ...(config.WORKER_MAX_CACHED_WORKFLOWS !== undefined ? { maxCachedWorkflows: config.WORKER_MAX_CACHED_WORKFLOWS } : {}),
    ...(config.WORKER_REUSE_V8_CONTEXT !== undefined ? { reuseV8Context: config.WORKER_REUSE_V8_CONTEXT } : {}),
    plugins: tracing ? [tracing.plugin] : [],
  });
  return { worker, connection };
}

/**
 * The worker's background duties besides polling: the reconciliation and retention schedules (created or updated
 * idempotently) and the dispatcher that starts sagas of orders the API committed but could not start.
 */
export async function startBackgroundDuties(config: Config, db: Database, options: { webhookResolve?: SenderOptions['resolve'] } = {}): Promise<() => Promise<void>> {
  // Webhooks first: they need only Postgres, so a Temporal outage never holds back the events already written.
  const legacyOwner = await settleLegacyOrderOwner(db, config.LEGACY_ORDER_OWNER, checkoutNames(parseCredentials(config.CHECKOUT_TOKENS, 'checkout')));
  const stopWebhooks = startWebhookDelivery(config, db, options.webhookResolve, legacyOwner);
  const connection = await Connection.connect(temporalConnectionOptions(config));
  const tracing = startTracing(config, 'hotpath-worker');
  const client = new Client({ connection, namespace: config.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(config), plugins: tracing ? [tracing.plugin] : [] });
  await ensureReconciliationSchedule(client, {
    taskQueue: config.TASK_QUEUE,
    everyMs: config.RECONCILE_EVERY_MINUTES * 60_000,
  });
  await ensureRetentionSchedule(client, { taskQueue: config.TASK_QUEUE, everyMs: config.RETENTION_EVERY_MINUTES * 60_000, policy: retentionPolicyOf(config) });
  const stopDispatcher = runDispatcher(db, { client, taskQueue: config.TASK_QUEUE, startTimeoutMs: config.TEMPORAL_START_TIMEOUT_MS }, logger.child({ component: 'dispatcher' }), {
    intervalMs: config.DISPATCH_INTERVAL_MS,
    olderThanMs: config.DISPATCH_AFTER_MS,
  });
  return async () => {
    stopDispatcher();
    await stopWebhooks();
    await connection.close();
  };
}

/** Delivers the outbox's webhook events (see worker/webhooks/delivery.ts); returns its stop. */
export function startWebhookDelivery(config: Config, db: Database, resolve?: SenderOptions['resolve'], legacyOwner?: string): () => Promise<void> {
  const sender = webhookSender({ allowPrivateTargets: config.WEBHOOK_ALLOW_PRIVATE_TARGETS, timeoutMs: config.WEBHOOK_TIMEOUT_MS, resolve, allowedPorts: config.WEBHOOK_ALLOWED_PORTS });
  const delivery = runWebhookDelivery(db, {
    sender,
    retrySchedule: config.WEBHOOK_RETRY_SCHEDULE,
    pollIntervalMs: config.WEBHOOK_POLL_INTERVAL_MS,
    perSubscription: config.WEBHOOK_CONCURRENCY_PER_SUBSCRIPTION,
    maxInFlight: config.WEBHOOK_MAX_IN_FLIGHT,
    perOwner: config.WEBHOOK_CONCURRENCY_PER_OWNER,
    perHost: config.WEBHOOK_CONCURRENCY_PER_HOST,
    timeoutMs: config.WEBHOOK_TIMEOUT_MS,
    legacyOwner,
    // A subscription outlives no credential: one whose principal left these settings is disabled.
    principals: { checkout: parseCredentials(config.CHECKOUT_TOKENS, 'checkout').map((c) => c.principal), staff: parseCredentials(config.STAFF_TOKENS, 'staff').map((c) => c.principal) },
    log: logger.child({ component: 'webhooks' }),
  });
  return async () => {
    await delivery.stop();
    await sender.close();
  };
}
