import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { reconcileStock, recordRun, releaseStaleHolds, type ReconciliationReport } from './reconciliation';

export function reconciliationActivities({ db, vendors }: ActivityDeps) {
  return {
    async releaseStaleHolds(input: { graceMs: number; skus?: string[] }): Promise<number> {
      return releaseStaleHolds(db, input.graceMs, input.skus);
    },

    async reconcileStockWithErp(input: { skus?: string[] }): Promise<Omit<ReconciliationReport, 'holdsReleased'>> {
      return reconcileStock(db, vendors.erp, Context.current().info.workflowExecution?.workflowId ?? 'reconciliation-adhoc', input.skus);
    },

    async recordReconciliationRun(input: { report: ReconciliationReport; trigger: string; startedAt: string }): Promise<void> {
      await recordRun(db, input.report, input.trigger, new Date(input.startedAt));
    },
  };
}
