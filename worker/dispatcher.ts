/**
 * `npm run dispatcher`: the background duties alone (the outbox dispatcher that starts sagas the API could not
 * start, and the reconciliation and retention schedules), for a deployment whose workers run with WORKER_BACKGROUND_DUTIES=false.
 * `npm start` runs exactly one of these beside its workers. Its Prometheus /metrics is on DISPATCHER_METRICS_PORT (9463).
 */
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { assertDeployable } from '../lib/deployment';
import { logger } from '../lib/logger';
import { onShutdown, requireDatabaseUrl } from '../lib/process';
import { startBackgroundDuties } from './createWorker';
import { serveWorkerMetrics } from './metricsServer';

const config = loadConfig();
assertDeployable(config, 'the dispatcher');
const databaseUrl = requireDatabaseUrl(config);
await migrateDatabase(databaseUrl);
const database = openDatabase(databaseUrl, { max: 4 });
const stopDuties = await startBackgroundDuties(config, database.db);
// Its /metrics: webhook delivery (attempts, lag, the queue and the claims; worker/webhooks/metrics.ts) and the outbox.
const stopMetrics = await serveWorkerMetrics(config.DISPATCHER_METRICS_PORT, config.DISPATCHER_METRICS_HOST);
logger.info({ taskQueue: config.TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS, metricsPort: config.DISPATCHER_METRICS_PORT || 'off' }, 'dispatcher running');
onShutdown(async () => {
  await stopDuties();
  await stopMetrics();
  await database.close();
});
