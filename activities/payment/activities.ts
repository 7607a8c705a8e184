import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../../db/events';
import { orderEvents, orders, payments, returnLines, returns, shipments } from '../../db/schema';
import { isTerminalStatus, stepKey, stepKeys, BUSINESS_FAILURES } from '../../workflows/order/contract';
import type { Authorization } from '../../workflows/payment/contract';
import { capRefund, returnStepKeys } from '../../workflows/returns/contract';
import type { ActivityDeps } from '../deps';
import { vendorWords } from '../vendorErrors';
import { PaymentGatewayRefused, PaymentGatewayUnavailable, type PaymentGateway, type PaymentSnapshot } from './port';

/** The first authorization keeps the plain step key; a re-authorization after expiry gets its own. */
const authorizationKey = (orderId: string, attempt: number) => (attempt === 1 ? stepKeys.authorize(orderId) : stepKey(orderId, `authorize#${attempt}`));
const captureKey = (orderId: string, authorizationId: string) => `${stepKeys.capture(orderId)}:${authorizationId}`;

/** Stripe's search trails writes by up to a minute: a compensation looks a few times before handing back to Temporal's retries. */
const SEARCH_TRIES = 4;
const SEARCH_PAUSE_MS = 250;

type MoneyChange = Partial<Record<'authorizedCents' | 'capturedCents' | 'voidedCents' | 'refundedCents', number>>;
type Tx = Parameters<Parameters<ActivityDeps['db']['transaction']>[0]>[0];

/** One shipment's part of a capture or a refund. */
export interface ShipmentShare {
  shipmentId: string;
  amountCents: number;
}

export function paymentActivities({ db, payments: gateway }: ActivityDeps) {
  /** Applies a money movement to the payments row once, keyed like the gateway call that caused it. */
  async function recordOnce(orderId: string, type: string, key: string, change: MoneyChange, detail: Record<string, unknown>, authorizationId?: string, perShipment?: (tx: Tx) => Promise<void>) {
    await db.transaction(async (tx) => {
      if (await appendOrderEvent(tx, { orderId, type, detail, dedupeKey: key })) {
        await perShipment?.(tx);
        const increments = Object.fromEntries(Object.entries(change).map(([k, v]) => [k, sql`${payments[k as keyof MoneyChange]} + ${v}`]));
        await tx
          .insert(payments)
          .values({ orderId, authorizationId, ...change })
          .onConflictDoUpdate({ target: payments.orderId, set: { ...increments, ...(authorizationId ? { authorizationId } : {}), updatedAt: sql`now()` } });
      }
    });
  }

  /** The PaymentIntent id the authorize step recorded when its answer came back, if it did. */
  async function recordedAuthorization(orderId: string, authKey: string): Promise<string | undefined> {
    const [row] = await db
      .select({ id: sql<string | null>`${orderEvents.detail}->>'authorizationId'` })
      .from(orderEvents)
      .where(and(eq(orderEvents.orderId, orderId), eq(orderEvents.dedupeKey, authKey)));
    return row?.id ?? undefined;
  }

  async function search(orderId: string, attempt: number): Promise<PaymentSnapshot | undefined> {
    for (let i = 0; i < SEARCH_TRIES; i++) {
      const found = await call(() => gateway.find(orderId, attempt));
      if (found) return found;
      if (i < SEARCH_TRIES - 1) await new Promise((resolve) => setTimeout(resolve, SEARCH_PAUSE_MS));
    }
    return undefined;
  }

  /** Records what a capture moved: the captured amount, and the rest of the hold that the capture released. */
  async function recordCapture(orderId: string, payment: PaymentSnapshot, shares: readonly ShipmentShare[], recordedBy?: string) {
    const released = payment.authorizedCents - payment.capturedCents;
    await recordOnce(
      orderId,
      'payment.captured',
      captureKey(orderId, payment.paymentId),
      { capturedCents: payment.capturedCents, voidedCents: released },
      { authorizationId: payment.paymentId, capturedCents: payment.capturedCents, releasedCents: released, ...(shares.length ? { shares } : {}), ...(recordedBy ? { recordedBy } : {}) },
      undefined,
      (tx) => addToShipments(tx, orderId, shares, 'capturedCents'),
    );
  }

  return {
    async authorizePayment(input: { orderId: string; attempt: number; amountCents: number; currency: string; paymentToken: string }): Promise<Authorization> {
      const key = authorizationKey(input.orderId, input.attempt);
      const result = await call(() =>
        gateway.authorize({ orderId: input.orderId, attempt: input.attempt, amountCents: input.amountCents, currency: input.currency, paymentMethod: input.paymentToken, idempotencyKey: key }),
      );
      if (result.outcome === 'declined') {
        throw ApplicationFailure.nonRetryable(`payment declined: ${result.code}`, BUSINESS_FAILURES.paymentDeclined, { code: result.code });
      }
      if (result.outcome === 'key_taken') {
        // Our own compensation claimed this key before the request landed: the order is being undone.
        throw ApplicationFailure.nonRetryable('authorization was voided by compensation', BUSINESS_FAILURES.paymentDeclined);
      }
      const { payment, expiresAt } = result;
      await recordOnce(input.orderId, 'payment.authorized', key, { authorizedCents: payment.authorizedCents }, { authorizationId: payment.paymentId, amountCents: payment.authorizedCents }, payment.paymentId);
      return { authorizationId: payment.paymentId, amountCents: payment.authorizedCents, expiresAt };
    },

    /**
     * Compensation: cancels the PaymentIntent, found by the id recorded when the authorize answer came back,
     * else by its metadata (the answer may have been lost), else the key is claimed so it can never authorize.
     */
    async voidAuthorization(input: { orderId: string; attempt: number }): Promise<{ status: string }> {
      const authKey = authorizationKey(input.orderId, input.attempt);
      const recorded = await recordedAuthorization(input.orderId, authKey);
      let payment = recorded ? await call(() => gateway.get(recorded)) : await search(input.orderId, input.attempt);
      if (!payment) {
        const [order] = await db.execute<{ currency: string }>(sql`select currency from orders where id = ${input.orderId}`);
        const claim = await call(() => gateway.preventAuthorization({ orderId: input.orderId, attempt: input.attempt, currency: order?.currency ?? 'USD', idempotencyKey: authKey }));
        if (claim === 'prevented') return { status: 'nothing_to_void' };
        payment = await search(input.orderId, input.attempt);
        if (!payment) throw ApplicationFailure.retryable(`the authorization of ${input.orderId} exists but is not searchable yet`, 'VendorUnavailable');
      }
      if (payment.status === 'incomplete') return { status: 'nothing_to_void' };
      if (payment.status === 'captured') return { status: 'already_captured' };
      if (payment.status === 'authorized') {
        const id = payment.paymentId;
        payment = await call(() => gateway.void({ paymentId: id, idempotencyKey: `${authKey}:void` }));
        if (payment.status === 'captured') return { status: 'already_captured' };
      }
      // The authorize call may have succeeded at the gateway with its answer lost (timeout, crash): record it
      // under the authorize step's own key first, so our books show what is being voided.
      await recordOnce(input.orderId, 'payment.authorized', authKey, { authorizedCents: payment.authorizedCents }, { authorizationId: payment.paymentId, recordedBy: 'void' }, payment.paymentId);
      await recordOnce(input.orderId, 'payment.voided', `${authKey}:void`, { voidedCents: payment.authorizedCents }, { authorizationId: payment.paymentId });
      return { status: 'voided' };
    },

    /**
     * Captures once, for what the order ships (amount_to_capture): Stripe finalizes the PaymentIntent at its
     * first capture and releases the rest, which the books record as voided. `shares` records each shipment's part.
     */
    async capturePayment(input: { orderId: string; authorizationId: string; amountCents: number; shares?: ShipmentShare[] }): Promise<number> {
      const result = await call(() => gateway.capture({ paymentId: input.authorizationId, amountCents: input.amountCents, idempotencyKey: captureKey(input.orderId, input.authorizationId) }));
      if (result.outcome === 'expired') {
        throw ApplicationFailure.nonRetryable('the authorization expired before capture', BUSINESS_FAILURES.authorizationExpired);
      }
      if (result.outcome === 'not_capturable' && result.payment.status !== 'captured') {
        throw ApplicationFailure.nonRetryable(`payment ${input.authorizationId} is ${result.payment.status}, not capturable`, 'VendorContractViolation');
      }
      await recordCapture(input.orderId, result.payment, input.shares ?? []);
      return result.payment.capturedCents;
    },

    /** Refunds one shipment's share of a capture (a shipment cancelled after the money was taken), once: its own key. */
    async refundShipment(input: { orderId: string; authorizationId: string; shipmentId: string; amountCents: number }): Promise<{ refundedCents: number }> {
      if (input.amountCents <= 0) return { refundedCents: 0 };
      const key = `${stepKeys.refund(input.orderId)}:${input.authorizationId}:${input.shipmentId}`;
      const refund = await call(() => gateway.refund({ orderId: input.orderId, paymentId: input.authorizationId, amountCents: input.amountCents, idempotencyKey: key, shipmentId: input.shipmentId }));
      await recordOnce(
        input.orderId,
        'payment.refunded',
        key,
        { refundedCents: refund.amountCents },
        { authorizationId: input.authorizationId, shipmentId: input.shipmentId, refundId: refund.refundId, amountCents: refund.amountCents },
        undefined,
        (tx) => addToShipments(tx, input.orderId, [{ shipmentId: input.shipmentId, amountCents: refund.amountCents }], 'refundedCents'),
      );
      return { refundedCents: refund.amountCents };
    },

    /**
     * Refunds a return's received units of one shipment (returns context), on the authorization that paid that
     * shipment, under the return's own key: never more than the shipment's captured minus refunded. The amount is
     * fixed once, in the transaction that locks the shipment's row (`payment.refund_intended`, keyed like the
     * refund): a refund whose answer was lost is asked again for the same amount under the same key, never assumed
     * refused, and a concurrent return of the same shipment sees this one's money as spoken for.
     */
    async refundReturnedUnits(input: { orderId: string; returnId: string; shipmentId: string; amountCents: number }): Promise<{ refundedCents: number; cappedFromCents?: number }> {
      const key = returnStepKeys.refund(input.returnId, input.shipmentId);
      const intent = await db.transaction(async (tx) => {
        const [done] = await tx.select({ detail: orderEvents.detail }).from(orderEvents).where(eq(orderEvents.dedupeKey, key));
        if (done) return { done: true as const, amountCents: Number(done.detail?.amountCents ?? 0), authorizationId: '' };
        // A parcel can ship (and come back) before its order has captured: the refund waits for the order's
        // settlement, so the cap is taken from the capture that will be, never from nothing yet.
        const [order] = await tx.select({ status: orders.status }).from(orders).where(eq(orders.id, input.orderId));
        if (order && !isTerminalStatus(order.status)) {
          throw ApplicationFailure.retryable(`order ${input.orderId} is ${order.status}: the refund waits for its capture to settle`, 'OrderNotSettled');
        }
        const [shipment] = await tx.select().from(shipments).where(and(eq(shipments.id, input.shipmentId), eq(shipments.orderId, input.orderId))).for('update');
        if (!shipment) throw ApplicationFailure.nonRetryable(`shipment ${input.shipmentId} is not in the database`, 'VendorContractViolation');
        const [intended] = await tx.select({ detail: orderEvents.detail }).from(orderEvents).where(eq(orderEvents.dedupeKey, `${key}:intent`));
        if (intended) return { done: false as const, amountCents: Number(intended.detail!.amountCents), authorizationId: String(intended.detail!.authorizationId) };
        // Other refunds of this shipment decided and not yet answered count as refunded already.
        const [pending] = await tx.execute<{ cents: number }>(sql`
          select coalesce(sum((i.detail->>'amountCents')::int), 0)::int as cents from order_events i
          where i.order_id = ${input.orderId} and i.type = 'payment.refund_intended' and i.detail->>'shipmentId' = ${input.shipmentId}
            and not exists (select 1 from order_events r where r.dedupe_key = i.detail->>'refundKey')`);
        const amountCents = capRefund(input.amountCents, { capturedCents: shipment.capturedCents, refundedCents: shipment.refundedCents + (pending?.cents ?? 0) });
        const authorizationId = await authorizationOfShipment(tx, input.orderId, input.shipmentId);
        await appendOrderEvent(tx, {
          orderId: input.orderId,
          type: 'payment.refund_intended',
          detail: { returnId: input.returnId, shipmentId: input.shipmentId, amountCents, wantedCents: input.amountCents, authorizationId, refundKey: key },
          dedupeKey: `${key}:intent`,
        });
        return { done: false as const, amountCents, authorizationId };
      });
      if (intent.done) return { refundedCents: intent.amountCents };
      const capped = intent.amountCents < input.amountCents ? { cappedFromCents: input.amountCents } : {};
      if (intent.amountCents <= 0) {
        await appendOrderEvent(db, { orderId: input.orderId, type: 'return.refund_skipped', detail: { returnId: input.returnId, shipmentId: input.shipmentId, amountCents: 0, wantedCents: input.amountCents, why: 'nothing of the shipment is left to refund' }, dedupeKey: key });
        return { refundedCents: 0, ...capped };
      }
      const refund = await call(() => gateway.refund({ orderId: input.orderId, paymentId: intent.authorizationId, amountCents: intent.amountCents, idempotencyKey: key, shipmentId: input.shipmentId }));
      await recordOnce(
        input.orderId,
        'payment.refunded',
        key,
        { refundedCents: refund.amountCents },
        { authorizationId: intent.authorizationId, shipmentId: input.shipmentId, returnId: input.returnId, refundId: refund.refundId, amountCents: refund.amountCents },
        undefined,
        async (tx) => {
          await addToShipments(tx, input.orderId, [{ shipmentId: input.shipmentId, amountCents: refund.amountCents }], 'refundedCents');
          await tx.update(returns).set({ refundedCents: sql`${returns.refundedCents} + ${refund.amountCents}`, updatedAt: sql`now()` }).where(eq(returns.id, input.returnId));
          await spreadOverLines(tx, input.returnId, input.shipmentId, refund.amountCents);
        },
      );
      return { refundedCents: refund.amountCents, ...capped };
    },

    /** Compensation of a capture: refunds what was captured and not yet refunded; nothing if the capture never happened. */
    async refundPayment(input: { orderId: string; authorizationId: string }): Promise<{ refundedCents: number }> {
      const payment = await call(() => gateway.get(input.authorizationId));
      if (!payment.capturedCents) return { refundedCents: 0 };
      // Likewise a capture whose answer was lost: record it under the capture step's key before refunding it.
      await recordCapture(input.orderId, payment, [], 'refund');
      const key = `${stepKeys.refund(input.orderId)}:${input.authorizationId}`;
      const [books] = await db.select({ refundedCents: payments.refundedCents }).from(payments).where(eq(payments.orderId, input.orderId));
      // From our books, not the gateway's: a repeat after a lost answer asks for the same amount under the same key, and replays.
      const amountCents = payment.capturedCents - (books?.refundedCents ?? 0);
      if (amountCents <= 0) return { refundedCents: 0 };
      const refund = await call(() => gateway.refund({ orderId: input.orderId, paymentId: input.authorizationId, amountCents, idempotencyKey: key }));
      await recordOnce(input.orderId, 'payment.refunded', key, { refundedCents: refund.amountCents }, { authorizationId: input.authorizationId, refundId: refund.refundId, amountCents: refund.amountCents });
      return { refundedCents: refund.amountCents };
    },
  };
}

/** Gateway trouble as the saga's failures: unavailable is retried with the same key, a refusal is not. */
async function call<T>(action: () => Promise<T>): Promise<T> {
  try {
    return await action();
  } catch (error) {
    if (error instanceof PaymentGatewayUnavailable) throw ApplicationFailure.retryable(error.message, 'VendorUnavailable', ...vendorWords(error.vendorMessage));
    if (error instanceof PaymentGatewayRefused) throw ApplicationFailure.nonRetryable(error.message, 'VendorContractViolation', { code: error.code, ...vendorWords(error.vendorMessage)[0] });
    throw error;
  }
}

async function addToShipments(tx: Tx, orderId: string, shares: readonly ShipmentShare[], column: 'capturedCents' | 'refundedCents') {
  for (const share of shares) {
    await tx
      .update(shipments)
      .set({ [column]: sql`${shipments[column]} + ${share.amountCents}`, updatedAt: sql`now()` })
      .where(and(eq(shipments.id, share.shipmentId), eq(shipments.orderId, orderId)));
  }
}

/** The authorization that paid a shipment: the capture whose shares name it, else the order's authorization. */
async function authorizationOfShipment(tx: Tx, orderId: string, shipmentId: string): Promise<string> {
  const [captured] = await tx.execute<{ id: string }>(sql`
    select e.detail->>'authorizationId' as id from order_events e
    where e.order_id = ${orderId} and e.type = 'payment.captured'
      and exists (select 1 from jsonb_array_elements(coalesce(e.detail->'shares', '[]'::jsonb)) s where s->>'shipmentId' = ${shipmentId})
    order by e.id limit 1`);
  if (captured?.id) return captured.id;
  const [payment] = await tx.select({ id: payments.authorizationId }).from(payments).where(eq(payments.orderId, orderId));
  if (!payment?.id) throw ApplicationFailure.nonRetryable(`order ${orderId} has no authorization that paid ${shipmentId}`, 'VendorContractViolation');
  return payment.id;
}

/** A return's refund of one shipment, written on its lines in line order (each line at most its received units' worth). */
async function spreadOverLines(tx: Tx, returnId: string, shipmentId: string, cents: number) {
  const lines = await tx.select().from(returnLines).where(and(eq(returnLines.returnId, returnId), eq(returnLines.shipmentId, shipmentId))).orderBy(returnLines.lineNo);
  let left = cents;
  for (const line of lines) {
    const worth = ((line.resellable ?? 0) + (line.damaged ?? 0)) * line.unitPriceCents;
    const take = Math.min(left, worth);
    if (take <= 0) continue;
    await tx.update(returnLines).set({ refundedCents: take }).where(and(eq(returnLines.returnId, returnId), eq(returnLines.lineNo, line.lineNo), eq(returnLines.shipmentId, shipmentId)));
    left -= take;
  }
}
