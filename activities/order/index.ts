/** The order context's runtime entry (for composition roots): the order record's activities (status mirror). */
export { orderRecordActivities } from './orderRecord';
