/** The inventory context's runtime entry (for composition roots): its activities and the default allocation policy. */
export { inventoryActivities } from './activities';
export { reconciliationActivities } from './reconciliationActivities';
export { nearestSingleWarehouseFirst } from './allocation';
export { importNewStock } from './stockImport';
