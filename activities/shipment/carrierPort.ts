/**
 * The carrier port: what the saga needs from a parcel carrier, in the saga's words. The label activities call this
 * interface; an adapter (./adapters/simCarrier.ts) turns it into one carrier's API. CARRIER_PROVIDER picks it
 * (worker/vendors.ts). Adapters throw VendorUnavailable (retry) or VendorRefused (no retry helps), from
 * activities/vendorErrors.ts.
 *
 * Every call carries an idempotency key derived from the saga's step keys: a repeat with the same key must not
 * buy a second label, and must answer the label of the first.
 */
import type { Address } from '../../workflows/order/contract';
import type { ShipmentPlan } from '../../workflows/shipment/contract';

export interface LabelRequest {
  /** stepKeys.label(orderId, shipmentId). */
  key: string;
  orderId: string;
  shipmentId: string;
  warehouse: string;
  shipTo: Address;
  parcels: ShipmentPlan['lines'];
}

export type LabelOutcome =
  | { outcome: 'created'; labelId: string; trackingNumber: string }
  /** The carrier will not ship to this address: a business failure (InvalidAddress), not an outage. */
  | { outcome: 'address_rejected'; message: string; code?: string };

export interface CancelLabelRequest {
  /** stepKeys.cancelLabel(orderId, shipmentId). */
  key: string;
  orderId: string;
  /** The key the label was requested under: a label created by a timed-out request is found and cancelled too. */
  labelKey: string;
}

/** 'cancelled': the label is void now; 'nothing_to_cancel': no label was made under the key (or it was void already). */
export type CancelLabelOutcome = { outcome: 'cancelled' } | { outcome: 'nothing_to_cancel'; status: string };

/** A return label: the customer sends units back from `shipFrom` to `warehouse` (returns context). */
export interface ReturnLabelRequest {
  /** returnStepKeys.label(returnId, warehouse). */
  key: string;
  orderId: string;
  returnId: string;
  warehouse: string;
  shipFrom: Address;
  parcels: ShipmentPlan['lines'];
}

export type ReturnLabelOutcome = { outcome: 'created'; labelId: string; trackingNumber: string } | { outcome: 'address_rejected'; message: string; code?: string };

export interface CarrierPort {
  createLabel(request: LabelRequest): Promise<LabelOutcome>;
  /** A return label; cancelled like any label, by the key it was created under (`cancelLabel`). */
  createReturnLabel(request: ReturnLabelRequest): Promise<ReturnLabelOutcome>;
  cancelLabel(request: CancelLabelRequest): Promise<CancelLabelOutcome>;
}
