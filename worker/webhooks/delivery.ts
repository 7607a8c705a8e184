import { sql } from 'drizzle-orm';
import type { Logger } from 'pino';
import type { Database } from '../../db/client';
import type { DeliveryAttempt } from '../../db/schema';
import { signedHeaders } from '../../lib/webhooks/signing';
import type { AttemptOutcome, WebhookSender } from '../../lib/webhooks/sender';
import { webhookDeliveryLag } from '../../lib/metrics';

export interface WebhookDeliveryOptions {
  sender: WebhookSender;
  /** Delay before each attempt; its length is the number of attempts. */
  retrySchedule: number[];
  pollIntervalMs: number;
  /** Attempts in flight to one subscription at once, in this dispatcher. */
  perSubscription: number;
  /** Attempts in flight from this dispatcher. */
  maxInFlight: number;
  /** An attempt's budget: a claim lapses this long after it plus a margin, and another dispatcher retries it. */
  timeoutMs: number;
  /** Owner of the orders without one (LEGACY_ORDER_OWNER or the first checkout credential). */
  legacyOwner?: string;
  log: Logger;
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
}

/**
 * The webhook duty of the dispatcher, beside the saga and never inside it: fans each outbox event out to the
 * matching subscriptions' deliveries, then claims due deliveries (FOR UPDATE SKIP LOCKED, so several
 * dispatchers share the work) and attempts them concurrently, at most `perSubscription` per subscription, each
 * bounded by its timeout. A slow or failing endpoint only ever holds its own slots.
 */
export function runWebhookDelivery(db: Database, options: WebhookDeliveryOptions): { stop: () => Promise<void> } {
  const inFlight = new Map<string, number>();
  const attempts = new Set<Promise<void>>();
  let total = 0;
  let ticking = false;
  let stopped = false;
  const leaseMs = options.timeoutMs + 30_000;

  async function fanOut(): Promise<void> {
    await db.execute(sql`
      with batch as (
        select id from webhook_events where fanned_out_at is null order by id limit 500 for update skip locked
      ), made as (
        insert into webhook_deliveries (event_id, subscription_id, next_attempt_at)
        select e.id, s.id, now() + ${options.retrySchedule[0]!} * interval '1 millisecond'
        from webhook_events e
        join batch on batch.id = e.id
        join webhook_subscriptions s
          on (s.all_orders or s.owner = coalesce(e.owner, ${options.legacyOwner ?? null}::text))
          and (s.events is null or s.events ? e.type)
          and s.created_at <= e.created_at
        on conflict do nothing
      )
      update webhook_events set fanned_out_at = now() where id in (select id from batch)`);
  }

  async function claim(): Promise<Claimed[]> {
    const room = options.maxInFlight - total;
    if (room <= 0) return [];
    const busy = JSON.stringify(Object.fromEntries(inFlight));
    const rows = await db.execute(sql`
      with candidates as (
        select d.id, d.subscription_id,
               row_number() over (partition by d.subscription_id order by d.next_attempt_at, d.id) as rank
        from webhook_deliveries d
        join webhook_subscriptions s on s.id = d.subscription_id
        where s.disabled_at is null and d.next_attempt_at <= now()
          and (d.state = 'pending' or (d.state = 'sending' and d.lease_until < now()))
      ), allowed as (
        select id from candidates
        where rank <= ${options.perSubscription} - coalesce((${busy}::jsonb ->> subscription_id)::int, 0)
      ), locked as (
        select d.id from webhook_deliveries d
        where d.id in (select id from allowed) and (d.state = 'pending' or (d.state = 'sending' and d.lease_until < now()))
        order by d.next_attempt_at, d.id
        limit ${room}
        for update skip locked
      )
      update webhook_deliveries d
      set state = 'sending', attempts = d.attempts + 1, lease_until = now() + ${leaseMs} * interval '1 millisecond', last_attempt_at = now()
      from locked, webhook_events e, webhook_subscriptions s
      where d.id = locked.id and e.id = d.event_id and s.id = d.subscription_id
      returning d.id, d.attempts, d.subscription_id, e.message_id, e.payload, s.url, s.secret,
        case when s.previous_secret_expires_at > now() then s.previous_secret end as previous_secret`);
    return rows as unknown as Claimed[];
  }

  async function record(delivery: Claimed, outcome: AttemptOutcome, at: Date): Promise<void> {
    const entry: DeliveryAttempt = { at: at.toISOString(), status: outcome.status, error: outcome.error, durationMs: outcome.durationMs };
    const last = delivery.attempts >= options.retrySchedule.length;
    const nextDelay = options.retrySchedule[delivery.attempts] ?? 0;
    const state = outcome.delivered ? 'delivered' : last ? 'failed' : 'pending';
    let recorded: { lag_seconds: number } | undefined;
    await db.transaction(async (tx) => {
      // Keyed on the attempt number: a recording of an attempt whose claim lapsed and was retaken changes nothing.
      const updated = await tx.execute(sql`
        update webhook_deliveries set
          state = ${state},
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
        options.log.warn({ subscriptionId: delivery.subscription_id, reason }, 'webhook endpoint disabled');
      }
    });
    // Once per delivery, after its commit: a lapsed claim's late recording (nothing updated) is not counted again.
    if (outcome.delivered && recorded) webhookDeliveryLag.observe(recorded.lag_seconds);
  }

  async function attempt(delivery: Claimed): Promise<void> {
    const at = new Date();
    const body = JSON.stringify(delivery.payload);
    const secrets = [delivery.secret, ...(delivery.previous_secret ? [delivery.previous_secret] : [])];
    const outcome = await options.sender.send(delivery.url, signedHeaders(secrets, delivery.message_id, at, body), body);
    // The address is the operator's to see (the delivery log, which the client reads, names only the host).
    if (outcome.refusedAddress) options.log.warn({ subscriptionId: delivery.subscription_id, deliveryId: delivery.id, address: outcome.refusedAddress, error: outcome.error }, 'webhook target refused');
    await record(delivery, outcome, at);
  }

  function start(delivery: Claimed) {
    inFlight.set(delivery.subscription_id, (inFlight.get(delivery.subscription_id) ?? 0) + 1);
    total += 1;
    const running = attempt(delivery)
      .catch((err) => options.log.error({ err, deliveryId: delivery.id }, 'webhook attempt could not be recorded; its claim will lapse and be retried'))
      .finally(() => {
        const left = (inFlight.get(delivery.subscription_id) ?? 1) - 1;
        if (left > 0) inFlight.set(delivery.subscription_id, left);
        else inFlight.delete(delivery.subscription_id);
        total -= 1;
        attempts.delete(running);
      });
    attempts.add(running);
  }

  async function tick() {
    if (ticking || stopped) return;
    ticking = true;
    try {
      await fanOut();
      for (const delivery of await claim()) start(delivery);
    } catch (err) {
      options.log.warn({ err }, 'webhook delivery tick failed; trying again');
    } finally {
      ticking = false;
    }
  }

  const timer = setInterval(() => void tick(), options.pollIntervalMs);
  void tick();
  return {
    stop: async () => {
      stopped = true;
      clearInterval(timer);
      await Promise.allSettled([...attempts]);
    },
  };
}
