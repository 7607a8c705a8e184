import { ScheduleAlreadyRunning, ScheduleNotFoundError, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import { UndecryptablePayloadError } from '../lib/codec/aesGcmCodec';
import { logger } from '../lib/logger';
import type { reconciliationWorkflow } from '../workflows';

/**
 * One schedule per task queue: deployments (or a benchmark) sharing a namespace each reconcile through their own
 * workers, and one never rewrites, or replaces, another's schedule.
 */
export function reconciliationScheduleId(taskQueue: string): string {
  return `stock-reconciliation-${taskQueue}`;
}

/**
 * Creates the reconciliation schedule, or brings an existing one to the configured interval. Safe to call
 * from every worker at every start.
 */
export async function ensureReconciliationSchedule(client: Client, options: { taskQueue: string; everyMs: number; scheduleId?: string }): Promise<void> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'reconciliationWorkflow',
    workflowId: 'reconciliation',
    taskQueue: options.taskQueue,
    args: [{ trigger: 'schedule' }] as Parameters<typeof reconciliationWorkflow>,
  };
  const spec = { intervals: [{ every: options.everyMs }] };
  const scheduleId = options.scheduleId ?? reconciliationScheduleId(options.taskQueue);
  const create = () => client.schedule.create({ scheduleId, spec, action, policies: { overlap: ScheduleOverlapPolicy.SKIP } });
  try {
    await create();
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    const handle = client.schedule.getHandle(scheduleId);
    try {
      await handle.update((previous) => ({ ...previous, spec, action }));
    } catch (updateErr) {
      if (!(updateErr instanceof UndecryptablePayloadError)) throw updateErr;
      // Sealed with a payload key this worker does not hold (rotated out, or another environment's key): the
      // schedule is entirely defined here, so it is replaced rather than left to crash every worker start.
      logger.warn({ scheduleId, keyId: updateErr.keyId }, 'reconciliation schedule is sealed with an unknown payload key: recreating it');
      // Workers starting together may race here: one deleting or creating first is as good as this one doing it.
      await handle.delete().catch((e) => {
        if (!(e instanceof ScheduleNotFoundError)) throw e;
      });
      await create().catch((e) => {
        if (!(e instanceof ScheduleAlreadyRunning)) throw e;
      });
    }
  }
}
