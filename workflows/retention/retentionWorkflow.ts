import { log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import { RETENTION_STEPS, type RetentionInput, type RetentionReport } from './contract';

const activities = proxyActivities<OrderActivities>({
  // A step's call prunes batch after batch for at most a minute (its budget), heartbeating after each.
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10 },
});

/** How many calls one step may take in a run: with a one-minute budget each, a backlog far past that is left to the next run. */
const MAX_CALLS_PER_STEP = 200;

/**
 * Scheduled retention: prunes, step by step, what the policy says has been kept long enough (docs/deploy.md,
 * "Retention"). Every cut-off is taken from one instant the run records first, so a retried activity, or the
 * run retried as a whole under the same id, prunes against the same cut-offs and counts each row once.
 */
export async function retentionWorkflow(input: RetentionInput): Promise<RetentionReport> {
  const runId = workflowInfo().workflowId;
  // Workflow time: the same on replay. The stored instant wins over it when the run was begun before.
  const { asOf } = await activities.beginRetentionRun({ runId, trigger: input.trigger, asOf: new Date().toISOString(), policy: input.policy });
  for (const step of RETENTION_STEPS) {
    for (let call = 1; call <= MAX_CALLS_PER_STEP; call++) {
      const { done } = await activities.pruneRetentionStep({ runId, step, asOf, policy: input.policy });
      if (done) break;
      if (call === MAX_CALLS_PER_STEP) log.warn('retention step left a backlog for the next run', { step });
    }
  }
  return activities.finishRetentionRun({ runId });
}
