import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { vendorUrlsFor } from '../../lib/config';
import { TEST_API_ENV } from './testPolicy';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** A worker in its own OS process on the run's stack and `taskQueue`, as in production, so a test can SIGKILL it mid-saga. */
export function startWorkerProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<ChildProcess> {
  const env = { ...process.env, ...vendorUrlsFor(inject('simUrl')), DATABASE_URL: inject('databaseUrl'), TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue, LOG_LEVEL: 'info', ...TEST_API_ENV, ...extraEnv };
  const child = spawn(process.execPath, ['--import', 'tsx', 'worker/main.ts'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start: ${output}`)), 60_000);
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        resolve(child);
      }
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`worker exited with ${code}: ${output}`)));
  });
}

export const kill9 = (child: ChildProcess) => new Promise<void>((resolve) => (child.once('exit', () => resolve()), child.kill('SIGKILL')));
