import { Router, type Request } from 'express';
import { z } from 'zod';
import { answer, isoAt, notFound, ok, parseInput, pathParam, VendorError, type VendorResult } from './http';
import { newId } from './ids';
import type { Task } from './wms-records';
import { lineItemSchema, nonEmpty, type LineItem } from './schemas';
import type { SimState } from './state';
import { vendorRoutes } from './vendor-route';
import { announceReturnReceived, announceShipped } from './wms-callback';

const createTaskSchema = z.object({
  reference: nonEmpty,
  shipmentId: nonEmpty,
  warehouse: nonEmpty,
  trackingNumber: nonEmpty,
  lines: z.array(lineItemSchema).min(1),
});

const cancelTaskSchema = z.object({ reference: nonEmpty, taskKey: nonEmpty });

const expectReturnSchema = z.object({
  reference: nonEmpty,
  returnId: nonEmpty,
  lines: z.array(lineItemSchema.extend({ warehouse: nonEmpty })).min(1),
});

const cancelReturnSchema = z.object({ reference: nonEmpty, expectKey: nonEmpty });

const receiveReturnSchema = z.strictObject({
  lines: z.array(z.strictObject({ sku: nonEmpty, quantity: z.number().int().min(0), condition: z.enum(['resellable', 'damaged']) })),
});

const cancellationModeSchema = z.strictObject({
  mode: z.enum(['confirm', 'refuse']).default('confirm'),
  scope: nonEmpty.optional(),
});

function findTask(state: SimState, id: string): Task {
  const task = state.tasks.byId(id);
  if (!task) throw notFound('task', id);
  return task;
}

export function wmsRouter(state: SimState): Router {
  const router = Router();
  const routes = vendorRoutes(state, 'wms');
  const { tasks } = state;

  const createTask = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(createTaskSchema, req.body);
    if (tasks.isTombstoned(idempotencyKey)) {
      throw new VendorError(409, 'task_cancelled', `Task ${idempotencyKey} was cancelled before it arrived`);
    }
    const task = tasks.add({
      type: 'task',
      id: newId('task'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(state.now()),
      shipmentId: input.shipmentId,
      warehouse: input.warehouse,
      trackingNumber: input.trackingNumber,
      lines: input.lines,
      status: 'accepted',
      cancelledAt: null,
      shippedAt: null,
    });
    return ok(201, { id: task.id, status: task.status });
  };

  // Addressed by the task's Idempotency-Key, like payment voids.
  const cancelTask = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(cancelTaskSchema, req.body);
    const task = tasks.byKey(input.taskKey);
    const now = isoAt(state.now());
    if (!task) {
      tasks.tombstone({ key: input.taskKey, reference: input.reference, idempotencyKey, createdAt: now });
      return ok(200, { status: 'nothing_to_cancel' });
    }
    if (task.status === 'shipped') throw new VendorError(409, 'already_shipped', `${task.id} has shipped`);
    if (task.status === 'accepted') {
      if (state.cancellations.modeFor(task.reference, task.shipmentId) === 'refuse') {
        throw new VendorError(409, 'cancellation_refused', `${task.id} is already being picked`);
      }
      task.status = 'cancelled';
      task.cancelledAt = now;
    }
    return ok(200, { status: 'cancelled', taskId: task.id });
  };

  // A return to expect: its units per SKU and the warehouse each goes back to. A repeat answers the first.
  const expectReturn = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(expectReturnSchema, req.body);
    if (state.expectedReturns.isTombstoned(idempotencyKey)) {
      throw new VendorError(409, 'return_cancelled', `Return ${idempotencyKey} was cancelled before it arrived`);
    }
    const expected = state.expectedReturns.add({
      type: 'expected_return',
      id: newId('rma'),
      reference: input.reference,
      idempotencyKey,
      createdAt: isoAt(state.now()),
      returnId: input.returnId,
      lines: input.lines,
      status: 'expected',
      cancelledAt: null,
      receivedAt: null,
      received: null,
    });
    return ok(201, { id: expected.id, status: expected.status });
  };

  // Addressed by the expectation's Idempotency-Key; a return already counted cannot be un-received.
  const cancelReturn = (req: Request, idempotencyKey: string): VendorResult => {
    const input = parseInput(cancelReturnSchema, req.body);
    const expected = state.expectedReturns.byKey(input.expectKey);
    const now = isoAt(state.now());
    if (!expected) {
      state.expectedReturns.tombstone({ key: input.expectKey, reference: input.reference, idempotencyKey, createdAt: now });
      return ok(200, { status: 'nothing_to_cancel' });
    }
    if (expected.status === 'received') throw new VendorError(409, 'already_received', `${expected.id} was received`);
    if (expected.status === 'expected') {
      expected.status = 'cancelled';
      expected.cancelledAt = now;
    }
    return ok(200, { status: 'cancelled', id: expected.id });
  };

  router.post('/returns', routes.write(expectReturn));
  router.post('/returns/cancel', routes.write(cancelReturn));
  router.post('/tasks', routes.write(createTask));
  router.post('/tasks/cancel', routes.write(cancelTask));
  router.get('/tasks/:id', routes.read((req) => ok(200, findTask(state, pathParam(req, 'id')))));
  return router;
}

export function wmsControlRouter(state: SimState): Router {
  const router = Router();

  router.post(
    '/tasks/:id/ship',
    answer((req) => {
      const task = findTask(state, pathParam(req, 'id'));
      if (task.status === 'cancelled') throw new VendorError(409, 'task_cancelled', `${task.id} was cancelled`);
      if (task.status === 'accepted') {
        task.status = 'shipped';
        task.shippedAt = isoAt(state.now());
        announceShipped(state.wmsCallbackUrl, task);
      }
      return ok(200, task);
    }),
  );

  // The warehouse counts a return's parcel (tests and demos): recorded, then announced as `return.received`.
  router.post(
    '/returns/:returnId/receive',
    answer((req) => {
      const returnId = pathParam(req, 'returnId');
      const { lines } = parseInput(receiveReturnSchema, req.body);
      const expected = state.expectedReturns.list().find((r) => r.returnId === returnId && r.status !== 'cancelled');
      if (!expected) throw notFound('expected return', returnId);
      if (expected.status === 'expected') {
        expected.status = 'received';
        expected.receivedAt = isoAt(state.now());
        expected.received = lines.filter((l) => l.quantity > 0);
      }
      // A repeat announces the first count again (the callback is delivered at least once).
      announceReturnReceived(state.wmsCallbackUrl, expected);
      return ok(200, expected);
    }),
  );

  router.post(
    '/cancellations',
    answer((req) => {
      const { mode, scope } = parseInput(cancellationModeSchema, req.body ?? {});
      state.cancellations.set(mode, scope);
      return ok(200, { mode, ...(scope === undefined ? {} : { scope }) });
    }),
  );

  return router;
}
