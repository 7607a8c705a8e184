import { Router, type Request } from 'express';
import { z } from 'zod';
import { answer, isoAt, ok, parseInput, queryParam, VendorError, type VendorResult } from './http';
import { newId } from './ids';
import { creditSchema, recordOrderSchema, restocks, type ErpCredit, type ErpOrder } from './erp-records';
import { nonEmpty } from './schemas';
import type { SimState } from './state';
import { vendorRoutes } from './vendor-route';

const stockRowSchema = z.strictObject({ sku: nonEmpty, warehouse: nonEmpty, onHand: z.number().int().min(0) });

const stockAdjustSchema = z.strictObject({ sku: nonEmpty, warehouse: nonEmpty, delta: z.number().int() });
const stockBatchSchema = z.strictObject({ rows: z.array(stockRowSchema).min(1) });

export function erpRouter(state: SimState): Router {
  const router = Router();
  const routes = vendorRoutes(state, 'erp');
  const { erpOrders, erpCredits } = state;

  // A recorded order's shipments leave the warehouses: the ERP's on hand goes down by what they carry.
  // Receipts and shrinkage come through the control routes.
  const recordOrder = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(recordOrderSchema, req.body);
    const [existing] = erpOrders.list(input.reference);
    if (existing) {
      throw new VendorError(409, 'already_recorded', `Order ${input.reference} is recorded as ${existing.id}`, {
        id: existing.id,
      });
    }
    const order = erpOrders.add({
      type: 'erp_order',
      id: newId('erp'),
      idempotencyKey,
      createdAt: isoAt(state.now()),
      ...input,
    });
    for (const shipment of input.shipments) {
      for (const line of shipment.lines) state.stock.ship(line.sku, shipment.warehouse, line.quantity);
    }
    return ok(201, { id: order.id, reference: order.reference });
  };

  const postCredit = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(creditSchema, req.body);
    const [order] = erpOrders.list(input.reference);
    if (!order) throw new VendorError(409, 'not_recorded', `Order ${input.reference} is not recorded: there is nothing to credit`);
    const recorded = order.shipments.find((s) => s.shipmentId === input.shipmentId);
    if (!recorded) throw new VendorError(409, 'not_recorded', `Shipment ${input.shipmentId} is not part of ${order.id}`);
    const existing = erpCredits.list(input.reference).find((c) => c.shipmentId === input.shipmentId && c.returnId === input.returnId);
    if (existing) {
      const what = input.returnId ? `Return ${input.returnId} of shipment ${input.shipmentId}` : `Shipment ${input.shipmentId}`;
      throw new VendorError(409, 'already_credited', `${what} is credited as ${existing.id}`, { id: existing.id });
    }
    const credit = erpCredits.add({ type: 'erp_credit', id: newId('crd'), idempotencyKey, createdAt: isoAt(state.now()), erpOrderId: order.id, ...input });
    for (const line of credit.lines) if (restocks(credit, line)) state.stock.receive(line.sku, credit.warehouse, line.quantity);
    return ok(201, { id: credit.id, reference: credit.reference, shipmentId: credit.shipmentId, ...(credit.returnId ? { returnId: credit.returnId } : {}) });
  };

  /**
   * Stock and the orders behind it in one answer, so a reconciliation compares like with like: the net units
   * (recorded minus credited) of every order recorded since `recordedSince`, as of the same instant as the stock.
   */
  const snapshot = (req: Request): VendorResult => {
    const since = queryParam(req, 'recordedSince');
    const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
    if (Number.isNaN(sinceMs)) throw new VendorError(400, 'invalid_request', 'recordedSince must be an ISO timestamp');
    const orders = erpOrders
      .list()
      .filter((o) => Date.parse(o.createdAt) >= sinceMs)
      .map((o) => ({ reference: o.reference, recordedAt: o.createdAt, net: netUnits(o, erpCredits.list(o.reference)) }));
    const returnCredits = erpCredits
      .list()
      .filter((c) => c.returnId !== undefined && Date.parse(c.createdAt) >= sinceMs)
      .map((c) => ({ reference: c.reference, returnId: c.returnId!, shipmentId: c.shipmentId }));
    return ok(200, { stock: state.stock.rows(), orders, returnCredits, asOf: isoAt(state.now()) });
  };

  router.post('/credits', routes.write(postCredit));
  router.get(
    '/credits',
    routes.read((req) => ok(200, { credits: erpCredits.list(queryParam(req, 'reference')) })),
  );
  router.get('/stock/snapshot', routes.read(snapshot));
  router.get(
    '/stock',
    routes.read((req) => ok(200, { stock: state.stock.rows(queryParam(req, 'sku')), asOf: isoAt(state.now()) })),
  );
  router.post('/orders', routes.write(recordOrder));
  router.get(
    '/orders',
    routes.read((req) => ok(200, { orders: erpOrders.list(queryParam(req, 'reference')) })),
  );
  return router;
}

export function erpControlRouter(state: SimState): Router {
  const router = Router();
  router.put(
    '/stock',
    answer((req) => ok(200, state.stock.upsert(parseInput(stockRowSchema, req.body)))),
  );
  // A restock (delta > 0) or shrinkage (delta < 0) applied to the row as it is now: unlike a PUT of a figure read
  // earlier, it cannot overwrite an order the ERP recorded in between. Shrinkage loses at most the units on the
  // shelf (never below zero, and nothing from a row already overdrawn); a restock adds all of its units.
  router.post(
    '/stock/adjust',
    answer((req) => {
      const { sku, warehouse, delta } = parseInput(stockAdjustSchema, req.body);
      const before = state.stock.rows(sku).find((r) => r.warehouse === warehouse)?.onHand ?? 0;
      const row = state.stock.upsert({ sku, warehouse, onHand: before + Math.max(delta, -Math.max(0, before)) });
      return ok(200, { ...row, applied: row.onHand - before });
    }),
  );
  router.post(
    '/stock/batch',
    answer((req) => {
      const { rows } = parseInput(stockBatchSchema, req.body);
      return ok(200, { stock: rows.map((row) => state.stock.upsert(row)) });
    }),
  );
  return router;
}

/** What an order still takes out of each warehouse in the ERP's books: its shipments minus its restocking credits. */
function netUnits(order: ErpOrder, credits: readonly ErpCredit[]): { sku: string; warehouse: string; quantity: number }[] {
  const net = new Map<string, { sku: string; warehouse: string; quantity: number }>();
  const add = (sku: string, warehouse: string, quantity: number) => {
    const key = `${sku}\u0000${warehouse}`;
    const row = net.get(key) ?? { sku, warehouse, quantity: 0 };
    row.quantity += quantity;
    net.set(key, row);
  };
  for (const shipment of order.shipments) for (const line of shipment.lines) add(line.sku, shipment.warehouse, line.quantity);
  for (const credit of credits) for (const line of credit.lines) if (restocks(credit, line)) add(line.sku, credit.warehouse, -line.quantity);
  return [...net.values()];
}
