/** The retention context's worker entry (for worker/createWorker.ts): the retention schedule. */
export { ensureRetentionSchedule, retentionScheduleId } from './retentionSchedule';
