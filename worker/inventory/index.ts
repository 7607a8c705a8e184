/** The inventory context's worker entry (for worker/createWorker.ts): the reconciliation schedule. */
export { ensureReconciliationSchedule, reconciliationScheduleId } from './reconciliationSchedule';
