import { ApplicationFailure } from '@temporalio/activity';
import { and, eq, sql } from 'drizzle-orm';
import { appendOrderEvent } from '../db/events';
import { payments, shipments } from '../db/schema';
import { stepKey, stepKeys } from '../workflows/order/ids';
import { BUSINESS_FAILURES } from '../workflows/order/policy';
import type { Authorization } from '../workflows/order/types';
import type { ActivityDeps } from './deps';
import { unexpected } from './vendorClient';

/** The first authorization keeps the plain step key; a re-authorization after expiry gets its own. */
const authorizationKey = (orderId: string, attempt: number) => (attempt === 1 ? stepKeys.authorize(orderId) : stepKey(orderId, `authorize#${attempt}`));

type MoneyChange = Partial<Record<'authorizedCents' | 'capturedCents' | 'voidedCents' | 'refundedCents', number>>;
type Tx = Parameters<Parameters<ActivityDeps['db']['transaction']>[0]>[0];

/** One shipment's part of a capture or a refund. */
export interface ShipmentShare {
  shipmentId: string;
  amountCents: number;
}

export function paymentActivities({ db, vendors }: ActivityDeps) {
  const gateway = vendors.payment;

  /** Applies a money movement to the payments row once, keyed like the vendor call that caused it. */
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

  return {
    async authorizePayment(input: { orderId: string; attempt: number; amountCents: number; currency: string; paymentToken: string }): Promise<Authorization> {
      const key = authorizationKey(input.orderId, input.attempt);
      const res = await gateway.post<{ id: string; amountCents: number; expiresAt: string }>(
        '/authorizations',
        { reference: input.orderId, amountCents: input.amountCents, currency: input.currency, paymentToken: input.paymentToken },
        key,
      );
      if (res.status === 402) {
        throw ApplicationFailure.nonRetryable(`payment declined: ${res.body.error?.code}`, BUSINESS_FAILURES.paymentDeclined, { code: res.body.error?.code });
      }
      if (res.status === 409 && res.body.error?.code === 'authorization_voided') {
        // Our own compensation voided this key before the request landed: the order is being undone.
        throw ApplicationFailure.nonRetryable('authorization was voided by compensation', BUSINESS_FAILURES.paymentDeclined);
      }
      if (res.status !== 201 && res.status !== 200) throw unexpected('payment', res);
      await recordOnce(input.orderId, 'payment.authorized', key, { authorizedCents: res.body.amountCents }, { authorizationId: res.body.id, amountCents: res.body.amountCents }, res.body.id);
      return { authorizationId: res.body.id, amountCents: res.body.amountCents, expiresAt: res.body.expiresAt };
    },

    /** Compensation: addressed by the authorization's idempotency key, since a timed-out authorize may have succeeded unseen. */
    async voidAuthorization(input: { orderId: string; attempt: number }): Promise<{ status: string }> {
      const authKey = authorizationKey(input.orderId, input.attempt);
      const res = await gateway.post<{ status: string; amountCents?: number; authorizationId?: string }>(
        '/voids',
        { reference: input.orderId, authorizationKey: authKey },
        `${authKey}:void`,
      );
      if (res.status === 409 && res.body.error?.code === 'already_captured') return { status: 'already_captured' };
      if (res.status !== 200) throw unexpected('payment', res);
      if (res.body.status === 'voided') {
        // The authorize call may have succeeded at the gateway with its answer lost (timeout, crash): record it
        // under the authorize step's own key first, so our books show what is being voided.
        await recordOnce(input.orderId, 'payment.authorized', authKey, { authorizedCents: res.body.amountCents ?? 0 }, { authorizationId: res.body.authorizationId, recordedBy: 'void' }, res.body.authorizationId);
        await recordOnce(input.orderId, 'payment.voided', `${authKey}:void`, { voidedCents: res.body.amountCents ?? 0 }, { authorizationId: res.body.authorizationId });
      }
      return { status: res.body.status };
    },

    /**
     * Captures once, for what the order ships: the gateway finalizes the authorization at its first capture and
     * releases the rest, which the books record as voided. `shares` records each shipment's part.
     */
    async capturePayment(input: { orderId: string; authorizationId: string; amountCents: number; shares?: ShipmentShare[] }): Promise<number> {
      const key = `${stepKeys.capture(input.orderId)}:${input.authorizationId}`;
      const res = await gateway.post<{ capturedCents: number; releasedCents?: number }>(`/authorizations/${input.authorizationId}/capture`, { reference: input.orderId, amountCents: input.amountCents }, key);
      if (res.status === 409 && res.body.error?.code === 'authorization_expired') {
        throw ApplicationFailure.nonRetryable('the authorization expired before capture', BUSINESS_FAILURES.authorizationExpired);
      }
      if (res.status !== 200 && res.status !== 201) throw unexpected('payment', res);
      const releasedCents = res.body.releasedCents ?? 0;
      await recordOnce(
        input.orderId,
        'payment.captured',
        key,
        { capturedCents: res.body.capturedCents, voidedCents: releasedCents },
        { authorizationId: input.authorizationId, capturedCents: res.body.capturedCents, releasedCents, shares: input.shares },
        undefined,
        (tx) => addToShipments(tx, input.orderId, input.shares ?? [], 'capturedCents'),
      );
      return res.body.capturedCents;
    },

    /** Refunds one shipment's share of a capture (a shipment cancelled after the money was taken), once. */
    async refundShipment(input: { orderId: string; authorizationId: string; shipmentId: string; amountCents: number }): Promise<{ refundedCents: number }> {
      if (input.amountCents <= 0) return { refundedCents: 0 };
      const key = `${stepKeys.refund(input.orderId)}:${input.authorizationId}:${input.shipmentId}`;
      const res = await gateway.post<{ amountCents: number }>('/refunds', { reference: input.orderId, authorizationId: input.authorizationId, amountCents: input.amountCents }, key);
      if (res.status !== 201 && res.status !== 200) throw unexpected('payment', res);
      await recordOnce(
        input.orderId,
        'payment.refunded',
        key,
        { refundedCents: res.body.amountCents },
        { authorizationId: input.authorizationId, shipmentId: input.shipmentId, amountCents: res.body.amountCents },
        undefined,
        (tx) => addToShipments(tx, input.orderId, [{ shipmentId: input.shipmentId, amountCents: res.body.amountCents }], 'refundedCents'),
      );
      return { refundedCents: res.body.amountCents };
    },

    /** Compensation of a capture: refunds what was captured and not yet refunded; nothing if the capture never happened. */
    async refundPayment(input: { orderId: string; authorizationId: string }): Promise<{ refundedCents: number }> {
      const auth = await gateway.get<{ status: string; capturedCents: number; refundedCents: number }>(`/authorizations/${input.authorizationId}`);
      if (auth.status !== 200) throw unexpected('payment', auth);
      if (!auth.body.capturedCents) return { refundedCents: 0 };
      // Likewise a capture whose answer was lost: record it under the capture step's key before refunding it.
      const captureKey = `${stepKeys.capture(input.orderId)}:${input.authorizationId}`;
      await recordOnce(input.orderId, 'payment.captured', captureKey, { capturedCents: auth.body.capturedCents }, { authorizationId: input.authorizationId, capturedCents: auth.body.capturedCents, recordedBy: 'refund' });
      // Always the same key and amount: a repeat after a lost response replays the first refund.
      const key = `${stepKeys.refund(input.orderId)}:${input.authorizationId}`;
      const res = await gateway.post<{ amountCents: number }>('/refunds', { reference: input.orderId, authorizationId: input.authorizationId, amountCents: auth.body.capturedCents }, key);
      if (res.status !== 201 && res.status !== 200) throw unexpected('payment', res);
      await recordOnce(input.orderId, 'payment.refunded', key, { refundedCents: res.body.amountCents }, { authorizationId: input.authorizationId, amountCents: res.body.amountCents });
      return { refundedCents: res.body.amountCents };
    },
  };
}

async function addToShipments(tx: Tx, orderId: string, shares: readonly ShipmentShare[], column: 'capturedCents' | 'refundedCents') {
  for (const share of shares) {
    await tx
      .update(shipments)
      .set({ [column]: sql`${shipments[column]} + ${share.amountCents}`, updatedAt: sql`now()` })
      .where(and(eq(shipments.id, share.shipmentId), eq(shipments.orderId, orderId)));
  }
}
