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
 * A credit record: the reversal of (part of) one recorded shipment after the order was recorded: cancelled,
 * refunded, or returned. One per shipment and return: a cancellation's or refund's credit has no `returnId` (one
 * per shipment), a return's names its return (one per return and shipment, so a second return, a return after a
 * cancellation credit, or a return spanning two shipments each get theirs). Units in `lines` whose `restock` is
 * true (each line's own flag, else the credit's) are back on hand, so the ERP's stock goes up by them; the others
 * (a damaged return, a refund with the goods kept) are not.
 */
export const creditLineSchema = orderLineSchema.extend({ restock: z.boolean().optional() });

export const creditSchema = z.object({
  reference: nonEmpty,
  shipmentId: nonEmpty,
  returnId: nonEmpty.optional(),
  warehouse: nonEmpty,
  reason: z.enum(['cancelled', 'refunded', 'returned']),
  amountCents: z.number().int().min(0),
  lines: z.array(creditLineSchema).min(1),
  /** Whether the units are back on hand (a cancelled parcel) or not (a refund with the goods kept); a line's own flag wins. */
  restock: z.boolean().default(true),
});

/** Whether a credit's line puts its units back on hand in the ERP's books. */
export const restocks = (credit: { restock: boolean }, line: { restock?: boolean }) => line.restock ?? credit.restock;

type RecordOrderInput = z.infer<typeof recordOrderSchema>;

export interface ErpOrder extends SimRecord, Omit<RecordOrderInput, 'reference'> {
  type: 'erp_order';
}

export interface ErpCredit extends SimRecord, Omit<z.infer<typeof creditSchema>, 'reference'> {
  type: 'erp_credit';
  erpOrderId: string;
}
