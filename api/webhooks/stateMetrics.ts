import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { webhookBacklog } from '../../db/webhooks/backlog';
import { serveStateGauges } from '../../lib/stateGauges';

/** The webhook backlog as gauges of the API's /metrics (see api/order/stateMetrics.ts for why the API). */
export function serveWebhookStateMetrics(db: Database, log: Logger): () => void {
  return serveStateGauges({
    read: async () => {
      const b = await webhookBacklog(db);
      return { disabled: b.disabledEndpoints, oldestDue: b.oldestDueSeconds };
    },
    gauges: [
      { key: 'disabled', name: 'hotpath_webhook_endpoints_disabled', help: 'Webhook subscriptions disabled (their last delivery failed every attempt, or staff disabled them) (from Postgres, cached 10 s).' },
      { key: 'oldestDue', name: 'hotpath_webhook_oldest_due_seconds', help: 'How long the oldest webhook event or due delivery to an enabled endpoint has waited for the dispatcher; 0 when none (from Postgres, cached 10 s).' },
    ],
    onError: (err) => log.warn({ err }, 'webhook state metrics: read failed; serving the last values'),
  });
}
