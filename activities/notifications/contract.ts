/** The notifications context's contract in the activities layer: the port a worker is given and its typed errors. */
export type { CustomerMessage, NotificationsPort, SendOutcome } from './port';
export { NotificationsUnavailable, RecipientRejected } from './port';
