import { randomUUID } from 'node:crypto';
import { describe, expect, inject, it } from 'vitest';
import { loadConfig, retentionPolicyOf } from '../../lib/config';
import { ensureRetentionSchedule, retentionScheduleId } from '../../worker/retention';
import { temporalClient } from '../support/stack';

const WEEK_MS = 7 * 24 * 3_600_000;

describe('the retention schedule', () => {
  it("is created by the run's worker at start: the configured interval, the policy of the settings, runs that never overlap", async () => {
    const client = await temporalClient();
    const described = await client.schedule.getHandle(retentionScheduleId(inject('taskQueue'))).describe();
    // test/support/globalSetup.ts starts the worker with RETENTION_EVERY_MINUTES of a week, and the default policy.
    expect(described.spec.intervals).toMatchObject([{ every: WEEK_MS }]);
    expect(described.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'retentionWorkflow',
      workflowId: retentionScheduleId(inject('taskQueue')),
      taskQueue: inject('taskQueue'),
      args: [{ trigger: 'schedule', policy: { webhookRetentionDays: 30, idempotencyRetentionMs: 24 * 3_600_000, orderRetentionDays: 400, piiRetentionDays: 90, batchSize: 1000 } }],
    });
    expect(described.policies.overlap).toBe('SKIP');
  });

  it('is brought to a changed interval and policy when it already exists', async () => {
    const client = await temporalClient();
    const scheduleId = `retention-${randomUUID()}`;
    const policy = retentionPolicyOf(loadConfig({}));
    await ensureRetentionSchedule(client, { taskQueue: 'orders-elsewhere', everyMs: 3_600_000, policy, scheduleId });
    await ensureRetentionSchedule(client, { taskQueue: 'orders-elsewhere', everyMs: 600_000, policy: { ...policy, piiRetentionDays: 30 }, scheduleId });
    const handle = client.schedule.getHandle(scheduleId);
    const described = await handle.describe();
    expect(described.spec.intervals).toMatchObject([{ every: 600_000 }]);
    expect(described.action).toMatchObject({ workflowType: 'retentionWorkflow', args: [{ trigger: 'schedule', policy: { ...policy, piiRetentionDays: 30 } }] });
    await handle.delete();
  });
});
