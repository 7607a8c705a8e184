import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { dispatchUnstartedOrders, type SagaStarter } from '../../db/order/sagaOutbox';

/** Runs the dispatcher every `intervalMs` until stopped; a failed round (Temporal still down) waits for the next. */
export function runDispatcher(db: Database, starter: SagaStarter, log: Logger, options: { intervalMs: number; olderThanMs: number }) {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const round = async () => {
    try {
      const started = await dispatchUnstartedOrders(db, starter, { ...options, batch: 200 });
      if (started > 0) log.info({ started }, 'dispatcher started sagas left behind');
    } catch (err) {
      log.warn({ error: (err as Error).message }, 'dispatcher round failed; will retry');
    }
    if (!stopped) timer = setTimeout(round, options.intervalMs);
  };
  timer = setTimeout(round, options.intervalMs);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
