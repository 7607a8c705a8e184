import { z } from 'zod';

const text = (max: number) => z.string().trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);
const sku = z.string().regex(/^[A-Z0-9][A-Z0-9-]{0,63}$/, 'must be an upper-case SKU code (A-Z, 0-9, -)');
const quantity = z.number().int('must be a whole number').min(1, 'must be at least 1').max(1000, 'must be at most 1000');

/** A line to return: by its number (`line`, as GET /orders/:id lists the lines, from 1), or by SKU when it sits on one line only. */
export const returnLineSchema = z
  .strictObject({
    line: z.number().int('must be a whole number').min(1, 'must be at least 1').max(50, 'must be at most 50').optional().meta({ description: "The order line's number, from 1 (GET /orders/:id lists them in order)." }),
    sku: sku.optional().meta({ description: 'The SKU, when it sits on one line of the order only (else 422 naming the lines).' }),
    quantity,
  })
  .refine((l) => l.line !== undefined || l.sku !== undefined, { message: 'must name the line by its number (line) or by its SKU (sku)', path: ['line'] })
  .meta({ id: 'ReturnRequestLine' });

export const createReturnSchema = z
  .strictObject({
    lines: z.array(returnLineSchema).min(1, 'must have at least one line').max(50, 'must have at most 50 lines'),
    reason: text(500).meta({ description: 'Why the customer returns it, as they said it.', example: 'too small' }),
    resolution: z.enum(['refund', 'exchange'], 'must be refund or exchange').meta({ description: '`refund`: the received units are refunded. `exchange`: replacement lines (not available yet: 422).' }),
    exchange: z
      .strictObject({ lines: z.array(z.strictObject({ sku, quantity, unitPriceCents: z.number().int('must be a whole number of cents').min(0, 'must not be negative').max(10_000_000) })).min(1).max(50) })
      .optional()
      .meta({ description: 'The replacement lines of an exchange.' }),
  })
  .refine((r) => (r.resolution === 'exchange') === (r.exchange !== undefined), { message: 'an exchange names its replacement lines (exchange.lines), and only an exchange does', path: ['exchange'] })
  .meta({ id: 'ReturnRequest' });

export type CreateReturnRequest = z.infer<typeof createReturnSchema>;

export const cancelReturnSchema = z.strictObject({ reason: text(500).meta({ description: 'Why, recorded with who cancelled.', example: 'customer kept it' }) });
