import type { SimRecord } from './keyed-records';
import type { LineItem } from './schemas';

/** The WMS simulator's records (what SimState stores): kept apart from the routes so the state imports nothing that imports it back. */

export interface Task extends SimRecord {
  type: 'task';
  shipmentId: string;
  warehouse: string;
  trackingNumber: string;
  lines: LineItem[];
  status: 'accepted' | 'cancelled' | 'shipped';
  cancelledAt: string | null;
  shippedAt: string | null;
}

/** A return the WMS was told to expect (Hotpath's return workflow), until its parcel is counted or it is cancelled. */
export interface ExpectedReturn extends SimRecord {
  type: 'expected_return';
  returnId: string;
  lines: { sku: string; quantity: number; warehouse: string }[];
  status: 'expected' | 'cancelled' | 'received';
  cancelledAt: string | null;
  receivedAt: string | null;
  /** What the warehouse counted, per SKU and condition. */
  received: { sku: string; quantity: number; condition: 'resellable' | 'damaged' }[] | null;
}
