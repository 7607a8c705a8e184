/** The system of record's runtime entry (for composition roots): the ERP activities. */
export { erpActivities } from './activities';
