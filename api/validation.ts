import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const SUPPORTED_CURRENCIES = ['USD', 'EUR', 'GBP', 'CAD'] as const;

export const orderLineSchema = z.strictObject({
  sku: z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'must be an upper-case SKU code (A-Z, 0-9, -)'),
  quantity: z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000'),
  unitPriceCents: z.number().int('must be a whole number of cents').min(0, 'must not be negative').max(10_000_000, 'must be at most 10000000'),
});

export const createOrderSchema = z
  .strictObject({
    customerId: text(100),
    email: z.email('must be an e-mail address').max(254),
    currency: z.enum(SUPPORTED_CURRENCIES, `must be one of ${SUPPORTED_CURRENCIES.join(', ')}`),
    lines: z.array(orderLineSchema).min(1, 'must have at least one line').max(50, 'must have at most 50 lines'),
    shippingAddress: z.strictObject({
      name: text(200),
      line1: text(200),
      city: text(100),
      postalCode: text(20),
      country: z.string().regex(/^[A-Z]{2}$/, 'must be an ISO 3166 alpha-2 code such as US'),
    }),
    paymentToken: z
      .string()
      .regex(/^(pm|tok)_[A-Za-z0-9_]{1,100}$/, 'must be a Stripe PaymentMethod id (pm_…) or test token (tok_…); card data is never accepted')
      .meta({ description: 'A Stripe PaymentMethod id (`pm_…`, e.g. `pm_card_visa`) or test token alias (`tok_…`); card data is never accepted.', example: 'pm_card_visa' }),
  })
  .refine((order) => order.lines.reduce((sum, l) => sum + l.quantity * l.unitPriceCents, 0) <= 100_000_000, {
    message: 'the order total must be at most 100000000 cents',
    path: ['lines'],
  });

export type CreateOrderRequest = z.infer<typeof createOrderSchema>;

export const idempotencyKeySchema = z
  .string({ error: 'the Idempotency-Key header is required' })
  .regex(/^[\x21-\x7e]{1,200}$/, 'the Idempotency-Key header must be 1-200 visible ASCII characters');

export const cancelSchema = z.strictObject({
  reason: text(500).meta({ description: 'Why, recorded with who cancelled.', example: 'customer changed their mind' }),
  shipmentIds: z
    .array(z.string().regex(/^ord_[a-z0-9]{1,40}-s[0-9]{1,3}$/, 'must be shipment ids of the order (ord_…-s1)'))
    .min(1, 'must name at least one shipment, or be left out to cancel the whole order')
    .max(20, 'must have at most 20 shipment ids')
    .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a shipment id')
    .optional()
    .meta({ description: 'Cancel only these shipments (partial cancellation); the whole order when absent.', example: ['ord_3f0c9a1b2d4e5f60718293a4-s2'] }),
});

export const resolveSchema = z.strictObject({ action: z.enum(['retry', 'compensate'], 'must be retry or compensate') });
