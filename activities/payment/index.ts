/** The payment context's runtime entry (for composition roots): the payment activities and the Stripe adapter. */
export { paymentActivities } from './activities';
export { stripeClient, stripeGateway } from './stripe';
