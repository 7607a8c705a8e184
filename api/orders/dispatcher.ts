import { and, asc, eq, isNull, lt, sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { orders } from '../../db/schema';
import { sagaStarts } from '../../lib/metrics';
import { sagaInputFor, startOrderSaga, type SagaStarter } from './startSaga';

/**
 * The outbox's other half: every committed order whose saga has not been seen to start (Temporal was down,
 * the API crashed between commit and start) is started here. Starting is idempotent, so several
 * dispatchers, or a dispatcher racing the API, start each saga once.
 */
export async function dispatchUnstartedOrders(db: Database, starter: SagaStarter, options: { olderThanMs: number; batch: number }): Promise<number> {
  const pending = await db
    .select({ id: orders.id, workflowId: orders.workflowId, statusSeq: orders.statusSeq })
    .from(orders)
    .where(and(isNull(orders.workflowStartedAt), lt(orders.createdAt, sql`now() - make_interval(secs => ${options.olderThanMs / 1000})`)))
    .orderBy(asc(orders.createdAt))
    .limit(options.batch);
  let started = 0;
  for (const order of pending) {
    // A saga that already recorded a transition has run (its start's mark was lost): mark it, never start it again.
    if (order.statusSeq > 0) {
      await db.update(orders).set({ workflowStartedAt: sql`now()` }).where(eq(orders.id, order.id));
      continue;
    }
    const input = await sagaInputFor(db, order.id);
    if (!input) continue;
    await startOrderSaga(db, starter, order.workflowId, input);
    sagaStarts.inc({ by: 'dispatcher', result: 'started' });
    started += 1;
  }
  return started;
}

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
