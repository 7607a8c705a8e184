import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { orderBacklog } from '../../db/order/backlog';
import { serveStateGauges } from '../../lib/stateGauges';

/**
 * The order backlog as gauges of the API's /metrics (every API replica reports the same Postgres: the alert
 * rules take max()). The API, not the worker: it is always running and always scraped, and workers may scale to zero.
 */
export function serveOrderStateMetrics(db: Database, log: Logger): () => void {
  return serveStateGauges({
    read: async () => {
      const b = await orderBacklog(db);
      return { parked: b.parked, unstarted: b.unstarted, oldest: b.oldestUnstartedSeconds };
    },
    gauges: [
      { key: 'parked', name: 'hotpath_orders_parked', help: 'Orders parked in needs_attention, waiting for staff (from Postgres, cached 10 s).' },
      { key: 'unstarted', name: 'hotpath_outbox_backlog_orders', help: 'Orders accepted whose saga has not been seen to start: the outbox the dispatcher drains (from Postgres, cached 10 s).' },
      { key: 'oldest', name: 'hotpath_outbox_oldest_age_seconds', help: 'Age of the oldest accepted order whose saga has not started; 0 when none (from Postgres, cached 10 s).' },
    ],
    onError: (err) => log.warn({ err }, 'order state metrics: read failed; serving the last values'),
  });
}
