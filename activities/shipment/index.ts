/** The shipment context's runtime entry (for composition roots): the carrier's label steps and the warehouse's. */
export { carrierActivities } from './carrier';
export { warehouseActivities } from './warehouse';
