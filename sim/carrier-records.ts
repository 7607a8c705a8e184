import { z } from 'zod';
import type { SimRecord } from './keyed-records';
import { nonEmpty, type LineItem } from './schemas';

/** The carrier simulator's records (what SimState stores): kept apart from the routes so the state imports nothing that imports it back. */

// postalCode and country are loose here on purpose: a bad address is a 422
// business answer from the carrier, not a malformed request.
export const addressSchema = z.object({
  name: nonEmpty,
  line1: nonEmpty,
  city: nonEmpty,
  postalCode: z.string(),
  country: z.string(),
});

export type Address = z.infer<typeof addressSchema>;

export interface Label extends SimRecord {
  type: 'label';
  /** An outbound parcel's label, or a return label (the customer sends the parcel back to `warehouse`). */
  kind?: 'outbound' | 'return';
  /** A return label's return (absent on outbound labels). */
  returnId?: string;
  shipmentId: string;
  warehouse: string;
  shipTo: Address;
  parcels: LineItem[];
  trackingNumber: string;
  carrier: 'SIMPOST';
  status: 'created' | 'cancelled';
  cancelledAt: string | null;
}
