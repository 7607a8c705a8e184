import { orderIdFor } from '../../api/order/placeOrder';
import type { Database } from '../../db/client';
import { orderEvents, orderLines, orders, payments, returns, webhookDeliveries, webhookEvents, webhookSubscriptions } from '../../db/schema';
import { isTerminalStatus } from '../../workflows/order/contract';
import type { RetentionPolicy } from '../../workflows/retention/contract';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Per day of the seed, one order of each: two that ended, two that have not (one parked, one in the saga). */
const KINDS = ['completed', 'cancelled', 'needs_attention', 'processing'] as const;
/** How a seeded order's second webhook event went: delivered, failed (kept for a redeliver), or nobody subscribed. */
const SECOND_EVENT = ['delivered', 'delivered', 'delivered', 'failed', 'unsubscribed'] as const;

export interface SeededOrder {
  id: string;
  status: (typeof KINDS)[number];
  /** When it ended (ended orders) or last moved (open ones): `updated_at`. */
  at: number;
  events: number;
  email: string;
  /** A return of a completed order: open (its label still needs the customer's address) or ended. */
  returned?: 'open' | 'ended';
}

export interface SeededEvent {
  id: number;
  orderId: string;
  createdAt: number;
  fannedOut: boolean;
  deliveries: { id: number; state: 'delivered' | 'failed'; at: number }[];
}

/**
 * A year and three months of synthetic history, one day apart, an hour off each day so no row sits on a cut-off:
 * 460 days × 4 orders, each with a line, three events, a payment when completed, and webhook events with their
 * deliveries (delivered, failed, or none), some never fanned out. Answers what it wrote, for the oracle below.
 */
export async function seedYearOfRows(db: Database, now = Date.now(), days = 460): Promise<{ orders: SeededOrder[]; events: SeededEvent[] }> {
  const subscriptionId = 'whs_retentionseed';
  await db.insert(webhookSubscriptions).values({ id: subscriptionId, owner: 'checkout-web', url: 'https://receiver.example/hooks', secret: 'whsec_seed', createdAt: new Date(now - days * DAY - DAY) });
  const seeded: SeededOrder[] = [];
  for (let day = 0; day < days; day++) {
    for (const status of KINDS) {
      const i = seeded.length;
      // Every 13th completed order was returned: the return still open on one in two, ended on the other.
      const returned = status === 'completed' && day % 13 === 0 ? (day % 26 === 0 ? 'open' : 'ended') : undefined;
      seeded.push({ id: orderIdFor(`retention-seed-${i}`, 'seed'), status, at: now - day * DAY - HOUR, events: 3, email: `customer${i}@example.com`, ...(returned ? { returned } : {}) });
    }
  }
  for (let from = 0; from < seeded.length; from += 400) {
    const chunk = seeded.slice(from, from + 400);
    await db.insert(orders).values(
      chunk.map((o) => ({
        id: o.id,
        idempotencyKey: `key-${o.id}`,
        owner: 'checkout-web',
        requestHash: `hash-${o.id}`,
        customerId: `cust-${o.id.slice(4, 10)}`,
        email: o.email,
        currency: 'USD',
        totalCents: 1234,
        shippingAddress: { name: 'Ada Lovelace', line1: '12 Analytical St', city: 'Boston', postalCode: '02110', country: 'US' },
        paymentToken: 'tok_visa',
        status: o.status,
        statusSeq: 5,
        webhookSeq: 3,
        workflowId: `order-${o.id}`,
        workflowStartedAt: new Date(o.at - HOUR),
        createdAt: new Date(o.at - HOUR),
        updatedAt: new Date(o.at),
      })),
    );
    await db.insert(orderLines).values(chunk.map((o) => ({ orderId: o.id, lineNo: 1, sku: 'SEED-1', quantity: 1, unitPriceCents: 1234 })));
    await db.insert(orderEvents).values(
      chunk.flatMap((o) => [0, 1, 2].map((n) => ({ orderId: o.id, type: 'status', status: o.status, detail: { n }, dedupeKey: `${o.id}:seed:${n}`, at: new Date(o.at - HOUR + n * 60_000) }))),
    );
    const completed = chunk.filter((o) => o.status === 'completed');
    if (completed.length > 0) await db.insert(payments).values(completed.map((o) => ({ orderId: o.id, authorizationId: `pi_${o.id}`, authorizedCents: 1234, capturedCents: 1234 })));
    const returnedOrders = chunk.filter((o) => o.returned);
    if (returnedOrders.length > 0) {
      await db.insert(returns).values(
        returnedOrders.map((o) => ({
          id: `ret_${o.id.slice(4)}`,
          orderId: o.id,
          requestedBy: 'checkout-web',
          idempotencyKey: `return-${o.id}`,
          requestHash: `hash-return-${o.id}`,
          reason: 'too small',
          resolution: 'refund' as const,
          status: o.returned === 'open' ? 'awaiting_receipt' : 'refunded',
          workflowId: `return-ret_${o.id.slice(4)}`,
          expiresAt: new Date(now + 30 * DAY),
        })),
      );
    }
  }

  const events: SeededEvent[] = [];
  for (let from = 0; from < seeded.length; from += 400) {
    const chunk = seeded.slice(from, from + 400);
    const rows = chunk.flatMap((o, j) => {
      const i = from + j;
      const written = [
        { sequence: 1, createdAt: o.at - HOUR, fannedOut: true, delivery: 'delivered' as const },
        { sequence: 2, createdAt: o.at, fannedOut: true, delivery: SECOND_EVENT[i % SECOND_EVENT.length]! },
      ];
      // Written while no dispatcher ran: never fanned out, whatever its age.
      if (i % 7 === 0) written.push({ sequence: 3, createdAt: o.at, fannedOut: false, delivery: 'unsubscribed' });
      return written.map((e) => ({ order: o, ...e }));
    });
    const inserted = await db
      .insert(webhookEvents)
      .values(
        rows.map((r) => ({
          messageId: `msg_${r.order.id.slice(4)}_${r.sequence}`,
          orderId: r.order.id,
          owner: 'checkout-web',
          type: 'order.status',
          sequence: r.sequence,
          payload: { type: 'order.status', data: { orderId: r.order.id, sequence: r.sequence } },
          createdAt: new Date(r.createdAt),
          fannedOutAt: r.fannedOut ? new Date(r.createdAt + 1000) : null,
        })),
      )
      .returning({ id: webhookEvents.id, messageId: webhookEvents.messageId });
    const idOf = new Map(inserted.map((e) => [e.messageId, e.id]));
    const withId = rows.map((r) => ({ ...r, id: idOf.get(`msg_${r.order.id.slice(4)}_${r.sequence}`)! }));
    const withDeliveries = withId.filter((r) => r.delivery !== 'unsubscribed');
    const deliveries = await db
      .insert(webhookDeliveries)
      .values(
        withDeliveries.map((r) => ({
          eventId: r.id,
          subscriptionId,
          state: r.delivery as 'delivered' | 'failed',
          attempts: r.delivery === 'delivered' ? 1 : 8,
          nextAttemptAt: new Date(r.createdAt),
          lastAttemptAt: new Date(r.createdAt + 2000),
          lastStatus: r.delivery === 'delivered' ? 200 : 500,
          deliveredAt: r.delivery === 'delivered' ? new Date(r.createdAt + 2000) : null,
          createdAt: new Date(r.createdAt + 1000),
        })),
      )
      .returning({ id: webhookDeliveries.id, eventId: webhookDeliveries.eventId });
    withId.forEach((r) => {
      const id = r.id;
      events.push({
        id,
        orderId: r.order.id,
        createdAt: r.createdAt,
        fannedOut: r.fannedOut,
        deliveries: deliveries.filter((d) => d.eventId === id).map((d) => ({ id: d.id, state: r.delivery as 'delivered' | 'failed', at: r.createdAt + 2000 })),
      });
    });
  }
  return { orders: seeded, events };
}

/** What the policy says a run at `asOf` removes from the seed, worked out from the seed's own record of it. */
export function expectedOf(seed: { orders: SeededOrder[]; events: SeededEvent[] }, policy: RetentionPolicy, asOf: number) {
  const olderThan = (at: number, ms: number) => at < asOf - ms;
  const ended = (o: SeededOrder) => isTerminalStatus(o.status);
  const expiredKeys = seed.orders.filter((o) => ended(o) && olderThan(o.at, policy.idempotencyRetentionMs));
  const prunedTimelines = seed.orders.filter((o) => ended(o) && olderThan(o.at, policy.orderRetentionDays * DAY));
  // Never the customer data of an order with an open return: its label and refund still need them.
  const redacted = seed.orders.filter((o) => ended(o) && olderThan(o.at, policy.piiRetentionDays * DAY) && o.returned !== 'open');
  const webhookMs = policy.webhookRetentionDays * DAY;
  const goneDeliveries = seed.events.flatMap((e) => e.deliveries).filter((d) => d.state === 'delivered' && olderThan(d.at, webhookMs));
  const goneDeliveryIds = new Set(goneDeliveries.map((d) => d.id));
  const goneEvents = seed.events.filter((e) => e.fannedOut && olderThan(e.createdAt, webhookMs) && e.deliveries.every((d) => goneDeliveryIds.has(d.id)));
  return {
    counts: {
      webhookDeliveries: goneDeliveries.length,
      webhookEvents: goneEvents.length,
      idempotencyKeys: expiredKeys.length,
      orderEvents: prunedTimelines.reduce((n, o) => n + o.events, 0),
      personalData: redacted.length,
    },
    expiredKeys: new Set(expiredKeys.map((o) => o.id)),
    prunedTimelines: new Set(prunedTimelines.map((o) => o.id)),
    redacted: new Set(redacted.map((o) => o.id)),
    goneDeliveries: goneDeliveryIds,
    goneEvents: new Set(goneEvents.map((e) => e.id)),
  };
}
