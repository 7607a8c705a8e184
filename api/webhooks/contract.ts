/** The webhooks context's contract in api/: the subscription and delivery-log schemas (the OpenAPI document describes them). */
export { createSubscriptionSchema, deliveryLogQuerySchema } from './input';
