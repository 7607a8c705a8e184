import type { Database } from '../../db/client';
import { stock } from '../../db/schema';
import type { ErpPort } from '../erp/contract';
import { viaPort } from '../vendorErrors';

/**
 * Adds SKUs the ERP knows and Hotpath does not yet; existing rows are the reconciler's business. An ERP row that
 * is overdrawn (negative) starts at 0 here: Hotpath's on hand is never negative, and nothing is there to sell.
 */
export async function importNewStock(db: Database, erp: Pick<ErpPort, 'stock'>): Promise<number> {
  const rows = await viaPort(() => erp.stock());
  if (rows.length === 0) return 0;
  const inserted = await db
    .insert(stock)
    .values(rows.map((r) => ({ sku: r.sku, warehouse: r.warehouse, onHand: Math.max(0, r.onHand), reserved: 0 })))
    .onConflictDoNothing()
    .returning({ sku: stock.sku });
  return inserted.length;
}
