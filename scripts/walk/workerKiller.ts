import type { ManagedProcess } from '../../lib/childProcess/managed';
import { WORKER_KILL_GAP_MS } from './policy';

/** SIGKILL the worker and start it again; concurrent walks share it, so one kill at a time and not too often. */
export function workerKiller(worker: ManagedProcess, log: (line: string) => void) {
  let busy: Promise<void> | undefined;
  let lastKill = 0;
  return async (): Promise<'killed' | 'skipped'> => {
    if (busy || Date.now() - lastKill < WORKER_KILL_GAP_MS) return 'skipped';
    lastKill = Date.now();
    busy = (async () => {
      await worker.kill9();
      log('kill -9 worker');
      await worker.start();
    })();
    try {
      await busy;
    } finally {
      busy = undefined;
      lastKill = Date.now();
    }
    return 'killed';
  };
}
