import { Router } from 'express';
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { stock } from '../../db/schema';
import { requireRole } from '../auth/auth';
import type { Credential } from '../../lib/credentials';
import { Problem } from '../problem';
import { inventoryItem, listInventory, parseInventoryQuery } from './listInventory';

const SKU = /^[A-Z0-9][A-Z0-9-]{0,63}$/;

/** Availability straight from the table the reservations write: a hold shows the moment it commits. */
export function inventoryRoutes(db: Database, credentials: Credential[]): Router {
  const router = Router();
  const readers = requireRole(credentials, 'checkout', 'staff');

  router.get('/inventory', readers, async (req, res) => {
    res.set('cache-control', 'no-store').json(await listInventory(db, parseInventoryQuery(req.query)));
  });

  router.get('/inventory/:sku', readers, async (req, res) => {
    const sku = String(req.params.sku);
    const rows = SKU.test(sku) ? await db.select().from(stock).where(eq(stock.sku, sku)).orderBy(asc(stock.warehouse)) : [];
    if (rows.length === 0) throw new Problem(404, 'Unknown SKU', `no stock is kept for ${sku}`);
    res.set('cache-control', 'no-store').json(inventoryItem(sku, rows.map((r) => ({ warehouse: r.warehouse, onHand: r.onHand, reserved: r.reserved, available: r.onHand - r.reserved }))));
  });
  return router;
}
