/** The shipment context's runtime entry (for composition roots): the carrier's label steps and the warehouse's, and the adapters of their ports. */
export { carrierActivities } from './carrier';
export { warehouseActivities } from './warehouse';
export { simCarrier } from './adapters/simCarrier';
export { simWms } from './adapters/simWms';
