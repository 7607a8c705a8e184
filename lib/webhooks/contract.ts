/** The webhooks context's contract in lib/: the event types subscribers receive, their payload, the retry schedule and port policy settings. */
export { ORDER_EVENT_TYPES, RETURN_EVENT_TYPES, SHIPMENT_EVENT_TYPES, WEBHOOK_EVENT_TYPES, orderEventFor, type WebhookEventType, type WebhookPayload } from './events';
export { DEFAULT_RETRY_SCHEDULE, parseRetrySchedule } from './retrySchedule';
export { DEFAULT_ALLOWED_PORTS, parsePortPolicy, type PortPolicy } from './safeTarget';
