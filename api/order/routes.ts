import { Router } from 'express';
import { orderWorkflowId } from '../../workflows/order/contract';
import { Problem, invalidInput, sendProblem } from '../problem';
import { requireRole } from '../auth/auth';
import type { Credential } from '../../lib/credentials';
import { cancelSchema, createOrderSchema, idempotencyKeySchema, resolveSchema } from '../validation';
import { cancelOrder } from './cancelOrder';
import { resolveParkedOrder } from './resolveOrder';
import { orderView } from './orderView';
import { placeOrder, type PlaceOrderDeps } from './placeOrder';
import { headerValues } from '../input/requestChecks';
import { jsonBody } from '../input/requestBody';
import type { Viewer } from './ownership';
import { parseSearchQuery, searchOrders } from './searchOrders';

export function orderRoutes(deps: PlaceOrderDeps & { temporalUiUrl?: string; credentials: Credential[]; cancelAnswerWithinMs?: number }): Router {
  const router = Router();

  const viewerOf = (res: { locals: Record<string, unknown> }): Viewer => ({ principal: res.locals.principal as string, role: res.locals.role as Viewer['role'] });

  router.post('/orders', requireRole(deps.credentials, 'checkout'), jsonBody(), async (req, res) => {
    // Node joins a repeated header into one value: count what was actually sent.
    const keys = headerValues(req, 'idempotency-key');
    if (keys.length > 1) throw new Problem(400, 'Invalid input', 'Idempotency-Key: send the header once');
    const key = idempotencyKeySchema.safeParse(keys[0]);
    if (!key.success) throw new Problem(400, 'Invalid input', `Idempotency-Key: ${key.error.issues[0]!.message}`);
    if (!req.is('application/json')) throw new Problem(415, 'Unsupported media type', 'send the order as application/json');
    const body = createOrderSchema.safeParse(req.body);
    if (!body.success) throw invalidInput(body.error);

    const placed = await placeOrder(deps, key.data, body.data, res.locals.principal as string);
    res
      .status(202)
      .location(`/orders/${placed.orderId}`)
      .json({ orderId: placed.orderId, status: placed.status, links: links(placed.orderId, deps.temporalUiUrl) });
  });

  // Staff search for the support console: newest first, by customer, status or an id.
  router.get('/orders', requireRole(deps.credentials, 'staff'), async (req, res) => {
    const query = parseSearchQuery(req.query);
    res.set('cache-control', 'no-store').json(await searchOrders(deps.db, query));
  });

  router.get('/orders/:id', requireRole(deps.credentials, 'checkout', 'staff'), async (req, res) => {
    const orderId = String(req.params.id);
    const view = /^ord_[a-z0-9]{1,40}$/.test(orderId) ? await orderView(deps.db, orderId, { viewer: viewerOf(res), legacyOwner: deps.legacyOrderOwner }) : undefined;
    if (!view) return sendProblem(res, new Problem(404, 'Order not found', `no order ${orderId}`));
    res.json({ ...view, links: links(view.orderId, deps.temporalUiUrl) });
  });

  router.post('/orders/:id/cancel', requireRole(deps.credentials, 'checkout', 'staff'), jsonBody(), async (req, res) => {
    const body = cancelSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidInput(body.error);
    const orderId = String(req.params.id);
    if (!/^ord_[a-z0-9]{1,40}$/.test(orderId)) throw new Problem(404, 'Order not found', `no order ${orderId}`);
    const result = await cancelOrder({ db: deps.db, client: deps.saga.client, legacyOwner: deps.legacyOrderOwner, answerWithinMs: deps.cancelAnswerWithinMs }, orderId, viewerOf(res), { reason: body.data.reason, shipmentIds: body.data.shipmentIds });
    res.status(202).json({ ...result, links: links(orderId, deps.temporalUiUrl) });
  });

  router.post('/orders/:id/resolve', requireRole(deps.credentials, 'staff'), jsonBody(), async (req, res) => {
    const body = resolveSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidInput(body.error);
    const orderId = String(req.params.id);
    if (!/^ord_[a-z0-9]{1,40}$/.test(orderId)) throw new Problem(404, 'Order not found', `no order ${orderId}`);
    const result = await resolveParkedOrder({ db: deps.db, client: deps.saga.client }, orderId, { action: body.data.action, by: res.locals.principal as string });
    res.status(202).json(result);
  });

  return router;
}

function links(orderId: string, temporalUiUrl?: string) {
  return {
    self: `/orders/${orderId}`,
    cancel: `/orders/${orderId}/cancel`,
    ...(temporalUiUrl ? { workflow: `${temporalUiUrl}/namespaces/default/workflows/${orderWorkflowId(orderId)}` } : {}),
  };
}
