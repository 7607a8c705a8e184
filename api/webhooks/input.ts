import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../../lib/webhooks/events';

export const webhookEventTypeSchema = z.enum(WEBHOOK_EVENT_TYPES, `must be one of ${WEBHOOK_EVENT_TYPES.join(', ')}`).meta({ id: 'WebhookEventType' });

export const createSubscriptionSchema = z.strictObject({
  url: z
    .url({ protocol: /^https?$/, error: 'must be an http or https URL' })
    .max(2000, 'must be at most 2000 characters')
    .refine((u) => !new URL(u).username && !new URL(u).password, 'must not carry credentials')
    .meta({ example: 'https://checkout.example.com/hotpath-webhooks' }),
  events: z
    .array(webhookEventTypeSchema)
    .min(1, 'must name at least one event type (leave it out for all)')
    .refine((e) => new Set(e).size === e.length, 'must not repeat an event type')
    .optional()
    .meta({ description: 'The event types to receive; all of them when left out.' }),
});

export const subscriptionIdSchema = z.string().regex(/^whsub_[A-Za-z0-9_-]{1,64}$/);
export const deliveryIdSchema = z.string().regex(/^[0-9]{1,18}$/);

/** The delivery log's filters; a bad or unknown parameter is a 400 naming it. */
export const deliveryLogQuerySchema = z.strictObject({
  orderId: z
    .string('must be given once')
    .regex(/^ord_[a-z0-9]{1,40}$/, 'must be an order id (ord_…)')
    .optional()
    .meta({ description: "Only this order's deliveries.", example: 'ord_3f0c9a1b2d4e5f60718293a4' }),
});
