/** The webhooks context's contract in lib/: the event types subscribers receive, their payload, and the retry schedule setting. */
export { ORDER_EVENT_TYPES, SHIPMENT_EVENT_TYPES, WEBHOOK_EVENT_TYPES, orderEventFor, type WebhookEventType, type WebhookPayload } from './events';
export { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './retrySchedule';
