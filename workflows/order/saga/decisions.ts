import type { FailureReason, OrderStatus } from '../contract';

/**
 * The saga's settlement decisions, pure: what the shipments' states say must be undone, refunded, credited and
 * how the order ends. No Temporal import: the workflow feeds in what it knows and carries out the answer, and
 * test/workflow/decisions.test.ts checks the answers over every combination of states.
 */

export type Outcome = { status: OrderStatus; reason: FailureReason };

/** Why a shipment was given up (see workflows/order/shipment.ts). */
export type GivenUpBecause = 'staff' | 'hold_expired' | 'order_failed' | 'payment_declined';

/** What settlement needs to know of one shipment. */
export interface ShipmentFacts {
  id: string;
  /** Still on its way to the customer: no cancellation accepted, not cancelled. */
  live: boolean;
  /** Why it was given up, when it was. */
  givenUpBecause?: GivenUpBecause;
  capturedCents: number;
  refundedCents: number;
}

export interface SettlementFacts {
  /** In the order's order (the plan's): undo runs in reverse. */
  shipments: readonly ShipmentFacts[];
  /** What the ERP holds of the order (null: nothing recorded). */
  erpRecord: { shipmentIds: readonly string[]; creditedShipmentIds: readonly string[] } | null;
  /** Staff gave up the capture of parcels that left: the authorization is voided, nothing is kept. */
  captureGivenUp: boolean;
  /** Authorization #1 lapsed and was replaced by #2 at the capture. */
  lapsedAuthorization: boolean;
}

/** One settlement pass's work, as the compensation jobs name it. */
export interface SettlementPlan {
  /** Given-up shipments whose own undo log (WMS task, label) and units run, in reverse order of the plan. */
  undo: string[];
  /** Given-up shipments with money captured and not yet refunded. */
  refund: string[];
  /** Given-up shipments the ERP recorded and has not credited. */
  credit: string[];
  /** The order's own steps are undone (hold, authorization, an unanswered capture): nothing is left to ship. */
  undoOrder: boolean;
  /** The lapsed authorization #1 is voided on its own (when the order's own steps, which void it, are not undone). */
  voidLapsedAuthorization: boolean;
}

export function settlementPlan(facts: SettlementFacts): SettlementPlan {
  const given = facts.shipments.filter((s) => !s.live);
  const anyLive = facts.shipments.some((s) => s.live);
  const record = facts.erpRecord;
  const undoOrder = !anyLive || facts.captureGivenUp;
  return {
    undo: [...given].reverse().map((s) => s.id),
    refund: given.filter((s) => s.capturedCents > s.refundedCents).map((s) => s.id),
    credit: record ? given.filter((s) => record.shipmentIds.includes(s.id) && !record.creditedShipmentIds.includes(s.id)).map((s) => s.id) : [],
    undoOrder,
    voidLapsedAuthorization: facts.lapsedAuthorization && !undoOrder,
  };
}

/**
 * Every shipment was given up and the saga itself did not fail: a staff cancel (of the order or of a shipment)
 * makes it the staff's story; otherwise a declined share makes it a decline, else the hold expired.
 */
export function endOfAllCancelled(facts: { orderCancelledByStaff: boolean; shipments: readonly Pick<ShipmentFacts, 'givenUpBecause'>[] }): Outcome {
  if (facts.orderCancelledByStaff || facts.shipments.some((s) => s.givenUpBecause === 'staff')) return { status: 'cancelled', reason: 'cancelled_by_staff' };
  return facts.shipments.some((s) => s.givenUpBecause === 'payment_declined') ? { status: 'failed', reason: 'payment_declined' } : { status: 'failed', reason: 'hold_expired' };
}

/**
 * How the order's story ends. Parcels the warehouse kept after a failure make it completed (a completed order has
 * no failure reason; the note says what failed and what was kept); a live shipment without a failure completes
 * it; otherwise the failure, or the end of an order whose every shipment was given up.
 */
export function finalOutcome(facts: { anyLive: boolean; keptAfterFailure: boolean; failure?: Outcome; allCancelled: () => Outcome }): { status: OrderStatus; reason?: FailureReason } {
  if (facts.keptAfterFailure) return { status: 'completed' };
  if (facts.anyLive) return { status: 'completed' };
  const end = facts.failure ?? facts.allCancelled();
  return { status: end.status, reason: end.reason };
}

/** Why staff may not compensate now: a parcel that shipped cannot be given up (undefined: they may). */
export function compensateRefusal(shippedShipmentIds: readonly string[]): string | undefined {
  if (shippedShipmentIds.length === 0) return undefined;
  return `${shippedShipmentIds.join(', ')} shipped and cannot be undone: resolve with retry, or cancel the order to cancel the shipments that have not shipped`;
}
