/** The notifications context's runtime entry (for composition roots): the customer-message activities. */
export { notificationActivities } from './activities';
