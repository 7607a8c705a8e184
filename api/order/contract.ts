/**
 * The order context's contract in api/: the staff search's query schema (the OpenAPI document describes it), who may
 * act on an order (a return is requested by the order's owner or staff), and how a route sends an update to a
 * running workflow and words what can go wrong on the way.
 */
export { searchQuerySchema } from './searchOrders';
export { mayAccess, ownerOf, type Viewer } from './ownership';
export { SAGA_UPDATE_TIMEOUT_MS, updateSaga } from './sagaUpdates';
export { requestHash } from './canonicalJson';
