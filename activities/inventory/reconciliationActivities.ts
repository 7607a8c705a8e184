import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { reconciliationRuns, reconciliationSkusCorrected, reconciliationUnitsCorrected, reconciliationVariancePct, reconciliationVarianceUnits } from '../../lib/metrics';
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
      reconciliationRuns.inc();
      reconciliationVarianceUnits.set(input.report.unitsCorrected);
      reconciliationUnitsCorrected.inc(input.report.unitsCorrected);
      reconciliationVariancePct.set(input.report.variancePct);
      reconciliationSkusCorrected.set(input.report.corrections.length);
    },
  };
}
