/** The shipment context's contract in api/: the warehouse callbacks' body schemas (the OpenAPI document describes it). */
export { returnReceivedEvent, shippedEvent, wmsEvent } from './wms';
