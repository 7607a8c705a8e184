/** The notifications context's runtime entry (for composition roots): the customer-message activities and the adapters of its port. */
export { notificationActivities } from './activities';
export { messageIdFor, smtpNotifications } from './adapters/smtp';
export { simNotifications } from './adapters/simNotifications';
