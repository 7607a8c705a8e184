/** The webhooks context's HTTP entry (for api/app.ts): the outbound subscriptions, /webhook-subscriptions. */
export { webhookSubscriptionRoutes, type WebhookSubscriptionDeps } from './routes';
export { serveWebhookStateMetrics } from './stateMetrics';
