import type { ShipmentPlan } from '../shipment/contract';

/** The inventory context's contract: an order's hold on stock, and the reconciliation run's input and report. */

export interface Hold {
  shipments: ShipmentPlan[];
  expiresAt: string;
}

export interface ReconciliationInput {
  trigger: 'schedule' | 'staff';
  /** Limit the run to these SKUs (staff runs and tests); all SKUs when omitted. */
  skus?: string[];
  /** How long past its expiry a hold may stay before the safety net releases it (the saga's timer acts first). */
  holdGraceMs?: number;
}

export interface Correction {
  sku: string;
  warehouse: string;
  erpOnHand: number;
  localOnHand: number;
  inFlight: number;
  delta: number;
  /** Units the ERP says are gone but live holds still need: left on hand, flagged for a human. */
  shortfall: number;
}

export interface ReconciliationReport {
  runId: string;
  skusChecked: number;
  corrections: Correction[];
  unitsCorrected: number;
  variancePct: number;
  holdsReleased: number;
  newRows: number;
}
