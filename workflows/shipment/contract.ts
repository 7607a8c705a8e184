/**
 * The shipment context's contract (label and warehouse): a shipment's plan, its statuses and its state. Code
 * outside the shipment context imports this file only; the order saga's per-shipment handle is
 * workflows/order/shipment.ts.
 */
import type { ShipmentStatus } from './lifecycle';

/** A shipment's units with the prices they were sold at (one SKU may sit on two lines at different prices). */
export interface PricedLine {
  sku: string;
  quantity: number;
  unitPriceCents: number;
}

export interface ShipmentPlan {
  shipmentId: string;
  warehouse: string;
  lines: { sku: string; quantity: number }[];
  /** The shipment's share of the order's money and its units at their prices (absent in holds of the first saga type). */
  amountCents?: number;
  pricedLines?: PricedLine[];
}

export { SHIPMENT_STATUSES, type ShipmentStatus } from './lifecycle';

export interface Label {
  shipmentId: string;
  labelId: string;
  trackingNumber: string;
}

export interface WmsTask {
  shipmentId: string;
  taskId: string;
}

export interface ShipmentState {
  shipmentId: string;
  warehouse: string;
  status: ShipmentStatus;
  amountCents: number;
  capturedCents: number;
  refundedCents: number;
  trackingNumber?: string;
  taskId?: string;
  /** Why it was cancelled or why its cancellation was refused. */
  note?: string;
}

/** How a shipment's status moves inside the saga: the table, every (status, event) pair decided (lifecycle.ts). */
export { SHIPMENT_EVENTS, SHIPMENT_LIFECYCLE, shipmentAfter, type ShipmentEvent, type Transition } from './lifecycle';
