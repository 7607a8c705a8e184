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
