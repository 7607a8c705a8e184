import { sql } from 'drizzle-orm';
import type { Database } from '../client';

export interface WebhookBacklog {
  /** Subscriptions disabled after their last attempt failed (or by staff): their clients hear nothing. */
  disabledEndpoints: number;
  /**
   * How late the dispatcher is, in seconds: the longest an event has waited to be fanned out, or a due delivery
   * to an enabled endpoint to be attempted (0 when nothing waits). A delivery waiting for its next retry is not
   * late: a client's failing endpoint shows in the disabled count, not here.
   */
  oldestDueSeconds: number;
}

/** The webhook backlog in one round trip (the partial indexes on unfanned events and on due deliveries). */
export async function webhookBacklog(db: Database): Promise<WebhookBacklog> {
  const [row] = (await db.execute(sql`
    select
      (select count(*) from webhook_subscriptions where disabled_at is not null)::int as disabled,
      coalesce(extract(epoch from now() - least(
        (select created_at from webhook_events where fanned_out_at is null order by id limit 1),
        (select min(d.next_attempt_at) from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
          where d.state in ('pending', 'sending') and d.next_attempt_at <= now() and s.disabled_at is null
            and (d.state = 'pending' or d.lease_until < now()))
      )), 0)::float8 as oldest
  `)) as unknown as { disabled: number; oldest: number }[];
  return { disabledEndpoints: row!.disabled, oldestDueSeconds: Math.max(0, row!.oldest) };
}

export interface DeliveryQueue {
  /** Events written but not yet fanned out into deliveries. */
  awaitingFanOut: number;
  /** Deliveries to enabled endpoints due now and claimed by nobody: pending, or sending under a lapsed claim. */
  due: number;
  /** Deliveries claimed by a dispatcher whose lease still runs (an attempt in flight somewhere). */
  leasesHeld: number;
  /** Deliveries still `sending` whose lease ran out: the dispatcher that claimed them died or hung; another retakes them. */
  leasesLapsed: number;
}

/** The delivery queue as the dispatcher sees it, in one round trip (the partial indexes on unfanned events and on due deliveries). */
export async function deliveryQueue(db: Database): Promise<DeliveryQueue> {
  const [row] = (await db.execute(sql`
    select
      (select count(*) from webhook_events where fanned_out_at is null)::int as awaiting,
      (select count(*) from webhook_deliveries d join webhook_subscriptions s on s.id = d.subscription_id
        where d.state in ('pending', 'sending') and d.next_attempt_at <= now() and s.disabled_at is null
          and (d.state = 'pending' or d.lease_until < now()))::int as due,
      (select count(*) from webhook_deliveries where state = 'sending' and lease_until >= now())::int as held,
      (select count(*) from webhook_deliveries where state = 'sending' and lease_until < now())::int as lapsed
  `)) as unknown as { awaiting: number; due: number; held: number; lapsed: number }[];
  return { awaitingFanOut: row!.awaiting, due: row!.due, leasesHeld: row!.held, leasesLapsed: row!.lapsed };
}
