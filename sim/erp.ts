import { Router, type Request } from 'express';
import { z } from 'zod';
import { answer, isoAt, ok, parseInput, queryParam, VendorError, type VendorResult } from './http';
import { newId } from './ids';
import type { SimRecord } from './keyed-records';
import { currencySchema, lineItemSchema, nonEmpty } from './schemas';
import type { SimState } from './state';
import { vendorRoutes } from './vendor-route';

const orderLineSchema = lineItemSchema.extend({ unitPriceCents: z.number().int().min(0) });

const shipmentSchema = z.object({
  warehouse: nonEmpty,
  trackingNumber: nonEmpty,
  lines: z.array(lineItemSchema).min(1),
});

const recordOrderSchema = z.object({
  reference: nonEmpty,
  customerId: nonEmpty,
  currency: currencySchema,
  totalCents: z.number().int().min(0),
  lines: z.array(orderLineSchema).min(1),
  shipments: z.array(shipmentSchema),
});

const stockRowSchema = z.strictObject({ sku: nonEmpty, warehouse: nonEmpty, onHand: z.number().int().min(0) });

const stockBatchSchema = z.strictObject({ rows: z.array(stockRowSchema).min(1) });

type RecordOrderInput = z.infer<typeof recordOrderSchema>;

export interface ErpOrder extends SimRecord, Omit<RecordOrderInput, 'reference'> {
  type: 'erp_order';
}

export function erpRouter(state: SimState): Router {
  const router = Router();
  const routes = vendorRoutes(state, 'erp');
  const { erpOrders } = state;

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
  router.post(
    '/stock/batch',
    answer((req) => {
      const { rows } = parseInput(stockBatchSchema, req.body);
      return ok(200, { stock: rows.map((row) => state.stock.upsert(row)) });
    }),
  );
  return router;
}
