import { and, desc, eq, inArray, or, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { orders, shipments } from '../../db/schema';
import { ORDER_STATUSES } from '../../workflows/order/contract';
import { Problem } from '../problem';

export const SEARCH_LIMIT_DEFAULT = 50;
export const SEARCH_LIMIT_MAX = 200;

/** An empty query parameter (`?status=`, as a form sends it) means "no filter". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const oneValue = (max: number) =>
  z.string('must be given once').trim().min(1, 'must not be empty').max(max, `must be at most ${max} characters`);

export const searchQuerySchema = z.strictObject({
  customerId: optional(oneValue(100)),
  status: optional(z.enum(ORDER_STATUSES, `must be one of ${ORDER_STATUSES.join(', ')}`)),
  /** An order id, a customer id or a tracking number, matched exactly. */
  q: optional(oneValue(200)),
  limit: z.preprocess(
    (v) => (v === '' || v === undefined ? SEARCH_LIMIT_DEFAULT : typeof v === 'string' && /^\d{1,6}$/.test(v) ? Number(v) : v),
    z
      .number(`must be a whole number from 1 to ${SEARCH_LIMIT_MAX}`)
      .int(`must be a whole number from 1 to ${SEARCH_LIMIT_MAX}`)
      .min(1, `must be a whole number from 1 to ${SEARCH_LIMIT_MAX}`)
      .max(SEARCH_LIMIT_MAX, `must be at most ${SEARCH_LIMIT_MAX}`),
  ),
});

export type SearchQuery = z.infer<typeof searchQuerySchema>;

/** Parses the query string; a bad parameter is a 400 naming it. */
export function parseSearchQuery(query: unknown): SearchQuery {
  const parsed = searchQuerySchema.safeParse(query ?? {});
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.flatMap((i) =>
    i.code === 'unrecognized_keys'
      ? i.keys.map((key) => ({ field: key, message: `is not a search parameter (customerId, status, q, limit)` }))
      : [{ field: i.path.join('.') || '(query)', message: i.message }],
  );
  const first = issues[0]!;
  throw new Problem(400, 'Invalid input', `${first.field}: ${first.message}`, { issues });
}

/**
 * Staff search: the newest orders first, filtered by customer, status and a free-text id. Served by the
 * (customer_id, created_at), (status, created_at) and (created_at) indexes, so a page stays an index scan.
 */
export async function searchOrders(db: Database, query: SearchQuery) {
  const conditions: SQL[] = [];
  if (query.customerId) conditions.push(eq(orders.customerId, query.customerId));
  if (query.status) conditions.push(eq(orders.status, query.status));
  if (query.q) {
    const byTracking = db.select({ orderId: shipments.orderId }).from(shipments).where(eq(shipments.trackingNumber, query.q));
    conditions.push(or(eq(orders.id, query.q), eq(orders.customerId, query.q), inArray(orders.id, byTracking))!);
  }
  const rows = await db
    .select({
      orderId: orders.id,
      customerId: orders.customerId,
      status: orders.status,
      reason: orders.reason,
      totalCents: orders.totalCents,
      currency: orders.currency,
      createdAt: orders.createdAt,
      updatedAt: orders.updatedAt,
    })
    .from(orders)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(orders.createdAt), desc(orders.id))
    .limit(query.limit);
  return {
    orders: rows.map((r) => ({ ...r, createdAt: r.createdAt.toISOString(), updatedAt: r.updatedAt.toISOString() })),
    limit: query.limit,
  };
}
