import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import type { DeliveryAttempt } from '../../db/schema';
import { signedHeaders } from '../../lib/webhooks/signing';
import type { AttemptOutcome, WebhookSender } from '../../lib/webhooks/sender';
import { DeliverySlots, targetHost, type SlotKey } from './slots';
import { webhookAttemptDuration, webhookAttempts, webhookClaims, webhookClaimsLapsed, webhookDeliveriesFinished, webhookDeliveryLag } from '../../lib/metrics';
import { trackDeliveryLoop } from './metrics';

export interface WebhookDeliveryOptions {
  sender: WebhookSender;
  /** Delay before each attempt; its length is the number of attempts. */
  retrySchedule: number[];
  pollIntervalMs: number;
  /** Attempts in flight to one subscription at once, in this dispatcher. */
  perSubscription: number;
  /** Attempts in flight from this dispatcher. */
  maxInFlight: number;
  /** Attempts in flight to the endpoints of one owner (a checkout client or staff principal) at once, in this dispatcher. */
  perOwner: number;
  /** Attempts in flight to one target host (whoever's subscriptions name it) at once, in this dispatcher. */
  perHost: number;
  /**
   * The principals configured now, by role. A subscription whose owner is not among them (in the role it was made
   * with) is disabled at start and on each check after it; left out, or with no principal at all, nothing is.
   */
  principals?: { checkout: string[]; staff: string[] };
  /** How often the owners are checked again (default: a minute). */
  principalCheckMs?: number;
  /** An attempt's budget: a claim lapses this long after it plus a margin, and another dispatcher retries it. */
  timeoutMs: number;
  /** Owner of the orders without one (LEGACY_ORDER_OWNER or the first checkout credential). */
  legacyOwner?: string;
  log: Logger;
}

interface Candidate extends SlotKey {
  id: number;
}

interface Claimed {
  id: number;
  attempts: number;
  subscription_id: string;
  message_id: string;
  payload: Record<string, unknown>;
  url: string;
  secret: string;
  previous_secret: string | null;
  /** The slots the attempt holds. */
  key: SlotKey;
}

/** An attempt's outcome as hotpath_webhook_delivery_attempts_total counts it. */
export function attemptOutcome(outcome: AttemptOutcome): 'delivered' | 'rejected' | 'unreachable' | 'refused' {
  if (outcome.delivered) return 'delivered';
  if (outcome.status !== null) return 'rejected';
  return outcome.refused ? 'refused' : 'unreachable';
}

/** What a disabled endpoint's deliveries wait in: out of the claim query's index, until the endpoint is enabled again. */
export const PAUSED = 'paused';

/**
 * The webhook duty of the dispatcher, beside the saga and never inside it: fans each outbox event out to the
 * matching enabled subscriptions' deliveries (a disabled endpoint gets none: the event is counted in its
 * `dropped_events`), then claims due deliveries (FOR UPDATE SKIP LOCKED, so several dispatchers share the work)
 * and attempts them concurrently, each bounded by its timeout, within the slots of worker/webhooks/slots.ts: at
 * most `perSubscription` per subscription, `perOwner` per owner and `perHost` per target host. A slow or failing
 * endpoint only ever holds its own slots, a client with many endpoints its own share, a slow host its own share.
 */
export function runWebhookDelivery(db: Database, options: WebhookDeliveryOptions): { stop: () => Promise<void> } {
  const slots = new DeliverySlots({ global: options.maxInFlight, perSubscription: options.perSubscription, perOwner: options.perOwner, perHost: options.perHost });
  const attempts = new Set<Promise<void>>();
  let ticking = false;
  let stopped = false;
  let ownersCheckedAt = 0;
  const leaseMs = options.timeoutMs + 30_000;
  const checkEveryMs = options.principalCheckMs ?? 60_000;

  async function fanOut(): Promise<void> {
    await db.execute(sql`
      with batch as (
        select id from webhook_events where fanned_out_at is null order by id limit 500 for update skip locked
      ), matched as (
        select e.id as event_id, s.id as subscription_id, s.disabled_at is not null as disabled
        from webhook_events e
        join batch on batch.id = e.id
        join webhook_subscriptions s
          on (s.all_orders or s.owner = coalesce(e.owner, ${options.legacyOwner ?? null}::text))
          and (s.events is null or s.events ? e.type)
          and s.created_at <= e.created_at
      ), made as (
        insert into webhook_deliveries (event_id, subscription_id, next_attempt_at)
        select event_id, subscription_id, now() + ${options.retrySchedule[0]!} * interval '1 millisecond'
        from matched where not disabled
        on conflict do nothing
      ), dropped as (
        update webhook_subscriptions s set dropped_events = s.dropped_events + m.n
        from (select subscription_id, count(*)::int as n from matched where disabled group by subscription_id) m
        where s.id = m.subscription_id
      )
      update webhook_events set fanned_out_at = now() where id in (select id from batch)`);
  }

  /**
   * Disables the subscriptions whose owner is no longer a configured principal of the role they were made with,
   * and pauses what they have queued. Also pauses any delivery queued for a disabled endpoint by a fan-out that
   * raced its disabling (a look at the due index, once a minute).
   */
  async function checkOwners(): Promise<void> {
    const principals = options.principals;
    if (principals && principals.checkout.length + principals.staff.length > 0) {
      const gone = await db.transaction(async (tx) => {
        const rows = (await tx.execute(sql`
          update webhook_subscriptions
          set disabled_at = now(), disabled_reason = 'its credential ' || owner || ' is no longer configured'
          where disabled_at is null
            and not ((all_orders and owner in (select jsonb_array_elements_text(${JSON.stringify(principals.staff)}::jsonb)))
              or (not all_orders and owner in (select jsonb_array_elements_text(${JSON.stringify(principals.checkout)}::jsonb))))
          returning id, owner`)) as unknown as { id: string; owner: string }[];
        if (rows.length > 0) {
          await tx.execute(sql`update webhook_deliveries set state = ${PAUSED} where state = 'pending' and subscription_id in (select jsonb_array_elements_text(${JSON.stringify(rows.map((r) => r.id))}::jsonb))`);
        }
        return rows;
      });
      for (const row of gone) options.log.warn({ subscriptionId: row.id, owner: row.owner }, 'webhook endpoint disabled: its credential is no longer configured');
    }
    await db.execute(sql`
      update webhook_deliveries d set state = ${PAUSED}
      from webhook_subscriptions s
      where s.id = d.subscription_id and s.disabled_at is not null and d.state = 'pending'`);
  }

  async function claim(): Promise<Claimed[]> {
    const room = slots.room;
    if (room <= 0) return [];
    const busy = slots.busy();
    // The due deliveries within what their subscription, their host and their owner have left (in that order),
    // interleaved by owner (every owner's oldest, then every owner's second…): the slots decide the rest. A
    // disabled endpoint's deliveries are paused, outside the due index, so they are never scanned here.
    const candidates = (await db.execute(sql`
      with due as (
        select d.id, d.subscription_id, s.owner, s.url, d.next_attempt_at,
               lower(substring(s.url from '^[A-Za-z]+://(\\[[^]]+\\]|[^/:?#]+)')) as host,
               row_number() over (partition by d.subscription_id order by d.next_attempt_at, d.id) as sub_rank
        from webhook_deliveries d
        join webhook_subscriptions s on s.id = d.subscription_id
        where d.state in ('pending', 'sending') and d.next_attempt_at <= now()
          and (d.state = 'pending' or d.lease_until < now()) and s.disabled_at is null
      ), per_subscription as (
        select *, row_number() over (partition by host order by next_attempt_at, id) as host_rank
        from due
        where sub_rank <= ${options.perSubscription} - coalesce((${JSON.stringify(busy.subscriptions)}::jsonb ->> subscription_id)::int, 0)
      ), per_host as (
        select *, row_number() over (partition by owner order by next_attempt_at, id) as owner_rank
        from per_subscription
        where host_rank <= ${options.perHost} - coalesce((${JSON.stringify(busy.hosts)}::jsonb ->> host)::int, 0)
      )
      select id, subscription_id, owner, url from per_host
      where owner_rank <= ${options.perOwner} - coalesce((${JSON.stringify(busy.owners)}::jsonb ->> owner)::int, 0)
      order by owner_rank, next_attempt_at, id
      limit ${Math.min(2_000, room * 8)}`)) as unknown as { id: number; subscription_id: string; owner: string; url: string }[];
    const picked = slots.pick<Candidate>(candidates.map((c) => ({ id: Number(c.id), subscription: c.subscription_id, owner: c.owner, host: targetHost(c.url) })));
    if (picked.length === 0) return [];
    let rows: Omit<Claimed, 'key'>[];
    try {
      rows = (await db.execute(sql`
        with locked as (
          select d.id from webhook_deliveries d
          where d.id in (select jsonb_array_elements_text(${JSON.stringify(picked.map((p) => p.id))}::jsonb)::bigint) and (d.state = 'pending' or (d.state = 'sending' and d.lease_until < now()))
          for update skip locked
        )
        update webhook_deliveries d
        set state = 'sending', attempts = d.attempts + 1, lease_until = now() + ${leaseMs} * interval '1 millisecond', last_attempt_at = now()
        from locked, webhook_events e, webhook_subscriptions s
        where d.id = locked.id and e.id = d.event_id and s.id = d.subscription_id and s.disabled_at is null
        returning d.id, d.attempts, d.subscription_id, e.message_id, e.payload, s.url, s.secret,
          case when s.previous_secret_expires_at > now() then s.previous_secret end as previous_secret`)) as unknown as Omit<Claimed, 'key'>[];
    } catch (err) {
      for (const p of picked) slots.release(p);
      throw err;
    }
    // Another dispatcher took (or an owner disabled) some of them since: their slots go back.
    const byId = new Map(rows.map((r) => [Number(r.id), r]));
    webhookClaims.inc({ result: 'claimed' }, rows.length);
    if (picked.length > rows.length) webhookClaims.inc({ result: 'lost' }, picked.length - rows.length);
    const claimed: Claimed[] = [];
    for (const p of picked) {
      const row = byId.get(p.id);
      if (row) claimed.push({ ...row, key: { subscription: p.subscription, owner: p.owner, host: p.host } });
      else slots.release(p);
    }
    return claimed;
  }

  async function record(delivery: Claimed, outcome: AttemptOutcome, at: Date): Promise<void> {
    const entry: DeliveryAttempt = { at: at.toISOString(), status: outcome.status, error: outcome.error, durationMs: outcome.durationMs };
    const last = delivery.attempts >= options.retrySchedule.length;
    const nextDelay = options.retrySchedule[delivery.attempts] ?? 0;
    const state = outcome.delivered ? 'delivered' : last ? 'failed' : 'pending';
    let recorded: { lag_seconds: number } | undefined;
    await db.transaction(async (tx) => {
      // Ordered with a concurrent disabling or enabling of the endpoint (both update its row): whichever commits
      // first, this delivery ends paused exactly when the endpoint ends disabled. A last attempt that failed
      // disables the endpoint itself, so it takes the row for update at once: two such recordings each holding a
      // share lock and then asking to update the row would deadlock (one is aborted, its claim left to lapse).
      if (state === 'failed') await tx.execute(sql`select 1 from webhook_subscriptions where id = ${delivery.subscription_id} for update`);
      else await tx.execute(sql`select 1 from webhook_subscriptions where id = ${delivery.subscription_id} for share`);
      // Keyed on the attempt number: a recording of an attempt whose claim lapsed and was retaken changes nothing.
      const updated = await tx.execute(sql`
        update webhook_deliveries set
          state = case when ${state} = 'pending' and exists (select 1 from webhook_subscriptions s where s.id = ${delivery.subscription_id} and s.disabled_at is not null) then ${PAUSED} else ${state} end,
          lease_until = null,
          last_status = ${outcome.status},
          last_error = ${outcome.error},
          delivered_at = case when ${outcome.delivered} then now() else delivered_at end,
          next_attempt_at = case when ${state} = 'pending' then now() + ${nextDelay} * interval '1 millisecond' else next_attempt_at end,
          log = (log || ${JSON.stringify([entry])}::jsonb)
        where id = ${delivery.id} and attempts = ${delivery.attempts} and state = 'sending'
        returning id, extract(epoch from now() - (select e.created_at from webhook_events e where e.id = webhook_deliveries.event_id))::float8 as lag_seconds`);
      recorded = updated[0] as { lag_seconds: number } | undefined;
      if (state === 'failed' && updated.length > 0) {
        const reason = `${delivery.attempts} attempts to deliver ${delivery.message_id} failed; the last: ${outcome.error ?? 'no answer'}`;
        await tx.execute(sql`
          update webhook_subscriptions set disabled_at = now(), disabled_reason = ${reason}
          where id = ${delivery.subscription_id} and disabled_at is null`);
        // Its other deliveries wait, out of the claim's way, for the endpoint to be enabled again.
        await tx.execute(sql`update webhook_deliveries set state = ${PAUSED} where subscription_id = ${delivery.subscription_id} and state = 'pending'`);
        options.log.warn({ subscriptionId: delivery.subscription_id, reason }, 'webhook endpoint disabled');
      }
    });
    // Once per delivery, after its commit: a lapsed claim's late recording (nothing updated) is not counted again.
    if (!recorded) webhookClaimsLapsed.inc();
    else if (outcome.delivered) {
      webhookDeliveryLag.observe(recorded.lag_seconds);
      webhookDeliveriesFinished.inc({ state: 'delivered' });
    } else if (state === 'failed') webhookDeliveriesFinished.inc({ state: 'failed' });
  }

  async function attempt(delivery: Claimed): Promise<void> {
    const at = new Date();
    const body = JSON.stringify(delivery.payload);
    const secrets = [delivery.secret, ...(delivery.previous_secret ? [delivery.previous_secret] : [])];
    const outcome = await options.sender.send(delivery.url, signedHeaders(secrets, delivery.message_id, at, body), body);
    const kind = attemptOutcome(outcome);
    webhookAttempts.inc({ outcome: kind });
    webhookAttemptDuration.observe({ outcome: kind }, outcome.durationMs / 1000);
    // The address is the operator's to see (the delivery log, which the client reads, names only the host).
    if (outcome.refusedAddress) options.log.warn({ subscriptionId: delivery.subscription_id, deliveryId: delivery.id, address: outcome.refusedAddress, error: outcome.error }, 'webhook target refused');
    await record(delivery, outcome, at);
  }

  /** Runs a claimed attempt in the slots `claim` took for it, and gives them back when it is recorded. */
  function start(delivery: Claimed) {
    const running = attempt(delivery)
      .catch((err) => options.log.error({ err, deliveryId: delivery.id }, 'webhook attempt could not be recorded; its claim will lapse and be retried'))
      .finally(() => {
        slots.release(delivery.key);
        attempts.delete(running);
      });
    attempts.add(running);
  }

  async function tick() {
    if (ticking || stopped) return;
    ticking = true;
    try {
      if (Date.now() - ownersCheckedAt >= checkEveryMs) {
        await checkOwners();
        ownersCheckedAt = Date.now();
      }
      await fanOut();
      for (const delivery of await claim()) start(delivery);
    } catch (err) {
      options.log.warn({ err }, 'webhook delivery tick failed; trying again');
    } finally {
      ticking = false;
    }
  }

  // The pass under way, so that stopping waits for its queries (the database closes after this stops).
  let current: Promise<void> = Promise.resolve();
  const pass = () => {
    if (!ticking) current = tick();
  };
  const timer = setInterval(pass, options.pollIntervalMs);
  const untrack = trackDeliveryLoop({ db, inFlight: () => attempts.size, log: options.log });
  pass();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      untrack();
      await current;
      await Promise.allSettled([...attempts]);
    },
  };
}
