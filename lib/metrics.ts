import { Counter, Gauge, Histogram, collectDefaultMetrics, register } from 'prom-client';

/**
 * Hotpath's Prometheus metrics, in the process-wide registry: the API, the worker and `npm start` (both in
 * one process) expose whatever of these their process updates. No label ever holds an order id or PII.
 */
collectDefaultMetrics({ prefix: 'hotpath_' });

export const metricsRegistry = register;

export const httpRequestDuration = new Histogram({
  name: 'hotpath_http_request_duration_seconds',
  help: 'API request latency by route and status code.',
  labelNames: ['method', 'route', 'status_code'] as const,
  buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
});

export const ordersPlaced = new Counter({
  name: 'hotpath_orders_placed_total',
  help: 'Orders accepted by the hot path; result=replayed for a repeated Idempotency-Key.',
  labelNames: ['result'] as const,
});

export const sagaStarts = new Counter({
  name: 'hotpath_saga_starts_total',
  help: 'Saga starts by who started them (api, dispatcher) and whether Temporal answered.',
  labelNames: ['by', 'result'] as const,
});

export const orderTransitions = new Counter({
  name: 'hotpath_order_status_transitions_total',
  help: 'Order status changes recorded by the saga, by new status.',
  labelNames: ['status'] as const,
});

export const ordersFinished = new Counter({
  name: 'hotpath_orders_finished_total',
  help: 'Orders that reached a final status, by outcome (completed, failed, cancelled).',
  labelNames: ['outcome'] as const,
});

export const stepDuration = new Histogram({
  name: 'hotpath_saga_step_duration_seconds',
  help: 'Duration of one attempt of a saga step (activity), by step and outcome.',
  labelNames: ['step', 'outcome'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const stepRetries = new Counter({
  name: 'hotpath_saga_step_retries_total',
  help: 'Attempts of a saga step after its first (Temporal retries), by step.',
  labelNames: ['step'] as const,
});

export const compensations = new Counter({
  name: 'hotpath_compensations_total',
  help: 'Compensation attempts (release hold, void, refund, cancel label, cancel WMS task), by outcome.',
  labelNames: ['compensation', 'outcome'] as const,
});

export const reconciliationVarianceUnits = new Gauge({
  name: 'hotpath_reconciliation_variance_units',
  help: 'Units corrected by the last stock reconciliation (sum of absolute corrections).',
});

export const reconciliationVariancePct = new Gauge({
  name: 'hotpath_reconciliation_variance_percent',
  help: 'Variance of the last stock reconciliation, as a percentage of units on hand.',
});

export const reconciliationSkusCorrected = new Gauge({
  name: 'hotpath_reconciliation_skus_corrected',
  help: 'SKU/warehouse rows the last stock reconciliation corrected.',
});

export const reconciliationUnitsCorrected = new Counter({
  name: 'hotpath_reconciliation_units_corrected_total',
  help: 'Units corrected by stock reconciliations since start (sum of absolute corrections).',
});

export const reconciliationLastRun = new Gauge({
  name: 'hotpath_reconciliation_last_run_timestamp_seconds',
  help: 'When this process recorded its last stock reconciliation (Unix seconds): with several workers, the alert rules read the variance of the newest run.',
});

export const reconciliationRuns = new Counter({
  name: 'hotpath_reconciliation_runs_total',
  help: 'Stock reconciliation runs recorded.',
});

let sdkMetricsAddress: string | undefined;

/** Where this process's Temporal SDK runtime serves its own metrics (set when a worker runs here). */
export function setSdkMetricsAddress(address: string): void {
  sdkMetricsAddress = address;
}

/** Everything this process measures, in Prometheus text: Hotpath's metrics, then the SDK worker's if any. */
export async function metricsText(): Promise<string> {
  const own = await metricsRegistry.metrics();
  if (!sdkMetricsAddress) return own;
  const sdk = await fetch(`http://${sdkMetricsAddress}/metrics`, { signal: AbortSignal.timeout(2_000) })
    .then((res) => (res.ok ? res.text() : ''))
    .catch(() => '');
  return `${own}\n${sdk}`;
}

export const paymentAlerts = new Counter({
  name: 'hotpath_payment_alerts_total',
  help: 'Stripe events the books do not explain (disputes, refunds or cancellations made outside Hotpath), by kind and whether the order was still live',
  labelNames: ['kind', 'order'] as const,
});

export const webhookDeliveryLag = new Histogram({
  name: 'hotpath_webhook_delivery_lag_seconds',
  help: 'Seconds from a webhook event being written (in the change it reports) to its delivery being acknowledged, retries included; observed by the process that delivers.',
  // 2 s is a bound: the seeds' SLO is event delivery p95 under 2 s.
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600],
});

export const retentionRemoved = new Counter({
  name: 'hotpath_retention_removed_total',
  help: 'What retention runs removed, by step: rows deleted (webhookDeliveries, webhookEvents, orderEvents), keys expired (idempotencyKeys), orders redacted (personalData).',
  labelNames: ['step'] as const,
});

export const retentionRunsFinished = new Counter({
  name: 'hotpath_retention_runs_total',
  help: 'Retention runs finished.',
});

export const retentionLastRun = new Gauge({
  name: 'hotpath_retention_last_run_timestamp_seconds',
  help: 'When this process finished its last retention run (Unix seconds).',
});

// Webhook delivery, observed by the process that delivers (the dispatcher, or a worker with background duties).

export const webhookAttempts = new Counter({
  name: 'hotpath_webhook_delivery_attempts_total',
  help: 'Webhook delivery attempts by outcome: delivered (answered 2xx), rejected (answered another status), unreachable (no answer in time, or no connection), refused (a forbidden target).',
  labelNames: ['outcome'] as const,
});

export const webhookAttemptDuration = new Histogram({
  name: 'hotpath_webhook_attempt_duration_seconds',
  help: 'Duration of one webhook delivery attempt (connect, send, the answer), by outcome.',
  labelNames: ['outcome'] as const,
  buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

export const webhookDeliveriesFinished = new Counter({
  name: 'hotpath_webhook_deliveries_finished_total',
  help: 'Webhook deliveries that ended, by state: delivered, or failed (every attempt of WEBHOOK_RETRY_SCHEDULE failed; the endpoint is disabled).',
  labelNames: ['state'] as const,
});

export const webhookClaims = new Counter({
  name: 'hotpath_webhook_claims_total',
  help: 'Due webhook deliveries this process picked to attempt, by result: claimed (leased to it), lost (another dispatcher claimed it first, or its endpoint was disabled meanwhile).',
  labelNames: ['result'] as const,
});

export const webhookClaimsLapsed = new Counter({
  name: 'hotpath_webhook_claims_lapsed_total',
  help: 'Webhook attempts whose answer came after their claim had lapsed (WEBHOOK_TIMEOUT_MS + 30 s) and been retaken: the answer is not recorded, the new claim decides.',
});
