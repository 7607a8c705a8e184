/** The retention context's runtime entry (for composition roots): its activities. */
export { retentionActivities } from './retentionActivities';
