import type { RetentionPolicy, RetentionStep } from '../../workflows/retention/contract';

const DAY_MS = 86_400_000;

/** The instant before which a step's rows have been kept long enough: the run's `asOf` minus the step's retention. */
export function cutoffOf(step: RetentionStep, asOf: Date, policy: RetentionPolicy): Date {
  const keptMs: Record<RetentionStep, number> = {
    webhookDeliveries: policy.webhookRetentionDays * DAY_MS,
    webhookEvents: policy.webhookRetentionDays * DAY_MS,
    idempotencyKeys: policy.idempotencyRetentionMs,
    orderEvents: policy.orderRetentionDays * DAY_MS,
    personalData: policy.piiRetentionDays * DAY_MS,
  };
  return new Date(asOf.getTime() - keptMs[step]);
}
