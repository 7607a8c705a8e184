/**
 * `npm run migrate`: applies the committed migrations and exits. The API, the worker and the dispatcher migrate at
 * start-up too (one advisory lock serialises them); the Helm chart runs this as a Job before an install or an
 * upgrade, so a long migration holds no pod's start-up and a failed one stops the rollout before any pod changes.
 */
import { migrateDatabase } from '../db/migrate';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { requireDatabaseUrl } from '../lib/process';

await migrateDatabase(requireDatabaseUrl(loadConfig()));
logger.info('migrations applied');
