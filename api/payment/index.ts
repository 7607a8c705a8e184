/** The payment context's HTTP entry (for api/app.ts): Stripe's webhook, POST /webhooks/stripe. */
export { stripeWebhookRoutes } from './stripe';
