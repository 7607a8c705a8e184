/** The shipment context's contract in api/: the warehouse callback's body schema (the OpenAPI document describes it). */
export { shippedEvent } from './wms';
