import { z } from 'zod';
import type { SimRecord } from './keyed-records';
import { currencySchema, lineItemSchema, nonEmpty } from './schemas';

/** The ERP simulator's records and the request bodies they are made of (what SimState stores): kept apart from the routes so the state imports nothing that imports it back. */

export const orderLineSchema = lineItemSchema.extend({ unitPriceCents: z.number().int().min(0) });

const shipmentSchema = z.object({
  shipmentId: nonEmpty.optional(),
  warehouse: nonEmpty,
  trackingNumber: nonEmpty,
  lines: z.array(lineItemSchema).min(1),
});

export const recordOrderSchema = z.object({
  reference: nonEmpty,
  customerId: nonEmpty,
  currency: currencySchema,
  totalCents: z.number().int().min(0),
  lines: z.array(orderLineSchema).min(1),
  shipments: z.array(shipmentSchema),
});

/**
 * A credit record: the reversal of one recorded shipment (cancelled, or refunded) after the order was recorded.
 * Keyed like the recording (one per shipment and order); units in `lines` are back on hand, so the ERP's
 * stock goes up by them. Returns and refunds reuse this record.
 */
export const creditSchema = z.object({
  reference: nonEmpty,
  shipmentId: nonEmpty,
  warehouse: nonEmpty,
  reason: z.enum(['cancelled', 'refunded', 'returned']),
  amountCents: z.number().int().min(0),
  lines: z.array(orderLineSchema).min(1),
  /** Whether the units are back on hand (a cancelled parcel) or not (a refund with the goods kept). */
  restock: z.boolean().default(true),
});

type RecordOrderInput = z.infer<typeof recordOrderSchema>;

export interface ErpOrder extends SimRecord, Omit<RecordOrderInput, 'reference'> {
  type: 'erp_order';
}

export interface ErpCredit extends SimRecord, Omit<z.infer<typeof creditSchema>, 'reference'> {
  type: 'erp_credit';
  erpOrderId: string;
}
