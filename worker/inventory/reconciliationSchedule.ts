import type { Client } from '@temporalio/client';
import { ensureSchedule } from '../schedules';
import type { reconciliationWorkflow } from '../../workflows';

/**
 * One schedule per task queue: deployments (or a benchmark) sharing a namespace each reconcile through their own
 * workers, and one never rewrites, or replaces, another's schedule.
 */
export function reconciliationScheduleId(taskQueue: string): string {
  return `stock-reconciliation-${taskQueue}`;
}

/**
 * Creates the reconciliation schedule, or brings an existing one to the configured interval. Safe to call
 * from every worker at every start, by any number of workers at once.
 */
export async function ensureReconciliationSchedule(client: Client, options: { taskQueue: string; everyMs: number; scheduleId?: string }): Promise<void> {
  await ensureSchedule(client, {
    what: 'reconciliation',
    scheduleId: options.scheduleId ?? reconciliationScheduleId(options.taskQueue),
    spec: { intervals: [{ every: options.everyMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'reconciliationWorkflow',
      workflowId: 'reconciliation',
      taskQueue: options.taskQueue,
      args: [{ trigger: 'schedule' }] as Parameters<typeof reconciliationWorkflow>,
    },
  });
}
