import { Router } from 'express';
import { asc, eq } from 'drizzle-orm';
import type { Database } from '../../db/client';
import { stock } from '../../db/schema';
import { requireRole, type Credential } from '../auth';
import { Problem } from '../problem';

/** Availability straight from the table the reservations write: a hold shows the moment it commits. */
export function inventoryRoutes(db: Database, credentials: Credential[]): Router {
  const router = Router();
  router.get('/inventory/:sku', requireRole(credentials, 'checkout', 'staff'), async (req, res) => {
    const sku = String(req.params.sku);
    const rows = await db.select().from(stock).where(eq(stock.sku, sku)).orderBy(asc(stock.warehouse));
    if (rows.length === 0) throw new Problem(404, 'Unknown SKU', `no stock is kept for ${sku}`);
    const warehouses = rows.map((r) => ({ warehouse: r.warehouse, onHand: r.onHand, reserved: r.reserved, available: r.onHand - r.reserved }));
    res.set('cache-control', 'no-store').json({
      sku,
      available: warehouses.reduce((n, w) => n + w.available, 0),
      onHand: warehouses.reduce((n, w) => n + w.onHand, 0),
      reserved: warehouses.reduce((n, w) => n + w.reserved, 0),
      warehouses,
    });
  });
  return router;
}
