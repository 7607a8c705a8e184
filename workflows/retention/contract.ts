/**
 * The retention context's contract: what a run prunes (its policy, from the settings the worker starts with), the
 * steps in the order a run takes them, and the report it answers. Pure types and constants (the sandbox loads it).
 */

export interface RetentionPolicy {
  /** Delivered webhook deliveries, and fanned-out events with no delivery left, older than this go (WEBHOOK_RETENTION_DAYS). */
  webhookRetentionDays: number;
  /** An ended order's Idempotency-Key expires this long after the order ended (IDEMPOTENCY_RETENTION). */
  idempotencyRetentionMs: number;
  /** An ended order's events (its timeline) go this long after it ended; the order row stays (ORDER_RETENTION_DAYS). */
  orderRetentionDays: number;
  /** An ended order's customer name, e-mail and street address are redacted this long after it ended (PII_RETENTION_DAYS). */
  piiRetentionDays: number;
  /** Rows one transaction changes at most (RETENTION_BATCH_SIZE); order events go by order, a tenth as many orders. */
  batchSize: number;
}

/** Every step of a run, in the order it runs them: a webhook event goes only once its deliveries have gone. */
export const RETENTION_STEPS = ['webhookDeliveries', 'webhookEvents', 'idempotencyKeys', 'orderEvents', 'personalData'] as const;
export type RetentionStep = (typeof RETENTION_STEPS)[number];

export interface RetentionInput {
  trigger: 'schedule' | 'staff';
  policy: RetentionPolicy;
}

/** What a run removed, per step (rows deleted, keys expired, orders redacted). */
export type RetentionCounts = Record<RetentionStep, number>;

export interface RetentionReport {
  runId: string;
  /** The instant every cut-off is taken from (ISO 8601). */
  asOf: string;
  counts: RetentionCounts;
}

/** One call of a step's activity: how much it removed, and whether the step has nothing left to do. */
export interface RetentionStepResult {
  removed: number;
  done: boolean;
}
