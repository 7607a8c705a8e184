import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { sagaStarts } from '../../lib/metrics';
import { orderWorkflowId, type OrderInput } from '../../workflows/order/contract';
import { startOrderSaga, type SagaStarter } from '../../db/order/sagaOutbox';

/** After a failed start, leave starts to the dispatcher for a while instead of calling a Temporal that is down. */
const START_BREAKER_MS = 5_000;

export interface SagaLauncher {
  /** Starts the order's saga in the background; the caller never waits for Temporal. */
  launch(input: OrderInput): void;
  /** Waits for the starts still in flight (graceful shutdown, tests). */
  drain(): Promise<void>;
}

/**
 * The outbox's fast half. The order is committed before this is called, so the answer to the checkout does
 * not wait for Temporal: the start runs after the response, and an order whose start fails, or whose API
 * dies before starting it, keeps `workflow_started_at` empty and the dispatcher starts it.
 */
export function createSagaLauncher(db: Database, starter: SagaStarter, log: Logger): SagaLauncher {
  const inFlight = new Set<Promise<void>>();
  let suspendedUntil = 0;

  const start = async (input: OrderInput) => {
    try {
      await startOrderSaga(db, starter, orderWorkflowId(input.orderId), input);
      sagaStarts.inc({ by: 'api', result: 'started' });
    } catch (err) {
      suspendedUntil = Date.now() + START_BREAKER_MS;
      sagaStarts.inc({ by: 'api', result: 'deferred' });
      log.warn({ orderId: input.orderId, error: (err as Error).message }, 'saga start deferred to the dispatcher');
    }
  };

  return {
    launch(input) {
      if (Date.now() < suspendedUntil) {
        sagaStarts.inc({ by: 'api', result: 'deferred' });
        return;
      }
      const running = start(input).finally(() => inFlight.delete(running));
      inFlight.add(running);
    },
    async drain() {
      await Promise.allSettled([...inFlight]);
    },
  };
}
