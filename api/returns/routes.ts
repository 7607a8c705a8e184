import { Router, type Response } from 'express';
import type { Client } from '@temporalio/client';
import type { Credential } from '../../lib/credentials';
import { requireRole } from '../auth/auth';
import { headerValues } from '../input/requestChecks';
import { jsonBody } from '../input/requestBody';
import { Problem, invalidInput, sendProblem } from '../problem';
import type { Viewer } from '../order/contract';
import { idempotencyKeySchema } from '../validation';
import { cancelReturn } from './cancelReturn';
import { requestReturn, type ReturnDeps } from './requestReturn';
import { returnView } from './returnView';
import { cancelReturnSchema, createReturnSchema } from './schemas';
import { mayViewOrder } from './orderAccess';

const ORDER_ID = /^ord_[a-z0-9]{1,40}$/;
const RETURN_ID = /^ret_[a-z0-9]{1,40}$/;

const viewerOf = (res: Response): Viewer => ({ principal: res.locals.principal as string, role: res.locals.role as Viewer['role'] });

/** Returns of an order: requested by the order's checkout client or staff, each run by its own workflow. */
export function returnRoutes(deps: ReturnDeps & { credentials: Credential[]; saga: { client: Client } }): Router {
  const router = Router();
  const ownerOrStaff = requireRole(deps.credentials, 'checkout', 'staff');

  router.post('/orders/:id/returns', ownerOrStaff, jsonBody(), async (req, res) => {
    const keys = headerValues(req, 'idempotency-key');
    if (keys.length > 1) throw new Problem(400, 'Invalid input', 'Idempotency-Key: send the header once');
    const key = idempotencyKeySchema.safeParse(keys[0]);
    if (!key.success) throw new Problem(400, 'Invalid input', `Idempotency-Key: ${key.error.issues[0]!.message}`);
    if (!req.is('application/json')) throw new Problem(415, 'Unsupported media type', 'send the return as application/json');
    const body = createReturnSchema.safeParse(req.body);
    if (!body.success) throw invalidInput(body.error);
    const orderId = String(req.params.id);
    if (!ORDER_ID.test(orderId)) throw new Problem(404, 'Order not found', `no order ${orderId}`);
    const placed = await requestReturn(deps, orderId, viewerOf(res), key.data, body.data);
    res
      .status(202)
      .location(`/orders/${orderId}/returns/${placed.returnId}`)
      .json({ returnId: placed.returnId, status: placed.status, links: { self: `/orders/${orderId}/returns/${placed.returnId}`, cancel: `/orders/${orderId}/returns/${placed.returnId}/cancel` } });
  });

  router.get('/orders/:id/returns/:returnId', ownerOrStaff, async (req, res) => {
    const orderId = String(req.params.id);
    const returnId = String(req.params.returnId);
    const visible = ORDER_ID.test(orderId) && RETURN_ID.test(returnId) && (await mayViewOrder(deps, orderId, viewerOf(res)));
    const view = visible ? await returnView(deps.db, orderId, returnId) : undefined;
    if (!view) return sendProblem(res, new Problem(404, 'Return not found', `no return ${returnId} of order ${orderId}`));
    res.set('cache-control', 'no-store').json(view);
  });

  router.post('/orders/:id/returns/:returnId/cancel', ownerOrStaff, jsonBody(), async (req, res) => {
    const body = cancelReturnSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidInput(body.error);
    const orderId = String(req.params.id);
    const returnId = String(req.params.returnId);
    if (!ORDER_ID.test(orderId) || !RETURN_ID.test(returnId)) throw new Problem(404, 'Return not found', `no return ${returnId} of order ${orderId}`);
    res.status(202).json(await cancelReturn({ db: deps.db, client: deps.saga.client, legacyOwner: deps.legacyOrderOwner }, orderId, returnId, viewerOf(res), body.data.reason));
  });

  return router;
}
