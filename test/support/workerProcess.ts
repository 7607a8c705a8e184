import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { vendorUrlsFor } from '../../lib/config';
import { ManagedProcess } from '../../lib/childProcess/managed';
import { TEST_API_ENV } from './testPolicy';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A worker in its own OS process on the run's stack and `taskQueue`, as in production, so a test can SIGKILL it mid-saga. */
export async function startWorkerProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<ManagedProcess> {
  const env = { ...process.env, ...vendorUrlsFor(inject('simUrl')), DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', ...TEST_API_ENV, ...extraEnv };
  const worker = ManagedProcess.node('worker', root, 'worker/main.ts', env, 'worker polling', 60_000);
  await worker.start();
  return worker;
}

export const kill9 = (worker: ManagedProcess) => worker.kill9();
