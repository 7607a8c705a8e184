import { describe, expect, it } from 'vitest';
import { loadConfig, retentionPolicyOf } from '../../lib/config';

/** The retention settings and their defaults (docs/deploy.md, "Retention"). Pure. */
describe('the retention settings', () => {
  it('default to 30 days of webhooks, 24 h of keys, 400 days of timelines and 90 days of customer data, hourly', () => {
    const config = loadConfig({});
    expect(retentionPolicyOf(config)).toEqual({ webhookRetentionDays: 30, idempotencyRetentionMs: 86_400_000, orderRetentionDays: 400, piiRetentionDays: 90, batchSize: 1000 });
    expect(config.RETENTION_EVERY_MINUTES).toBe(60);
  });

  it('read IDEMPOTENCY_RETENTION as a duration, and refuse what is not one', () => {
    expect(loadConfig({ IDEMPOTENCY_RETENTION: '36h' }).IDEMPOTENCY_RETENTION).toBe(36 * 3_600_000);
    expect(loadConfig({ IDEMPOTENCY_RETENTION: '7d' }).IDEMPOTENCY_RETENTION).toBe(7 * 86_400_000);
    expect(() => loadConfig({ IDEMPOTENCY_RETENTION: 'a day' })).toThrow(/IDEMPOTENCY_RETENTION: .*a day.* is not a duration/);
    expect(() => loadConfig({ IDEMPOTENCY_RETENTION: '0h' })).toThrow(/IDEMPOTENCY_RETENTION/);
    expect(() => loadConfig({ PII_RETENTION_DAYS: '-1' })).toThrow();
  });
});
