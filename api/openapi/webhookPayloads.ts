import { z } from 'zod';
import type { ZodOpenApiPathItemObject } from 'zod-openapi';
import { ORDER_EVENT_TYPES, RETURN_EVENT_TYPES, SHIPMENT_EVENT_TYPES, type WebhookEventType } from '../../lib/webhooks/contract';

const headers = z.object({
  'webhook-id': z.string().meta({ description: 'The message id: the same on every attempt; dedupe on it.', example: 'msg_3f5a0c1d9e8b7a6f5e4d3c2b_3' }),
  'webhook-timestamp': z.string().meta({ description: 'Unix seconds of this attempt; refuse ones too far from now.', example: '1795950000' }),
  'webhook-signature': z.string().meta({
    description: 'Space-separated `v1,<base64 HMAC-SHA256>` signatures of `id.timestamp.body` (Standard Webhooks); two during a secret rotation.',
    example: 'v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4=',
  }),
});

type Subject = 'order' | 'shipment' | 'return';

const payloadOf = (type: WebhookEventType, subject: Subject) =>
  z
    .object({
      type: z.literal(type),
      timestamp: z.iso.datetime({ offset: true }).meta({ description: 'When the change happened.' }),
      data: z.object({
        orderId: z.string(),
        status: z.string().meta({ description: `The ${subject}'s status.` }),
        reason: z.string().nullable(),
        sequence: z.int().min(1).meta({ description: "Per order from 1, strictly increasing and gapless over the order's events: order by it." }),
        ...(subject === 'shipment' ? { shipmentId: z.string() } : {}),
        ...(subject === 'return' ? { returnId: z.string() } : {}),
      }),
    })
    .meta({ id: `WebhookEvent_${type.replace('.', '_')}` });

const item = (type: WebhookEventType, subject: Subject): ZodOpenApiPathItemObject => ({
  post: {
    tags: ['Webhooks'],
    summary: `${type}, pushed to your endpoint`,
    description:
      'Signed per Standard Webhooks (verify with the `standardwebhooks` library and your `whsec_` secret). Delivered at least once: dedupe by `webhook-id`, order by `data.sequence`. Any 2xx acknowledges; anything else (a 3xx too: redirects are not followed) is retried on the schedule.',
    requestParams: { header: headers },
    requestBody: { required: true, content: { 'application/json': { schema: payloadOf(type, subject) } } },
    responses: { '200': { description: 'Received (any 2xx).' } },
  },
});

/** The OpenAPI 3.1 `webhooks`: every event Hotpath pushes to subscribers, with its payload. */
export const webhookPayloads: Record<string, ZodOpenApiPathItemObject> = Object.fromEntries([
  ...ORDER_EVENT_TYPES.map((t) => [t, item(t, 'order')] as const),
  ...SHIPMENT_EVENT_TYPES.map((t) => [t, item(t, 'shipment')] as const),
  ...RETURN_EVENT_TYPES.map((t) => [t, item(t, 'return')] as const),
]);
