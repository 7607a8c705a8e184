import { carrierActivities } from './carrier';
import type { ActivityDeps } from './deps';
import { erpActivities } from './erp';
import { inventoryActivities } from './inventory/activities';
import { reconciliationActivities } from './inventory/reconciliationActivities';
import { notificationActivities } from './notifications';
import { orderRecordActivities } from './orderRecord';
import { paymentActivities } from './payment';
import { warehouseActivities } from './warehouse';

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
  };
}

export type OrderActivities = ReturnType<typeof createOrderActivities>;
