import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { OrderActivities } from '../../activities';
import type { ReconciliationInput, ReconciliationReport } from './contract';

const activities = proxyActivities<OrderActivities>({
  startToCloseTimeout: '60s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', maximumAttempts: 5 },
});

/** Scheduled stock reconciliation with the ERP, the system of record: release stale holds, correct drift, log the run. */
export async function reconciliationWorkflow(input: ReconciliationInput): Promise<ReconciliationReport> {
  const startedAt = new Date().toISOString();
  const holdsReleased = await activities.releaseStaleHolds({ graceMs: input.holdGraceMs ?? 60_000, skus: input.skus });
  const drift = await activities.reconcileStockWithErp({ skus: input.skus });
  const report: ReconciliationReport = { ...drift, runId: workflowInfo().workflowId, holdsReleased };
  await activities.recordReconciliationRun({ report, trigger: input.trigger, startedAt });
  return report;
}
