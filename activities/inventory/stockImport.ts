import type { Database } from '../../db/client';
import { stock } from '../../db/schema';
import { type VendorClient, unexpected } from '../vendorClient';

export interface ErpStockRow {
  sku: string;
  warehouse: string;
  onHand: number;
}

export async function fetchErpStock(erp: VendorClient, sku?: string): Promise<ErpStockRow[]> {
  const res = await erp.get<{ stock: ErpStockRow[] }>(sku ? `/stock?sku=${encodeURIComponent(sku)}` : '/stock');
  if (res.status !== 200) throw unexpected('erp', res);
  return res.body.stock;
}

/** Adds SKUs the ERP knows and Hotpath does not yet; existing rows are the reconciler's business. */
export async function importNewStock(db: Database, erp: VendorClient): Promise<number> {
  const rows = await fetchErpStock(erp);
  if (rows.length === 0) return 0;
  const inserted = await db
    .insert(stock)
    .values(rows.map((r) => ({ sku: r.sku, warehouse: r.warehouse, onHand: r.onHand, reserved: 0 })))
    .onConflictDoNothing()
    .returning({ sku: stock.sku });
  return inserted.length;
}
