import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { OrderState } from './types';

export interface CancelRequest {
  by: string;
  reason: string;
  /** Cancel only these shipments (orderWorkflowV2); the whole order when absent. */
  shipmentIds?: string[];
}

export interface CancelResult {
  status: OrderState['status'];
  /** Shipments whose cancellation was accepted, and those the warehouse (or their state) refused, with why. */
  cancelled?: string[];
  refused?: { shipmentId: string; reason: string }[];
}

export interface ResolveRequest {
  action: 'retry' | 'compensate';
  by: string;
}

export const orderStateQuery = defineQuery<OrderState>('orderState');
/** Staff cancellation: accepted, or rejected with the reason it cannot be cancelled any more. */
export const cancelOrderUpdate = defineUpdate<CancelResult, [CancelRequest]>('cancelOrder');
/** A human's decision on a parked order: retry the step that keeps failing, or give up and compensate. */
export const resolveParkedOrderSignal = defineSignal<[ResolveRequest]>('resolveParkedOrder');

/** Something the payment gateway reported that the order's books do not explain (a dispute, a refund or cancel made outside Hotpath). */
export interface PaymentAlert {
  kind: 'dispute' | 'books_mismatch';
  /** The Stripe event that raised it (evt_…), its type, and what it said against what the books say. */
  eventId: string;
  eventType: string;
  detail: string;
}

/**
 * Sent by POST /webhooks/stripe to a live order. orderWorkflowV2 parks the order (needs_attention, reason
 * payment_alert) before more money moves; staff resolve it: retry goes on, compensate gives the order up.
 */
export const paymentAlertSignal = defineSignal<[PaymentAlert]>('paymentAlert');
