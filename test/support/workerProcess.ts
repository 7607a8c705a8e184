import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { vendorUrlsFor } from '../../lib/config';
import { ManagedProcess } from '../../lib/childProcess/managed';
import { TEST_API_ENV } from './testPolicy';

const root = fileURLToPath(new URL('../..', import.meta.url));

/**
 * A saga worker in its own OS process on the run's stack and `taskQueue`, as in production, so a test can SIGKILL
 * it mid-saga. It has no background duties: the run's stack has the one dispatcher. A worker with them would
 * deliver other tests' webhooks too, and a SIGKILL would leave its deliveries in flight claimed (state
 * `sending`) until their lease lapses, 30 s past the attempt's timeout: CI once saw a webhook test wait on one.
 */
export async function startWorkerProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<ManagedProcess> {
  const env = {
    ...process.env,
    ...vendorUrlsFor(inject('simUrl')),
    DATABASE_URL: inject('databaseUrl'),
    TEMPORAL_ADDRESS: inject('temporalAddress'),
    TASK_QUEUE: taskQueue,
    LOG_LEVEL: 'info',
    ...TEST_API_ENV,
    WORKER_BACKGROUND_DUTIES: 'false',
    WORKER_METRICS_PORT: '0',
    ...extraEnv,
  };
  const worker = ManagedProcess.node('worker', root, 'worker/main.ts', env, 'worker polling', 60_000);
  await worker.start();
  return worker;
}

export const kill9 = (worker: ManagedProcess) => worker.kill9();
