import { Router, type Request } from 'express';
import { behaviorPatchSchema } from './behavior';
import { answer, ok, parseInput, pathParam, queryParam, VendorError } from './http';
import type { SimState } from './state';
import { isSystemName, SYSTEMS, type SystemName } from './systems';

/** Behavior and inspection routes shared by every system, under /_sim. */
export function controlRouter(state: SimState): Router {
  const router = Router();
  const { behaviors } = state;

  router.post(
    '/reset',
    answer(() => {
      for (const system of SYSTEMS) resetFaults(state, system);
      return ok(200, { behaviors: Object.fromEntries(SYSTEMS.map((system) => [system, behaviors.defaultOf(system)])) });
    }),
  );

  router.get(
    '/:system/behavior',
    answer((req) => ok(200, behaviors.defaultOf(systemOf(req)))),
  );

  router.post(
    '/:system/behavior',
    answer((req) => {
      const system = systemOf(req);
      return ok(200, behaviors.update(system, parseInput(behaviorPatchSchema, req.body)));
    }),
  );

  router.delete(
    '/:system/behavior',
    answer((req) => {
      const system = systemOf(req);
      resetFaults(state, system, queryParam(req, 'scope'));
      return ok(200, behaviors.defaultOf(system));
    }),
  );

  router.get(
    '/:system/records',
    answer((req) => ok(200, { records: recordsOf(state, systemOf(req), queryParam(req, 'reference')) })),
  );

  return router;
}

function systemOf(req: Request): SystemName {
  const system = pathParam(req, 'system');
  if (!isSystemName(system)) throw new VendorError(404, 'unknown_system', `No simulated system named "${system}"`);
  return system;
}

/** Clears injected faults, for one scope or the whole system; records are kept. */
function resetFaults(state: SimState, system: SystemName, scope?: string): void {
  state.behaviors.reset(system, scope);
  if (system === 'wms') state.cancellations.reset(scope);
}

function recordsOf(state: SimState, system: SystemName, reference: string | undefined): unknown[] {
  switch (system) {
    case 'payment':
      return state.paymentIntents.records(reference);
    case 'carrier':
      return state.labels.records(reference);
    case 'wms':
      return [...state.tasks.records(reference), ...state.expectedReturns.records(reference)];
    case 'erp':
      return [...state.erpOrders.records(reference), ...state.erpCredits.records(reference)];
    case 'notifications':
      return state.messages.records(reference);
  }
}
