import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { onShutdown, requireDatabaseUrl } from '../lib/process';
import { createWorker, startBackgroundDuties } from './createWorker';
import { serveWorkerMetrics } from './metricsServer';

const config = loadConfig();
const databaseUrl = requireDatabaseUrl(config);
await migrateDatabase(databaseUrl);
const database = openDatabase(databaseUrl, { max: config.WORKER_DB_POOL_MAX });
const { worker, connection } = await createWorker({ config, db: database.db });
const stopDuties = config.WORKER_BACKGROUND_DUTIES ? await startBackgroundDuties(config, database.db) : async () => {};
const stopMetrics = await serveWorkerMetrics(config.WORKER_METRICS_PORT, config.WORKER_METRICS_HOST);
logger.info({ taskQueue: config.TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS }, 'worker polling');
const running = worker.run();
onShutdown(async () => {
  await stopDuties();
  await stopMetrics();
  if (worker.getState() === 'RUNNING') worker.shutdown();
  await running;
  await connection.close();
  await database.close();
});
await running;
