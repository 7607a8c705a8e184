import { condition } from '@temporalio/workflow';
import { Saga } from '../saga';

/**
 * The shipment context's contract (label and warehouse): a shipment's plan, statuses and state, and the
 * per-shipment handle the order saga drives. Code outside the shipment context imports this file only.
 */

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

/**
 * A shipment's life, extending the statuses the first saga type wrote: `cancelled` is the end of a shipment
 * that was given up (units back, label and WMS task cancelled, its share never kept); `label_cancelled` and
 * `wms_cancelled` are steps on the way there.
 */
export const SHIPMENT_STATUSES = ['allocated', 'labelled', 'handed_off', 'shipped', 'wms_cancelled', 'label_cancelled', 'cancelled'] as const;
export type ShipmentStatus = (typeof SHIPMENT_STATUSES)[number];

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


/** Why a shipment is being given up: a person (by, reason), its hold's expiry, or the order's failure. */
export interface ShipmentCancellation {
  kind: 'staff' | 'hold_expired' | 'order_failed';
  by: string;
  reason: string;
}

/**
 * One parcel's life inside the order saga: allocated → labelled → handed_off (→ shipped), or, once a
 * cancellation is accepted, its own compensations in reverse (WMS task, label) and its units back. It owns
 * its undo log, its share of the money and a lock, so a cancellation never races a step in flight.
 */
export class Shipment {
  readonly state: ShipmentState;
  /** The compensations of this shipment's steps: cancel the WMS task, cancel the label. */
  readonly saga = new Saga();
  /** Set by staff or the hold timer: the pipeline takes no further step. */
  stopRequested = false;
  /** The hold expired before this shipment reached the warehouse. */
  holdExpired = false;
  /** The cancellation the saga will carry out (undo log, units back, its money returned, an ERP credit). */
  cancellation?: ShipmentCancellation;
  private busy = false;

  constructor(readonly plan: ShipmentPlan) {
    this.state = { shipmentId: plan.shipmentId, warehouse: plan.warehouse, status: 'allocated', amountCents: plan.amountCents ?? 0, capturedCents: 0, refundedCents: 0 };
  }

  get id(): string {
    return this.plan.shipmentId;
  }

  get status(): ShipmentStatus {
    return this.state.status;
  }

  set status(status: ShipmentStatus) {
    this.state.status = status;
  }

  get isHandedOff(): boolean {
    return this.status === 'handed_off' || this.status === 'shipped';
  }

  get isCancelled(): boolean {
    return this.status === 'cancelled';
  }

  /** Still on its way to the customer: not cancelled and no cancellation accepted. */
  get isLive(): boolean {
    return !this.cancellation && !this.isCancelled;
  }

  /** Holds the lock around a step (or the warehouse's answer to a cancellation). */
  async exclusively<T>(work: () => Promise<T>): Promise<T> {
    await condition(() => !this.busy);
    this.busy = true;
    try {
      return await work();
    } finally {
      this.busy = false;
    }
  }

  accept(cancellation: ShipmentCancellation): void {
    this.cancellation ??= cancellation;
    this.state.note = `${cancellation.reason} (${cancellation.by})`;
  }
}
