import type { ActivityDeps } from './deps';
import { erpActivities } from './erp';
import { inventoryActivities, reconciliationActivities } from './inventory';
import { notificationActivities } from './notifications';
import { orderRecordActivities } from './order';
import { paymentActivities } from './payment';
import { retentionActivities } from './retention';
import { returnActivities } from './returns';
import { carrierActivities, warehouseActivities } from './shipment';

export type { ActivityDeps } from './deps';

/** Every activity the workflows call, bound to their dependencies. */
export function createOrderActivities(deps: ActivityDeps) {
  return {
    ...inventoryActivities(deps),
    ...paymentActivities(deps),
    ...carrierActivities(deps),
    ...warehouseActivities(deps),
    ...notificationActivities(deps),
    ...erpActivities(deps),
    ...orderRecordActivities(deps),
    ...reconciliationActivities(deps),
    ...retentionActivities(deps),
    ...returnActivities(deps),
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
