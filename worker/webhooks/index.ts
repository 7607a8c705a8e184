/** The webhooks context's worker entry (for worker/createWorker.ts): the outbound delivery loop. */
export { runWebhookDelivery, type WebhookDeliveryOptions } from './delivery';
