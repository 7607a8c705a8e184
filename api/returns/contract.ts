/** The returns context's contract in api/: an order's returns (GET /orders/:id lists them) and the request schemas the OpenAPI document describes. */
export { returnsOfOrder, type ReturnView } from './returnView';
export { cancelReturnSchema, createReturnSchema, returnLineSchema } from './schemas';
