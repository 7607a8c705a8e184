/**
 * `npm run dispatcher`: the background duties alone (the outbox dispatcher that starts sagas the API could not
 * start, and the reconciliation and retention schedules), for a deployment whose workers run with WORKER_BACKGROUND_DUTIES=false.
 * `npm start` runs exactly one of these beside its workers.
 */
import { openDatabase } from '../db/client';
import { migrateDatabase } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { assertDeployable } from '../lib/deployment';
import { logger } from '../lib/logger';
import { onShutdown, requireDatabaseUrl } from '../lib/process';
import { startBackgroundDuties } from './createWorker';

const config = loadConfig();
assertDeployable(config, 'the dispatcher');
const databaseUrl = requireDatabaseUrl(config);
await migrateDatabase(databaseUrl);
const database = openDatabase(databaseUrl, { max: 4 });
const stopDuties = await startBackgroundDuties(config, database.db);
logger.info({ taskQueue: config.TASK_QUEUE, temporal: config.TEMPORAL_ADDRESS }, 'dispatcher running');
onShutdown(async () => {
  await stopDuties();
  await database.close();
});
