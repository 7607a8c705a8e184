import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { and, desc, eq, sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { webhookDeliveries, webhookEvents, webhookSubscriptions } from '../../db/schema';
import { newWebhookSecret } from '../../lib/webhooks/signing';
import { DEFAULT_ALLOWED_PORTS, judgeSubscriptionTarget, parsePortPolicy, withoutResolvedAddresses, type PortPolicy, type Resolver } from '../../lib/webhooks/safeTarget';
import { requireRole } from '../auth/auth';
import { jsonBody } from '../input/requestBody';
import type { Credential, Role } from '../../lib/credentials';
import { Problem, invalidInput } from '../problem';
import { createSubscriptionSchema, deliveryIdSchema, deliveryLogQuerySchema, subscriptionIdSchema } from './input';

export interface WebhookSubscriptionDeps {
  db: Database;
  credentials: Credential[];
  /** How long a rotated-out secret keeps signing beside the new one. */
  secretOverlapMs: number;
  /** WEBHOOK_ALLOW_PRIVATE_TARGETS: a URL naming (or resolving to) a private, loopback or link-local address is accepted. */
  allowPrivateTargets?: boolean;
  /** WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER: endpoints one principal may have (default 16). */
  maxSubscriptionsPerOwner?: number;
  /** WEBHOOK_ALLOWED_PORTS: the ports a URL may name (default 80, 443 and 1024-65535). */
  allowedPorts?: PortPolicy;
  /** The DNS a URL's name is judged by at subscription (tests inject their own; the system's otherwise). */
  resolve?: Resolver;
}

/** Endpoints one owner may have unless WEBHOOK_MAX_SUBSCRIPTIONS_PER_OWNER says otherwise (Stripe's number). */
export const DEFAULT_MAX_SUBSCRIPTIONS_PER_OWNER = 16;

type Subscription = typeof webhookSubscriptions.$inferSelect;

/** A subscription as its owner sees it; the secret only in the answers that create or rotate it. */
export function subscriptionView(s: Subscription) {
  return {
    id: s.id,
    url: s.url,
    events: s.events ?? null,
    scope: s.allOrders ? ('all_orders' as const) : ('own_orders' as const),
    createdAt: s.createdAt.toISOString(),
    previousSecretExpiresAt: s.previousSecretExpiresAt && s.previousSecretExpiresAt > new Date() ? s.previousSecretExpiresAt.toISOString() : null,
    disabledAt: s.disabledAt?.toISOString() ?? null,
    disabledReason: s.disabledReason === null ? null : withoutResolvedAddresses(s.disabledReason, s.url),
    droppedEvents: s.droppedEvents,
  };
}

/**
 * Webhook endpoints of a checkout client (its orders' events) or of staff (every order's events): create
 * (the secret is shown once), list, delete, rotate the secret, read the delivery log, redeliver.
 */
export function webhookSubscriptionRoutes(deps: WebhookSubscriptionDeps): Router {
  const router = Router();
  const { db } = deps;
  const auth = requireRole(deps.credentials, 'checkout', 'staff');
  const principalOf = (res: { locals: Record<string, unknown> }) => res.locals.principal as string;
  const maxPerOwner = deps.maxSubscriptionsPerOwner ?? DEFAULT_MAX_SUBSCRIPTIONS_PER_OWNER;
  const allowedPorts = deps.allowedPorts ?? parsePortPolicy(DEFAULT_ALLOWED_PORTS);

  /** The caller's subscription, or 404: another client's endpoints are not even named. */
  async function ownSubscription(id: string, principal: string): Promise<Subscription> {
    const parsed = subscriptionIdSchema.safeParse(id);
    const [row] = parsed.success ? await db.select().from(webhookSubscriptions).where(and(eq(webhookSubscriptions.id, id), eq(webhookSubscriptions.owner, principal))) : [];
    if (!row) throw new Problem(404, 'Subscription not found', `no webhook subscription ${id}`);
    return row;
  }

  router.post('/webhook-subscriptions', auth, jsonBody(), async (req, res) => {
    if (!req.is('application/json')) throw new Problem(415, 'Unsupported media type', 'send the subscription as application/json');
    const body = createSubscriptionSchema.safeParse(req.body);
    if (!body.success) throw invalidInput(body.error);
    // The URL is judged now as deliveries will judge it: its port, its address literal, and what its name
    // resolves to (deliveries judge the connected address again). No message names a resolved address.
    const verdict = await judgeSubscriptionTarget(body.data.url, { allowPrivateTargets: deps.allowPrivateTargets ?? false, ports: allowedPorts, resolve: deps.resolve });
    if (!verdict.ok) {
      if (verdict.status === 503) throw new Problem(503, 'Webhook target not resolved', `url: ${verdict.message}`, { retryAfterSeconds: 5 });
      throw new Problem(422, 'Forbidden webhook target', `url: ${verdict.message}`, { issues: [{ field: 'url', message: verdict.message }] });
    }
    const owner = principalOf(res);
    const row = await db.transaction(async (tx) => {
      // One owner's creations in turn, so two at once cannot both take the last place.
      await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`webhook-subscriptions:${owner}`}))`);
      const [{ count }] = (await tx.select({ count: sql<number>`count(*)::int` }).from(webhookSubscriptions).where(eq(webhookSubscriptions.owner, owner))) as [{ count: number }];
      if (count >= maxPerOwner) {
        throw new Problem(409, 'Too many webhook endpoints', `${owner} has ${count} webhook endpoints, the most one client may have (${maxPerOwner}): delete one before adding another`);
      }
      const [inserted] = await tx
        .insert(webhookSubscriptions)
        .values({
          id: `whsub_${randomBytes(12).toString('base64url')}`,
          owner,
          allOrders: (res.locals.role as Role) === 'staff',
          url: body.data.url,
          events: body.data.events ?? null,
          secret: newWebhookSecret(),
        })
        .returning();
      return inserted;
    });
    res.status(201).location(`/webhook-subscriptions/${row!.id}`).json({ ...subscriptionView(row!), secret: row!.secret });
  });

  router.get('/webhook-subscriptions', auth, async (_req, res) => {
    const rows = await db.select().from(webhookSubscriptions).where(eq(webhookSubscriptions.owner, principalOf(res))).orderBy(webhookSubscriptions.createdAt);
    res.set('cache-control', 'no-store').json({ subscriptions: rows.map(subscriptionView) });
  });

  router.delete('/webhook-subscriptions/:id', auth, async (req, res) => {
    const subscription = await ownSubscription(String(req.params.id), principalOf(res));
    await db.delete(webhookSubscriptions).where(eq(webhookSubscriptions.id, subscription.id));
    res.status(204).end();
  });

  // The new secret signs at once; the old one signs beside it for the overlap, so receivers can switch at leisure.
  router.post('/webhook-subscriptions/:id/rotate-secret', auth, async (req, res) => {
    const subscription = await ownSubscription(String(req.params.id), principalOf(res));
    const [row] = await db
      .update(webhookSubscriptions)
      .set({ secret: newWebhookSecret(), previousSecret: subscription.secret, previousSecretExpiresAt: new Date(Date.now() + deps.secretOverlapMs) })
      .where(eq(webhookSubscriptions.id, subscription.id))
      .returning();
    res.json({ ...subscriptionView(row!), secret: row!.secret });
  });

  router.get('/webhook-subscriptions/:id/deliveries', auth, async (req, res) => {
    const subscription = await ownSubscription(String(req.params.id), principalOf(res));
    const query = deliveryLogQuerySchema.safeParse(req.query ?? {});
    if (!query.success) {
      const unknown = query.error.issues.flatMap((i) => (i.code === 'unrecognized_keys' ? i.keys : []));
      if (unknown.length > 0) throw new Problem(400, 'Invalid input', `${unknown[0]}: is not a parameter of this log (orderId)`, { issues: unknown.map((field) => ({ field, message: 'is not a parameter of this log (orderId)' })) });
      throw invalidInput(query.error);
    }
    const rows = await db
      .select({ delivery: webhookDeliveries, messageId: webhookEvents.messageId, type: webhookEvents.type, orderId: webhookEvents.orderId, sequence: webhookEvents.sequence })
      .from(webhookDeliveries)
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(and(eq(webhookDeliveries.subscriptionId, subscription.id), query.data.orderId ? eq(webhookEvents.orderId, query.data.orderId) : undefined))
      .orderBy(desc(webhookDeliveries.id))
      .limit(200);
    res.set('cache-control', 'no-store').json({ subscription: subscriptionView(subscription), deliveries: rows.map((r) => deliveryView(r, subscription.url)) });
  });

  // Another attempt now, with the whole retry schedule ahead of it; a disabled endpoint is enabled again, and the
  // deliveries paused when it was disabled are pending again (the events while it was disabled were dropped, counted).
  router.post('/webhook-subscriptions/:id/deliveries/:deliveryId/redeliver', auth, async (req, res) => {
    const subscription = await ownSubscription(String(req.params.id), principalOf(res));
    const deliveryId = deliveryIdSchema.safeParse(String(req.params.deliveryId));
    const result = await db.transaction(async (tx) => {
      // The endpoint's row before its deliveries', as the dispatcher takes them (no deadlock with a recording).
      await tx.select({ id: webhookSubscriptions.id }).from(webhookSubscriptions).where(eq(webhookSubscriptions.id, subscription.id)).for('update');
      const [row] = deliveryId.success
        ? await tx
            .select()
            .from(webhookDeliveries)
            .where(and(eq(webhookDeliveries.id, Number(deliveryId.data)), eq(webhookDeliveries.subscriptionId, subscription.id)))
            .for('update')
        : [];
      if (!row) throw new Problem(404, 'Delivery not found', `no delivery ${String(req.params.deliveryId)} of ${subscription.id}`);
      if (row.state === 'sending') throw new Problem(409, 'Attempt in flight', `delivery ${row.id} is being attempted right now`);
      await tx
        .update(webhookDeliveries)
        .set({ state: 'pending', attempts: 0, nextAttemptAt: sql`now()`, leaseUntil: null })
        .where(eq(webhookDeliveries.id, row.id));
      // Enabled first: an attempt being recorded holds the endpoint's row (for share), so its delivery is paused
      // or pending by the time the paused ones are resumed below, never paused after it.
      await tx.update(webhookSubscriptions).set({ disabledAt: null, disabledReason: null }).where(eq(webhookSubscriptions.id, subscription.id));
      const resumed = await tx
        .update(webhookDeliveries)
        .set({ state: 'pending', attempts: 0, nextAttemptAt: sql`now()`, leaseUntil: null })
        .where(and(eq(webhookDeliveries.subscriptionId, subscription.id), eq(webhookDeliveries.state, 'paused')))
        .returning({ id: webhookDeliveries.id });
      return { id: row.id, resumed: resumed.length };
    });
    res.status(202).json({ deliveryId: String(result.id), state: 'pending' as const, resumed: result.resumed });
  });

  return router;
}

function deliveryView(r: { delivery: typeof webhookDeliveries.$inferSelect; messageId: string; type: string; orderId: string; sequence: number }, url: string) {
  const d = r.delivery;
  return {
    id: String(d.id),
    messageId: r.messageId,
    type: r.type,
    orderId: r.orderId,
    sequence: r.sequence,
    state: d.state,
    attempts: d.attempts,
    nextAttemptAt: d.state === 'pending' ? d.nextAttemptAt.toISOString() : null,
    deliveredAt: d.deliveredAt?.toISOString() ?? null,
    lastStatus: d.lastStatus ?? null,
    // Errors recorded before resolved addresses were withheld lose the address here (only the URL's own literal stays).
    lastError: d.lastError === null ? null : withoutResolvedAddresses(d.lastError, url),
    log: d.log.map((entry) => (entry.error ? { ...entry, error: withoutResolvedAddresses(entry.error, url) } : entry)),
  };
}
