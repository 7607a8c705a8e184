import { CancellationScope, condition } from '@temporalio/workflow';
import { Saga } from '../saga';
import { shipmentAfter, type ShipmentEvent, type ShipmentPlan, type ShipmentState, type ShipmentStatus } from '../shipment/contract';

/** Why a shipment is being given up: a person (by, reason), its hold's expiry, or the order's failure. */
export interface ShipmentCancellation {
  kind: 'staff' | 'hold_expired' | 'order_failed' | 'payment_declined';
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
  /** The scope of the vendor call in flight, which a cancellation may interrupt (CANCEL_STOPS_STEP). */
  private inFlight?: CancellationScope;
  /** A cancellation interrupted this shipment's step: its cancellation failure is the cancel, not a failure. */
  interrupted = false;
  /** The authorization its share was captured on (refunds go back to it). */
  paidWith?: string;
  /** Its capture was given up by staff (it left, unpaid). */
  uncollected = false;
  /**
   * Its own authorization, for its share alone: taken before its handoff once the order's authorization was
   * captured early, before it lapsed (CAPTURE_BEFORE_AUTHORIZATION_LAPSES).
   */
  ownAuthorization?: { attempt: number; authorizationId: string };

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

  /**
   * Moves the shipment along its lifecycle table (workflows/shipment/lifecycle.ts). A pair the table calls
   * impossible keeps the status and answers false.
   */
  apply(event: ShipmentEvent): boolean {
    const next = shipmentAfter(this.status, event);
    if (next === undefined) return false;
    this.status = next;
    return true;
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

  /** Runs one vendor call (all its retries) so that `interrupt()` can stop it. */
  async interruptible<T>(call: () => Promise<T>): Promise<T> {
    const scope = new CancellationScope();
    this.inFlight = scope;
    try {
      return await scope.run(call);
    } finally {
      if (this.inFlight === scope) this.inFlight = undefined;
    }
  }

  /** Stops the vendor call in flight, if any: its retries end (an attempt already running ends first). */
  interrupt(): void {
    if (!this.inFlight) return;
    this.interrupted = true;
    this.inFlight.cancel();
  }

  accept(cancellation: ShipmentCancellation): void {
    this.cancellation ??= cancellation;
    this.state.note = `${cancellation.reason} (${cancellation.by})`;
  }
}
