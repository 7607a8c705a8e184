import type { SimRecord } from '../keyed-records';

/**
 * A PaymentIntent as the simulator keeps it: Stripe's fields, its one charge's money and its refunds, plus the
 * simulator's bookkeeping (reference = metadata.order_id). GET /_sim/payment/records serves these as they are;
 * the /v1 routes serve Stripe's view of them.
 */
export interface SimPaymentIntent extends SimRecord {
  type: 'payment_intent';
  status: 'requires_payment_method' | 'requires_capture' | 'succeeded' | 'canceled';
  amount: number;
  amount_capturable: number;
  amount_received: number;
  amount_refunded: number;
  currency: string;
  capture_method: 'manual' | 'automatic' | 'automatic_async';
  payment_method: string | null;
  metadata: Record<string, string>;
  created: number;
  /** End of the capture window (unix seconds); null until a card was authorized. */
  capture_before: number | null;
  cancellation_reason: string | null;
  canceled_at: number | null;
  charge_id: string | null;
  last_payment_error: { code: string; decline_code: string; message: string } | null;
  refunds: SimRefund[];
  disputes: { id: string; amount: number; reason: string; created: number }[];
}

export interface SimRefund {
  id: string;
  amount: number;
  metadata: Record<string, string>;
  created: number;
  idempotencyKey: string;
}

export function paymentIntentView(pi: SimPaymentIntent, expand: string[] = []) {
  return {
    id: pi.id,
    object: 'payment_intent',
    amount: pi.amount,
    amount_capturable: pi.amount_capturable,
    amount_received: pi.amount_received,
    capture_method: pi.capture_method,
    cancellation_reason: pi.cancellation_reason,
    canceled_at: pi.canceled_at,
    client_secret: `${pi.id}_secret_sim`,
    confirmation_method: 'automatic',
    created: pi.created,
    currency: pi.currency,
    last_payment_error: pi.last_payment_error ? { type: 'card_error', ...pi.last_payment_error } : null,
    latest_charge: pi.charge_id && expand.includes('latest_charge') ? chargeView(pi) : pi.charge_id,
    livemode: false,
    metadata: pi.metadata,
    payment_method: pi.payment_method,
    payment_method_types: ['card'],
    status: pi.status,
  };
}

export function chargeView(pi: SimPaymentIntent) {
  return {
    id: pi.charge_id,
    object: 'charge',
    amount: pi.amount,
    amount_captured: pi.amount_received,
    amount_refunded: pi.amount_refunded,
    captured: pi.amount_received > 0,
    created: pi.created,
    currency: pi.currency,
    disputed: pi.disputes.length > 0,
    livemode: false,
    metadata: pi.metadata,
    paid: true,
    payment_intent: pi.id,
    payment_method: pi.payment_method,
    payment_method_details: { type: 'card', card: { capture_before: pi.capture_before } },
    refunded: pi.amount_received > 0 && pi.amount_refunded === pi.amount_received,
    status: 'succeeded',
  };
}

export function refundView(pi: SimPaymentIntent, refund: SimRefund) {
  return {
    id: refund.id,
    object: 'refund',
    amount: refund.amount,
    charge: pi.charge_id,
    created: refund.created,
    currency: pi.currency,
    metadata: refund.metadata,
    payment_intent: pi.id,
    status: 'succeeded',
  };
}

export function disputeView(pi: SimPaymentIntent, dispute: SimPaymentIntent['disputes'][number]) {
  return {
    id: dispute.id,
    object: 'dispute',
    amount: dispute.amount,
    charge: pi.charge_id,
    created: dispute.created,
    currency: pi.currency,
    livemode: false,
    metadata: {},
    payment_intent: pi.id,
    reason: dispute.reason,
    status: 'needs_response',
  };
}
