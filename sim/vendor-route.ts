import type { RequestHandler } from 'express';
import { simulated, type ReferenceOf, type VendorAction } from './behavior';
import { idempotent, type KeyedAction } from './idempotency';
import type { SimState } from './state';
import type { SystemName } from './systems';

export interface VendorRoutes {
  /** A read: behavior applies, using the system default rule. */
  read(action: VendorAction): RequestHandler;
  /** A mutation: behavior applies (scoped by reference), then idempotent replay. */
  write(action: KeyedAction, referenceOf?: ReferenceOf): RequestHandler;
}

const noReference: ReferenceOf = () => undefined;

export function vendorRoutes(state: SimState, system: SystemName): VendorRoutes {
  const vendor = simulated(state.behaviors, system, state.random);
  return {
    read: (action) => vendor(action, noReference),
    write: (action, referenceOf) => vendor(idempotent(state.idempotency, system, action), referenceOf),
  };
}
