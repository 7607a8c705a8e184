import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { terminalStatusLiterals } from '../../db/terminalStatuses';
import type { RetentionStep } from '../../workflows/retention/contract';
import { TERMINAL_RETURN_STATUSES } from '../../workflows/returns/contract';

type Tx = Parameters<Parameters<Database['transaction']>[0]>[0];

/** What one batch did: rows it took up (its bound) and what it removed (counted in the run). */
export interface BatchOutcome {
  taken: number;
  removed: number;
}

/** The run's column each step's count adds to. */
const COUNT_COLUMN: Record<RetentionStep, string> = {
  webhookDeliveries: 'webhook_deliveries_deleted',
  webhookEvents: 'webhook_events_deleted',
  idempotencyKeys: 'idempotency_keys_expired',
  orderEvents: 'order_events_deleted',
  personalData: 'orders_redacted',
};

/** Rows a batch of a step takes at most: order events go by order, a tenth as many (each has a few dozen events at most). */
export function batchLimitOf(step: RetentionStep, batchSize: number): number {
  return step === 'orderEvents' ? Math.max(1, Math.floor(batchSize / 10)) : batchSize;
}

/**
 * "Ended" is a terminal status (TERMINAL_STATUSES); when it ended is `updated_at`, the time of the transition that
 * ended it (an ended order's row never moves again: activities/order/orderRecord.ts). The list is spelled as
 * literals so the planner matches the partial indexes of db/schema.ts, which are the steps' work queues.
 */
const ended = () => sql`status in ${terminalStatusLiterals()}`;

/**
 * A step's next batch: the rows it changes, oldest first, locked; each a range scan of the step's own partial index
 * (db/schema.ts), which holds exactly the step's remaining work. Rows another transaction holds are skipped.
 */
export function workQueue(step: RetentionStep, cutoff: Date, limit: number): SQL {
  const before = sql`${cutoff.toISOString()}::timestamptz`;
  const queues: Record<RetentionStep, SQL> = {
    // Delivered deliveries; failed and paused ones stay (a receiver may ask to redeliver them).
    webhookDeliveries: sql`select id from webhook_deliveries where state = 'delivered' and delivered_at < ${before} order by delivered_at`,
    // Fanned-out events with no delivery left (all delivered and pruned, or nobody subscribed). One not fanned out
    // yet gets deliveries still; one with a failed or paused delivery stays with it.
    webhookEvents: sql`select id from webhook_events e where fanned_out_at is not null and created_at < ${before}
      and not exists (select 1 from webhook_deliveries d where d.event_id = e.id) order by created_at`,
    idempotencyKeys: sql`select id from orders where ${ended()} and request_hash is not null and updated_at < ${before} order by updated_at`,
    orderEvents: sql`select id from orders where ${ended()} and events_pruned_at is null and updated_at < ${before} order by updated_at`,
    // Never an order with an open return: its return label and refund still need who and where.
    personalData: sql`select id from orders o where ${ended()} and pii_redacted_at is null and updated_at < ${before}
      and not exists (select 1 from returns r where r.order_id = o.id and r.status not in ${sql.raw(`(${TERMINAL_RETURN_STATUSES.map((st) => `'${st}'`).join(', ')})`)})
      order by updated_at`,
  };
  return sql`${queues[step]} limit ${limit} for update skip locked`;
}

/**
 * One batch of one step, and its count added to the run, in one transaction: a retry after a crash finds the rows
 * gone (or changed) and the count already in, so it neither removes nor counts a row twice. Rows another
 * transaction holds are skipped (SKIP LOCKED), never waited for: the next batch or run takes them.
 */
export async function pruneBatch(db: Database, runId: string, step: RetentionStep, cutoff: Date, batchSize: number): Promise<BatchOutcome> {
  return db.transaction(async (tx) => {
    const outcome = await STEPS[step](tx, workQueue(step, cutoff, batchLimitOf(step, batchSize)));
    if (outcome.removed > 0) {
      const column = sql.raw(COUNT_COLUMN[step]);
      await tx.execute(sql`update retention_runs set ${column} = ${column} + ${outcome.removed} where id = ${runId}`);
    }
    return outcome;
  });
}

const counted = async (tx: Tx, query: SQL): Promise<BatchOutcome> => {
  const rows = await tx.execute<{ id: unknown }>(query);
  return { taken: rows.length, removed: rows.length };
};

/** Each step's change to the rows of its batch (`due`, from workQueue). */
const STEPS: Record<RetentionStep, (tx: Tx, due: SQL) => Promise<BatchOutcome>> = {
  webhookDeliveries: (tx, due) => counted(tx, sql`with due as (${due}) delete from webhook_deliveries d using due where d.id = due.id returning d.id`),

  webhookEvents: (tx, due) => counted(tx, sql`with due as (${due}) delete from webhook_events e using due where e.id = due.id returning e.id`),

  /** The request's digest: the key answers 409 "Idempotency-Key expired" from now on. */
  idempotencyKeys: (tx, due) => counted(tx, sql`with due as (${due}) update orders o set request_hash = null from due where o.id = due.id returning o.id`),

  /** The order's timeline; the order row, its lines, shipments and payment stay. */
  orderEvents: async (tx, due) => {
    const [row] = await tx.execute<{ orders: number; events: number }>(
      sql`with due as (${due}),
          gone as (delete from order_events e using due where e.order_id = due.id returning e.id),
          marked as (update orders o set events_pruned_at = now() from due where o.id = due.id returning o.id)
          select (select count(*) from marked)::int as orders, (select count(*) from gone)::int as events`,
    );
    return { taken: row!.orders, removed: row!.events };
  },

  /**
   * The customer's name, e-mail and street address. What the books need stays: the customer id, amounts, lines,
   * shipments and payment, and the address's country and postal code (the tax jurisdiction). An order with an
   * open return is not taken (its queue above leaves it out) until the return ends.
   */
  personalData: (tx, due) =>
    counted(
      tx,
      sql`with due as (${due})
          update orders o set
            email = '',
            shipping_address = jsonb_build_object('name', '', 'line1', '', 'city', '',
              'postalCode', o.shipping_address->'postalCode', 'country', o.shipping_address->'country'),
            pii_redacted_at = now()
          from due where o.id = due.id returning o.id`,
    ),
};
