import { randomBytes } from 'node:crypto';
import { Router } from 'express';
import { and, desc, eq, isNotNull } from 'drizzle-orm';
import { z } from 'zod';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import type { Database } from '../../db/client';
import { orderEvents, orders, reconciliationRuns } from '../../db/schema';
import type { reconciliationWorkflow } from '../../workflows';
import { requireRole } from '../auth/auth';
import { jsonBody } from '../input/requestBody';
import type { Credential } from '../../lib/credentials';
import { Problem, invalidInput } from '../problem';

export const reconcileSchema = z.strictObject({ skus: z.array(z.string().min(1).max(64)).min(1).max(500).optional() });

export function adminRoutes(deps: { db: Database; client: Client; taskQueue: string; credentials: Credential[] }): Router {
  const router = Router();
  const staff = requireRole(deps.credentials, 'staff');

  /** Runs a reconciliation now, as the schedule would, and answers its report. */
  router.post('/admin/reconcile', staff, jsonBody(), async (req, res) => {
    const body = reconcileSchema.safeParse(req.body ?? {});
    if (!body.success) throw invalidInput(body.error);
    // Unique even for two requests in one millisecond (a timestamp alone collided: the second start was a 500).
    const workflowId = `reconciliation-staff-${Date.now()}-${randomBytes(4).toString('hex')}`;
    try {
      const report = await deps.client.workflow.execute<typeof reconciliationWorkflow>('reconciliationWorkflow', {
        workflowId,
        taskQueue: deps.taskQueue,
        args: [{ trigger: 'staff', skus: body.data.skus }],
        workflowExecutionTimeout: '2m',
      });
      res.json(report);
    } catch (err) {
      if (!(err instanceof WorkflowFailedError)) throw err;
      throw new Problem(502, 'Reconciliation failed', `run ${workflowId} failed: ${(err.cause?.cause as Error | undefined)?.message ?? err.cause?.message ?? err.message}`, { runId: workflowId });
    }
  });

  /** Payment alerts from Stripe's webhooks (disputes, money moved outside Hotpath), newest first, with the order's status now. */
  router.get('/admin/payment-alerts', staff, async (_req, res) => {
    const alerts = await deps.db
      .select({ orderId: orderEvents.orderId, at: orderEvents.at, detail: orderEvents.detail, orderStatus: orders.status })
      .from(orderEvents)
      .innerJoin(orders, eq(orders.id, orderEvents.orderId))
      .where(eq(orderEvents.type, 'payment.alert'))
      .orderBy(desc(orderEvents.at))
      .limit(200);
    res.json({ alerts });
  });

  router.get('/admin/reconciliations', staff, async (_req, res) => {
    // A run is listed once it finished: until then its row is the activity's own bookkeeping (trigger 'pending').
    const runs = await deps.db.select().from(reconciliationRuns).where(isNotNull(reconciliationRuns.finishedAt)).orderBy(desc(reconciliationRuns.startedAt)).limit(50);
    res.json({ runs });
  });

  router.get('/admin/reconciliations/:id', staff, async (req, res) => {
    const [run] = await deps.db.select().from(reconciliationRuns).where(and(eq(reconciliationRuns.id, String(req.params.id)), isNotNull(reconciliationRuns.finishedAt)));
    if (!run) throw new Problem(404, 'Not found', `no finished reconciliation run ${req.params.id}`);
    res.json(run);
  });
  return router;
}
