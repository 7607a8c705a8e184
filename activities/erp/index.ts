/** The system of record's runtime entry (for composition roots): the ERP activities and the adapters of its port. */
export { erpActivities } from './activities';
export { simErp } from './adapters/simErp';
