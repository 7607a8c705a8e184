import { z } from 'zod';

/** Request-body pieces shared by several vendors. */

export const nonEmpty = z.string().min(1);

export const currencySchema = z
  .string()
  .regex(/^[A-Za-z]{3}$/, 'must be a 3-letter currency code')
  .transform((code) => code.toUpperCase());

export const lineItemSchema = z.object({
  sku: nonEmpty,
  quantity: z.number().int().positive(),
});

export type LineItem = z.infer<typeof lineItemSchema>;
