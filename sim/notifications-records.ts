import type { SimRecord } from './keyed-records';

/** The notifications simulator's records (what SimState stores): kept apart from the routes so the state imports nothing that imports it back. */

export interface Message extends SimRecord {
  type: 'message';
  to: string;
  template: string;
  data: Record<string, unknown>;
  status: 'sent';
}
