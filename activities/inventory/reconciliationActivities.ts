import { Context } from '@temporalio/activity';
import type { ActivityDeps } from '../deps';
import { reconciliationLastRun, reconciliationRuns, reconciliationSkusCorrected, reconciliationUnitsCorrected, reconciliationVariancePct, reconciliationVarianceUnits } from '../../lib/metrics';
import { reconcileStock, recordRun, releaseStaleHolds } from './reconciliation';
import type { ReconciliationReport } from '../../workflows/inventory/contract';

const runIdOf = () => Context.current().info.workflowExecution?.workflowId ?? 'reconciliation-adhoc';

export function reconciliationActivities({ db, erp }: ActivityDeps) {
  return {
    /** `graceMs` is kept for the workflow's input shape; holds of orders that have not ended are never released here. */
    async releaseStaleHolds(input: { graceMs: number; skus?: string[] }): Promise<number> {
      return releaseStaleHolds(db, runIdOf(), input.skus);
    },

    async reconcileStockWithErp(input: { skus?: string[] }): Promise<Omit<ReconciliationReport, 'holdsReleased'>> {
      return reconcileStock(db, erp, runIdOf(), input.skus);
    },

    async recordReconciliationRun(input: { report: ReconciliationReport; trigger: string; startedAt: string }): Promise<void> {
      // Counted once per run: a retried recording finds the run already finished.
      if (!(await recordRun(db, input.report, input.trigger, new Date(input.startedAt)))) return;
      reconciliationRuns.inc();
      reconciliationVarianceUnits.set(input.report.unitsCorrected);
      reconciliationUnitsCorrected.inc(input.report.unitsCorrected);
      reconciliationVariancePct.set(input.report.variancePct);
      reconciliationSkusCorrected.set(input.report.corrections.length);
      reconciliationLastRun.setToCurrentTime();
    },
  };
}
