import type { Client } from '@temporalio/client';
import { and, eq, sql } from 'drizzle-orm';
import { Router, type RequestHandler } from 'express';
import type { Logger } from 'pino';
import Stripe from 'stripe';
import type { Database } from '../../db/client';
import { appendOrderEvent } from '../../db/events';
import { orderEvents, orders, payments, returns } from '../../db/schema';
import { paymentAlerts } from '../../lib/metrics';
import { orderWorkflowId, paymentAlertSignal, type PaymentAlert, isTerminalStatus } from '../../workflows/order/contract';
import { RETURN_WORKFLOW_PREFIX } from '../../workflows/returns/contract';
import { Problem } from '../problem';
import { ORDINARY_BODY, bodyBytes, rawBodyOf, strictJsonOf } from '../input/requestBody';

interface Verdict {
  /** What the event says, for the order's timeline. */
  detail: Record<string, unknown>;
  /** Why the books do not explain it; undefined when they do. */
  alert?: PaymentAlert['kind'];
  why?: string;
}

/**
 * Stripe's webhooks, verified with the SDK's constructEvent under STRIPE_WEBHOOK_SECRET. Each event is applied
 * once (its id is the timeline's dedupe key) and checked against the order's books: a dispute, or a cancel or
 * refund neither caused by the saga's own requests nor shown in the books, parks a live order (paymentAlert signal) and is recorded, counted and listed
 * for staff (GET /admin/payment-alerts) on an ended one. Events about payments Hotpath does not know are
 * acknowledged and ignored.
 */
export function stripeWebhookRoutes(deps: { db: Database; client: Client; secret: string | undefined; log: Logger }): Router {
  const router = Router();
  // Nobody's body is read before a signature header is seen, and nobody's is parsed before the signature holds.
  const signed: RequestHandler = (req, _res, next) => {
    if (!deps.secret) throw new Problem(401, 'Unauthorized', 'Stripe webhooks are refused: no STRIPE_WEBHOOK_SECRET is configured');
    if (!req.header('stripe-signature')) throw new Problem(401, 'Unauthorized', 'the Stripe-Signature header is missing');
    next();
  };
  router.post('/webhooks/stripe', signed, bodyBytes(ORDINARY_BODY), async (req, res) => {
    let event: Stripe.Event;
    try {
      event = Stripe.webhooks.constructEvent(rawBodyOf(req), req.header('stripe-signature') ?? '', deps.secret!);
    } catch (error) {
      throw new Problem(401, 'Unauthorized', `Stripe signature check failed: ${(error as Error).message}`);
    }
    // Signed by Stripe, and still held to the rules every body meets.
    strictJsonOf(req, ORDINARY_BODY);
    if (!['payment_intent.canceled', 'charge.refunded', 'charge.dispute.created'].includes(event.type)) {
      res.status(200).json({ received: true, ignored: event.type });
      return;
    }
    const object = event.data.object as unknown as Record<string, unknown>;
    const paymentIntentId = event.type === 'payment_intent.canceled' ? String(object.id) : String(object.payment_intent ?? '');
    const orderId = await orderOf(deps.db, paymentIntentId, (object.metadata as Record<string, string> | undefined)?.order_id);
    const [order] = orderId ? await deps.db.select({ status: orders.status, workflowId: orders.workflowId }).from(orders).where(eq(orders.id, orderId)) : [];
    if (!orderId || !order) {
      res.status(200).json({ received: true, ignored: 'unknown payment' });
      return;
    }

    const verdict = await judge(deps.db, event, object, orderId, paymentIntentId);

    const live = !isTerminalStatus(order.status);
    const first = await appendOrderEvent(deps.db, {
      orderId,
      type: verdict.alert ? 'payment.alert' : `stripe.${event.type}`,
      detail: { eventId: event.id, eventType: event.type, paymentIntentId, ...verdict.detail, ...(verdict.alert ? { alert: verdict.alert, why: verdict.why, orderWas: live ? 'live' : order.status, resolved: false } : {}) },
      dedupeKey: `stripe:${event.id}`,
    });
    if (first && verdict.alert) {
      paymentAlerts.inc({ kind: verdict.alert, order: live ? 'live' : 'ended' });
      deps.log.warn({ orderId, eventId: event.id, eventType: event.type, alert: verdict.alert }, 'payment alert');
      if (live) {
        const alert: PaymentAlert = { kind: verdict.alert, eventId: event.id, eventType: event.type, detail: verdict.why ?? '' };
        // The alert is in the timeline already; a saga that ended meanwhile cannot be signalled, and need not be.
        await deps.client.workflow
          .getHandle(order.workflowId)
          .signal(paymentAlertSignal, alert)
          .catch((err: unknown) => deps.log.warn({ err, orderId }, 'payment alert: the saga could not be signalled'));
      }
    }
    res.status(200).json({ received: true, duplicate: !first, ...(verdict.alert ? { alert: verdict.alert } : {}) });
  });
  return router;
}

/** The order a PaymentIntent belongs to: the id the books recorded, else the metadata Hotpath put on it. */
async function orderOf(db: Database, paymentIntentId: string, metadataOrderId: string | undefined): Promise<string | undefined> {
  if (paymentIntentId) {
    const [row] = await db.select({ orderId: payments.orderId }).from(payments).where(eq(payments.authorizationId, paymentIntentId));
    if (row) return row.orderId;
    const [event] = await db
      .select({ orderId: orderEvents.orderId })
      .from(orderEvents)
      .where(sql`${orderEvents.type} = 'payment.authorized' and ${orderEvents.detail}->>'authorizationId' = ${paymentIntentId}`)
      .limit(1);
    if (event) return event.orderId;
  }
  return metadataOrderId;
}

async function judge(db: Database, event: Stripe.Event, object: Record<string, unknown>, orderId: string, paymentIntentId: string): Promise<Verdict> {
  const type = event.type;
  if (type === 'charge.dispute.created') {
    const detail = { amountCents: Number(object.amount), reason: String(object.reason), disputeId: String(object.id) };
    return { detail, alert: 'dispute', why: `the cardholder disputed ${detail.amountCents} (${detail.reason})` };
  }
  // Stripe names the request that caused an event. One of the saga's own steps (its idempotency keys are the
  // order's step keys) is explained by construction, even while its answer is still on the way to the books.
  const causedBy = event.request?.idempotency_key ?? null;
  if (causedBy?.startsWith(`${orderWorkflowId(orderId)}:`) || (await isReturnOf(db, causedBy, orderId))) {
    return { detail: { causedBy, ...(type === 'charge.refunded' ? { refundedAtStripeCents: Number(object.amount_refunded) } : { amountCents: Number(object.amount) }) } };
  }
  if (type === 'payment_intent.canceled') {
    const reason = (object.cancellation_reason as string | null) ?? null;
    const detail = { amountCents: Number(object.amount), cancellationReason: reason };
    // Stripe lets an uncaptured hold lapse by itself; the saga finds out at capture and authorizes again.
    if (reason === 'automatic' || (object.metadata as Record<string, string> | undefined)?.placeholder === 'true') return { detail };
    const [voided] = await db
      .select({ id: orderEvents.id })
      .from(orderEvents)
      .where(and(eq(orderEvents.orderId, orderId), eq(orderEvents.type, 'payment.voided'), sql`${orderEvents.detail}->>'authorizationId' = ${paymentIntentId}`));
    if (voided) return { detail };
    return { detail, alert: 'books_mismatch', why: `Stripe cancelled ${paymentIntentId}, but the books record no void of it` };
  }
  // charge.refunded: the charge's running total of refunds, against what the books refunded.
  const refundedAtStripe = Number(object.amount_refunded);
  const [books] = await db.select({ refundedCents: payments.refundedCents }).from(payments).where(eq(payments.orderId, orderId));
  const refundedInBooks = books?.refundedCents ?? 0;
  const detail = { refundedAtStripeCents: refundedAtStripe, refundedInBooksCents: refundedInBooks };
  if (refundedInBooks >= refundedAtStripe) return { detail };
  return { detail, alert: 'books_mismatch', why: `Stripe has refunded ${refundedAtStripe}, the books ${refundedInBooks}` };
}

/** A return's refund (its key is `return-<returnId>:refund:<shipment>`) is the order's own request when the return is the order's. */
async function isReturnOf(db: Database, idempotencyKey: string | null, orderId: string): Promise<boolean> {
  const returnId = idempotencyKey?.startsWith(RETURN_WORKFLOW_PREFIX) ? idempotencyKey.slice(RETURN_WORKFLOW_PREFIX.length).split(':')[0] : undefined;
  if (!returnId) return false;
  const [row] = await db.select({ orderId: returns.orderId }).from(returns).where(eq(returns.id, returnId));
  return row?.orderId === orderId;
}
