import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client } from '@temporalio/client';
import type { reconciliationWorkflow } from '../workflows';

export const RECONCILIATION_SCHEDULE_ID = 'stock-reconciliation';

/**
 * Creates the reconciliation schedule, or brings an existing one to the configured interval. Safe to call
 * from every worker at every start.
 */
export async function ensureReconciliationSchedule(client: Client, options: { taskQueue: string; everyMs: number }): Promise<void> {
  const action = {
    type: 'startWorkflow' as const,
    workflowType: 'reconciliationWorkflow',
    workflowId: 'reconciliation',
    taskQueue: options.taskQueue,
    args: [{ trigger: 'schedule' }] as Parameters<typeof reconciliationWorkflow>,
  };
  const spec = { intervals: [{ every: options.everyMs }] };
  try {
    await client.schedule.create({
      scheduleId: RECONCILIATION_SCHEDULE_ID,
      spec,
      action,
      policies: { overlap: ScheduleOverlapPolicy.SKIP },
    });
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    await client.schedule.getHandle(RECONCILIATION_SCHEDULE_ID).update((previous) => ({ ...previous, spec, action }));
  }
}
