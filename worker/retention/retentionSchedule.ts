import type { Client } from '@temporalio/client';
import { ensureSchedule } from '../schedules';
import type { retentionWorkflow } from '../../workflows';
import type { RetentionPolicy } from '../../workflows/retention/contract';

/** One schedule per task queue, as the reconciliation's: deployments sharing a namespace each prune their own database. */
export function retentionScheduleId(taskQueue: string): string {
  return `retention-${taskQueue}`;
}

/**
 * Creates the retention schedule, or brings an existing one to the configured interval and policy (the policy
 * travels in the schedule's action, so a changed setting reaches the runs once a worker with it starts). Safe to
 * call from every worker at every start, by any number of workers at once.
 */
export async function ensureRetentionSchedule(client: Client, options: { taskQueue: string; everyMs: number; policy: RetentionPolicy; scheduleId?: string }): Promise<void> {
  await ensureSchedule(client, {
    what: 'retention',
    scheduleId: options.scheduleId ?? retentionScheduleId(options.taskQueue),
    spec: { intervals: [{ every: options.everyMs }] },
    action: {
      type: 'startWorkflow' as const,
      workflowType: 'retentionWorkflow',
      // The schedule appends each run's time: per task queue, so deployments sharing a namespace never collide.
      workflowId: retentionScheduleId(options.taskQueue),
      taskQueue: options.taskQueue,
      args: [{ trigger: 'schedule', policy: options.policy }] as Parameters<typeof retentionWorkflow>,
    },
  });
}
