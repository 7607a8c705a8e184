import { inject } from 'vitest';
import { openDatabase } from '../../db/client';
import { loadConfig, vendorUrlsFor } from '../../lib/config';
import { createWorker } from '../../worker/createWorker';
import { TEST_API_ENV } from './testPolicy';

/**
 * A worker of this test file alone, on its own task queue: a load test's backlog then does not hold up the
 * orders of the tests running beside it.
 */
export async function startOwnWorker(taskQueue: string, env: Record<string, string> = {}) {
  const config = loadConfig({
    ...process.env,
    ...vendorUrlsFor(inject('simUrl')),
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'error',
    ...TEST_API_ENV,
    ...env,
  });
  const database = openDatabase(config.DATABASE_URL!, { max: 20 });
  const { worker, connection } = await createWorker({ config, db: database.db });
  const running = worker.run();
  return async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await connection.close();
    await database.close();
  };
}
