import { Gauge } from 'prom-client';
import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import { deliveryQueue } from '../../db/webhooks/backlog';
import { metricsRegistry } from '../../lib/metrics';
import { serveStateGauges } from '../../lib/stateGauges';

interface DeliveryLoop {
  db: Database;
  /** Attempts this loop has claimed and not yet recorded. */
  inFlight: () => number;
  log: Logger;
}

const loops = new Set<DeliveryLoop>();
let unregister: (() => void) | undefined;

const IN_FLIGHT = 'hotpath_webhook_deliveries_in_flight';

/**
 * The delivery queue's gauges, in the process that delivers webhooks only (the dispatcher, or a worker with background
 * duties): no other process exports a misleading 0, so `absent()` of them says nobody who delivers is scraped. The
 * queue is read from Postgres on scrape (cached 10 s, lib/stateGauges.ts); the claims in flight are this process's.
 * Registered while at least one delivery loop runs here (tests run several in one process); answers the loop's unregister.
 */
export function trackDeliveryLoop(loop: DeliveryLoop): () => void {
  loops.add(loop);
  if (!unregister) {
    new Gauge({
      name: IN_FLIGHT,
      help: 'Webhook attempts this process has claimed (leased) and not yet recorded.',
      registers: [metricsRegistry],
      collect() {
        this.set([...loops].reduce((n, l) => n + l.inFlight(), 0));
      },
    });
    const stopQueue = serveStateGauges({
      read: async () => {
        const first = [...loops][0];
        if (!first) return { awaiting: 0, due: 0, held: 0, lapsed: 0 };
        const q = await deliveryQueue(first.db);
        return { awaiting: q.awaitingFanOut, due: q.due, held: q.leasesHeld, lapsed: q.leasesLapsed };
      },
      gauges: [
        { key: 'awaiting', name: 'hotpath_webhook_events_awaiting_fanout', help: 'Webhook events written and not yet fanned out into deliveries (from Postgres, cached 10 s).' },
        { key: 'due', name: 'hotpath_webhook_deliveries_due', help: 'Webhook deliveries to enabled endpoints due now and claimed by nobody: the dispatcher backlog (from Postgres, cached 10 s).' },
        { key: 'held', name: 'hotpath_webhook_leases_held', help: 'Webhook deliveries claimed by some dispatcher whose lease still runs (from Postgres, cached 10 s).' },
        { key: 'lapsed', name: 'hotpath_webhook_leases_lapsed', help: 'Webhook deliveries still claimed past their lease: their dispatcher died or hung; another retakes them (from Postgres, cached 10 s).' },
      ],
      onError: (err) => [...loops][0]?.log.warn({ err }, 'webhook queue metrics: read failed; serving the last values'),
    });
    unregister = () => {
      stopQueue();
      metricsRegistry.removeSingleMetric(IN_FLIGHT);
    };
  }
  return () => {
    if (!loops.delete(loop) || loops.size > 0) return;
    unregister?.();
    unregister = undefined;
  };
}
