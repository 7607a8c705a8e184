/** The webhooks context's contract in db/: how any step puts an outbound event in the outbox (in its own transaction). */
export { enqueueWebhookEvent, insertWebhookEvent } from './outbox';
