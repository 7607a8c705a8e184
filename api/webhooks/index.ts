/** The webhooks context's HTTP entry (for api/app.ts): the outbound subscriptions, /webhook-subscriptions. */
export { webhookSubscriptionRoutes } from './routes';
export { serveWebhookStateMetrics } from './stateMetrics';
