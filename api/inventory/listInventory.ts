import { and, asc, eq, gt, inArray, sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import type { Database } from '../../db/client';
import { stock } from '../../db/schema';
import { Problem } from '../problem';

export const INVENTORY_LIMIT_DEFAULT = 50;
export const INVENTORY_LIMIT_MAX = 200;

const once = (schema: z.ZodString) => z.string('must be given once').pipe(schema);

export const inventoryQuerySchema = z.strictObject({
  skuPrefix: once(z.string().regex(/^[A-Z0-9-]{1,64}$/, 'must be the start of an upper-case SKU code (A-Z, 0-9, -)'))
    .optional()
    .meta({ description: 'Only SKUs starting with this.', example: 'TSHIRT-' }),
  warehouse: once(z.string().min(1, 'must not be empty').max(64, 'must be at most 64 characters'))
    .optional()
    .meta({ description: 'Only SKUs stocked in this warehouse, and only its figures.', example: 'wh-east' }),
  limit: once(z.string().regex(/^\d{1,3}$/, `must be a whole number from 1 to ${INVENTORY_LIMIT_MAX}`))
    .optional()
    .meta({ description: `SKUs per page, 1–${INVENTORY_LIMIT_MAX} (default ${INVENTORY_LIMIT_DEFAULT}).`, example: '50' }),
  cursor: once(z.string().regex(/^[A-Za-z0-9_-]{1,200}$/, 'must be a nextCursor from an earlier page'))
    .optional()
    .meta({ description: "The previous page's `nextCursor`: the page after it, with the same filters." }),
});

export interface InventoryQuery {
  skuPrefix?: string;
  warehouse?: string;
  limit: number;
  /** The last SKU of the previous page. */
  after?: string;
}

/** Parses the query string; a bad parameter is a 400 naming it. */
export function parseInventoryQuery(query: unknown): InventoryQuery {
  const parsed = inventoryQuerySchema.safeParse(query ?? {});
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) =>
      i.code === 'unrecognized_keys'
        ? i.keys.map((key) => ({ field: key, message: 'is not a parameter of this listing (skuPrefix, warehouse, limit, cursor)' }))
        : [{ field: i.path.join('.') || '(query)', message: i.message }],
    );
    throw new Problem(400, 'Invalid input', `${issues[0]!.field}: ${issues[0]!.message}`, { issues });
  }
  const limit = parsed.data.limit === undefined ? INVENTORY_LIMIT_DEFAULT : Number(parsed.data.limit);
  if (limit < 1 || limit > INVENTORY_LIMIT_MAX) throw new Problem(400, 'Invalid input', `limit: must be a whole number from 1 to ${INVENTORY_LIMIT_MAX}`, { issues: [{ field: 'limit', message: `must be a whole number from 1 to ${INVENTORY_LIMIT_MAX}` }] });
  let after: string | undefined;
  if (parsed.data.cursor) {
    after = Buffer.from(parsed.data.cursor, 'base64url').toString('utf8');
    if (!/^[A-Z0-9][A-Z0-9-]{0,63}$/.test(after)) throw new Problem(400, 'Invalid input', 'cursor: must be a nextCursor from an earlier page', { issues: [{ field: 'cursor', message: 'must be a nextCursor from an earlier page' }] });
  }
  return { skuPrefix: parsed.data.skuPrefix, warehouse: parsed.data.warehouse, limit, after };
}

const perSku = (rows: { sku: string; warehouse: string; onHand: number; reserved: number }[]) => {
  const bySku = new Map<string, { warehouse: string; onHand: number; reserved: number; available: number }[]>();
  for (const r of rows) {
    const list = bySku.get(r.sku) ?? [];
    list.push({ warehouse: r.warehouse, onHand: r.onHand, reserved: r.reserved, available: r.onHand - r.reserved });
    bySku.set(r.sku, list);
  }
  return bySku;
};

/**
 * One page of SKUs in SKU order (keyset pagination: the cursor is the page's last SKU, so pages stay stable
 * while stock changes), each with its availability per warehouse and in total, read from the table holds are
 * written to.
 */
export async function listInventory(db: Database, query: InventoryQuery) {
  // "C" collation: byte order, the same order the cursor compares in, whatever the database's locale.
  const skuOrder = sql`${stock.sku} collate "C"`;
  const conditions: SQL[] = [];
  if (query.skuPrefix) conditions.push(sql`starts_with(${stock.sku}, ${query.skuPrefix})`);
  if (query.warehouse) conditions.push(eq(stock.warehouse, query.warehouse));
  if (query.after) conditions.push(gt(skuOrder, sql`${query.after} collate "C"`));
  const page = await db
    .selectDistinct({ sku: skuOrder.mapWith(String) })
    .from(stock)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(asc(skuOrder))
    .limit(query.limit + 1);
  const skus = page.slice(0, query.limit).map((r) => r.sku);
  const rows = skus.length
    ? await db
        .select()
        .from(stock)
        .where(and(inArray(stock.sku, skus), query.warehouse ? eq(stock.warehouse, query.warehouse) : undefined))
        .orderBy(asc(stock.warehouse))
    : [];
  const bySku = perSku(rows);
  return {
    items: skus.map((sku) => inventoryItem(sku, bySku.get(sku) ?? [])),
    nextCursor: page.length > query.limit ? Buffer.from(skus.at(-1)!).toString('base64url') : null,
    limit: query.limit,
  };
}

export function inventoryItem(sku: string, warehouses: { warehouse: string; onHand: number; reserved: number; available: number }[]) {
  return {
    sku,
    available: warehouses.reduce((n, w) => n + w.available, 0),
    onHand: warehouses.reduce((n, w) => n + w.onHand, 0),
    reserved: warehouses.reduce((n, w) => n + w.reserved, 0),
    warehouses,
  };
}
